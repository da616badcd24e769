// The osd_stat and pool_statfs of every OSD, with their sums kept
// incrementally: a report subtracts the OSD's previous vectors and adds the new.
// An OSD's pool_statfs live in one Float64Array (not one per pool): at 10,000
// OSDs and 10 pools that is 10,000 arrays instead of 100,000.

import type { DecodedPgStats, PeerPingTimes, PgStatsMsg } from '../protocol/messages.js';
import { NO_PING_TIMES, PING_FIELDS, packPingTimes, unpackPingTimes } from '../protocol/ping-times.js';
import { num } from './pg-record.js';
import { OSD_COL, OSD_W, STATFS_W, addInto, statfsVector } from './stat-vectors.js';
import type { OsdStatWatcher } from './df-index.js';

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
  /** Heartbeat ping times to its peers, packed (protocol/ping-times.ts: PING_FIELDS u32 per peer): what health reads. */
  readonly ping: Uint32Array;
  /** The same as `network_ping_times` JSON, built on each read (commands, modules). */
  readonly pingTimes: PeerPingTimes[];
  /** Its objectstore's alerts, name -> message. */
  readonly alerts: Readonly<Record<string, string>>;
}

const NO_ALERTS: Readonly<Record<string, string>> = Object.freeze({});

class OsdStatRecord implements OsdStatEntry {
  readonly vec = new Float64Array(OSD_W);
  upFrom = 0;
  seq = 0;
  hbPeers: readonly number[] = [];
  ping: Uint32Array = NO_PING_TIMES;
  alerts: Readonly<Record<string, string>> = NO_ALERTS;
  /** Pool ids in report order, and their statfs vectors at STATFS_W * i. */
  poolIds: number[] = [];
  poolVecs = new Float64Array(0);

  constructor(readonly osd: number) {}

  get pingTimes(): PeerPingTimes[] {
    return unpackPingTimes(this.ping);
  }

  /** A new Map of views into poolVecs (for readers; the table works on the arrays). */
  get pools(): Map<number, Float64Array> {
    return new Map(this.poolIds.map((id, i) => [id, this.poolVecs.subarray(i * STATFS_W, (i + 1) * STATFS_W)]));
  }
}

export class OsdStatTable {
  /** Ceph's osd_sum. */
  readonly sum = new Float64Array(OSD_W);
  private readonly osds = new Map<number, OsdStatRecord>();
  /** pool id -> summed pool_statfs and the number of OSDs reporting it (num_store_stats). */
  private readonly poolStores = new Map<number, { v: Float64Array; n: number }>();
  private readonly scratchIds: number[] = [];
  /** Told around every change of an OSD's vector (df's index keeps its sums by it). */
  watcher: OsdStatWatcher | undefined;

  /** Replaces one OSD's osd_stat and pool_statfs; pools `keepPool` rejects are ignored. */
  apply(msg: Omit<PgStatsMsg, 'pg_stats'> | DecodedPgStats, keepPool: (pool: number) => boolean): void {
    let e = this.osds.get(msg.osd);
    if (!e) {
      e = new OsdStatRecord(msg.osd);
      this.osds.set(msg.osd, e);
    } else this.watcher?.leave(e.osd, e.vec, false);
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
    this.watcher?.enter(e.osd, v);
    e.upFrom = num(s.up_from);
    e.seq = num(s.seq);
    // A copy (the message is garbage once applied), made only when the peers changed, which is rare.
    const peers: unknown = s.hb_peers;
    if (!Array.isArray(peers)) e.hbPeers = [];
    else if (!sameIds(e.hbPeers, peers)) e.hbPeers = peers.slice() as number[];
    // Checked at ingest (the decoder, checkPgStatsHead). Into the OSD's own array when the peer count did not change.
    e.ping = packedPing(msg, e.ping);
    e.alerts = s.alerts !== undefined && Object.keys(s.alerts).length > 0 ? s.alerts : NO_ALERTS;

    // pool_statfs replaces this OSD's previous set (an OSD reports every pool it holds).
    this.addPoolStores(e, -1);
    // Pool ids into a scratch array, copied only when they changed. A fresh array per message
    // would be kept (the first reports all keep theirs), so V8 would then allocate every one
    // of them straight in the old generation: ~170 B of old-space garbage per message.
    const ids = this.scratchIds;
    ids.length = 0;
    for (const p of msg.pool_statfs ?? []) if (keepPool(p.poolid) && !ids.includes(p.poolid)) ids.push(p.poolid);
    if (e.poolVecs.length !== ids.length * STATFS_W) e.poolVecs = new Float64Array(ids.length * STATFS_W);
    // A pool listed twice: the last entry wins, counted once.
    for (const p of msg.pool_statfs ?? []) {
      const i = ids.indexOf(p.poolid);
      if (i >= 0) statfsVector(p, e.poolVecs, i * STATFS_W);
    }
    if (!sameIds(e.poolIds, ids)) e.poolIds = ids.slice();
    this.addPoolStores(e, 1);
  }

