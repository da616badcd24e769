// PG_STATS_BIN (docs/protocol.md): a PG_STATS message as a small JSON head
// and fixed-layout little-endian PG records, so the manager reads 311,000 PGs
// a period straight from the frames instead of parsing ~28 MB/s of JSON into
// short-lived objects. encodePgStats is pure (the daemon's side);
// PgStatsDecoder checks a whole payload before anything may apply it, and
// walks records with one cursor reused across records and messages. From
// protocol version 2 the heartbeat ping times follow the records in binary
// (ping-times.ts), not in the head.

import { popcount32 } from '../common/bits.js';
import { FrameError, FrameType, PING_SECTION_VERSION, PROTOCOL_VERSION } from './frames.js';
import { CLIENT_FRAME_BOUNDS, MAX_PG_STATS_BIN_HEAD_BYTES } from './frame-bounds.js';
import { parseJsonBounded } from './json-bounded.js';
import {
  MAX_POOL_ID, parsePgid, parseVersion,
  type DecodedPgStats, type OsdStatReport, type PgReportCursor, type PgStatReport, type PgStatsMsg, type StoreStatfs,
} from './messages.js';
import {
  MAX_PING_PEERS, PING_RECORD_BYTES, checkPingRows, packPingTimes, pingPeerCount, readPingRows, unpackPingTimes,
} from './ping-times.js';
import {
  MAX_PG_STATES, PG_RECORD_FIXED_BYTES, PgRecordScalars, PgRecordScratch, PgStatsBinWriter, R, type PgRecordFields, type PgStatsBinHead,
} from './pg-stats-writer.js';

export { MAX_PG_SET, MAX_PG_STATES, PG_RECORD_FIXED_BYTES, PgStatsBinWriter, type PgStatsBinHead } from './pg-stats-writer.js';


/**
 * The PG_STATS_BIN payload of a message, in the layout of protocol `version`
 * (the session's; 2 and later: ping times in a section after the records,
 * from msg.packedPingTimes or else osd_stat.network_ping_times; 1: ping times
 * as JSON in the head). Throws RangeError, naming the PG and field, for what
 * the format cannot carry (ids beyond int32, epochs beyond u32, a version not
 * EPOCH'V, sets longer than 255, a stat value that is not a number, more than
 * MAX_PING_PEERS peers): the sender then falls back to the JSON PG_STATS frame.
 */
export function encodePgStats(msg: PgStatsMsg, version: number = PROTOCOL_VERSION, writer: PgStatsBinWriter = new PgStatsBinWriter()): Buffer {
  writer.reset();
  const rec = new JsonRecordFields();
  for (const r of msg.pg_stats) writer.add(rec.of(r));
  return finishPgStats(writer, msg, version);
}

/**
 * The payload of a message whose records were added to `writer` (the
 * simulator adds its own): the head of `msg` (its osd_stat in the form of
 * protocol `version`) and, from version 2, its ping times as the section.
 */
export function finishPgStats(writer: PgStatsBinWriter, msg: Omit<PgStatsMsg, 'pg_stats'>, version: number): Buffer {
  const section = version >= PING_SECTION_VERSION;
  const head: Omit<PgStatsBinHead, 'states'> = { osd: msg.osd, epoch: msg.epoch, stamp: msg.stamp, osd_stat: headOsdStat(msg, section) };
  if (msg.pool_statfs !== undefined) head.pool_statfs = msg.pool_statfs;
  return writer.finish(head, section ? packedPingOf(msg) : undefined, version);
}

/** The ping times a version 2 message sends: packed as given, or packed from the JSON form. */
function packedPingOf(msg: Omit<PgStatsMsg, 'pg_stats'>): Uint32Array {
  const packed = msg.packedPingTimes;
  const json = (msg.osd_stat as OsdStatReport | undefined)?.network_ping_times;
  const n = packed !== undefined ? pingPeerCount(packed) : json?.length ?? 0;
  if (n > MAX_PING_PEERS) throw new RangeError(`PG_STATS_BIN cannot carry ping times to ${n} peers (at most ${MAX_PING_PEERS})`);
  return packed ?? (json !== undefined ? packPingTimes(json) : new Uint32Array(0));
}

/** osd_stat as the head carries it: without ping times in version 2, with them as JSON in version 1. */
function headOsdStat(msg: Omit<PgStatsMsg, 'pg_stats'>, section: boolean): OsdStatReport {
  if (typeof msg.osd_stat !== 'object' || msg.osd_stat === null) return msg.osd_stat; // sent as is: the receiver refuses it
  const { network_ping_times: json, ...rest } = msg.osd_stat;
  if (section) return rest;
  if (json !== undefined) return msg.osd_stat;
  return msg.packedPingTimes !== undefined ? { ...rest, network_ping_times: unpackPingTimes(msg.packedPingTimes) } : msg.osd_stat;
}

