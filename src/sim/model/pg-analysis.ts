// What a PG's primary works out during peering: the up set (CRUSH mapping minus
// down OSDs), the acting set (who has the data and serves IO; differs from up
// while backfilling, as a pg_temp), how many copies are missing (degraded) or
// in the wrong place (misplaced), and which OSDs need a backfill.
// Replicated pools compare members as sets; erasure pools by shard position.

import { MAX_SIZE, type PgTable } from './pg-table.js';

/** CRUSH_ITEM_NONE, what Ceph prints for an empty EC shard slot. */
export const CRUSH_ITEM_NONE = 2147483647;

export class PgAnalysis {
  /** Up set: compact (replicated) or positional with -1 (erasure). */
  readonly up = new Int32Array(MAX_SIZE);
  readonly acting = new Int32Array(MAX_SIZE);
  readonly targets = new Int32Array(MAX_SIZE);
  readonly downHolders = new Int32Array(MAX_SIZE);
  erasure = false;
  size = 0;
  nUp = 0;
  nActing = 0;
  /** Up members (count, any layout). */
  upCount = 0;
  /** Holders that are up (copies that exist). */
  upHold = 0;
  /** Up members that hold their data (copies in the right place). */
  good = 0;
  nTargets = 0;
  nDownHolders = 0;
  activeCount = 0;
  primary = -1;
  upPrimary = -1;
  remapped = false;
  targetSig = 0;

  get degradedSlots(): number {
    return Math.max(0, this.size - this.upHold);
  }

  get misplacedSlots(): number {
    return Math.max(0, this.upHold - this.good);
  }

  run(t: PgTable, pg: number, isUp: Uint8Array): this {
    const p = t.poolOf(pg);
    const at = pg * MAX_SIZE;
    const S = p.size;
    this.erasure = p.erasure;
    this.size = S;
    this.upCount = this.upHold = this.good = this.nTargets = this.nDownHolders = 0;
    this.primary = this.upPrimary = -1;
    this.remapped = false;
    for (let r = 0; r < MAX_SIZE; r++) {
      const h = t.holder[at + r] as number;
      if (h >= 0 && isUp[h] !== 1) this.downHolders[this.nDownHolders++] = h;
    }
    if (p.erasure) {
      this.nUp = this.nActing = S;
      for (let r = 0; r < S; r++) {
        const o = t.raw[at + r] as number;
        const u = o >= 0 && isUp[o] === 1 ? o : -1;
        const h = t.holder[at + r] as number;
        const hUp = h >= 0 && isUp[h] === 1;
        this.up[r] = u;
        this.acting[r] = hUp ? h : -1;
        if (u >= 0) {
          this.upCount++;
          if (this.upPrimary < 0) this.upPrimary = u;
          if (u === h) this.good++;
          else this.targets[this.nTargets++] = u;
        }
        if (hUp) {
          this.upHold++;
          if (this.primary < 0) this.primary = h;
        }
        if (this.acting[r] !== u) this.remapped = true;
      }
      this.activeCount = this.upHold;
    } else {
      this.nUp = 0;
      for (let r = 0; r < S; r++) {
        const o = t.raw[at + r] as number;
        if (o >= 0 && isUp[o] === 1) this.up[this.nUp++] = o;
      }
      this.upCount = this.nUp;
      this.upPrimary = this.nUp > 0 ? (this.up[0] as number) : -1;
      for (let r = 0; r < MAX_SIZE; r++) {
        const h = t.holder[at + r] as number;
        if (h >= 0 && isUp[h] === 1) this.upHold++;
      }
      this.nActing = 0;
      for (let i = 0; i < this.nUp; i++) {
        const o = this.up[i] as number;
        if (t.holds(pg, o)) {
          this.good++;
          this.acting[this.nActing++] = o;
        } else this.targets[this.nTargets++] = o;
      }
      // pg_temp: keep serving from holders outside the up set (while new members
      // backfill, or when CRUSH found too few OSDs: "active+clean+remapped").
      let kept = 0;
      for (let r = 0; r < MAX_SIZE && this.nActing < S; r++) {
        const h = t.holder[at + r] as number;
        if (h >= 0 && isUp[h] === 1 && !t.inRaw(pg, h)) {
          this.acting[this.nActing++] = h;
          kept++;
        }
      }
      this.remapped = this.nTargets > 0 || kept > 0;
      this.activeCount = this.nActing;
      this.primary = this.nActing > 0 ? (this.acting[0] as number) : -1;
    }
    let sig = 0;
    for (let i = 0; i < this.nTargets; i++) sig = (Math.imul(sig, 31) + (this.targets[i] as number) + 1) | 0;
    this.targetSig = sig;
    return this;
  }

  /** The up set as Ceph prints it (erasure: NONE for empty shards). */
  upList(): number[] {
    return this.list(this.up, this.nUp);
  }

  actingList(): number[] {
    return this.list(this.acting, this.nActing);
  }

  private list(a: Int32Array, n: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const v = a[i] as number;
      out.push(v < 0 ? CRUSH_ITEM_NONE : v);
    }
    return out;
  }
}
