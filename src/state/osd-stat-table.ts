// The osd_stat and pool_statfs of every OSD, with their sums kept
// incrementally: a report subtracts the OSD's previous vectors and adds the new.

import type { PgStatsMsg } from '../protocol/messages.js';
import { num } from './pg-record.js';
import { OSD_COL, OSD_W, STATFS_W, addInto, statfsVector } from './stat-vectors.js';

/** What is kept of one OSD's osd_stat and pool_statfs. */
export interface OsdStatEntry {
  readonly osd: number;
  /** statfs then the osd_stat_t counters, see OSD_COL. */
  readonly vec: Float64Array;
  upFrom: number;
  seq: number;
  hbPeers: readonly number[];
  /** pool id -> statfs vector of this OSD's share of the pool. */
  readonly pools: Map<number, Float64Array>;
}

export class OsdStatTable {
  /** Ceph's osd_sum. */
  readonly sum = new Float64Array(OSD_W);
  private readonly osds = new Map<number, OsdStatEntry>();
  /** pool id -> summed pool_statfs and the number of OSDs reporting it (num_store_stats). */
  private readonly poolStores = new Map<number, { v: Float64Array; n: number }>();

  /** Replaces one OSD's osd_stat and pool_statfs; pools `keepPool` rejects are ignored. */
  apply(msg: PgStatsMsg, keepPool: (pool: number) => boolean): void {
    let e = this.osds.get(msg.osd);
    if (!e) {
      e = { osd: msg.osd, vec: new Float64Array(OSD_W), upFrom: 0, seq: 0, hbPeers: [], pools: new Map() };
      this.osds.set(msg.osd, e);
    }
    const s = msg.osd_stat;
    addInto(this.sum, 0, e.vec, 0, OSD_W, -1);
    const v = e.vec;
    statfsVector(s.statfs, v, 0);
    // An OSD that sends pool_statfs keeps per-pool stats (BlueStore); Ceph then trusts them for df.
    const perPool = msg.pool_statfs !== undefined ? 1 : 0;
    v[OSD_COL.numPgs] = num(s.num_pgs);
    v[OSD_COL.numOsds] = 1;
    v[OSD_COL.numPerPoolOsds] = perPool;
    v[OSD_COL.numPerPoolOmapOsds] = perPool;
    v[OSD_COL.snapTrimQueueLen] = num(s.snap_trim_queue_len);
    v[OSD_COL.numSnapTrimming] = num(s.num_snap_trimming);
    v[OSD_COL.numShardsRepaired] = num(s.num_shards_repaired);
    v[OSD_COL.commitNs] = Math.round(num(s.commit_latency_ms) * 1e6);
    v[OSD_COL.applyNs] = Math.round(num(s.apply_latency_ms) * 1e6);
    addInto(this.sum, 0, v, 0, OSD_W, 1);
    e.upFrom = num(s.up_from);
    e.seq = num(s.seq);
    e.hbPeers = Array.isArray(s.hb_peers) ? s.hb_peers : [];

    // pool_statfs replaces this OSD's previous set (an OSD reports every pool it holds).
    for (const [pool, pv] of e.pools) this.addPoolStore(pool, pv, -1);
    e.pools.clear();
    for (const p of msg.pool_statfs ?? []) {
      if (!keepPool(p.poolid)) continue;
      const pv = statfsVector(p);
      e.pools.set(p.poolid, pv);
      this.addPoolStore(p.poolid, pv, 1);
    }
  }

  get(osd: number): OsdStatEntry | undefined {
    return this.osds.get(osd);
  }

  entries(): IterableIterator<OsdStatEntry> {
    return this.osds.values();
  }

  /** OSD ids, ascending. */
  ids(): number[] {
    return [...this.osds.keys()].sort((a, b) => a - b);
  }

  get size(): number {
    return this.osds.size;
  }

  poolStore(pool: number): { v: Float64Array; n: number } | undefined {
    return this.poolStores.get(pool);
  }

  poolStoreIds(): number[] {
    return [...this.poolStores.keys()];
  }

  /** The OSD left the osd map: its stats go. */
  remove(osd: number): void {
    const e = this.osds.get(osd);
    if (!e) return;
    addInto(this.sum, 0, e.vec, 0, OSD_W, -1);
    for (const [pool, pv] of e.pools) this.addPoolStore(pool, pv, -1);
    this.osds.delete(osd);
  }

  /** Ceph's stat_osd_out: an out OSD's osd_stat becomes an empty osd_stat_t until it reports again. */
  zero(osd: number): void {
    const e = this.osds.get(osd);
    if (!e) return;
    addInto(this.sum, 0, e.vec, 0, OSD_W, -1);
    e.vec.fill(0);
    e.upFrom = 0;
    e.seq = 0;
    e.hbPeers = [];
  }

  /** The pool was deleted: its per-OSD shares and sum go. */
  forgetPool(pool: number): void {
    this.poolStores.delete(pool);
    for (const e of this.osds.values()) e.pools.delete(pool);
  }

  private addPoolStore(pool: number, v: Float64Array, sign: number): void {
    let s = this.poolStores.get(pool);
    if (!s) {
      s = { v: new Float64Array(STATFS_W), n: 0 };
      this.poolStores.set(pool, s);
    }
    addInto(s.v, 0, v, 0, STATFS_W, sign);
    s.n += sign;
    if (s.n <= 0) this.poolStores.delete(pool);
  }
}
