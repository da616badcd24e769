// Perf counter values per daemon. Counters that operators watch (client ops and
// bytes, latencies, recovery, PG counts, usage, bluestore commit latency, paxos,
// mds requests, rgw gets/puts) are driven from the cluster model; the rest move
// in proportion to the daemon's activity or stay at a plausible constant.
// TIME values are nanoseconds, as Ceph hands them to manager modules.

import type { CounterDecl, StoreStatfs } from '../../protocol/messages.js';
import { applyGeneric, buildLayout, loadSchemaFile, VectorWriter, type Layout } from './counter-layout.js';
import { MDS_SCHEMA, RGW_SCHEMA } from './extra-schemas.js';
import {
  A_LAT_R, A_LAT_RW, A_LAT_W, A_R_BYTES, A_R_OPS, A_REC_BYTES, A_REC_OPS, A_RW_IN, A_RW_OPS, A_RW_OUT, A_SUB_W, A_SUB_W_BYTES,
  A_W_BYTES, A_W_OPS, type IoLedger,
} from './io-ledger.js';
import type { LoadShape } from './load.js';
import type { OsdUsage } from './osd-usage.js';
import { hashUnit } from './rng.js';
import { GIB, KIB, MIB } from './format.js';

export type DaemonKind = 'osd' | 'mon' | 'mds' | 'rgw';

/** Cluster totals a mon's "cluster" section shows. */
export interface ClusterTotals {
  numMon: number;
  numMonQuorum: number;
  numOsd: number;
  numOsdUp: number;
  numOsdIn: number;
  osdEpoch: number;
  osdBytes: number;
  osdBytesUsed: number;
  numPool: number;
  numPg: number;
  numPgActiveClean: number;
  numPgActive: number;
  numPgPeering: number;
  numObject: number;
  numObjectDegraded: number;
  numObjectMisplaced: number;
  numObjectUnfound: number;
  numBytes: number;
}

/** What the samplers read from the cluster model. */
export interface CounterSource {
  ledger: IoLedger;
  loads: LoadShape[];
  isSsd: Uint8Array;
  /** 1 where the OSD runs bluestore (osd.3's schema), 0 for memstore (osd.0's). */
  isBluestore: Uint8Array;
  usage(osd: number): OsdUsage;
  statfs(osd: number): StoreStatfs;
  osdEpoch(): number;
  numOsds: number;
  numMons: number;
  /** Pool indices (or -1) the MDS and RGW load follows. */
  cephfsMetaPool: number;
  cephfsDataObjects: number;
  rgwDataPool: number;
  numRgws: number;
  totals(): ClusterTotals;
}

