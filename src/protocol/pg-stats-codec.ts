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
  MAX_POOL_ID, STAT_SUM_FIELDS, num, parsePgid, parseVersion, pgidOf,
  type DecodedPgStats, type OsdStatReport, type PgReportCursor, type PgStatReport, type PgStatsMsg, type StoreStatfs,
} from './messages.js';
import {
  MAX_PING_PEERS, PING_RECORD_BYTES, checkPingRows, packPingTimes, pingPeerCount, readPingRows, unpackPingTimes, writePingSection,
} from './ping-times.js';

/** Byte offsets of a record's fixed part (docs/protocol.md has the table). */
const R = {
  pool: 0, ps: 4, state: 8, upN: 10, actingN: 11, blockedN: 12, maskHi: 13, maskLo: 14,
  upPrimary: 18, actingPrimary: 22, versionEpoch: 26, versionV: 30, reportedEpoch: 38, reportedSeq: 42,
  logSize: 50, ondiskLogSize: 58, lastScrub: 66, lastDeepScrub: 74, lastChange: 82, lastClean: 90,
} as const;
/** Bytes of a record before its ids and stat values. */
export const PG_RECORD_FIXED_BYTES = 98;
const STAT_N = STAT_SUM_FIELDS.length;
/** Longest up, acting or blocked_by set (a u8 length). */
export const MAX_PG_SET = 255;
/** Most distinct state strings in one message (a u16 index). */
export const MAX_PG_STATES = 65_536;
const U32_MAX = 0xffffffff;

/** The JSON head of a PG_STATS_BIN payload. */
export interface PgStatsBinHead {
  osd: number;
  epoch: number;
  stamp: number;
  osd_stat: OsdStatReport;
  pool_statfs?: Array<{ poolid: number } & StoreStatfs>;
  /** The PG state strings of this message; records name theirs by index. */
  states: string[];
}

/**
 * The PG_STATS_BIN payload of a message, in the layout of protocol `version`
 * (the session's; 2 and later: ping times in a section after the records,
 * from msg.packedPingTimes or else osd_stat.network_ping_times; 1: ping times
 * as JSON in the head). Throws RangeError, naming the PG and field, for what
 * the format cannot carry (ids beyond int32, epochs beyond u32, a version not
 * EPOCH'V, sets longer than 255, a stat value that is not a number, more than
 * MAX_PING_PEERS peers): the sender then falls back to the JSON PG_STATS frame.
 */
export function encodePgStats(msg: PgStatsMsg, version: number = PROTOCOL_VERSION): Buffer {
  const pgs = msg.pg_stats;
  const states: string[] = [];
  const stateIndex = new Map<string, number>();
  let bytes = 0;
  for (const r of pgs) {
    if (typeof r.state !== 'string') throw cannot(r, 'state is not a string');
    if (!stateIndex.has(r.state)) {
      if (states.length === MAX_PG_STATES) throw cannot(r, `more than ${MAX_PG_STATES} distinct states`);
      stateIndex.set(r.state, states.length);
      states.push(r.state);
    }
    const n = setLength(r, r.up, 'up') + setLength(r, r.acting, 'acting') + (r.blocked_by === undefined ? 0 : setLength(r, r.blocked_by, 'blocked_by'));
    bytes += PG_RECORD_FIXED_BYTES + 4 * n + 8 * statMask(r, undefined);
  }
  const section = version >= PING_SECTION_VERSION;
  const ping = section ? packedPingOf(msg) : undefined;
  if (ping) bytes += 4 + ping.length * 4;
  const head: PgStatsBinHead = { osd: msg.osd, epoch: msg.epoch, stamp: msg.stamp, osd_stat: headOsdStat(msg, section), states };
  if (msg.pool_statfs !== undefined) head.pool_statfs = msg.pool_statfs;
  const json = JSON.stringify(head);
  const headLen = Buffer.byteLength(json);
  const out = Buffer.allocUnsafe(8 + headLen + bytes);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  dv.setUint32(0, headLen, true);
  out.write(json, 4, 'utf8');
  dv.setUint32(4 + headLen, pgs.length, true);
  let o = 8 + headLen;
  for (const r of pgs) o = writeRecord(dv, o, r, stateIndex.get(r.state)!);
  if (ping) o = writePingSection(dv, o, ping);
  if (o !== out.length) throw new Error(`encodePgStats: wrote ${o} of ${out.length} bytes`);
  return out;
}

