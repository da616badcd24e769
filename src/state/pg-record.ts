// One PG as the PGMap keeps it, the storage for the PGs' stat_sum rows, and
// the check of a PG_STATS message before it touches anything.

import type { PgStatReport, PgStatsMsg } from '../protocol/messages.js';
import { STAT_W } from './stat-vectors.js';

/** A PG's fields; its stat_sum is row `row` of the PGMap's StatSlab. Times are Unix seconds, 0 = never. */
export class PgRecord {
  stateId = 0;
  up: readonly number[] = [];
  acting: readonly number[] = [];
  upPrimary = -1;
  actingPrimary = -1;
  /** OSD whose report this is; -1 for a placeholder the osd map implied ("unknown"). */
  reporter = -1;
  version = "0'0";
  reportedEpoch = 0;
  reportedSeq = 0;
  logSize = 0;
  ondiskLogSize = 0;
  created = 0;
  mappingEpoch = 0;
  lastEpochClean = 0;
  lastFresh = 0;
  lastChange = 0;
  lastActive = 0;
  lastPeered = 0;
  lastClean = 0;
  lastBecameActive = 0;
  lastBecamePeered = 0;
  lastUnstale = 0;
  lastUndegraded = 0;
  lastFullsized = 0;
  lastScrubStamp = 0;
  lastDeepScrubStamp = 0;
  blockedBy: readonly number[] = [];

  constructor(
    readonly pgid: string,
    readonly pool: number,
    readonly ps: number,
    readonly row: number,
  ) {}
}

/**
 * Sets a record from a report, deriving the stamps the compact form does not
 * carry: last_active, last_peered, last_undegraded, last_fullsized move to the
 * report time while the state they track holds (as the OSD sets them);
 * last_became_* take last_change when the state begins. `was` is the previous
 * state's words, undefined when the PG had no report yet.
 */
export function fillFromReport(rec: PgRecord, r: PgStatReport, stateId: number, words: ReadonlySet<string>, was: ReadonlySet<string> | undefined, osd: number, t: number): void {
  const active = words.has('active');
  const peered = active || words.has('peered');
  const lastChange = num(r.last_change) > 0 ? r.last_change : was ? rec.lastChange : t;
  if (!was) rec.created = num(r.reported_epoch);
  if (!was || !sameOsds(rec.acting, r.acting)) rec.mappingEpoch = num(r.reported_epoch);
  rec.stateId = stateId;
  rec.up = r.up;
  rec.acting = r.acting;
  rec.upPrimary = num(r.up_primary, -1);
  rec.actingPrimary = num(r.acting_primary, -1);
  rec.reporter = osd;
  rec.version = typeof r.version === 'string' ? r.version : "0'0";
  rec.reportedEpoch = num(r.reported_epoch);
  rec.reportedSeq = num(r.reported_seq);
  rec.logSize = num(r.log_size);
  rec.ondiskLogSize = num(r.ondisk_log_size);
  rec.lastFresh = t;
  rec.lastChange = lastChange;
  if (active) {
    rec.lastActive = t;
    if (!was?.has('active')) rec.lastBecameActive = lastChange;
  }
  if (peered) {
    rec.lastPeered = t;
    if (!(was?.has('active') || was?.has('peered'))) rec.lastBecamePeered = lastChange;
  }
  if (active && words.has('clean')) {
    rec.lastClean = t;
    rec.lastEpochClean = rec.reportedEpoch;
  } else if (num(r.last_clean) > 0) rec.lastClean = t - num(r.last_clean);
  if (!words.has('degraded')) rec.lastUndegraded = t;
  if (!words.has('undersized')) rec.lastFullsized = t;
  rec.lastUnstale = t;
  rec.lastScrubStamp = num(r.last_scrub_stamp);
  rec.lastDeepScrubStamp = num(r.last_deep_scrub_stamp);
  rec.blockedBy = r.blocked_by ?? [];
}

export function sameOsds(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Rows of STAT_W doubles in one growing Float64Array, with a free list: no object per PG stat_sum. */
export class StatSlab {
  data: Float64Array;
  private next = 0;
  private readonly free: number[] = [];

  constructor(initialRows = 1024) {
    this.data = new Float64Array(initialRows * STAT_W);
  }

  alloc(): number {
    const r = this.free.pop();
    if (r !== undefined) return r;
    if ((this.next + 1) * STAT_W > this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    return this.next++;
  }

  release(row: number): void {
    this.data.fill(0, row * STAT_W, (row + 1) * STAT_W);
    this.free.push(row);
  }

  /** Copies a reported stat_sum into a row; missing trailing values are 0, extra ones ignored. */
  write(row: number, values: readonly number[]): void {
    const o = row * STAT_W;
    const n = Math.min(values.length, STAT_W);
    for (let i = 0; i < n; i++) this.data[o + i] = values[i]!;
    if (n < STAT_W) this.data.fill(0, o + n, o + STAT_W);
  }
}

export class PgStatsError extends Error {}

/** "2.1f" -> pool 2, ps 31; undefined unless POOL.HEXSEED (no sign, no spaces, lower-case hex). */
export function parsePgid(pgid: string): { pool: number; ps: number } | undefined {
  const dot = pgid.indexOf('.');
  if (dot <= 0 || dot === pgid.length - 1 || dot > 10 || pgid.length - dot > 9) return undefined;
  let pool = 0;
  for (let i = 0; i < dot; i++) {
    const c = pgid.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return undefined;
    pool = pool * 10 + c;
  }
  let ps = 0;
  for (let i = dot + 1; i < pgid.length; i++) {
    const ch = pgid.charCodeAt(i);
    const d = ch >= 48 && ch <= 57 ? ch - 48 : ch >= 97 && ch <= 102 ? ch - 87 : -1;
    if (d < 0) return undefined;
    ps = ps * 16 + d;
  }
  return { pool, ps };
}

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

/**
 * Checks a PG_STATS message completely before it is applied, so a bad one
 * changes nothing. Returns the parsed pool and ps of PG i at [2i] and [2i+1].
 */
export function checkPgStatsMsg(msg: PgStatsMsg): Float64Array {
  if (typeof msg !== 'object' || msg === null) throw new PgStatsError('PG_STATS payload must be an object');
  if (!Number.isInteger(msg.osd) || msg.osd < 0) throw new PgStatsError('PG_STATS osd must be a non-negative integer');
  const os = msg.osd_stat as unknown;
  if (typeof os !== 'object' || os === null || typeof msg.osd_stat.statfs !== 'object' || msg.osd_stat.statfs === null) {
    throw new PgStatsError('PG_STATS osd_stat.statfs must be an object');
  }
  if (!Array.isArray(msg.pg_stats)) throw new PgStatsError('PG_STATS pg_stats must be an array');
  if (msg.pool_statfs !== undefined) {
    if (!Array.isArray(msg.pool_statfs)) throw new PgStatsError('PG_STATS pool_statfs must be an array');
    for (const p of msg.pool_statfs) {
      if (typeof p !== 'object' || p === null || !Number.isInteger(p.poolid)) throw new PgStatsError('PG_STATS pool_statfs entries need an integer poolid');
    }
  }
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

/** A finite number or the fallback. */
export function num(v: unknown, fallback = 0): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}