const OSD_DRIVEN = [
  'osd.op_wip', 'osd.op', 'osd.op_in_bytes', 'osd.op_out_bytes', 'osd.op_latency', 'osd.op_process_latency', 'osd.op_prepare_latency',
  'osd.op_r', 'osd.op_r_out_bytes', 'osd.op_r_latency', 'osd.op_r_process_latency', 'osd.op_r_prepare_latency',
  'osd.op_w', 'osd.op_w_in_bytes', 'osd.op_w_latency', 'osd.op_w_process_latency', 'osd.op_w_prepare_latency',
  'osd.op_rw', 'osd.op_rw_in_bytes', 'osd.op_rw_out_bytes', 'osd.op_rw_latency', 'osd.op_rw_process_latency', 'osd.op_rw_prepare_latency',
  'osd.op_before_queue_op_lat', 'osd.op_before_dequeue_op_lat', 'osd.subop', 'osd.subop_in_bytes', 'osd.subop_latency',
  'osd.subop_w', 'osd.subop_w_in_bytes', 'osd.subop_w_latency', 'osd.push', 'osd.push_out_bytes', 'osd.recovery_ops',
  'osd.recovery_bytes', 'osd.numpg', 'osd.numpg_primary', 'osd.numpg_replica', 'osd.numpg_stray', 'osd.heartbeat_to_peers',
  'osd.loadavg', 'osd.stat_bytes', 'osd.stat_bytes_used', 'osd.stat_bytes_avail', 'osd.map_message_epochs',
  'bluestore.commit_lat', 'bluestore.submit_lat', 'bluestore.throttle_lat', 'bluestore.read_lat', 'bluestore.kv_flush_lat',
  'bluestore.kv_commit_lat', 'bluestore.kv_sync_lat', 'bluestore.kv_final_lat', 'bluestore.state_aio_wait_lat',
  'bluestore.bluestore_allocated', 'bluestore.bluestore_stored', 'bluestore.bluestore_onodes', 'bluestore.bluestore_txc',
  'bluestore.onode_hits', 'bluestore.onode_misses', 'bluestore.bluestore_compressed', 'bluestore.bluestore_compressed_allocated',
  'bluestore.bluestore_compressed_original', 'bluestore.compress_success_count', 'bluefs.db_total_bytes', 'bluefs.db_used_bytes', 'bluefs.wal_total_bytes',
  'bluefs.wal_used_bytes', 'bluefs.slow_total_bytes', 'bluefs.slow_used_bytes', 'bluefs.num_files', 'bluefs.log_bytes',
  'bluefs.logged_bytes', 'bluefs.bytes_written_wal', 'bluefs.bytes_written_sst', 'bluefs.bytes_written_slow',
  'bluefs.alloc_unit_main', 'bluefs.alloc_unit_db', 'bluefs.alloc_unit_wal', 'bluefs.max_bytes_db',
  'bluestore-pricache.target_bytes', 'bluestore-pricache.mapped_bytes', 'bluestore-pricache.unmapped_bytes',
  'bluestore-pricache.heap_bytes', 'bluestore-pricache.cache_bytes', 'cct.total_workers', 'cct.unhealthy_workers',
];

const MON_DRIVEN = [
  'mon.num_sessions', 'mon.session_add', 'mon.session_rm', 'mon.num_elections', 'mon.election_call', 'mon.election_win',
  'mon.election_lose', 'paxos.start_leader', 'paxos.start_peon', 'paxos.restart', 'paxos.refresh', 'paxos.refresh_latency',
  'paxos.begin', 'paxos.begin_keys', 'paxos.begin_bytes', 'paxos.begin_latency', 'paxos.commit', 'paxos.commit_keys',
  'paxos.commit_bytes', 'paxos.commit_latency', 'paxos.collect', 'paxos.collect_keys', 'paxos.collect_bytes',
  'paxos.collect_latency', 'paxos.collect_uncommitted', 'paxos.store_state', 'paxos.store_state_keys', 'paxos.store_state_bytes',
  'paxos.store_state_latency', 'paxos.share_state', 'paxos.share_state_keys', 'paxos.share_state_bytes', 'paxos.new_pn',
  'paxos.new_pn_latency', 'prioritycache.target_bytes', 'prioritycache.mapped_bytes', 'prioritycache.heap_bytes',
  'prioritycache.cache_bytes', 'prioritycache.unmapped_bytes',
];

function allPaths(schema: Record<string, Record<string, unknown>>, section: string): string[] {
  return Object.keys(schema[section] ?? {}).map((n) => `${section}.${n}`);
}

/** Per-daemon state a sampler needs besides the cluster: when it started, and mon roles. */
export interface MonRole {
  startS: number;
  leader: boolean;
  elections: number;
  epochAtStart: number;
}

/** Layouts by schema: one per daemon kind, and the two OSD stores. */
interface Layouts {
  osd: Layout;
  osdBluestore: Layout;
  mon: Layout;
  mds: Layout;
  rgw: Layout;
}

let layoutCache: Layouts | undefined;

/**
 * Built once per process and shared by every SimCluster: layouts are read-only
 * (samplers copy the template), so 10,000 OSDs cost two layouts, not 10,000.
 */