/** The ping times a version 2 message sends: packed as given, or packed from the JSON form. */
function packedPingOf(msg: PgStatsMsg): Uint32Array {
  const packed = msg.packedPingTimes;
  const json = (msg.osd_stat as OsdStatReport | undefined)?.network_ping_times;
  const n = packed !== undefined ? pingPeerCount(packed) : json?.length ?? 0;
  if (n > MAX_PING_PEERS) throw new RangeError(`PG_STATS_BIN cannot carry ping times to ${n} peers (at most ${MAX_PING_PEERS})`);
  return packed ?? (json !== undefined ? packPingTimes(json) : new Uint32Array(0));
}

/** osd_stat as the head carries it: without ping times in version 2, with them as JSON in version 1. */
function headOsdStat(msg: PgStatsMsg, section: boolean): OsdStatReport {
  if (typeof msg.osd_stat !== 'object' || msg.osd_stat === null) return msg.osd_stat; // sent as is: the receiver refuses it
  const { network_ping_times: json, ...rest } = msg.osd_stat;
  if (section) return rest;
  if (json !== undefined) return msg.osd_stat;
  return msg.packedPingTimes !== undefined ? { ...rest, network_ping_times: unpackPingTimes(msg.packedPingTimes) } : msg.osd_stat;
}

const mask = { lo: 0, hi: 0 };
const version = { versionEpoch: 0, versionV: 0 };

function writeRecord(dv: DataView, o: number, r: PgStatReport, state: number): number {
  const id = typeof r.pgid === 'string' ? parsePgid(r.pgid) : undefined;
  if (!id) throw cannot(r, 'pgid is not POOL.HEXSEED');
  if (!parseVersion(typeof r.version === 'string' ? r.version : "0'0", version) || version.versionEpoch > U32_MAX) {
    throw cannot(r, `version ${JSON.stringify(r.version)} is not EPOCH'V with a 32-bit epoch`);
  }
  if (!Number.isInteger(r.reported_epoch) || r.reported_epoch < 0 || r.reported_epoch > U32_MAX) throw cannot(r, 'reported_epoch is not a 32-bit unsigned integer');
  if (typeof r.reported_seq !== 'number') throw cannot(r, 'reported_seq is not a number');
  const blocked = r.blocked_by ?? [];
  const n = statMask(r, mask);
  dv.setUint32(o + R.pool, id.pool, true);
  dv.setUint32(o + R.ps, id.ps, true);
  dv.setUint16(o + R.state, state, true);
  dv.setUint8(o + R.upN, r.up.length);
  dv.setUint8(o + R.actingN, r.acting.length);
  dv.setUint8(o + R.blockedN, blocked.length);
  dv.setUint8(o + R.maskHi, mask.hi);
  dv.setUint32(o + R.maskLo, mask.lo, true);
  dv.setInt32(o + R.upPrimary, int32(r, r.up_primary, 'up_primary'), true);
  dv.setInt32(o + R.actingPrimary, int32(r, r.acting_primary, 'acting_primary'), true);
  dv.setUint32(o + R.versionEpoch, version.versionEpoch, true);
  dv.setFloat64(o + R.versionV, version.versionV, true);
  dv.setUint32(o + R.reportedEpoch, r.reported_epoch, true);
  dv.setFloat64(o + R.reportedSeq, r.reported_seq, true);
  // What the PGMap reads leniently (an absent or odd value is 0) is sent as it reads it.
  dv.setFloat64(o + R.logSize, num(r.log_size), true);
  dv.setFloat64(o + R.ondiskLogSize, num(r.ondisk_log_size), true);
  dv.setFloat64(o + R.lastScrub, num(r.last_scrub_stamp), true);
  dv.setFloat64(o + R.lastDeepScrub, num(r.last_deep_scrub_stamp), true);
  dv.setFloat64(o + R.lastChange, num(r.last_change), true);
  dv.setFloat64(o + R.lastClean, num(r.last_clean), true);
  o += PG_RECORD_FIXED_BYTES;
  for (const set of [r.up, r.acting, blocked]) {
    for (let i = 0; i < set.length; i++, o += 4) dv.setInt32(o, set[i]!, true);
  }
  const stat = r.stat_sum;
  for (let i = 0; i < STAT_N && n > 0; i++) {
    if (i < stat.length && stat[i] !== 0) {
      dv.setFloat64(o, stat[i]!, true);
      o += 8;
    }
  }
  return o;
}

