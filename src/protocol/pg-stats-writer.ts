// The PG_STATS_BIN writer (docs/protocol.md): PG records written one at a
// time from a record's fields (numbers and typed arrays, the decoder's cursor
// shape), then the JSON head and the ping section around them. Both senders
// go through it: encodePgStats fills the fields from a PG_STATS message's
// objects; the simulator fills them straight from its PG table, so an OSD's
// report never exists as an object graph (at 10,000 OSDs that graph was
// ~38 KB of garbage per report, most of the embedded simulator's GC).
//
// One writer is reused across messages (its record buffer grows to the
// largest message and stays): use it from one synchronous caller at a time.

import { PING_SECTION_VERSION } from './frames.js';
import { MAX_POOL_ID, STAT_SUM_FIELDS, num, pgidOf, type OsdStatReport, type PgReportCursor, type PgStatReport, type StoreStatfs } from './messages.js';
import { NO_PING_TIMES, PING_RECORD_BYTES, pingPeerCount, writePingSection } from './ping-times.js';

/** Byte offsets of a record's fixed part (docs/protocol.md has the table). */
export const R = {
  pool: 0, ps: 4, state: 8, upN: 10, actingN: 11, blockedN: 12, maskHi: 13, maskLo: 14,
  upPrimary: 18, actingPrimary: 22, versionEpoch: 26, versionV: 30, reportedEpoch: 38, reportedSeq: 42,
  logSize: 50, ondiskLogSize: 58, lastScrub: 66, lastDeepScrub: 74, lastChange: 82, lastClean: 90,
} as const;
/** Bytes of a record before its ids and stat values. */
export const PG_RECORD_FIXED_BYTES = 98;
/** Longest up, acting or blocked_by set (a u8 length). */
export const MAX_PG_SET = 255;
/** Most distinct state strings in one message (a u16 index). */
export const MAX_PG_STATES = 65_536;
const STAT_N = STAT_SUM_FIELDS.length;
const U32_MAX = 0xffffffff;
/** The most one record can take: the fixed part, three full sets, every stat value. */
const MAX_RECORD_BYTES = PG_RECORD_FIXED_BYTES + 3 * 4 * MAX_PG_SET + 8 * STAT_N;

/** One PG record's values, as the decoder's cursor gives them back (ids at [0, count) of their arrays). */
export type PgRecordFields = Omit<PgReportCursor, 'count' | 'next' | 'versionRaw'>;

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

/** A record's scalar fields, each at its empty value: the base of every record shape below. */
export class PgRecordScalars {
  pool = 0;
  ps = 0;
  state = '';
  upCount = 0;
  actingCount = 0;
  blockedByCount = 0;
  upPrimary = -1;
  actingPrimary = -1;
  versionEpoch = 0;
  versionV = 0;
  reportedEpoch = 0;
  reportedSeq = 0;
  logSize = 0;
  ondiskLogSize = 0;
  lastScrubStamp = 0;
  lastDeepScrubStamp = 0;
  lastChange = 0;
  lastClean = 0;

  /** The scalars a JSON report gives as numbers, read as the PGMap reads them (an absent or odd value: 0, or -1 for a primary). */
  readScalars(r: PgStatReport): void {
    this.upPrimary = num(r.up_primary, -1);
    this.actingPrimary = num(r.acting_primary, -1);
    this.reportedEpoch = r.reported_epoch;
    this.reportedSeq = r.reported_seq;
    this.logSize = num(r.log_size);
    this.ondiskLogSize = num(r.ondisk_log_size);
    this.lastScrubStamp = num(r.last_scrub_stamp);
    this.lastDeepScrubStamp = num(r.last_deep_scrub_stamp);
    this.lastChange = num(r.last_change);
    this.lastClean = num(r.last_clean);
  }
}

/**
 * A record refilled in place, its sets and stats in typed arrays (the
 * decoder's cursor, the simulator's record): no allocation per record.
 */
export class PgRecordScratch extends PgRecordScalars implements PgRecordFields {
  readonly up = new Int32Array(MAX_PG_SET);
  readonly acting = new Int32Array(MAX_PG_SET);
  readonly blockedBy = new Int32Array(MAX_PG_SET);
  readonly statSum = new Float64Array(STAT_N);

