// One PG as the PGMap keeps it, the storage for the PGs' stat_sum rows, and
// the check of a PG_STATS message before it touches anything.

import type { PgStatsMsg } from '../protocol/messages.js';
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

const PGID_RE = /^(\d+)\.([0-9a-f]+)$/;

export function parsePgid(pgid: string): { pool: number; ps: number } | undefined {
  const m = PGID_RE.exec(pgid);
  if (!m) return undefined;
  return { pool: Number(m[1]), ps: parseInt(m[2]!, 16) };
}

function isIntArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => Number.isInteger(x));
}

/**
 * Checks a PG_STATS message completely before it is applied, so a bad one
 * changes nothing. Returns the parsed (pool, ps) of each PG, in message order.
 */
export function checkPgStatsMsg(msg: PgStatsMsg): Array<{ pool: number; ps: number }> {
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
  const ids: Array<{ pool: number; ps: number }> = [];
  for (const r of msg.pg_stats) {
    if (typeof r !== 'object' || r === null) throw new PgStatsError('PG_STATS pg_stats entries must be objects');
    const id = typeof r.pgid === 'string' ? parsePgid(r.pgid) : undefined;
    if (!id) throw new PgStatsError(`PG_STATS bad pgid ${JSON.stringify(r.pgid)}: expected POOL.HEXSEED`);
    if (typeof r.state !== 'string') throw new PgStatsError(`PG_STATS pg ${r.pgid}: state must be a string`);
    if (!isIntArray(r.up) || !isIntArray(r.acting)) throw new PgStatsError(`PG_STATS pg ${r.pgid}: up and acting must be integer arrays`);
    if (!Array.isArray(r.stat_sum) || !r.stat_sum.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new PgStatsError(`PG_STATS pg ${r.pgid}: stat_sum must be an array of finite numbers`);
    }
    if (!Number.isFinite(r.reported_epoch) || !Number.isFinite(r.reported_seq)) {
      throw new PgStatsError(`PG_STATS pg ${r.pgid}: reported_epoch and reported_seq must be numbers`);
    }
    if (r.blocked_by !== undefined && !isIntArray(r.blocked_by)) throw new PgStatsError(`PG_STATS pg ${r.pgid}: blocked_by must be an integer array`);
    ids.push(id);
  }
  return ids;
}

/** A finite number or the fallback. */
export function num(v: unknown, fallback = 0): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}