  get(osd: number): OsdStatEntry | undefined {
    return this.osds.get(osd);
  }

  /** Pool ids an OSD reported pool_statfs for, ascending, and the vector of each. */
  poolStatfsOf(osd: number): Array<[pool: number, v: Float64Array]> {
    const e = this.osds.get(osd);
    if (!e) return [];
    return e.poolIds.map((id, i): [number, Float64Array] => [id, e.poolVecs.subarray(i * STATFS_W, (i + 1) * STATFS_W)]).sort((a, b) => a[0] - b[0]);
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
    this.watcher?.leave(osd, e.vec, true);
    addInto(this.sum, 0, e.vec, 0, OSD_W, -1);
    this.addPoolStores(e, -1);
    this.osds.delete(osd);
  }

  /** Ceph's stat_osd_out: an out OSD's osd_stat becomes an empty osd_stat_t until it reports again. */
  zero(osd: number): void {
    const e = this.osds.get(osd);
    if (!e) return;
    this.watcher?.leave(osd, e.vec, false);
    addInto(this.sum, 0, e.vec, 0, OSD_W, -1);
    e.vec.fill(0);
    this.watcher?.enter(osd, e.vec);
    e.upFrom = 0;
    e.seq = 0;
    e.hbPeers = [];
    e.ping = NO_PING_TIMES;
    e.alerts = NO_ALERTS;
  }

  /** The pool was deleted: its per-OSD shares and sum go. */
  forgetPool(pool: number): void {
    this.poolStores.delete(pool);
    for (const e of this.osds.values()) {
      const i = e.poolIds.indexOf(pool);
      if (i < 0) continue;
      const v = new Float64Array((e.poolIds.length - 1) * STATFS_W);
      v.set(e.poolVecs.subarray(0, i * STATFS_W));
      v.set(e.poolVecs.subarray((i + 1) * STATFS_W), i * STATFS_W);
      e.poolVecs = v;
      e.poolIds = e.poolIds.filter((id) => id !== pool);
    }
  }

  /** Adds (1) or removes (-1) one OSD's pool_statfs to the per-pool sums. */
  private addPoolStores(e: OsdStatRecord, sign: number): void {
    e.poolIds.forEach((pool, i) => {
      let s = this.poolStores.get(pool);
      if (!s) {
        s = { v: new Float64Array(STATFS_W), n: 0 };
        this.poolStores.set(pool, s);
      }
      addInto(s.v, 0, e.poolVecs, i * STATFS_W, STATFS_W, sign);
      s.n += sign;
      if (s.n <= 0) this.poolStores.delete(pool);
    });
  }
}

/** A message's ping times packed: PG_STATS_BIN's section read in place, a packed array copied, or JSON packed. */
function packedPing(msg: Omit<PgStatsMsg, 'pg_stats'> | DecodedPgStats, reuse: Uint32Array): Uint32Array {
  const into = reuse === NO_PING_TIMES ? undefined : reuse;
  const fromFrame = (msg as DecodedPgStats).pingTimesInto?.(into);
  if (fromFrame !== undefined) return fromFrame.length === 0 ? NO_PING_TIMES : fromFrame;
  const packed: unknown = msg.packedPingTimes;
  if (packed instanceof Uint32Array) {
    const n = packed.length - (packed.length % PING_FIELDS);
    if (n === 0) return NO_PING_TIMES;
    const out = into !== undefined && into.length === n ? into : new Uint32Array(n);
    out.set(packed.subarray(0, n));
    return out;
  }
  const json = msg.osd_stat.network_ping_times;
  return json !== undefined && json.length > 0 ? packPingTimes(json) : NO_PING_TIMES;
}

function sameIds(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