/** A JSON PgStatReport seen as record fields (checked for what only JSON can get wrong: types, pgid, version text). */
class JsonRecordFields extends PgRecordScalars implements PgRecordFields {
  up: ArrayLike<number> = [];
  acting: ArrayLike<number> = [];
  blockedBy: ArrayLike<number> = [];
  statSum: ArrayLike<number> = [];
  private readonly version = { versionEpoch: 0, versionV: 0 };

  of(r: PgStatReport): this {
    const id = typeof r.pgid === 'string' ? parsePgid(r.pgid) : undefined;
    if (!id) throw cannot(r, 'pgid is not POOL.HEXSEED');
    if (typeof r.state !== 'string') throw cannot(r, 'state is not a string');
    if (!parseVersion(typeof r.version === 'string' ? r.version : "0'0", this.version)) throw cannot(r, `version ${JSON.stringify(r.version)} is not EPOCH'V`);
    this.pool = id.pool;
    this.ps = id.ps;
    this.state = r.state;
    this.up = arrayOf(r, r.up, 'up');
    this.upCount = this.up.length;
    this.acting = arrayOf(r, r.acting, 'acting');
    this.actingCount = this.acting.length;
    this.blockedBy = r.blocked_by === undefined ? [] : arrayOf(r, r.blocked_by, 'blocked_by');
    this.blockedByCount = this.blockedBy.length;
    this.versionEpoch = this.version.versionEpoch;
    this.versionV = this.version.versionV;
    // What the PGMap reads leniently (an absent or odd value is 0) is sent as it reads it.
    this.readScalars(r);
    this.statSum = arrayOf(r, r.stat_sum, 'stat_sum');
    return this;
  }
}

function arrayOf(r: PgStatReport, v: unknown, what: string): ArrayLike<number> {
  if (!Array.isArray(v)) throw cannot(r, `${what} is not an array`);
  return v as number[];
}

function cannot(r: PgStatReport, why: string): RangeError {
  return new RangeError(`PG_STATS_BIN cannot carry pg ${String(r.pgid)}: ${why}`);
}

/**
 * A checked PG_STATS_BIN message: the head's fields, and the records read in
 * place by records(). It is a PgStatsMsg, so it goes wherever a JSON message
 * goes; the PGMap reads it through cursor() and never builds `pg_stats`.
 * Valid while its payload is (the frame handler's call).
 */
export class PgStatsFrame implements PgStatsMsg, DecodedPgStats {
  readonly osd: number;
  readonly epoch: number;
  readonly stamp: number;
  readonly osd_stat: OsdStatReport;
  readonly pool_statfs?: Array<{ poolid: number } & StoreStatfs>;
  readonly states: readonly string[];

  /** Only PgStatsDecoder.decode makes one, after checking every record and the ping section. */
  constructor(
    head: PgStatsBinHead,
    private readonly view: DataView,
    private readonly at: number,
    readonly count: number,
    private readonly shared: BinPgCursor,
    /** Where the ping section's rows start, and how many; pingAt -1: no section (version 1). */
    private readonly pingAt: number,
    readonly pingPeers: number,
  ) {
    this.osd = head.osd;
    this.epoch = head.epoch;
    this.stamp = head.stamp;
    this.osd_stat = head.osd_stat;
    if (head.pool_statfs !== undefined) this.pool_statfs = head.pool_statfs;
    this.states = head.states;
  }

  /** The records from the first, through the decoder's one cursor: one walk at a time. */
  records(): PgReportCursor {
    return this.shared.start(this.view, this.at, this.count, this.states);
  }

  /** The ping section's rows, into `into` when it has their size (no allocation); undefined for a version 1 frame. */
  pingTimesInto(into: Uint32Array | undefined): Uint32Array | undefined {
    return this.pingAt < 0 ? undefined : readPingRows(this.view, this.pingAt, this.pingPeers, into);
  }

  /** The ping section as a new array (tools, tests; the manager reads pingTimesInto). */
  get packedPingTimes(): Uint32Array | undefined {
    return this.pingTimesInto(undefined);
  }

  /** The records as JSON-shaped objects (tools, tests): allocates, the manager does not use it. */
  get pg_stats(): PgStatReport[] {
    const c = new BinPgCursor().start(this.view, this.at, this.count, this.states);
    const out: PgStatReport[] = [];
    while (c.next()) out.push(c.toReport());
    return out;
  }
}