function sharedLayouts(): Layouts {
  if (layoutCache !== undefined) return layoutCache;
  const osdDriven = new Set(OSD_DRIVEN);
  const quietOsd = ['objecter', 'finisher-objecter', 'throttle-objecter'];
  // memstore (osd.0 of the reference cluster) declares a subset of what bluestore
  // (osd.3) declares, in the same order; generic behaviours hash the path, so
  // the counters both have move alike.
  const osd = buildLayout(loadSchemaFile('osd.perf_schema.json'), osdDriven, quietOsd);
  const osdBluestore = buildLayout(loadSchemaFile('osd-bluestore.perf_schema.json'), osdDriven, quietOsd);
  const monSchema = loadSchemaFile('mon.perf_schema.json');
  const mon = buildLayout(monSchema, new Set([...MON_DRIVEN, ...allPaths(monSchema, 'cluster')]));
  const mds = buildLayout(MDS_SCHEMA, new Set([...allPaths(MDS_SCHEMA, 'mds'), ...allPaths(MDS_SCHEMA, 'mds_sessions'), 'mds_mem.ino', 'mds_mem.dn', 'mds_mem.cap', 'mds_mem.rss', 'mds_mem.heap', 'mds_log.ev', 'mds_log.evadd', 'mds_log.seg', 'mds_log.segadd', 'mds_log.wrpos', 'mds_server.handle_client_request', 'mds_server.handle_slave_request', 'mds_cache.num_strays']));
  const rgw = buildLayout(RGW_SCHEMA, new Set(allPaths(RGW_SCHEMA, 'rgw')));
  layoutCache = { osd, osdBluestore, mon, mds, rgw };
  return layoutCache;
}

export class DaemonCounters {
  private readonly layouts: Layouts;
  private readonly writers: Record<keyof Layouts, VectorWriter>;

  constructor(private readonly src: CounterSource) {
    const l = sharedLayouts();
    this.layouts = l;
    this.writers = { osd: new VectorWriter(l.osd), osdBluestore: new VectorWriter(l.osdBluestore), mon: new VectorWriter(l.mon), mds: new VectorWriter(l.mds), rgw: new VectorWriter(l.rgw) };
  }

  /** A kind's schema; for OSDs the memstore one unless `bluestore`. Shared: treat as read-only. */
  schema(kind: DaemonKind, bluestore = false): CounterDecl[] {
    return this.layout(kind, bluestore).decls;
  }

  width(kind: DaemonKind, bluestore = false): number {
    return this.layout(kind, bluestore).width;
  }

  private layout(kind: DaemonKind, bluestore: boolean): Layout {
    return kind === 'osd' && bluestore ? this.layouts.osdBluestore : this.layouts[kind];
  }

