// Client IO bookkeeping. Each PG carries a share of its pool's IO; the OSD that
// is the PG's acting primary is credited with it. Per OSD we keep, per pool, the
// sum of credited shares and a small vector of accumulated values (ops, bytes,
// latency sums). Accumulators are "banked" to the current time whenever the
// shares change, so the sum over OSDs always equals the pool's IO exactly.

import type { LoadShape } from './load.js';
import type { PoolSpec } from './pools.js';

/** Indices into an OSD's accumulator vector. */
export const A_LAST_T = 0;
export const A_R_OPS = 1;
export const A_W_OPS = 2;
export const A_RW_OPS = 3;
export const A_R_BYTES = 4;
export const A_W_BYTES = 5;
export const A_RW_IN = 6;
export const A_RW_OUT = 7;
export const A_LAT_R = 8;
export const A_LAT_W = 9;
export const A_LAT_RW = 10;
export const A_REC_OPS = 11;
export const A_REC_BYTES = 12;
export const A_SUB_W = 13;
export const A_SUB_W_BYTES = 14;
export const A_STARTED = 15;
export const ACC_WIDTH = 16;

/** Base per-op latencies (ns) of an average disk at average load. */
const LAT_NS: Record<'hdd' | 'ssd', { r: number; w: number; rw: number }> = {
  hdd: { r: 7.5e6, w: 14e6, rw: 18e6 },
  ssd: { r: 0.9e6, w: 2.2e6, rw: 2.8e6 },
};

export class IoLedger {
  /** Pool slots (PoolSpec.index); the per-pool arrays grow when a pool is created. */
  numPools: number;
  /** Per pool: ops/s and bytes/s at load 1 (whole pool). */
  rOps: Float64Array;
  wOps: Float64Array;
  rwOps: Float64Array;
  rBytes: Float64Array;
  wBytes: Float64Array;
  /** Per OSD x pool: sum of the IO shares of PGs credited to the OSD. */
  wsum: Float64Array;
  readonly acc: Float64Array;
  private readonly clusterOpsPerS: number;
  private readonly latR: Float64Array;
  private readonly latW: Float64Array;
  private readonly latRW: Float64Array;
  private poolSize: Float64Array;

  constructor(
    pools: PoolSpec[],
    readonly loads: LoadShape[],
    osds: ReadonlyArray<{ deviceClass: 'hdd' | 'ssd'; latencyFactor: number }>,
    clusterOpsPerS: number,
  ) {
    const P = pools.length;
    this.numPools = P;
    this.rOps = new Float64Array(P);
    this.wOps = new Float64Array(P);
    this.rwOps = new Float64Array(P);
    this.rBytes = new Float64Array(P);
    this.wBytes = new Float64Array(P);
    this.poolSize = new Float64Array(P);
    this.clusterOpsPerS = clusterOpsPerS;
    for (const p of pools) this.setRates(p);
    const n = osds.length;
    this.wsum = new Float64Array(n * P);
    this.acc = new Float64Array(n * ACC_WIDTH);
    this.latR = new Float64Array(n);
    this.latW = new Float64Array(n);
    this.latRW = new Float64Array(n);
    osds.forEach((o, i) => {
      const base = LAT_NS[o.deviceClass];
      this.latR[i] = base.r * o.latencyFactor;
      this.latW[i] = base.w * o.latencyFactor;
      this.latRW[i] = base.rw * o.latencyFactor;
    });
  }

  private setRates(p: PoolSpec): void {
    const ops = this.clusterOpsPerS * p.io.share;
    this.rOps[p.index] = ops * p.io.readFrac;
    this.rwOps[p.index] = ops * p.io.rwFrac;
    this.wOps[p.index] = ops * Math.max(0, 1 - p.io.readFrac - p.io.rwFrac);
    this.rBytes[p.index] = ops * (p.io.readFrac + p.io.rwFrac) * p.io.readBytes;
    this.wBytes[p.index] = ops * (1 - p.io.readFrac) * p.io.writeBytes;
    this.poolSize[p.index] = p.size;
  }

  /** A pool created in slot `p.index` (the next one): its columns, no IO credited yet. */
  addPool(p: PoolSpec): void {
    const P = this.numPools;
    const Q = Math.max(P, p.index + 1);
    if (Q > P) {
      const grow = (a: Float64Array): Float64Array => {
        const b = new Float64Array(Q);
        b.set(a);
        return b;
      };
      this.rOps = grow(this.rOps);
      this.wOps = grow(this.wOps);
      this.rwOps = grow(this.rwOps);
      this.rBytes = grow(this.rBytes);
      this.wBytes = grow(this.wBytes);
      this.poolSize = grow(this.poolSize);
      const n = this.latR.length;
      const wsum = new Float64Array(n * Q);
      for (let o = 0; o < n; o++) wsum.set(this.wsum.subarray(o * P, (o + 1) * P), o * Q);
      this.wsum = wsum;
      this.numPools = Q;
    }
    this.setRates(p);
  }

  /** A pool's size or IO changed (its PGs' credits stay); a deleted pool's slot gets no IO. */
  updatePool(p: PoolSpec, deleted = false): void {
    if (!deleted) return this.setRates(p);
    this.rOps[p.index] = this.wOps[p.index] = this.rwOps[p.index] = this.rBytes[p.index] = this.wBytes[p.index] = 0;
  }

