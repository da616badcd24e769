// One PG as callers see it (PgRecord, a view of a PgTable row), how a report
// sets a row, the check of a JSON PG_STATS message before it touches anything,
// and the walk over its records that the binary one shares (PgReportCursor).

import { MAX_PING_PEERS, OsdExtrasError, checkOsAlerts, checkPingTimes } from './osd-ping.js';
import { PING_FIELDS } from '../protocol/ping-times.js';
import {
  num, parsePgid, parseVersion, pgidOf, type DecodedPgStats, type PgReportCursor, type PgStatReport, type PgStatsMsg,
} from '../protocol/messages.js';
import { PgRecordScalars } from '../protocol/pg-stats-writer.js';
import { PGF } from './pg-states.js';
import { PGT, STAMP_N } from './pg-stamps.js';
import { PGI, type PgTable } from './pg-table.js';

export { num, parsePgid, pgidOf };

/**
 * One PG's fields, read from its PgTable row on access (arrays are fresh
 * copies). A view, not a snapshot: valid until the PGMap next changes, when
 * its row may hold another PG. Times are Unix seconds, 0 = never.
 */
export class PgRecord {
  constructor(
    private readonly t: PgTable,
    readonly row: number,
  ) {}

  get pgid(): string { return pgidOf(this.pool, this.ps); }
  get pool(): number { return this.t.pool[this.row]!; }
  get ps(): number { return this.t.ps[this.row]!; }
  /** Id in the PGMap's state table. */
  get stateId(): number { return this.t.state[this.row]!; }
  get up(): number[] { return this.t.up.toArray(this.row); }
  get acting(): number[] { return this.t.acting.toArray(this.row); }
  get upPrimary(): number { return this.t.ints.get(this.row, PGI.upPrimary); }
  get actingPrimary(): number { return this.t.ints.get(this.row, PGI.actingPrimary); }
  /** OSD whose report this is; -1 for a placeholder the osd map implied ("unknown"). */
  get reporter(): number { return this.t.ints.get(this.row, PGI.reporter); }
  get version(): string { return this.t.version(this.row); }
  get reportedEpoch(): number { return this.t.ints.get(this.row, PGI.reportedEpoch); }
  get reportedSeq(): number { return this.t.ints.get(this.row, PGI.reportedSeq); }
  get logSize(): number { return this.t.ints.get(this.row, PGI.logSize); }
  get ondiskLogSize(): number { return this.t.ints.get(this.row, PGI.ondiskLogSize); }
  get created(): number { return this.t.ints.get(this.row, PGI.created); }
  get mappingEpoch(): number { return this.t.ints.get(this.row, PGI.mappingEpoch); }
  get lastEpochClean(): number { return this.t.ints.get(this.row, PGI.lastEpochClean); }
  get lastFresh(): number { return this.stamp(PGT.fresh); }
  get lastChange(): number { return this.stamp(PGT.change); }
  get lastActive(): number { return this.stamp(PGT.active); }
  get lastPeered(): number { return this.stamp(PGT.peered); }
  get lastClean(): number { return this.stamp(PGT.clean); }
  get lastBecameActive(): number { return this.stamp(PGT.becameActive); }
  get lastBecamePeered(): number { return this.stamp(PGT.becamePeered); }
  get lastUnstale(): number { return this.stamp(PGT.unstale); }
  get lastUndegraded(): number { return this.stamp(PGT.undegraded); }
  get lastFullsized(): number { return this.stamp(PGT.fullsized); }
  get lastScrubStamp(): number { return this.stamp(PGT.scrub); }
  get lastDeepScrubStamp(): number { return this.stamp(PGT.deepScrub); }
  get blockedBy(): number[] { return [...(this.t.blockedBy.get(this.row) ?? [])]; }
  /** "e'v" minus the log length (pg_stat_t's log_start). */
  get logStart(): string { return this.t.logStart(this.row); }

  private stamp(k: number): number {
    return this.t.stamps.get(this.row, k);
  }
}

/**
 * Sets a row from the cursor's current report, deriving the stamps the
 * compact form does not carry: last_active, last_peered, last_undegraded,
 * last_fullsized move to the report time while the state they track holds
 * (as the OSD sets them); last_became_* take last_change when the state
 * begins. `f` and `was` are the PGF bits of the new and previous state, `was`
 * -1 when the PG had no report yet. Copies what it keeps: the report's arrays
 * and strings are not retained.
 */