  sampleOsd(osd: number, now: number): Float64Array {
    const s = this.src;
    const led = s.ledger;
    led.bank(osd, now);
    const bluestore = s.isBluestore[osd] === 1;
    const L = bluestore ? this.layouts.osdBluestore : this.layouts.osd;
    const out = L.template.slice();
    const g = (f: number): number => led.get(osd, f);
    const r = g(A_R_OPS);
    const w = g(A_W_OPS);
    const rw = g(A_RW_OPS);
    const ops = r + w + rw;
    const sub = g(A_SUB_W);
    applyGeneric(L, out, ops + sub);
    const v = bluestore ? this.writers.osdBluestore : this.writers.osd;
    v.begin(out);
    const latR = g(A_LAT_R);
    const latW = g(A_LAT_W);
    const latRW = g(A_LAT_RW);
    const latAll = latR + latW + latRW;
    const opsNow = led.opsRate(osd, now);
    v.set('osd.op_wip', Math.round((opsNow * (ops > 0 ? latAll / ops : 0)) / 1e9));
    v.set('osd.op', Math.floor(ops));
    v.set('osd.op_in_bytes', Math.floor(g(A_W_BYTES) + g(A_RW_IN)));
    v.set('osd.op_out_bytes', Math.floor(g(A_R_BYTES) + g(A_RW_OUT)));
    this.latencyTriple(v, 'osd.op', latAll, Math.floor(ops));
    v.set('osd.op_r', Math.floor(r));
    v.set('osd.op_r_out_bytes', Math.floor(g(A_R_BYTES)));
    this.latencyTriple(v, 'osd.op_r', latR, Math.floor(r));
    v.set('osd.op_w', Math.floor(w));
    v.set('osd.op_w_in_bytes', Math.floor(g(A_W_BYTES)));
    this.latencyTriple(v, 'osd.op_w', latW, Math.floor(w));
    v.set('osd.op_rw', Math.floor(rw));
    v.set('osd.op_rw_in_bytes', Math.floor(g(A_RW_IN)));
    v.set('osd.op_rw_out_bytes', Math.floor(g(A_RW_OUT)));
    this.latencyTriple(v, 'osd.op_rw', latRW, Math.floor(rw));
    v.avg('osd.op_before_queue_op_lat', Math.floor(ops) * 45e3, Math.floor(ops));
    v.avg('osd.op_before_dequeue_op_lat', Math.floor(ops) * 80e3, Math.floor(ops));
    const subN = Math.floor(sub);
    const subLat = w > 0 ? (latW / w) * 0.45 : 1e6;
    v.set('osd.subop', subN);
    v.set('osd.subop_in_bytes', Math.floor(g(A_SUB_W_BYTES)));
    v.avg('osd.subop_latency', subN * subLat, subN);
    v.set('osd.subop_w', subN);
    v.set('osd.subop_w_in_bytes', Math.floor(g(A_SUB_W_BYTES)));
    v.avg('osd.subop_w_latency', subN * subLat, subN);
    v.set('osd.push', Math.floor(g(A_REC_OPS)));
    v.set('osd.push_out_bytes', Math.floor(g(A_REC_BYTES)));
    v.set('osd.recovery_ops', Math.floor(g(A_REC_OPS)));
    v.set('osd.recovery_bytes', Math.floor(g(A_REC_BYTES)));
    const u = s.usage(osd);
    v.set('osd.numpg', u.numPgs);
    v.set('osd.numpg_primary', u.numPrimary);
    v.set('osd.numpg_replica', u.numReplica);
    v.set('osd.numpg_stray', 0);
    v.set('osd.heartbeat_to_peers', u.hbPeers.length);
    const load = (s.loads[0] as LoadShape).at(now);
    v.set('osd.loadavg', Math.round(100 * (0.4 + 1.6 * load * (0.8 + 0.4 * hashUnit(osd, 11)))));
    const st = s.statfs(osd);
    v.set('osd.stat_bytes', st.total);
    v.set('osd.stat_bytes_used', st.total - st.available);
    v.set('osd.stat_bytes_avail', st.available);
    v.set('osd.map_message_epochs', s.osdEpoch());
    if (bluestore) this.bluestore(v, osd, { r, w, rw, sub, ops, latR }, st);
    v.set('cct.total_workers', 11);
    return out;
  }