  /**
   * The current record as a JSON PgStatReport. As the decoder gives it back,
   * last_clean and blocked_by are there only when set; a sender that always
   * writes them (the simulator: last_clean always, blocked_by for a down PG)
   * says so.
   */
  toReport(lastCleanAlways = false, blockedByAlways = false): PgStatReport {
    const r: PgStatReport = {
      pgid: pgidOf(this.pool, this.ps), state: this.state,
      up: Array.from(this.up.subarray(0, this.upCount)), acting: Array.from(this.acting.subarray(0, this.actingCount)),
      up_primary: this.upPrimary, acting_primary: this.actingPrimary, version: `${this.versionEpoch}'${this.versionV}`,
      reported_epoch: this.reportedEpoch, reported_seq: this.reportedSeq, log_size: this.logSize, ondisk_log_size: this.ondiskLogSize,
      last_scrub_stamp: this.lastScrubStamp, last_deep_scrub_stamp: this.lastDeepScrubStamp, last_change: this.lastChange,
      ...(lastCleanAlways || this.lastClean !== 0 ? { last_clean: this.lastClean } : {}),
      stat_sum: Array.from(this.statSum),
    };
    if (blockedByAlways || this.blockedByCount > 0) r.blocked_by = Array.from(this.blockedBy.subarray(0, this.blockedByCount));
    return r;
  }
}

export class PgStatsBinWriter {
  private buf: Buffer;
  private dv: DataView;
  private o = 0;
  private count = 0;
  private states: string[] = [];
  private readonly stateIndex = new Map<string, number>();

  constructor(initialBytes = 16 * 1024) {
    this.buf = Buffer.allocUnsafe(Math.max(initialBytes, MAX_RECORD_BYTES));
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  /** Starts a message: no records, no states. */
  reset(): this {
    this.o = 0;
    this.count = 0;
    this.states = [];
    this.stateIndex.clear();
    return this;
  }

  /**
   * Appends one record. Throws RangeError, naming the PG and field, for what
   * the format cannot carry (a pool beyond MAX_POOL_ID, ps beyond u32, ids or
   * primaries beyond int32, epochs beyond u32, a version v that is not a
   * non-negative integer, sets longer than 255, a stat value that is not a
   * number, too many states); the message is then unusable (reset() it).
   */
  add(r: PgRecordFields): void {
    if (!Number.isInteger(r.pool) || r.pool < 0 || r.pool > MAX_POOL_ID || !Number.isInteger(r.ps) || r.ps < 0 || r.ps > U32_MAX) {
      throw new RangeError(`PG_STATS_BIN cannot carry pg ${r.pool}.${r.ps}: not a pool id and a 32-bit seed`);
    }
    let state = this.stateIndex.get(r.state);
    if (state === undefined) {
      if (typeof r.state !== 'string') throw cannot(r, 'state is not a string');
      if (this.states.length === MAX_PG_STATES) throw cannot(r, `more than ${MAX_PG_STATES} distinct states`);
      state = this.states.length;
      this.stateIndex.set(r.state, state);
      this.states.push(r.state);
    }
    if (!Number.isInteger(r.versionEpoch) || r.versionEpoch < 0 || r.versionEpoch > U32_MAX) throw cannot(r, `version epoch ${r.versionEpoch} is not a 32-bit unsigned integer`);
    if (!Number.isSafeInteger(r.versionV) || r.versionV < 0) throw cannot(r, `version v ${r.versionV} is not a non-negative integer`);
    if (!Number.isInteger(r.reportedEpoch) || r.reportedEpoch < 0 || r.reportedEpoch > U32_MAX) throw cannot(r, 'reported_epoch is not a 32-bit unsigned integer');
    if (typeof r.reportedSeq !== 'number') throw cannot(r, 'reported_seq is not a number');
    checkSet(r, r.up, r.upCount, 'up');
    checkSet(r, r.acting, r.actingCount, 'acting');
    checkSet(r, r.blockedBy, r.blockedByCount, 'blocked_by');
    this.ensure(MAX_RECORD_BYTES);
    const dv = this.dv;
    const at = this.o;
    dv.setUint32(at + R.pool, r.pool, true);
    dv.setUint32(at + R.ps, r.ps, true);
    dv.setUint16(at + R.state, state, true);
    dv.setUint8(at + R.upN, r.upCount);
    dv.setUint8(at + R.actingN, r.actingCount);
    dv.setUint8(at + R.blockedN, r.blockedByCount);
    dv.setInt32(at + R.upPrimary, int32(r, r.upPrimary, 'up_primary'), true);
    dv.setInt32(at + R.actingPrimary, int32(r, r.actingPrimary, 'acting_primary'), true);
    dv.setUint32(at + R.versionEpoch, r.versionEpoch, true);
    dv.setFloat64(at + R.versionV, r.versionV, true);
    dv.setUint32(at + R.reportedEpoch, r.reportedEpoch, true);
    dv.setFloat64(at + R.reportedSeq, r.reportedSeq, true);
    dv.setFloat64(at + R.logSize, r.logSize, true);
    dv.setFloat64(at + R.ondiskLogSize, r.ondiskLogSize, true);
    dv.setFloat64(at + R.lastScrub, r.lastScrubStamp, true);
    dv.setFloat64(at + R.lastDeepScrub, r.lastDeepScrubStamp, true);
    dv.setFloat64(at + R.lastChange, r.lastChange, true);
    dv.setFloat64(at + R.lastClean, r.lastClean, true);
    let o = at + PG_RECORD_FIXED_BYTES;
    for (let i = 0; i < r.upCount; i++, o += 4) dv.setInt32(o, r.up[i]!, true);
    for (let i = 0; i < r.actingCount; i++, o += 4) dv.setInt32(o, r.acting[i]!, true);
    for (let i = 0; i < r.blockedByCount; i++, o += 4) dv.setInt32(o, r.blockedBy[i]!, true);
    // Only the non-zero stat values travel, named by a 40-bit mask (NaN is sent: the receiver refuses it, as JSON would).
    const stat = r.statSum;
    const len = Math.min(stat.length, STAT_N);
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < len; i++) {
      const v: unknown = stat[i];
      if (typeof v !== 'number') throw cannot(r, `stat_sum[${i}] is not a number`);
      if (v === 0) continue;
      if (i < 32) lo |= 1 << i;
      else hi |= 1 << (i - 32);
      dv.setFloat64(o, v, true);
      o += 8;
    }
    dv.setUint8(at + R.maskHi, hi);
    dv.setUint32(at + R.maskLo, lo >>> 0, true);
    this.o = o;
    this.count++;
  }