export function fillFromReport(tb: PgTable, row: number, c: PgReportCursor, stateId: number, f: number, was: number, osd: number, t: number, actingChanged: boolean): void {
  const st = scratch;
  tb.stamps.read(row, st);
  const ints = tb.ints;
  const active = (f & PGF.active) !== 0;
  const peered = active || (f & PGF.peered) !== 0;
  const lastChange = c.lastChange > 0 ? c.lastChange : was >= 0 ? st[PGT.change]! : t;
  const epoch = c.reportedEpoch;
  if (was < 0) ints.set(row, PGI.created, epoch);
  if (was < 0 || actingChanged) ints.set(row, PGI.mappingEpoch, epoch);
  tb.state[row] = stateId;
  if (!tb.up.equals(row, c.up, c.upCount)) tb.up.set(row, c.up, c.upCount);
  if (actingChanged) tb.acting.set(row, c.acting, c.actingCount);
  ints.set(row, PGI.upPrimary, c.upPrimary);
  ints.set(row, PGI.actingPrimary, c.actingPrimary);
  ints.set(row, PGI.reporter, osd);
  tb.setVersion(row, c.versionEpoch, c.versionV, c.versionRaw);
  ints.set(row, PGI.reportedEpoch, epoch);
  ints.set(row, PGI.reportedSeq, c.reportedSeq);
  ints.set(row, PGI.logSize, c.logSize);
  ints.set(row, PGI.ondiskLogSize, c.ondiskLogSize);
  st[PGT.fresh] = t;
  st[PGT.change] = lastChange;
  if (active) {
    st[PGT.active] = t;
    if (was < 0 || (was & PGF.active) === 0) st[PGT.becameActive] = lastChange;
  }
  if (peered) {
    st[PGT.peered] = t;
    if (was < 0 || (was & (PGF.active | PGF.peered)) === 0) st[PGT.becamePeered] = lastChange;
  }
  if (active && (f & PGF.clean) !== 0) {
    st[PGT.clean] = t;
    ints.set(row, PGI.lastEpochClean, epoch);
  } else if (c.lastClean > 0) st[PGT.clean] = t - c.lastClean;
  if ((f & PGF.degraded) === 0) st[PGT.undegraded] = t;
  if ((f & PGF.undersized) === 0) st[PGT.fullsized] = t;
  // OSDs never report stale; a relayed report can (the agent's `pg dump`: the PG's primary is up but no longer
  // reports it, so Ceph's mgr marked it). It stays stale since the last report that was not.
  if ((f & PGF.stale) === 0) st[PGT.unstale] = t;
  st[PGT.scrub] = c.lastScrubStamp;
  st[PGT.deepScrub] = c.lastDeepScrubStamp;
  tb.stamps.write(row, st);
  if (c.blockedByCount > 0) {
    const ids = new Array<number>(c.blockedByCount);
    for (let i = 0; i < ids.length; i++) ids[i] = c.blockedBy[i]!;
    tb.blockedBy.set(row, ids);
  } else tb.blockedBy.delete(row);
}

/** A row's stamps while a report is folded in (one at a time: ingest is synchronous). */
const scratch = new Float64Array(STAMP_N);

export class PgStatsError extends Error {}

function isIntArray(v: unknown): v is number[] {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (!Number.isInteger(v[i])) return false;
  return true;
}

function isFiniteArray(v: unknown): v is number[] {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) return false;
  }
  return true;
}

/** Checks what a JSON and a binary PG_STATS share: everything but the PG records. */
export function checkPgStatsHead(msg: Omit<PgStatsMsg, 'pg_stats'>): void {
  if (typeof msg !== 'object' || msg === null) throw new PgStatsError('PG_STATS payload must be an object');
  if (!Number.isInteger(msg.osd) || msg.osd < 0) throw new PgStatsError('PG_STATS osd must be a non-negative integer');
  const os = msg.osd_stat as unknown;
  if (typeof os !== 'object' || os === null || typeof msg.osd_stat.statfs !== 'object' || msg.osd_stat.statfs === null) {
    throw new PgStatsError('PG_STATS osd_stat.statfs must be an object');
  }
  try {
    if (msg.osd_stat.network_ping_times !== undefined) checkPingTimes(msg.osd_stat.network_ping_times);
    if (msg.osd_stat.alerts !== undefined) checkOsAlerts(msg.osd_stat.alerts);
    // In-process senders' packed form (a JSON message's value is ignored unless a Uint32Array; PG_STATS_BIN's is checked by its decoder).
    const packed: unknown = (msg as Partial<DecodedPgStats>).pingTimesInto === undefined ? msg.packedPingTimes : undefined;
    if (packed instanceof Uint32Array && packed.length > MAX_PING_PEERS * PING_FIELDS) throw new OsdExtrasError(`packed ping times: at most ${MAX_PING_PEERS} peers`);
  } catch (err) {
    throw new PgStatsError(`PG_STATS ${(err as Error).message}`);
  }
  if (msg.pool_statfs !== undefined) {
    if (!Array.isArray(msg.pool_statfs)) throw new PgStatsError('PG_STATS pool_statfs must be an array');
    for (const p of msg.pool_statfs) {
      if (typeof p !== 'object' || p === null || !Number.isInteger(p.poolid)) throw new PgStatsError('PG_STATS pool_statfs entries need an integer poolid');
    }
  }
}