  /** What only a bluestore OSD has: BlueStore latencies and space, BlueFS, the priority cache. */
  private bluestore(v: VectorWriter, osd: number, io: { r: number; w: number; rw: number; sub: number; ops: number; latR: number }, st: StoreStatfs): void {
    const { r, w, rw, sub, ops, latR } = io;
    const ssd = this.src.isSsd[osd] === 1;
    // Every local write (client or replica) is a transaction.
    const txc = Math.floor(w + rw + sub);
    const commitNs = (ssd ? 0.9e6 : 5.5e6) * (0.85 + 0.3 * hashUnit(osd, 12));
    v.avg('bluestore.commit_lat', txc * commitNs, txc);
    v.avg('bluestore.submit_lat', txc * commitNs * 0.04, txc);
    v.avg('bluestore.throttle_lat', txc * 600, txc);
    v.avg('bluestore.state_aio_wait_lat', txc * commitNs * 0.55, txc);
    const reads = Math.floor(r + rw);
    v.avg('bluestore.read_lat', reads > 0 ? latR * 0.7 : 0, reads);
    const kv = Math.floor(txc / 3);
    v.avg('bluestore.kv_flush_lat', kv * 45e3, kv);
    v.avg('bluestore.kv_commit_lat', kv * commitNs * 0.35, kv);
    v.avg('bluestore.kv_sync_lat', kv * (commitNs * 0.35 + 45e3), kv);
    v.avg('bluestore.kv_final_lat', kv * 40e3, kv);
    v.set('bluestore.bluestore_allocated', st.allocated);
    v.set('bluestore.bluestore_stored', st.data_stored);
    v.set('bluestore.bluestore_compressed', st.data_compressed);
    v.set('bluestore.bluestore_compressed_allocated', st.data_compressed_allocated);
    v.set('bluestore.bluestore_compressed_original', st.data_compressed_original);
    // Blobs are compressed as they are written: one per 64 KiB (bluestore_compression_min_blob_size_hdd is 128 KiB, ssd 8 KiB).
    v.set('bluestore.compress_success_count', Math.floor(st.data_compressed_original / (64 * KIB)));
    v.set('bluestore.bluestore_onodes', Math.min(300_000, Math.round(st.data_stored / (2 * MIB))));
    v.set('bluestore.bluestore_txc', txc);
    v.set('bluestore.onode_hits', Math.floor(ops * 2.6));
    v.set('bluestore.onode_misses', Math.floor(ops * 0.35));
    v.set('bluefs.db_total_bytes', st.total);
    v.set('bluefs.db_used_bytes', st.internal_metadata);
    v.set('bluefs.max_bytes_db', st.internal_metadata);
    v.set('bluefs.num_files', 20 + Math.floor(st.internal_metadata / (64 * MIB)));
    v.set('bluefs.log_bytes', 1_884_160);
    v.set('bluefs.logged_bytes', txc * 512);
    v.set('bluefs.bytes_written_wal', txc * 4 * KIB);
    v.set('bluefs.bytes_written_sst', txc * 2 * KIB);
    v.set('bluefs.alloc_unit_db', 65536);
    const mem = 0.9 + 0.2 * hashUnit(osd, 13);
    v.set('bluestore-pricache.target_bytes', 4 * GIB);
    v.set('bluestore-pricache.mapped_bytes', Math.round(3.1 * GIB * mem));
    v.set('bluestore-pricache.unmapped_bytes', Math.round(0.25 * GIB * mem));
    v.set('bluestore-pricache.heap_bytes', Math.round(3.35 * GIB * mem));
    v.set('bluestore-pricache.cache_bytes', Math.round(2.4 * GIB * mem));
  }

  /** op latency (incl. queue), process latency and prepare latency of one op class. */
  private latencyTriple(v: VectorWriter, prefix: string, sumNs: number, count: number): void {
    v.avg(`${prefix}_latency`, sumNs, count);
    v.avg(`${prefix}_process_latency`, sumNs * 0.85, count);
    v.avg(`${prefix}_prepare_latency`, sumNs * 0.06, count);
  }

