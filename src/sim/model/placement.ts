// PG placement: a CRUSH stand-in that is O(1) per replica, deterministic, puts
// the replicas (or EC shards) of a PG on distinct hosts, weights OSDs by CRUSH
// weight, and moves only the PGs of an OSD that goes out (like CRUSH).
//
// Rank r of PG ps first tries a systematic pick: the point ((ps + 0.5) / pg_num +
// offset) on a shuffled, weight-scaled line of OSDs (one line per rank), which
// spreads primaries evenly — what a cluster balanced by the upmap balancer looks
// like. If that OSD is out or its host is taken, it retries with hashed weighted
// picks, which scatters an out OSD's PGs over the cluster as CRUSH retries do.

import type { Rng } from './rng.js';
import { hashUnit } from './rng.js';
import type { Topology } from './topology.js';

const LINES = 3;
const HASH_TRIES = 60;

function lowerBound(cum: Float64Array, x: number): number {
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cum[mid] as number) > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export class Placement {
  private readonly lines: Int32Array[] = [];
  private readonly lineCum: Float64Array[] = [];
  private readonly cum: Float64Array;
  private readonly total: number;
  private readonly hostOf: Int32Array;
  private offsets: Float64Array;
  private readonly usedHosts = new Int32Array(16);

  constructor(topo: Topology, rng: Rng, numPools: number) {
    const n = topo.osds.length;
    this.hostOf = Int32Array.from(topo.osds, (o) => o.host);
    const weight = Float64Array.from(topo.osds, (o) => o.crushWeightFixed);
    this.cum = new Float64Array(n);
    let acc = 0;
    for (let i = 0; i < n; i++) this.cum[i] = acc += weight[i] as number;
    this.total = acc;
    for (let r = 0; r < LINES; r++) {
      const line = Int32Array.from({ length: n }, (_, i) => i);
      rng.shuffle(line);
      const c = new Float64Array(n);
      let a = 0;
      for (let i = 0; i < n; i++) c[i] = a += weight[line[i] as number] as number;
      this.lines.push(line);
      this.lineCum.push(c);
    }
    this.offsets = new Float64Array(numPools * LINES);
    for (let i = 0; i < this.offsets.length; i++) this.offsets[i] = rng.float();
  }

  /** Room for a pool created later (its slot is `numPools` before the call); its offsets come from its id. */
  addPool(slot: number, poolId: number): void {
    if (this.offsets.length >= (slot + 1) * LINES) return;
    const next = new Float64Array((slot + 1) * LINES);
    next.set(this.offsets);
    for (let l = 0; l < LINES; l++) next[slot * LINES + l] = hashUnit(poolId, l, 0x0ff5e7);
    this.offsets = next;
  }

  /**
   * Writes the `size` OSDs of PG (pool, ps) into out[at .. at+size), -1 where no
   * OSD fits (fewer eligible hosts than replicas). `reweight` is each OSD's
   * weight in the OSD map (0 out, 1 in): as CRUSH's is_out, an OSD reweighted
   * to w keeps a PG when a hash of (PG, OSD) falls below w.
   */
  map(pool: number, poolId: number, ps: number, pgNum: number, size: number, reweight: Float64Array, out: Int32Array, at: number): void {
    const used = this.usedHosts;
    let nUsed = 0;
    const ok = (c: number): boolean => {
      const w = reweight[c] as number;
      if (w <= 0 || (w < 1 && hashUnit(poolId, ps, c, 0x5e1) >= w)) return false;
      const h = this.hostOf[c] as number;
      for (let i = 0; i < nUsed; i++) if (used[i] === h) return false;
      return true;
    };
    for (let r = 0; r < size; r++) {
      const line = r % LINES;
      const u = ((ps + 0.5) / pgNum + (this.offsets[pool * LINES + line] as number) + Math.floor(r / LINES) * 0.5) % 1;
      let pick = this.lines[line]![lowerBound(this.lineCum[line]!, u * this.total)] as number;
      if (!ok(pick)) {
        let found = -1;
        for (let t = 1; t <= HASH_TRIES && found < 0; t++) {
          const c = lowerBound(this.cum, hashUnit(poolId, ps, r, t) * this.total);
          if (ok(c)) found = c;
        }
        if (found < 0) {
          const n = this.cum.length;
          for (let j = 1; j <= n && found < 0; j++) {
            const c = (pick + j) % n;
            if (ok(c)) found = c;
          }
        }
        pick = found;
      }
      out[at + r] = pick;
      if (pick >= 0 && nUsed < used.length) used[nUsed++] = this.hostOf[pick] as number;
    }
  }
}
