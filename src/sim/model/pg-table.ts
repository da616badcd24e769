// Every PG of the cluster in typed arrays (a 10,000-OSD cluster has ~300,000):
// pool, seed, CRUSH mapping, who holds the data, state, and stat sums. PGs
// with something going on (peering, recovery, backfill, scrub) also have a
// small PgWork record in a Map; the steady majority costs only the arrays.

import type { PoolSpec } from './pools.js';
import type { Placement } from './placement.js';
import { hashUnit } from './rng.js';

export const MAX_SIZE = 3;

/** Job of a PG that is not clean. */
export const JOB_NONE = 0;
export const JOB_RECOVERY_WAIT = 1;
export const JOB_RECOVERING = 2;
export const JOB_BACKFILL_WAIT = 3;
export const JOB_BACKFILLING = 4;

/** osd_scrub_min_interval and osd_deep_scrub_interval; each PG's is stretched by up to 50% / 20% (osd_scrub_interval_randomize_ratio). */
export const SCRUB_INTERVAL_S = 86400;
export const DEEP_SCRUB_INTERVAL_S = 7 * 86400;

export function scrubInterval(seed: number, pg: number): number {
  return SCRUB_INTERVAL_S * (1 + 0.5 * hashUnit(seed, pg, 77));
}

export function deepScrubInterval(seed: number, pg: number): number {
  return DEEP_SCRUB_INTERVAL_S * (1 + 0.2 * hashUnit(seed, pg, 78));
}

export const SCRUB_NONE = 0;
export const SCRUB_QUEUED = 1;
export const SCRUB_RUNNING = 2;

export interface PgWork {
  /** Sim time until which the PG is peering. */
  peeringUntil: number;
  /** Sim time the PG stopped being active+clean (NaN while clean). */
  uncleanSince: number;
  /** The PG's write count when one of its holders went down (NaN: none down). */
  writesAtDown: number;
  /** Objects to recover from the log (holders that missed writes). */
  recoverObjs: number;
  /** Objects done in the current recovery or backfill. */
  progress: number;
  job: number;
  /** Signature of the backfill targets the progress belongs to. */
  targetSig: number;
  /** OSDs holding a recovery/backfill reservation for this PG. */
  reserved: number[];
  scrub: number;
  scrubDeep: boolean;
  scrubEnd: number;
  scrubReserved: number[];
  /** State text before every member went down (for "stale+..."). */
  staleState: number;
}

export function newWork(): PgWork {
  return {
    peeringUntil: 0, uncleanSince: Number.NaN, writesAtDown: Number.NaN, recoverObjs: 0, progress: 0, job: JOB_NONE,
    targetSig: 0, reserved: [], scrub: SCRUB_NONE, scrubDeep: false, scrubEnd: 0, scrubReserved: [], staleState: 0,
  };
}

/** The per-PG arrays copied when the table is reshaped (raw and holder are MAX_SIZE wide). */
const PER_PG = ['ps', 'state', 'primary', 'ioPrimary', 'objects', 'bytes', 'ioWeight', 'ioOff', 'frozenI', 'recoveredObjs', 'recoveredBytes',
  'lastChange', 'lastScrub', 'lastDeepScrub', 'reportedSeq'] as const;

/**
 * The arrays are replaced whole when pools are created, deleted or change
 * pg_num (reshape); hold the table, never an array of it, across commands.
 */
export class PgTable {
  n = 0;
  /** The pool slot (PoolSpec.index) of each PG. */
  pool = new Uint16Array(0);
  ps = new Uint32Array(0);
  /** CRUSH output for the current in-set, MAX_SIZE per PG, -1 = none. */
  raw = new Int32Array(0);
  /** OSDs holding a complete copy (replicated: as a set; erasure: shard at position). */
  holder = new Int32Array(0);
  state = new Uint32Array(0);
  /** Acting primary, -1 when no member is up. */
  primary = new Int32Array(0);
  /** OSD credited with the PG's client IO, -1 while the PG is inactive. */
  ioPrimary = new Int32Array(0);
  objects = new Float64Array(0);
  bytes = new Float64Array(0);
  ioWeight = new Float64Array(0);
  /** Load-integral time during which the PG was inactive (excluded from its IO). */
  ioOff = new Float64Array(0);
  /** Load integral at the moment the PG went inactive. */
  frozenI = new Float64Array(0);
  recoveredObjs = new Float64Array(0);
  recoveredBytes = new Float64Array(0);
  lastChange = new Float64Array(0);
  lastScrub = new Float64Array(0);
  lastDeepScrub = new Float64Array(0);
  reportedSeq = new Uint32Array(0);
  /** First PG index of each pool slot (a deleted pool's slot has an empty range). */
  poolStart = new Int32Array(1);
  /** Pools by slot; undefined where a pool was deleted. */
  bySlot: Array<PoolSpec | undefined> = [];
  work = new Map<number, PgWork>();