  sampleMon(rank: number, role: MonRole, now: number): Float64Array {
    const s = this.src;
    const L = this.layouts.mon;
    const out = L.template.slice();
    const up = Math.max(0, now - role.startS);
    const commits = Math.floor(up * 0.45 + Math.max(0, s.osdEpoch() - role.epochAtStart) * 1.5);
    applyGeneric(L, out, commits * 20);
    const v = this.writers.mon;
    v.begin(out);
    const sessions = Math.ceil(s.numOsds / s.numMons) + 4 + (role.leader ? 3 : 0) + Math.round(3 * hashUnit(rank, 21));
    const added = sessions + Math.floor(up / 120);
    v.set('mon.num_sessions', sessions);
    v.set('mon.session_add', added);
    v.set('mon.session_rm', added - sessions);
    v.set('mon.num_elections', role.elections);
    v.set('mon.election_call', role.leader ? 1 : 0);
    v.set('mon.election_win', role.leader ? role.elections : 0);
    v.set('mon.election_lose', role.leader ? 0 : role.elections);
    v.set('paxos.start_leader', role.leader ? role.elections : 0);
    v.set('paxos.start_peon', role.leader ? 0 : role.elections);
    v.set('paxos.restart', 2 * role.elections);
    v.set('paxos.refresh', commits);
    v.avg('paxos.refresh_latency', commits * 1.8e6, commits);
    const keyBytes = 4 * KIB + s.numOsds * 96;
    v.set('paxos.begin', commits);
    v.avg('paxos.begin_keys', commits * 3, commits);
    v.avg('paxos.begin_bytes', commits * keyBytes, commits);
    v.avg('paxos.begin_latency', commits * 0.7e6, commits);
    v.set('paxos.commit', commits);
    v.avg('paxos.commit_keys', commits * 5.6, commits);
    v.avg('paxos.commit_bytes', commits * keyBytes, commits);
    v.avg('paxos.commit_latency', commits * 0.75e6, commits);
    v.set('paxos.new_pn', role.leader ? role.elections : 0);
    v.avg('paxos.new_pn_latency', role.leader ? role.elections * 0.9e6 : 0, role.leader ? role.elections : 0);
    v.set('prioritycache.target_bytes', 2 * GIB);
    v.set('prioritycache.mapped_bytes', Math.round((0.35 + 0.05 * hashUnit(rank, 22)) * GIB));
    v.set('prioritycache.heap_bytes', Math.round(0.4 * GIB));
    v.set('prioritycache.cache_bytes', Math.round(1.1 * GIB));
    v.set('prioritycache.unmapped_bytes', Math.round(0.04 * GIB));
    const c = s.totals();
    v.set('cluster.num_mon', c.numMon);
    v.set('cluster.num_mon_quorum', c.numMonQuorum);
    v.set('cluster.num_osd', c.numOsd);
    v.set('cluster.num_osd_up', c.numOsdUp);
    v.set('cluster.num_osd_in', c.numOsdIn);
    v.set('cluster.osd_epoch', c.osdEpoch);
    v.set('cluster.osd_bytes', c.osdBytes);
    v.set('cluster.osd_bytes_used', c.osdBytesUsed);
    v.set('cluster.osd_bytes_avail', c.osdBytes - c.osdBytesUsed);
    v.set('cluster.num_pool', c.numPool);
    v.set('cluster.num_pg', c.numPg);
    v.set('cluster.num_pg_active_clean', c.numPgActiveClean);
    v.set('cluster.num_pg_active', c.numPgActive);
    v.set('cluster.num_pg_peering', c.numPgPeering);
    v.set('cluster.num_object', c.numObject);
    v.set('cluster.num_object_degraded', c.numObjectDegraded);
    v.set('cluster.num_object_misplaced', c.numObjectMisplaced);
    v.set('cluster.num_object_unfound', c.numObjectUnfound);
    v.set('cluster.num_bytes', c.numBytes);
    return out;
  }

