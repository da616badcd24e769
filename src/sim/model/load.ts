// Client load over time: a smooth, deterministic curve per pool (a daily cycle,
// a half-hour swell and a two-minute ripple). Because its integral is analytic,
// every cumulative counter is a pure function of time: sampling at any instant,
// in any order, gives consistent ops and bytes without stepping.

import type { Rng } from './rng.js';

const TWO_PI = 2 * Math.PI;

export class LoadShape {
  private readonly amp: Float64Array;
  private readonly period: Float64Array;
  private readonly phase: Float64Array;
  private readonly c0: Float64Array;
  /** The last two integrals evaluated (banking asks for "then" and "now" in turn). */
  private t1 = Number.NaN;
  private i1 = 0;
  private t2 = Number.NaN;
  private i2 = 0;

  /** t0: the instant the integral starts from (cluster creation). */
  constructor(
    rng: Rng,
    private readonly t0: number,
    dayPhase: number,
  ) {
    this.amp = Float64Array.of(0.25, 0.12 + 0.06 * rng.float(), 0.05 + 0.05 * rng.float());
    this.period = Float64Array.of(86400, 1500 + 900 * rng.float(), 90 + 60 * rng.float());
    this.phase = Float64Array.of(dayPhase + 0.3 * rng.float(), TWO_PI * rng.float(), TWO_PI * rng.float());
    this.c0 = new Float64Array(3);
    for (let i = 0; i < 3; i++) this.c0[i] = Math.cos((TWO_PI * t0) / (this.period[i] as number) + (this.phase[i] as number));
  }

  private atT = Number.NaN;
  private atV = 1;

  /** Load factor at t (1 = average; always between ~0.5 and ~1.5). */
  at(t: number): number {
    if (t === this.atT) return this.atV;
    let l = 1;
    for (let i = 0; i < 3; i++) l += (this.amp[i] as number) * Math.sin((TWO_PI * t) / (this.period[i] as number) + (this.phase[i] as number));
    this.atT = t;
    this.atV = l;
    return l;
  }

  /** Integral of at() from t0 to t: "seconds at average load". */
  integral(t: number): number {
    if (t === this.t1) return this.i1;
    if (t === this.t2) return this.i2;
    let v = t - this.t0;
    for (let i = 0; i < 3; i++) {
      const p = this.period[i] as number;
      v += ((this.amp[i] as number) * p) / TWO_PI * ((this.c0[i] as number) - Math.cos((TWO_PI * t) / p + (this.phase[i] as number)));
    }
    this.t2 = this.t1;
    this.i2 = this.i1;
    this.t1 = t;
    this.i1 = v;
    return v;
  }
}