  /** `pools`: the live pools in slot order (the cluster's own array: it changes as pools come and go). */
  constructor(readonly pools: PoolSpec[], private readonly seed: number, startS: number) {
    this.alloc(startS);
  }

  /** Lays every PG of `pools` out afresh: objects spread over the PGs, scrub stamps spread over one interval before `nowS`. */
  private alloc(nowS: number): void {
    const pools = this.pools;
    const seed = this.seed;
    const slots = pools.reduce((m, p) => Math.max(m, p.index + 1), 0);
    this.bySlot = new Array<PoolSpec | undefined>(slots);
    for (const p of pools) this.bySlot[p.index] = p;
    let n = 0;
    this.poolStart = new Int32Array(slots + 1);
    for (let slot = 0; slot < slots; slot++) {
      this.poolStart[slot] = n;
      n += this.bySlot[slot]?.pgNum ?? 0;
    }
    this.poolStart[slots] = n;
    this.n = n;
    this.pool = new Uint16Array(n);
    this.ps = new Uint32Array(n);
    this.raw = new Int32Array(n * MAX_SIZE).fill(-1);
    this.holder = new Int32Array(n * MAX_SIZE).fill(-1);
    this.state = new Uint32Array(n);
    this.primary = new Int32Array(n).fill(-1);
    this.ioPrimary = new Int32Array(n).fill(-1);
    this.objects = new Float64Array(n);
    this.bytes = new Float64Array(n);
    this.ioWeight = new Float64Array(n);
    this.ioOff = new Float64Array(n);
    this.frozenI = new Float64Array(n);
    this.recoveredObjs = new Float64Array(n);
    this.recoveredBytes = new Float64Array(n);
    this.lastChange = new Float64Array(n);
    this.lastScrub = new Float64Array(n);
    this.lastDeepScrub = new Float64Array(n);
    this.reportedSeq = new Uint32Array(n);
    this.work = new Map();
    for (const p of pools) {
      const start = this.poolStart[p.index] as number;
      // Jitter object counts +-15% around the mean, then renormalise to the pool totals.
      let objW = 0;
      let ioW = 0;
      for (let ps = 0; ps < p.pgNum; ps++) {
        const i = start + ps;
        this.pool[i] = p.index;
        this.ps[i] = ps;
        this.objects[i] = 0.85 + 0.3 * hashUnit(seed, p.id, ps, 1);
        this.ioWeight[i] = 0.6 + 0.8 * hashUnit(seed, p.id, ps, 2);
        objW += this.objects[i];
        ioW += this.ioWeight[i];
      }
      const objPerUnit = p.objects / objW;
      const bytesPerObj = p.objects > 0 ? p.storedBytes / p.objects : 0;
      for (let ps = 0; ps < p.pgNum; ps++) {
        const i = start + ps;
        const o = Math.round((this.objects[i] as number) * objPerUnit);
        this.objects[i] = o;
        this.bytes[i] = Math.round(o * bytesPerObj * (0.97 + 0.06 * hashUnit(seed, p.id, ps, 3)));
        this.ioWeight[i] = (this.ioWeight[i] as number) / ioW;
        // Stamps spread over one interval, so scrubs come due at a steady rate from the start.
        this.lastDeepScrub[i] = nowS - deepScrubInterval(seed, i) * hashUnit(seed, p.id, ps, 5);
        this.lastScrub[i] = Math.max(this.lastDeepScrub[i], nowS - scrubInterval(seed, i) * hashUnit(seed, p.id, ps, 4));
        this.lastChange[i] = nowS - 3600 * (1 + 20 * hashUnit(seed, p.id, ps, 6));
      }
    }
  }