  sampleMds(startS: number, now: number): Float64Array {
    const s = this.src;
    const L = this.layouts.mds;
    const out = L.template.slice();
    const p = s.cephfsMetaPool;
    const dI = p >= 0 ? (s.loads[p] as LoadShape).integral(now) - (s.loads[p] as LoadShape).integral(startS) : 0;
    const rate = p >= 0 ? 0.6 * ((s.ledger.rOps[p] as number) + (s.ledger.wOps[p] as number) + (s.ledger.rwOps[p] as number)) : 0;
    const req = Math.floor(rate * Math.max(0, dI));
    applyGeneric(L, out, req);
    const v = this.writers.mds;
    v.begin(out);
    const inodes = Math.min(4_000_000, Math.round(s.cephfsDataObjects * 0.6) + 1000);
    const sessions = 4 + Math.ceil(s.numOsds / 40);
    v.set('mds.request', req);
    v.set('mds.reply', req);
    v.avg('mds.reply_latency', req * 1.4e6, req);
    v.set('mds.slow_reply', Math.floor(req / 200_000));
    v.set('mds.dir_fetch', Math.floor(req * 0.01));
    v.set('mds.dir_commit', Math.floor(req * 0.02));
    v.set('mds.inodes', inodes);
    v.set('mds.inodes_top', Math.round(inodes * 0.3));
    v.set('mds.inodes_bottom', Math.round(inodes * 0.6));
    v.set('mds.inodes_pinned', Math.round(inodes * 0.1));
    v.set('mds.inodes_expired', Math.floor(req * 0.05));
    v.set('mds.caps', Math.round(inodes * 0.7));
    v.set('mds.subtrees', 2);
    v.set('mds.traverse', Math.floor(req * 1.8));
    v.set('mds.traverse_hit', Math.floor(req * 1.7));
    v.set('mds.load_cent', Math.floor(req * 0.9));
    v.set('mds.q', Math.round(rate * 0.002));
    v.set('mds_mem.ino', inodes);
    v.set('mds_mem.dn', Math.round(inodes * 1.05));
    v.set('mds_mem.cap', Math.round(inodes * 0.7));
    v.set('mds_mem.rss', Math.round(1.5 * GIB + inodes * 1400));
    v.set('mds_mem.heap', Math.round(0.2 * GIB));
    const ev = Math.floor(req * 0.4);
    v.set('mds_log.ev', 20_000 + (ev % 40_000));
    v.set('mds_log.evadd', ev);
    v.set('mds_log.seg', 64 + (Math.floor(ev / 1024) % 64));
    v.set('mds_log.segadd', Math.floor(ev / 1024));
    v.set('mds_log.wrpos', ev * 2 * KIB);
    v.set('mds_server.handle_client_request', req);
    v.set('mds_cache.num_strays', Math.round(inodes * 0.002));
    v.set('mds_sessions.session_count', sessions);
    v.set('mds_sessions.session_add', sessions + Math.floor((now - startS) / 3600));
    v.set('mds_sessions.session_remove', Math.floor((now - startS) / 3600));
    v.set('mds_sessions.sessions_open', sessions);
    v.set('mds_sessions.total_load', Math.round(rate));
    return out;
  }

  sampleRgw(index: number, startS: number, now: number): Float64Array {
    const s = this.src;
    const L = this.layouts.rgw;
    const out = L.template.slice();
    const p = s.rgwDataPool;
    const share = 1 / Math.max(1, s.numRgws);
    const load = p >= 0 ? (s.loads[p] as LoadShape) : undefined;
    const dI = load !== undefined ? Math.max(0, load.integral(now) - load.integral(startS)) : 0;
    const led = s.ledger;
    const get = p >= 0 ? Math.floor(share * (led.rOps[p] as number) * dI) : 0;
    const put = p >= 0 ? Math.floor(share * (led.wOps[p] as number) * dI) : 0;
    const req = Math.floor((get + put) * 1.15);
    applyGeneric(L, out, req);
    const v = this.writers.rgw;
    v.begin(out);
    const rateNow = load !== undefined && p >= 0 ? share * ((led.rOps[p] as number) + (led.wOps[p] as number)) * load.at(now) : 0;
    v.set('rgw.req', req);
    v.set('rgw.failed_req', Math.floor(req * 0.002));
    v.set('rgw.get', get);
    v.set('rgw.get_b', p >= 0 ? Math.floor(share * (led.rBytes[p] as number) * dI) : 0);
    v.avg('rgw.get_initial_lat', get * 9e6 * (0.9 + 0.2 * hashUnit(index, 31)), get);
    v.set('rgw.put', put);
    v.set('rgw.put_b', p >= 0 ? Math.floor(share * (led.wBytes[p] as number) * dI) : 0);
    v.avg('rgw.put_initial_lat', put * 24e6 * (0.9 + 0.2 * hashUnit(index, 32)), put);
    v.set('rgw.qlen', Math.round(rateNow * 0.003));
    v.set('rgw.qactive', Math.round(rateNow * 0.015));
    v.set('rgw.cache_hit', Math.floor(req * 0.86));
    v.set('rgw.cache_miss', Math.floor(req * 0.06));
    v.set('rgw.gc_retire_object', Math.floor(put * 0.04));
    return out;
  }
}
