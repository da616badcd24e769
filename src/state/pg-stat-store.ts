// The stat_sum of every PG, stored sparsely: most of its 40 values are 0 (a
// healthy PG reports about 8 non-zero ones), so a row keeps a bit mask of
// which are not and those values in K slots. A PG with more than K non-zero
// values (recovering, in an omap pool) keeps all 40 in a dense overflow row.

import { STAT_W } from './stat-vectors.js';
import { popcount32 } from '../common/bits.js';
import { SlabRows, grown } from './pg-columns.js';

/** Non-zero values kept inline per row: covers every steady-state report of the simulator (at most 11). */
export const STAT_SLOTS = 12;
const HI_BITS = STAT_W - 32;

export class PgStatStore {
  /** Bits 0..31 and 32..39 of "value i is non-zero". */
  private lo: Uint32Array;
  private hi: Uint8Array;
  /** STAT_SLOTS values per row, in field order; slot 0 holds the dense row when the row overflows. */
  private slots: Float64Array;
  private readonly dense = new SlabRows(STAT_W, new Float64Array(0));
  private readonly old = new Float64Array(STAT_W);

  constructor(cap: number) {
    if (HI_BITS > 8 || HI_BITS < 0) throw new Error(`PgStatStore: stat_sum of ${STAT_W} values does not fit its 40-bit mask`);
    this.lo = new Uint32Array(cap);
    this.hi = new Uint8Array(cap);
    this.slots = new Float64Array(cap * STAT_SLOTS);
  }

  grow(cap: number): void {
    this.lo = grown(this.lo, cap);
    this.hi = grown(this.hi, cap);
    this.slots = grown(this.slots, cap * STAT_SLOTS);
  }

  private nonZero(row: number): number {
    return popcount32(this.lo[row]!) + popcount32(this.hi[row]!);
  }

  /** One value (column: STAT_SUM_INDEX). */
  get(row: number, col: number): number {
    const lo = this.lo[row]!;
    const hi = this.hi[row]!;
    const n = popcount32(lo) + popcount32(hi);
    if (n > STAT_SLOTS) return this.dense.data[this.slots[row * STAT_SLOTS]! * STAT_W + col]!;
    if (col < 32) {
      const bit = 1 << col;
      if ((lo & bit) === 0) return 0;
      return this.slots[row * STAT_SLOTS + popcount32(lo & (bit - 1))]!;
    }
    const bit = 1 << (col - 32);
    if ((hi & bit) === 0) return 0;
    return this.slots[row * STAT_SLOTS + popcount32(lo) + popcount32(hi & (bit - 1))]!;
  }

  /** The row's STAT_W values into out[off..]. */
  read(row: number, out: Float64Array, off = 0): void {
    if (this.nonZero(row) > STAT_SLOTS) {
      const d = this.slots[row * STAT_SLOTS]! * STAT_W;
      const data = this.dense.data;
      for (let i = 0; i < STAT_W; i++) out[off + i] = data[d + i]!;
      return;
    }
    out.fill(0, off, off + STAT_W);
    let k = row * STAT_SLOTS;
    for (let m = this.lo[row]!; m !== 0; m &= m - 1) out[off + 31 - Math.clz32(m & -m)] = this.slots[k++]!;
    for (let m = this.hi[row]!; m !== 0; m &= m - 1) out[off + 32 + 31 - Math.clz32(m & -m)] = this.slots[k++]!;
  }

  /** dst[i] += sign * value i, over the row's non-zero values. */
  addInto(row: number, dst: Float64Array, sign: number): void {
    if (this.nonZero(row) > STAT_SLOTS) {
      const d = this.slots[row * STAT_SLOTS]! * STAT_W;
      const data = this.dense.data;
      for (let i = 0; i < STAT_W; i++) dst[i]! += sign * data[d + i]!;
      return;
    }
    let k = row * STAT_SLOTS;
    for (let m = this.lo[row]!; m !== 0; m &= m - 1) dst[31 - Math.clz32(m & -m)]! += sign * this.slots[k++]!;
    for (let m = this.hi[row]!; m !== 0; m &= m - 1) dst[32 + 31 - Math.clz32(m & -m)]! += sign * this.slots[k++]!;
  }

  /**
   * Stores a reported stat_sum (missing trailing values are 0, extra ones
   * ignored) and moves `a` and `b` (the pool and cluster sums) by the
   * difference from the stored one. One pass, no allocation.
   */
  write(row: number, values: ArrayLike<number>, a: Float64Array, b: Float64Array): void {
    const old = this.old;
    this.read(row, old);
    const n = Math.min(values.length, STAT_W);
    let lo = 0;
    let hi = 0;
    let nz = 0;
    for (let i = 0; i < STAT_W; i++) {
      const v = i < n ? values[i]! : 0;
      const d = v - old[i]!;
      if (d !== 0) {
        a[i]! += d;
        b[i]! += d;
        old[i] = v;
      }
      if (old[i] !== 0) {
        if (i < 32) lo |= 1 << i;
        else hi |= 1 << (i - 32);
        nz++;
      }
    }
    this.store(row, old, lo >>> 0, hi, nz);
  }

  /** A freed row: no values. */
  clear(row: number): void {
    if (this.nonZero(row) > STAT_SLOTS) this.dense.release(this.slots[row * STAT_SLOTS]!);
    this.lo[row] = 0;
    this.hi[row] = 0;
  }

  private store(row: number, v: Float64Array, lo: number, hi: number, nz: number): void {
    const base = row * STAT_SLOTS;
    const wasDense = this.nonZero(row) > STAT_SLOTS;
    if (nz > STAT_SLOTS) {
      let d: number;
      if (wasDense) d = this.slots[base]!;
      else {
        d = this.dense.alloc();
        this.slots[base] = d;
      }
      this.dense.data.set(v, d * STAT_W);
    } else {
      if (wasDense) this.dense.release(this.slots[base]!);
      let k = base;
      for (let m = lo; m !== 0; m &= m - 1) this.slots[k++] = v[31 - Math.clz32(m & -m)]!;
      for (let m = hi; m !== 0; m &= m - 1) this.slots[k++] = v[32 + 31 - Math.clz32(m & -m)]!;
    }
    this.lo[row] = lo;
    this.hi[row] = hi;
  }
}