  /**
   * After `pools` changed (a pool created or deleted, or `fresh` slots whose
   * pg_num changed): lays the PGs out again, keeping every PG of an unchanged
   * pool as it was (state, holders, stats, work). The PGs of new and `fresh`
   * slots start with no mapping (remap gives them one). Returns old PG index ->
   * new PG index, -1 for a PG that is gone.
   */
  reshape(fresh: ReadonlySet<number>, nowS: number): Int32Array {
    const old = { n: this.n, raw: this.raw, holder: this.holder, poolStart: this.poolStart, bySlot: this.bySlot, work: this.work };
    const oldArrays = PER_PG.map((f) => this[f]);
    this.alloc(nowS);
    const map = new Int32Array(old.n).fill(-1);
    for (const p of this.pools) {
      if (fresh.has(p.index) || old.bySlot[p.index] === undefined) continue;
      const from = old.poolStart[p.index] as number;
      const to = this.poolStart[p.index] as number;
      for (let ps = 0; ps < p.pgNum; ps++) map[from + ps] = to + ps;
    }
    for (let pg = 0; pg < old.n; pg++) {
      const to = map[pg] as number;
      if (to < 0) continue;
      PER_PG.forEach((f, i) => ((this[f] as Float64Array)[to] = (oldArrays[i] as Float64Array)[pg] as number));
      this.raw.set(old.raw.subarray(pg * MAX_SIZE, (pg + 1) * MAX_SIZE), to * MAX_SIZE);
      this.holder.set(old.holder.subarray(pg * MAX_SIZE, (pg + 1) * MAX_SIZE), to * MAX_SIZE);
    }
    for (const [pg, w] of old.work) {
      const to = map[pg] as number;
      if (to >= 0) this.work.set(to, w);
    }
    return map;
  }

  poolOf(pg: number): PoolSpec {
    return this.bySlot[this.pool[pg] as number] as PoolSpec;
  }

  /** Recomputes the CRUSH mapping of every PG (OSD weights as the OSD map's); returns the PGs whose mapping changed. */
  remap(placement: Placement, reweight: Float64Array): number[] {
    const changed: number[] = [];
    const tmp = new Int32Array(MAX_SIZE);
    for (const p of this.pools) {
      const start = this.poolStart[p.index] as number;
      for (let ps = 0; ps < p.pgNum; ps++) {
        const pg = start + ps;
        tmp.fill(-1);
        placement.map(p.index, p.id, ps, p.pgNum, p.size, reweight, tmp, 0);
        const at = pg * MAX_SIZE;
        let diff = false;
        for (let r = 0; r < MAX_SIZE; r++) if (this.raw[at + r] !== tmp[r]) diff = true;
        if (diff) {
          this.raw.set(tmp, at);
          changed.push(pg);
        }
      }
    }
    return changed;
  }

  pgid(pg: number): string {
    return `${this.poolOf(pg).id}.${(this.ps[pg] as number).toString(16)}`;
  }

  /** Is `osd` a holder of pg (any position)? */
  holds(pg: number, osd: number): boolean {
    const at = pg * MAX_SIZE;
    for (let r = 0; r < MAX_SIZE; r++) if (this.holder[at + r] === osd) return true;
    return false;
  }

  inRaw(pg: number, osd: number): boolean {
    const at = pg * MAX_SIZE;
    for (let r = 0; r < MAX_SIZE; r++) if (this.raw[at + r] === osd) return true;
    return false;
  }
}

/** OSD -> PGs it appears in (CRUSH mapping or holders), as compressed rows. */
export class MemberIndex {
  offsets: Int32Array;
  items: Int32Array;

  constructor(numOsds: number) {
    this.offsets = new Int32Array(numOsds + 1);
    this.items = new Int32Array(0);
  }

  rebuild(t: PgTable, numOsds: number): void {
    const counts = new Int32Array(numOsds + 1);
    const seen = new Int32Array(MAX_SIZE * 2);
    const each = (pg: number, f: (osd: number) => void): void => {
      let k = 0;
      const at = pg * MAX_SIZE;
      for (let r = 0; r < MAX_SIZE * 2; r++) {
        const o = r < MAX_SIZE ? (t.raw[at + r] as number) : (t.holder[at + r - MAX_SIZE] as number);
        if (o < 0) continue;
        let dup = false;
        for (let j = 0; j < k; j++) if (seen[j] === o) dup = true;
        if (dup) continue;
        seen[k++] = o;
        f(o);
      }
    };
    for (let pg = 0; pg < t.n; pg++) each(pg, (o) => (counts[o + 1] = (counts[o + 1] as number) + 1));
    for (let o = 0; o < numOsds; o++) counts[o + 1] = (counts[o + 1] as number) + (counts[o] as number);
    const items = new Int32Array(counts[numOsds] as number);
    const fill = counts.slice(0, numOsds);
    for (let pg = 0; pg < t.n; pg++)
      each(pg, (o) => {
        const at = fill[o] as number;
        items[at] = pg;
        fill[o] = at + 1;
      });
    this.offsets = counts;
    this.items = items;
  }

  /** PGs touching an OSD (a view; do not keep across a rebuild). */
  of(osd: number): Int32Array {
    return this.items.subarray(this.offsets[osd], this.offsets[osd + 1]);
  }
}