/**
 * Checks a JSON PG_STATS message completely before it is applied, so a bad
 * one changes nothing. Returns the parsed pool and ps of PG i at [2i] and [2i+1].
 */
export function checkPgStatsMsg(msg: PgStatsMsg): Float64Array {
  checkPgStatsHead(msg);
  if (!Array.isArray(msg.pg_stats)) throw new PgStatsError('PG_STATS pg_stats must be an array');
  const ids = new Float64Array(msg.pg_stats.length * 2);
  for (let i = 0; i < msg.pg_stats.length; i++) {
    const r = msg.pg_stats[i]!;
    if (typeof r !== 'object' || r === null) throw new PgStatsError('PG_STATS pg_stats entries must be objects');
    const id = typeof r.pgid === 'string' ? parsePgid(r.pgid) : undefined;
    if (!id) throw new PgStatsError(`PG_STATS bad pgid ${JSON.stringify(r.pgid)}: expected POOL.HEXSEED`);
    if (typeof r.state !== 'string') throw new PgStatsError(`PG_STATS pg ${r.pgid}: state must be a string`);
    if (!isIntArray(r.up) || !isIntArray(r.acting)) throw new PgStatsError(`PG_STATS pg ${r.pgid}: up and acting must be integer arrays`);
    if (!isFiniteArray(r.stat_sum)) {
      throw new PgStatsError(`PG_STATS pg ${r.pgid}: stat_sum must be an array of finite numbers`);
    }
    if (!Number.isFinite(r.reported_epoch) || !Number.isFinite(r.reported_seq)) {
      throw new PgStatsError(`PG_STATS pg ${r.pgid}: reported_epoch and reported_seq must be numbers`);
    }
    if (r.blocked_by !== undefined && !isIntArray(r.blocked_by)) throw new PgStatsError(`PG_STATS pg ${r.pgid}: blocked_by must be an integer array`);
    ids[2 * i] = id.pool;
    ids[2 * i + 1] = id.ps;
  }
  return ids;
}

const NO_IDS: readonly number[] = [];

/**
 * The records of a JSON PG_STATS as a PgReportCursor, so they apply through
 * the same path as PG_STATS_BIN. One per PGMap, reused; lets go of the
 * message at the end of each walk.
 */
export class JsonPgCursor extends PgRecordScalars implements PgReportCursor {
  count = 0;
  up: ArrayLike<number> = NO_IDS;
  acting: ArrayLike<number> = NO_IDS;
  versionRaw: string | undefined;
  statSum: ArrayLike<number> = NO_IDS;
  blockedBy: ArrayLike<number> = NO_IDS;
  private list: readonly PgStatReport[] = [];
  private ids: Float64Array = new Float64Array(0);
  private i = 0;

  /** Checks the whole message (PgStatsError, nothing kept) and starts a walk over its records. */
  over(msg: PgStatsMsg): this {
    this.ids = checkPgStatsMsg(msg);
    this.list = msg.pg_stats;
    this.count = this.list.length;
    this.i = 0;
    return this;
  }

  next(): boolean {
    const i = this.i;
    if (i >= this.count) {
      this.list = [];
      this.up = this.acting = this.statSum = this.blockedBy = NO_IDS;
      this.count = 0;
      return false;
    }
    const r = this.list[i]!;
    this.pool = this.ids[2 * i]!;
    this.ps = this.ids[2 * i + 1]!;
    this.state = r.state;
    this.up = r.up;
    this.upCount = r.up.length;
    this.acting = r.acting;
    this.actingCount = r.acting.length;
    const version = typeof r.version === 'string' ? r.version : "0'0";
    this.versionRaw = parseVersion(version, this) ? undefined : version;
    this.readScalars(r);
    this.statSum = r.stat_sum;
    this.blockedBy = r.blocked_by ?? NO_IDS;
    this.blockedByCount = this.blockedBy.length;
    this.i = i + 1;
    return true;
  }
}