/** Decodes PG_STATS_BIN payloads. Holds the cursor every message it decodes shares: one per server. */
export class PgStatsDecoder {
  private readonly cursor = new BinPgCursor();

  /**
   * Checks the whole payload (head, every record, the ping section of
   * `version` 2 on, no byte left over) and returns the message; throws
   * FrameError EBADMSG (lengths, head, the ping section's count) or ESCHEMA
   * (a record's values, a ping peer's id) otherwise.
   */
  decode(payload: Buffer, version: number = PROTOCOL_VERSION): PgStatsFrame {
    if (payload.length < 8) throw new FrameError('EBADMSG', `PG_STATS_BIN of ${payload.length} bytes is shorter than its head length and PG count`);
    const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    const headLen = view.getUint32(0, true);
    if (headLen > payload.length - 8) throw new FrameError('EBADMSG', `PG_STATS_BIN head length ${headLen} leaves no room for the PG count in ${payload.length} bytes`);
    if (headLen > MAX_PG_STATS_BIN_HEAD_BYTES) throw new FrameError('EBADMSG', `PG_STATS_BIN head of ${headLen} bytes exceeds its maximum of ${MAX_PG_STATS_BIN_HEAD_BYTES}`);
    let head: unknown;
    try {
      head = parseJsonBounded(payload.subarray(4, 4 + headLen), CLIENT_FRAME_BOUNDS[FrameType.PG_STATS_BIN]!.maxDepth);
    } catch (err) {
      throw new FrameError('EBADMSG', `PG_STATS_BIN head is not valid JSON: ${(err as Error).message}`);
    }
    checkHead(head);
    const section = version >= PING_SECTION_VERSION;
    if (section && (head.osd_stat as Partial<OsdStatReport> | undefined)?.network_ping_times !== undefined) {
      throw new FrameError('EBADMSG', 'PG_STATS_BIN head carries osd_stat.network_ping_times: from protocol version 2 they go in the ping section');
    }
    const at = 8 + headLen;
    const count = view.getUint32(at - 4, true);
    if (count > (payload.length - at) / PG_RECORD_FIXED_BYTES) {
      throw new FrameError('EBADMSG', `PG_STATS_BIN says ${count} PGs but has ${payload.length - at} bytes for them`);
    }
    const c = this.cursor.start(view, at, count, head.states);
    while (c.next());
    const end = c.offset;
    if (!section) {
      if (end !== payload.length) throw new FrameError('EBADMSG', `PG_STATS_BIN has ${payload.length - end} bytes after its ${count} PGs`);
      return new PgStatsFrame(head, view, at, count, this.cursor, -1, 0);
    }
    const peers = checkPingSection(view, end);
    return new PgStatsFrame(head, view, at, count, this.cursor, end + 4, peers);
  }
}

function checkHead(head: unknown): asserts head is PgStatsBinHead {
  if (typeof head !== 'object' || head === null || Array.isArray(head)) throw new FrameError('EBADMSG', 'PG_STATS_BIN head must be an object');
  const states = (head as { states?: unknown }).states;
  if (!Array.isArray(states) || states.length > MAX_PG_STATES || !states.every((s) => typeof s === 'string')) {
    throw new FrameError('EBADMSG', `PG_STATS_BIN head.states must be an array of at most ${MAX_PG_STATES} strings`);
  }
}

/** Checks the ping section at `at` (to the end of the payload); returns its peer count. */
function checkPingSection(view: DataView, at: number): number {
  const left = view.byteLength - at;
  if (left < 4) throw new FrameError('EBADMSG', `PG_STATS_BIN has ${left} bytes after its PGs: no room for the ping section's peer count`);
  const peers = view.getUint32(at, true);
  if (peers > MAX_PING_PEERS) throw new FrameError('EBADMSG', `PG_STATS_BIN ping section says ${peers} peers (at most ${MAX_PING_PEERS})`);
  if (left - 4 !== peers * PING_RECORD_BYTES) {
    throw new FrameError('EBADMSG', `PG_STATS_BIN ping section of ${peers} peers needs ${peers * PING_RECORD_BYTES} bytes, has ${left - 4}`);
  }
  const bad = checkPingRows(view, at + 4, peers);
  if (bad !== undefined) throw new FrameError('ESCHEMA', `PG_STATS_BIN ${bad}`);
  return peers;
}

const NO_BYTES: DataView = new DataView(new ArrayBuffer(0));

