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
  /** Cache of the last integral evaluated (advance and samples ask for the same instant often). */
  private lastT = Number.NaN;
  private lastI = 0;

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

  /** Load factor at t (1 = average; always between ~0.5 and ~1.5). */
  at(t: number): number {
    let l = 1;
    for (let i = 0; i < 3; i++) l += (this.amp[i] as number) * Math.sin((TWO_PI * t) / (this.period[i] as number) + (this.phase[i] as number));
    return l;
  }

  /** Integral of at() from t0 to t: "seconds at average load". */
  integral(t: number): number {
    if (t === this.lastT) return this.lastI;
    let v = t - this.t0;
    for (let i = 0; i < 3; i++) {
      const p = this.period[i] as number;
      v += ((this.amp[i] as number) * p) / TWO_PI * ((this.c0[i] as number) - Math.cos((TWO_PI * t) / p + (this.phase[i] as number)));
    }
    this.lastT = t;
    this.lastI = v;
    return v;
  }
}