/** Number of stat values sent (non-zero; NaN is sent and refused by the receiver, as JSON would be); the mask into `out`. */
function statMask(r: PgStatReport, out: { lo: number; hi: number } | undefined): number {
  const stat: unknown = r.stat_sum;
  if (!Array.isArray(stat)) throw cannot(r, 'stat_sum is not an array');
  let lo = 0;
  let hi = 0;
  let n = 0;
  const len = Math.min(stat.length, STAT_N);
  for (let i = 0; i < len; i++) {
    const v: unknown = stat[i];
    if (typeof v !== 'number') throw cannot(r, `stat_sum[${i}] is not a number`);
    if (v === 0) continue;
    if (i < 32) lo |= 1 << i;
    else hi |= 1 << (i - 32);
    n++;
  }
  if (out) {
    out.lo = lo >>> 0;
    out.hi = hi;
  }
  return n;
}

function setLength(r: PgStatReport, ids: unknown, what: string): number {
  if (!Array.isArray(ids)) throw cannot(r, `${what} is not an array`);
  if (ids.length > MAX_PG_SET) throw cannot(r, `${what} has ${ids.length} ids (at most ${MAX_PG_SET})`);
  for (const x of ids) if (typeof x !== 'number' || (x | 0) !== x) throw cannot(r, `${what} id ${String(x)} is not a 32-bit integer`);
  return ids.length;
}

function int32(r: PgStatReport, v: unknown, what: string): number {
  const x = num(v, -1);
  if ((x | 0) !== x) throw cannot(r, `${what} ${x} is not a 32-bit integer`);
  return x;
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
class BinPgCursor implements PgReportCursor {
  count = 0;
  pool = 0;
  ps = 0;
  state = '';
  readonly up = new Int32Array(MAX_PG_SET);
  upCount = 0;
  readonly acting = new Int32Array(MAX_PG_SET);
  actingCount = 0;
  upPrimary = -1;
  actingPrimary = -1;
  versionEpoch = 0;
  versionV = 0;
  readonly versionRaw = undefined;
  reportedEpoch = 0;
  reportedSeq = 0;
  logSize = 0;
  ondiskLogSize = 0;
  lastScrubStamp = 0;
  lastDeepScrubStamp = 0;
  lastChange = 0;
  lastClean = 0;
  readonly statSum = new Float64Array(STAT_N);
  readonly blockedBy = new Int32Array(MAX_PG_SET);
  blockedByCount = 0;
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

  /** The current record as a JSON PgStatReport. */
  toReport(): PgStatReport {
    const r: PgStatReport = {
      pgid: pgidOf(this.pool, this.ps), state: this.state,
      up: Array.from(this.up.subarray(0, this.upCount)), acting: Array.from(this.acting.subarray(0, this.actingCount)),
      up_primary: this.upPrimary, acting_primary: this.actingPrimary, version: `${this.versionEpoch}'${this.versionV}`,
      reported_epoch: this.reportedEpoch, reported_seq: this.reportedSeq, log_size: this.logSize, ondisk_log_size: this.ondiskLogSize,
      last_scrub_stamp: this.lastScrubStamp, last_deep_scrub_stamp: this.lastDeepScrubStamp, last_change: this.lastChange,
      stat_sum: Array.from(this.statSum),
    };
    if (this.lastClean !== 0) r.last_clean = this.lastClean;
    if (this.blockedByCount > 0) r.blocked_by = Array.from(this.blockedBy.subarray(0, this.blockedByCount));
    return r;
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