  /** Starts (or restarts) an OSD's counters at t, as a daemon start does. */
  reset(osd: number, t: number): void {
    const a = osd * ACC_WIDTH;
    this.acc.fill(0, a, a + ACC_WIDTH);
    this.acc[a + A_LAST_T] = t;
    this.acc[a + A_STARTED] = t;
  }

  /** Brings an OSD's accumulators up to t with the shares it has now. */
  bank(osd: number, t: number): void {
    const a = osd * ACC_WIDTH;
    const acc = this.acc;
    const last = acc[a + A_LAST_T] as number;
    if (!(t > last)) return;
    const P = this.numPools;
    const w0 = osd * P;
    let r = 0;
    let w = 0;
    let rw = 0;
    let rb = 0;
    let wb = 0;
    let sub = 0;
    let subB = 0;
    for (let p = 0; p < P; p++) {
      const share = this.wsum[w0 + p] as number;
      if (share <= 0) continue;
      const load = this.loads[p] as LoadShape;
      const dI = load.integral(t) - load.integral(last);
      r += share * (this.rOps[p] as number) * dI;
      const wo = share * (this.wOps[p] as number) * dI;
      w += wo;
      rw += share * (this.rwOps[p] as number) * dI;
      rb += share * (this.rBytes[p] as number) * dI;
      const wbp = share * (this.wBytes[p] as number) * dI;
      wb += wbp;
      const replicas = (this.poolSize[p] as number) - 1;
      sub += wo * replicas;
      subB += wbp * replicas;
    }
    // Latency grows with load; evaluate the load at the middle of the interval.
    const mid = (last + t) / 2;
    const lf = 0.7 + 0.3 * (this.loads[0] as LoadShape).at(mid) + 0.15 * Math.sin(mid / 37 + osd);
    acc[a + A_R_OPS] = (acc[a + A_R_OPS] as number) + r;
    acc[a + A_W_OPS] = (acc[a + A_W_OPS] as number) + w;
    acc[a + A_RW_OPS] = (acc[a + A_RW_OPS] as number) + rw;
    const rwFrac = rw / Math.max(1e-9, r + rw);
    acc[a + A_R_BYTES] = (acc[a + A_R_BYTES] as number) + rb * (1 - rwFrac);
    acc[a + A_RW_OUT] = (acc[a + A_RW_OUT] as number) + rb * rwFrac;
    const wTotal = w + rw;
    acc[a + A_W_BYTES] = (acc[a + A_W_BYTES] as number) + wb * (wTotal > 0 ? w / wTotal : 1);
    acc[a + A_RW_IN] = (acc[a + A_RW_IN] as number) + wb * (wTotal > 0 ? rw / wTotal : 0);
    acc[a + A_LAT_R] = (acc[a + A_LAT_R] as number) + r * (this.latR[osd] as number) * lf;
    acc[a + A_LAT_W] = (acc[a + A_LAT_W] as number) + w * (this.latW[osd] as number) * lf;
    acc[a + A_LAT_RW] = (acc[a + A_LAT_RW] as number) + rw * (this.latRW[osd] as number) * lf;
    acc[a + A_SUB_W] = (acc[a + A_SUB_W] as number) + sub;
    acc[a + A_SUB_W_BYTES] = (acc[a + A_SUB_W_BYTES] as number) + subB;
    acc[a + A_LAST_T] = t;
  }

  /** Moves `share` of pool p's IO from OSD `from` to OSD `to` (-1: nobody) at t. */
  move(pool: number, share: number, from: number, to: number, t: number): void {
    const P = this.numPools;
    if (from >= 0) {
      this.bank(from, t);
      const i = from * P + pool;
      this.wsum[i] = Math.max(0, (this.wsum[i] as number) - share);
    }
    if (to >= 0) {
      this.bank(to, t);
      this.wsum[to * P + pool] = (this.wsum[to * P + pool] as number) + share;
    }
  }

  /** Client ops/s an OSD serves at t (for gauges such as op_wip). */
  opsRate(osd: number, t: number): number {
    const P = this.numPools;
    let s = 0;
    for (let p = 0; p < P; p++) {
      const share = this.wsum[osd * P + p] as number;
      if (share > 0) s += share * ((this.rOps[p] as number) + (this.wOps[p] as number) + (this.rwOps[p] as number)) * (this.loads[p] as LoadShape).at(t);
    }
    return s;
  }

  /** Average write latency (ns) of an OSD, for osd_stat apply/commit latency. */
  writeLatencyNs(osd: number): number {
    return this.latW[osd] as number;
  }

  addRecovery(osd: number, ops: number, bytes: number): void {
    const a = osd * ACC_WIDTH;
    this.acc[a + A_REC_OPS] = (this.acc[a + A_REC_OPS] as number) + ops;
    this.acc[a + A_REC_BYTES] = (this.acc[a + A_REC_BYTES] as number) + bytes;
  }

  get(osd: number, field: number): number {
    return this.acc[osd * ACC_WIDTH + field] as number;
  }
}