  /**
   * The payload: head (with this message's states), the records added since
   * reset(), and from protocol version 2 the ping section (`ping`, packed; an
   * empty section when undefined). The head's osd_stat must already be in the
   * version's form (version 1: ping times as JSON in it).
   */
  finish(head: Omit<PgStatsBinHead, 'states'>, ping: Uint32Array | undefined, version: number): Buffer {
    const full: PgStatsBinHead = { osd: head.osd, epoch: head.epoch, stamp: head.stamp, osd_stat: head.osd_stat, states: this.states };
    if (head.pool_statfs !== undefined) full.pool_statfs = head.pool_statfs;
    const json = JSON.stringify(full);
    const headLen = Buffer.byteLength(json);
    const section = version >= PING_SECTION_VERSION;
    const pingBytes = section ? 4 + pingPeerCount(ping ?? NO_PING_TIMES) * PING_RECORD_BYTES : 0;
    const out = Buffer.allocUnsafe(8 + headLen + this.o + pingBytes);
    const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
    dv.setUint32(0, headLen, true);
    out.write(json, 4, 'utf8');
    dv.setUint32(4 + headLen, this.count, true);
    this.buf.copy(out, 8 + headLen, 0, this.o);
    let o = 8 + headLen + this.o;
    if (section) o = writePingSection(dv, o, ping ?? NO_PING_TIMES);
    if (o !== out.length) throw new Error(`PgStatsBinWriter: wrote ${o} of ${out.length} bytes`);
    return out;
  }

  /** Room for `n` more bytes of records. */
  private ensure(n: number): void {
    if (this.o + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.o + n));
    this.buf.copy(grown, 0, 0, this.o);
    this.buf = grown;
    this.dv = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
  }
}

function checkSet(r: PgRecordFields, ids: ArrayLike<number>, n: number, what: string): void {
  if (!Number.isInteger(n) || n < 0 || n > ids.length) throw cannot(r, `${what} count ${n} does not fit its ${ids.length} ids`);
  if (n > MAX_PG_SET) throw cannot(r, `${what} has ${n} ids (at most ${MAX_PG_SET})`);
  for (let i = 0; i < n; i++) {
    const x = ids[i];
    if (typeof x !== 'number' || (x | 0) !== x) throw cannot(r, `${what} id ${String(x)} is not a 32-bit integer`);
  }
}

function int32(r: PgRecordFields, x: number, what: string): number {
  if ((x | 0) !== x) throw cannot(r, `${what} ${x} is not a 32-bit integer`);
  return x;
}

function cannot(r: PgRecordFields, why: string): RangeError {
  return new RangeError(`PG_STATS_BIN cannot carry pg ${r.pool}.${r.ps.toString(16)}: ${why}`);
}