/** Reads records in place; every record is checked as it is read, so a walk either succeeds or throws. */
class BinPgCursor extends PgRecordScratch implements PgReportCursor {
  count = 0;
  readonly versionRaw = undefined;
  private view: DataView = NO_BYTES;
  private states: readonly string[] = [];
  private i = 0;
  /** Where the next record starts; after the last, the end of the records. */
  offset = 0;

  start(view: DataView, at: number, count: number, states: readonly string[]): this {
    this.view = view;
    this.offset = at;
    this.count = count;
    this.states = states;
    this.i = 0;
    return this;
  }

  next(): boolean {
    if (this.i >= this.count) {
      this.view = NO_BYTES; // the payload is not kept past the walk
      return false;
    }
    const v = this.view;
    let o = this.offset;
    if (o + PG_RECORD_FIXED_BYTES > v.byteLength) throw this.bad('EBADMSG', `its fixed ${PG_RECORD_FIXED_BYTES} bytes run past the payload`);
    const upN = v.getUint8(o + R.upN);
    const actingN = v.getUint8(o + R.actingN);
    const blockedN = v.getUint8(o + R.blockedN);
    const hi = v.getUint8(o + R.maskHi);
    const lo = v.getUint32(o + R.maskLo, true);
    const nStat = popcount32(lo) + popcount32(hi);
    const end = o + PG_RECORD_FIXED_BYTES + 4 * (upN + actingN + blockedN) + 8 * nStat;
    if (end > v.byteLength) throw this.bad('EBADMSG', `its ${end - o} bytes run past the payload`);
    this.pool = v.getUint32(o + R.pool, true);
    if (this.pool > MAX_POOL_ID) throw this.bad('ESCHEMA', `pool ${this.pool} is beyond ${MAX_POOL_ID}`);
    this.ps = v.getUint32(o + R.ps, true);
    const state = v.getUint16(o + R.state, true);
    if (state >= this.states.length) throw this.bad('ESCHEMA', `state index ${state} is not in the head's ${this.states.length} states`);
    this.state = this.states[state]!;
    this.upPrimary = v.getInt32(o + R.upPrimary, true);
    this.actingPrimary = v.getInt32(o + R.actingPrimary, true);
    this.versionEpoch = v.getUint32(o + R.versionEpoch, true);
    this.versionV = v.getFloat64(o + R.versionV, true);
    if (!Number.isSafeInteger(this.versionV) || this.versionV < 0) throw this.bad('ESCHEMA', `version v ${this.versionV} is not a non-negative integer`);
    this.reportedEpoch = v.getUint32(o + R.reportedEpoch, true);
    this.reportedSeq = this.f64(o + R.reportedSeq, 'reported_seq');
    this.logSize = this.f64(o + R.logSize, 'log_size');
    this.ondiskLogSize = this.f64(o + R.ondiskLogSize, 'ondisk_log_size');
    this.lastScrubStamp = this.f64(o + R.lastScrub, 'last_scrub_stamp');
    this.lastDeepScrubStamp = this.f64(o + R.lastDeepScrub, 'last_deep_scrub_stamp');
    this.lastChange = this.f64(o + R.lastChange, 'last_change');
    this.lastClean = this.f64(o + R.lastClean, 'last_clean');
    o += PG_RECORD_FIXED_BYTES;
    o = readIds(v, o, this.up, upN);
    this.upCount = upN;
    o = readIds(v, o, this.acting, actingN);
    this.actingCount = actingN;
    o = readIds(v, o, this.blockedBy, blockedN);
    this.blockedByCount = blockedN;
    const stat = this.statSum;
    stat.fill(0);
    for (let m = lo; m !== 0; m &= m - 1, o += 8) stat[31 - Math.clz32(m & -m)] = this.f64(o, 'stat_sum');
    for (let m = hi; m !== 0; m &= m - 1, o += 8) stat[63 - Math.clz32(m & -m)] = this.f64(o, 'stat_sum');
    this.offset = o;
    this.i++;
    return true;
  }

  private f64(at: number, what: string): number {
    const x = this.view.getFloat64(at, true);
    if (!Number.isFinite(x)) throw this.bad('ESCHEMA', `${what} is ${x}`);
    return x;
  }

  private bad(code: string, why: string): FrameError {
    return new FrameError(code, `PG_STATS_BIN PG ${this.i} of ${this.count} (at byte ${this.offset}): ${why}`);
  }
}

function readIds(v: DataView, o: number, into: Int32Array, n: number): number {
  for (let i = 0; i < n; i++, o += 4) into[i] = v.getInt32(o, true);
  return o;
}
