// Every PG the PGMap keeps, as rows of typed arrays: no object, string or
// array per PG. A row is found by (pool, ps) through a per-pool Int32Array
// indexed by ps; freed rows are reused. docs/state.md has the layout and what
// it costs per PG.

import { IntRows, OsdSetColumn, grown } from './pg-columns.js';
import { PgStampStore } from './pg-stamps.js';
import { PgStatStore } from './pg-stat-store.js';

/** Integer fields of a row (in `ints`). */
export const PGI = {
  reporter: 0,
  upPrimary: 1,
  actingPrimary: 2,
  versionEpoch: 3,
  versionV: 4,
  reportedEpoch: 5,
  reportedSeq: 6,
  logSize: 7,
  ondiskLogSize: 8,
  created: 9,
  mappingEpoch: 10,
  lastEpochClean: 11,
} as const;
const INT_W = 12;
/** A new row: no reporter, no primaries (-1), version 0'0, everything else 0. */
const INT_INIT = [-1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0];

/** ps -> row for one pool; seeds past NEAR_PS (only possible before the first osd map) go to `far`. */
interface PoolRows {
  rows: Int32Array;
  far: Map<number, number> | undefined;
  count: number;
}
const NEAR_PS = 1 << 20;

export class PgTable {
  /** Live rows. */
  size = 0;
  /** Rows allocated in every column. */
  private cap = 0;
  /** Rows ever handed out; rows below it that are free have pool -1. */
  private hwm = 0;
  private readonly free: number[] = [];
  pool = new Int32Array(0);
  ps = new Uint32Array(0);
  /** Id in the PGMap's PgStateTable. */
  state = new Int32Array(0);
  readonly ints = new IntRows(INT_W, 0);
  readonly stamps = new PgStampStore(0);
  readonly up = new OsdSetColumn(0);
  readonly acting = new OsdSetColumn(0);
  readonly stats = new PgStatStore(0);
  /** Only down PGs have one; copied from the report. */
  readonly blockedBy = new Map<number, number[]>();
  /** Versions not of the form EPOCH'V (as reported, kept verbatim). */
  private readonly versionRaw = new Map<number, string>();
  private readonly index = new Map<number, PoolRows>();

  /** Row of PG pool.ps, or -1. */
  rowOf(pool: number, ps: number): number {
    const p = this.index.get(pool);
    if (!p) return -1;
    if (ps < p.rows.length) return p.rows[ps]!;
    return p.far?.get(ps) ?? -1;
  }

  /** Room for `n` more rows without growing again (the osd map says how many PGs to expect). */
  reserve(n: number): void {
    const need = this.hwm + Math.max(0, n - this.free.length);
    if (need > this.cap) this.resize(need);
  }

  /** A new row for pool.ps in state `stateId`, every other field as a placeholder's. */
  add(pool: number, ps: number, stateId: number): number {
    let row = this.free.pop();
    if (row === undefined) {
      if (this.hwm >= this.cap) this.resize(Math.max(1024, Math.ceil(this.cap * 1.5)));
      row = this.hwm++;
    }
    this.pool[row] = pool;
    this.ps[row] = ps;
    this.state[row] = stateId;
    this.ints.reset(row, INT_INIT);
    this.stamps.clear(row);
    this.indexSet(pool, ps, row);
    this.size++;
    return row;
  }

  remove(row: number): void {
    const pool = this.pool[row]!;
    const ps = this.ps[row]!;
    const p = this.index.get(pool)!;
    if (ps < p.rows.length) p.rows[ps] = -1;
    else p.far!.delete(ps);
    if (--p.count === 0) this.index.delete(pool);
    this.ints.reset(row, INT_INIT);
    this.up.clear(row);
    this.acting.clear(row);
    this.stats.clear(row);
    this.stamps.clear(row);
    this.blockedBy.delete(row);
    this.versionRaw.delete(row);
    this.pool[row] = -1;
    this.free.push(row);
    this.size--;
  }

  /** Pools with rows, ascending. */
  poolIds(): number[] {
    return [...this.index.keys()].sort((a, b) => a - b);
  }

  /** Rows of one pool with ps >= fromPs, by ps. */
  rowsOfPool(pool: number, fromPs = 0): number[] {
    const p = this.index.get(pool);
    const out: number[] = [];
    if (!p) return out;
    for (let ps = fromPs; ps < p.rows.length; ps++) if (p.rows[ps]! >= 0) out.push(p.rows[ps]!);
    if (p.far) for (const ps of [...p.far.keys()].sort((a, b) => a - b)) if (ps >= fromPs) out.push(p.far.get(ps)!);
    return out;
  }

