// Rates as Ceph's PGMap::update_delta computes them: at every stats tick the
// change of a stat_sum since the previous tick is pushed into a window of the
// last `maxIntervals` deltas (mon_stat_smooth_intervals); the window's sum and
// its summed duration (stamp_delta) give the smoothed rate.

import { addInto, isZero } from './stat-vectors.js';

export class DeltaWindow {
  /** Sum of the deltas in the window (Ceph's pg_sum_delta). */
  readonly sum: Float64Array;
  /** Seconds the window covers (Ceph's stamp_delta). */
  stampDelta = 0;
  private readonly entries: Array<{ d: Float64Array; dt: number }> = [];
  private readonly prev: Float64Array;
  private prevStampS: number | undefined;

  constructor(
    private readonly width: number,
    private readonly maxIntervals: number,
    /** A tick gap longer than this counts as this (2 * mon_delta_reset_interval), so rates restart quickly after a pause. */
    private readonly maxDtS: number,
  ) {
    this.sum = new Float64Array(width);
    this.prev = new Float64Array(width);
  }

  /** Called once per tick with the current totals. */
  update(current: Float64Array, nowS: number): void {
    if (this.prevStampS !== undefined) {
      const dt = Math.min(Math.max(nowS - this.prevStampS, 0), this.maxDtS);
      // Ceph skips the delta while the previous sum was still empty ("not synchronized").
      if (!isZero(this.prev)) {
        const d = new Float64Array(this.width);
        d.set(current);
        addInto(d, 0, this.prev, 0, this.width, -1);
        this.entries.push({ d, dt });
        addInto(this.sum, 0, d, 0, this.width, 1);
        this.stampDelta += dt;
      }
      while (this.entries.length > this.maxIntervals) {
        const old = this.entries.shift()!;
        addInto(this.sum, 0, old.d, 0, this.width, -1);
        this.stampDelta -= old.dt;
      }
      if (this.entries.length === 0) this.stampDelta = 0; // no float residue on an empty window
    }
    this.prev.set(current);
    this.prevStampS = nowS;
  }

  /** Per-second rate of column `col`, floored at 0 as Ceph's pos_delta; 0 when the window is empty. */
  rate(col: number): number {
    if (this.stampDelta <= 0) return 0;
    return Math.max(0, this.sum[col]!) / this.stampDelta;
  }

  /** Delta of column `col` floored at 0 (Ceph's pos_delta.floor(0)). */
  pos(col: number): number {
    return Math.max(0, this.sum[col]!);
  }
}
