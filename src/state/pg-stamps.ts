// The twelve pg_stat_t stamps of every PG. Five vary on their own (last_fresh,
// last_change, last_became_active, the two scrub stamps) and are kept per
// row. The other seven follow them while the PG is well: last_active,
// last_peered, last_clean, last_unstale, last_undegraded, last_fullsized move
// with each report (= last_fresh) and last_became_peered is set together with
// last_became_active. Only a row where one of them differs (a PG degraded,
// undersized, inactive, stale) gets an overflow row holding those seven.

import { SlabRows, grown } from './pg-columns.js';

/** Stamp ids (Unix seconds, 0 = never). The first five are stored per row. */
export const PGT = {
  fresh: 0,
  change: 1,
  becameActive: 2,
  scrub: 3,
  deepScrub: 4,
  active: 5,
  peered: 6,
  clean: 7,
  unstale: 8,
  undegraded: 9,
  fullsized: 10,
  becamePeered: 11,
} as const;
export const STAMP_N = 12;
const BASE_W = 5;
const EXT_W = STAMP_N - BASE_W;

export class PgStampStore {
  private base: Float64Array;
  /** Overflow row of each row, -1 when the seven follow last_fresh / last_became_active. */
  private ext: Int32Array;
  private readonly slab = new SlabRows(EXT_W, new Float64Array(0));

  constructor(cap: number) {
    this.base = new Float64Array(cap * BASE_W);
    this.ext = new Int32Array(cap).fill(-1);
  }

  grow(cap: number): void {
    const from = this.ext.length;
    this.base = grown(this.base, cap * BASE_W);
    this.ext = grown(this.ext, cap);
    this.ext.fill(-1, from);
  }

  get(row: number, k: number): number {
    if (k < BASE_W) return this.base[row * BASE_W + k]!;
    const x = this.ext[row]!;
    if (x >= 0) return this.slab.data[x * EXT_W + k - BASE_W]!;
    return this.base[row * BASE_W + (k === PGT.becamePeered ? PGT.becameActive : PGT.fresh)]!;
  }

  /** All STAMP_N stamps of a row into out[0..STAMP_N). */
  read(row: number, out: Float64Array): void {
    const b = row * BASE_W;
    for (let k = 0; k < BASE_W; k++) out[k] = this.base[b + k]!;
    const x = this.ext[row]!;
    if (x >= 0) {
      for (let k = BASE_W; k < STAMP_N; k++) out[k] = this.slab.data[x * EXT_W + k - BASE_W]!;
      return;
    }
    const fresh = out[PGT.fresh]!;
    for (let k = BASE_W; k < PGT.becamePeered; k++) out[k] = fresh;
    out[PGT.becamePeered] = out[PGT.becameActive]!;
  }

  /** Stores v[0..STAMP_N) as a row's stamps. */
  write(row: number, v: Float64Array): void {
    const b = row * BASE_W;
    for (let k = 0; k < BASE_W; k++) this.base[b + k] = v[k]!;
    const fresh = v[PGT.fresh]!;
    let follows = Object.is(v[PGT.becamePeered], v[PGT.becameActive]);
    for (let k = BASE_W; follows && k < PGT.becamePeered; k++) follows = Object.is(v[k], fresh);
    let x = this.ext[row]!;
    if (follows) {
      if (x >= 0) this.slab.release(x);
      this.ext[row] = -1;
      return;
    }
    if (x < 0) {
      x = this.slab.alloc();
      this.ext[row] = x;
    }
    for (let k = BASE_W; k < STAMP_N; k++) this.slab.data[x * EXT_W + k - BASE_W] = v[k]!;
  }

  /** A new or freed row: every stamp 0. */
  clear(row: number): void {
    this.base.fill(0, row * BASE_W, (row + 1) * BASE_W);
    const x = this.ext[row]!;
    if (x >= 0) this.slab.release(x);
    this.ext[row] = -1;
  }
}