  /** Drops index slots past pg_num once the PGs there are gone. */
  trimPool(pool: number, pgNum: number): void {
    const p = this.index.get(pool);
    if (p && p.rows.length > pgNum) p.rows = p.rows.slice(0, pgNum);
  }

  /**
   * Every row, by pool then ps (Ceph's own order is that of a hash map:
   * arbitrary). A walk may span changes of the table (the sliced health
   * scan): each step reads the pool's index as it is then, and yields a row
   * only while it still holds that PG, so a PG removed meanwhile is skipped
   * and one whose row was reused is not visited under its old slot.
   */
  *rows(): Generator<number, void, undefined> {
    for (const pool of this.poolIds()) {
      const p = this.index.get(pool);
      if (!p) continue;
      // p.rows is read at each step: a resize replaces the array on the same entry.
      for (let ps = 0; ps < p.rows.length; ps++) {
        const row = p.rows[ps]!;
        if (row >= 0 && this.holds(row, pool, ps)) yield row;
      }
      if (!p.far) continue;
      for (const ps of [...p.far.keys()].sort((a, b) => a - b)) {
        const row = p.far?.get(ps);
        if (row !== undefined && this.holds(row, pool, ps)) yield row;
      }
    }
  }

  private holds(row: number, pool: number, ps: number): boolean {
    return this.pool[row] === pool && this.ps[row] === ps;
  }

  /** Every live row in storage order (cheapest walk; for order-free passes). */
  forEachRow(fn: (row: number) => void): void {
    for (let row = 0; row < this.hwm; row++) if (this.pool[row]! >= 0) fn(row);
  }

  version(row: number): string {
    const raw = this.versionRaw.get(row);
    if (raw !== undefined) return raw;
    return `${this.ints.get(row, PGI.versionEpoch)}'${this.ints.get(row, PGI.versionV)}`;
  }

  /** "e'v" minus the log length: where the PG log starts ("0'0" when the log reaches back to the start). */
  logStart(row: number): string {
    const logSize = this.ints.get(row, PGI.logSize);
    const raw = this.versionRaw.get(row);
    if (raw === undefined) {
      const v = this.ints.get(row, PGI.versionV);
      return v <= logSize ? "0'0" : `${this.ints.get(row, PGI.versionEpoch)}'${v - logSize}`;
    }
    const q = raw.indexOf("'");
    const v = Number(raw.slice(q + 1));
    if (q < 0 || !Number.isFinite(v) || v <= logSize) return "0'0";
    return `${raw.slice(0, q)}'${v - logSize}`;
  }

  /** Stores a reported version: EPOCH'V as its two numbers, or `raw` (a version not of that form) verbatim. */
  setVersion(row: number, epoch: number, v: number, raw: string | undefined): void {
    if (raw !== undefined) {
      this.versionRaw.set(row, raw);
      return;
    }
    this.versionRaw.delete(row);
    this.ints.set(row, PGI.versionEpoch, epoch);
    this.ints.set(row, PGI.versionV, v);
  }

  private indexSet(pool: number, ps: number, row: number): void {
    let p = this.index.get(pool);
    if (!p) {
      p = { rows: new Int32Array(0), far: undefined, count: 0 };
      this.index.set(pool, p);
    }
    if (ps >= p.rows.length && ps < NEAR_PS) {
      const rows = new Int32Array(Math.min(NEAR_PS, Math.max(ps + 1, p.rows.length * 2))).fill(-1);
      rows.set(p.rows);
      p.rows = rows;
    }
    if (ps < p.rows.length) p.rows[ps] = row;
    else (p.far ??= new Map()).set(ps, row);
    p.count++;
  }

  /** Sizes a pool's index for pg_num seeds at once (no doubling past it). */
  sizePool(pool: number, pgNum: number): void {
    let p = this.index.get(pool);
    if (!p) {
      p = { rows: new Int32Array(0), far: undefined, count: 0 };
      this.index.set(pool, p);
    }
    const n = Math.min(pgNum, NEAR_PS);
    if (p.rows.length >= n) return;
    const rows = new Int32Array(n).fill(-1);
    rows.set(p.rows);
    p.rows = rows;
  }

  private resize(cap: number): void {
    this.pool = grown(this.pool, cap);
    this.ps = grown(this.ps, cap);
    this.state = grown(this.state, cap);
    this.ints.grow(cap);
    this.stamps.grow(cap);
    this.up.grow(cap);
    this.acting.grow(cap);
    this.stats.grow(cap);
    this.cap = cap;
  }
}
