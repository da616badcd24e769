// A synthetic cluster's /metrics series for the render benchmark: the families,
// HELP, types and label sets of Ceph 16's prometheus module
// (test/fixtures/ceph-reference/prometheus/active-metrics.txt) scaled to N OSDs,
// with deterministic, realistic values (half the counters zero, byte counters
// large, latency sums fractional).

import type { FamilyType } from '../../exporters/prometheus/exposition.js';
import { mulberry32 } from '../../test/helpers/prng.js';

export interface SyntheticLabelSet {
  readonly names: readonly string[];
  readonly values: readonly string[];
}

export interface SyntheticFamily {
  readonly name: string;
  readonly type: FamilyType;
  readonly help: string;
  /** Per sample: index into SyntheticSeries.labelSets (one set per daemon/pool, shared across families). */
  readonly labelSets: Uint32Array;
  readonly values: Float64Array;
}

export interface SyntheticSeries {
  readonly labelSets: readonly SyntheticLabelSet[];
  readonly families: readonly SyntheticFamily[];
  readonly sampleCount: number;
}

type ValueKind = 'ops' | 'bytes' | 'seconds' | 'small' | 'ratio' | 'flag';

// OSD perf counters as Ceph 16 exports them (LONGRUNAVG → separate _sum/_count families).
const OSD_PERF: readonly (readonly [string, FamilyType, string, ValueKind])[] = [
  ['ceph_osd_op_wip', 'gauge', 'Replication operations currently being processed (primary)', 'small'],
  ['ceph_osd_op', 'counter', 'Client operations', 'ops'],
  ['ceph_osd_op_in_bytes', 'counter', 'Client operations total write size', 'bytes'],
  ['ceph_osd_op_out_bytes', 'counter', 'Client operations total read size', 'bytes'],
  ['ceph_osd_op_latency_sum', 'counter', 'Latency of client operations (including queue time) Total', 'seconds'],
  ['ceph_osd_op_latency_count', 'counter', 'Latency of client operations (including queue time) Count', 'ops'],
  ['ceph_osd_op_process_latency_sum', 'counter', 'Latency of client operations (excluding queue time) Total', 'seconds'],
  ['ceph_osd_op_process_latency_count', 'counter', 'Latency of client operations (excluding queue time) Count', 'ops'],
  ['ceph_osd_op_prepare_latency_sum', 'counter', 'Latency of client operations (excluding queue time and wait for finished) Total', 'seconds'],
  ['ceph_osd_op_prepare_latency_count', 'counter', 'Latency of client operations (excluding queue time and wait for finished) Count', 'ops'],
  ['ceph_osd_op_r', 'counter', 'Client read operations', 'ops'],
  ['ceph_osd_op_r_out_bytes', 'counter', 'Client data read', 'bytes'],
  ['ceph_osd_op_r_latency_sum', 'counter', 'Latency of read operation (including queue time) Total', 'seconds'],
  ['ceph_osd_op_r_latency_count', 'counter', 'Latency of read operation (including queue time) Count', 'ops'],
  ['ceph_osd_op_r_process_latency_sum', 'counter', 'Latency of read operation (excluding queue time) Total', 'seconds'],
  ['ceph_osd_op_r_process_latency_count', 'counter', 'Latency of read operation (excluding queue time) Count', 'ops'],
  ['ceph_osd_op_r_prepare_latency_sum', 'counter', 'Latency of read operations (excluding queue time and wait for finished) Total', 'seconds'],
  ['ceph_osd_op_r_prepare_latency_count', 'counter', 'Latency of read operations (excluding queue time and wait for finished) Count', 'ops'],
  ['ceph_osd_op_w', 'counter', 'Client write operations', 'ops'],
  ['ceph_osd_op_w_in_bytes', 'counter', 'Client data written', 'bytes'],
  ['ceph_osd_op_w_latency_sum', 'counter', 'Latency of write operation (including queue time) Total', 'seconds'],
  ['ceph_osd_op_w_latency_count', 'counter', 'Latency of write operation (including queue time) Count', 'ops'],
  ['ceph_osd_op_w_process_latency_sum', 'counter', 'Latency of write operation (excluding queue time) Total', 'seconds'],
  ['ceph_osd_op_w_process_latency_count', 'counter', 'Latency of write operation (excluding queue time) Count', 'ops'],
  ['ceph_osd_op_w_prepare_latency_sum', 'counter', 'Latency of write operations (excluding queue time and wait for finished) Total', 'seconds'],
  ['ceph_osd_op_w_prepare_latency_count', 'counter', 'Latency of write operations (excluding queue time and wait for finished) Count', 'ops'],
  ['ceph_osd_op_rw', 'counter', 'Client read-modify-write operations', 'ops'],
  ['ceph_osd_op_rw_in_bytes', 'counter', 'Client read-modify-write operations write in', 'bytes'],
  ['ceph_osd_op_rw_out_bytes', 'counter', 'Client read-modify-write operations read out ', 'bytes'],
  ['ceph_osd_op_rw_latency_sum', 'counter', 'Latency of read-modify-write operation (including queue time) Total', 'seconds'],
  ['ceph_osd_op_rw_latency_count', 'counter', 'Latency of read-modify-write operation (including queue time) Count', 'ops'],
  ['ceph_osd_op_rw_process_latency_sum', 'counter', 'Latency of read-modify-write operation (excluding queue time) Total', 'seconds'],
  ['ceph_osd_op_rw_process_latency_count', 'counter', 'Latency of read-modify-write operation (excluding queue time) Count', 'ops'],
  ['ceph_osd_op_rw_prepare_latency_sum', 'counter', 'Latency of read-modify-write operations (excluding queue time and wait for finished) Total', 'seconds'],
  ['ceph_osd_op_rw_prepare_latency_count', 'counter', 'Latency of read-modify-write operations (excluding queue time and wait for finished) Count', 'ops'],
  ['ceph_osd_recovery_ops', 'counter', 'Started recovery operations', 'ops'],
  ['ceph_osd_recovery_bytes', 'counter', 'recovery bytes', 'bytes'],
  ['ceph_osd_numpg', 'gauge', 'Placement groups', 'small'],
  ['ceph_osd_numpg_removing', 'gauge', 'Placement groups queued for local deletion', 'small'],
  ['ceph_objecter_op_active', 'gauge', 'Operations active', 'small'],
  ['ceph_objecter_op_r', 'counter', 'Read operations', 'ops'],
  ['ceph_objecter_op_w', 'counter', 'Write operations', 'ops'],
  ['ceph_objecter_op_rmw', 'counter', 'Read-modify-write operations', 'ops'],
];

// Per-OSD families from the OSD map and osd_stats, labelled {ceph_daemon}.
const OSD_STATE: readonly (readonly [string, FamilyType, string, ValueKind])[] = [
  ['ceph_osd_up', 'untyped', 'OSD status up', 'flag'],
  ['ceph_osd_in', 'untyped', 'OSD status in', 'flag'],
  ['ceph_osd_weight', 'untyped', 'OSD status weight', 'flag'],
  ['ceph_osd_apply_latency_ms', 'gauge', 'OSD stat apply_latency_ms', 'small'],
  ['ceph_osd_commit_latency_ms', 'gauge', 'OSD stat commit_latency_ms', 'small'],
  ['ceph_osd_stat_bytes', 'gauge', 'OSD size', 'bytes'],
  ['ceph_osd_stat_bytes_used', 'gauge', 'Used space', 'bytes'],
];

const OSD_METADATA_LABELS = [
  'back_iface', 'ceph_daemon', 'cluster_addr', 'device_class', 'front_iface',
  'hostname', 'objectstore', 'public_addr', 'ceph_version',
];

const POOL_GAUGES = [
  'avail_raw', 'bytes_used', 'compress_bytes_used', 'compress_under_bytes', 'dirty', 'max_avail',
  'objects', 'percent_used', 'quota_bytes', 'quota_objects', 'stored', 'stored_raw',
];
const POOL_COUNTERS = ['rd', 'rd_bytes', 'wr', 'wr_bytes'];
const PG_STATES = [
  'activating', 'active', 'backfill_toofull', 'backfill_unfound', 'backfill_wait', 'backfilling', 'clean',
  'creating', 'deep', 'degraded', 'down', 'failed_repair', 'forced_backfill', 'forced_recovery', 'incomplete',
  'inconsistent', 'laggy', 'peered', 'peering', 'premerge', 'recovering', 'recovery_toofull',
  'recovery_unfound', 'recovery_wait', 'remapped', 'repair', 'scrubbing', 'snaptrim', 'snaptrim_error',
  'snaptrim_wait', 'stale', 'undersized', 'unknown', 'wait',
];

const CEPH_VERSION = 'ceph version 16.2.15 (618f440892089921c3e944a991122ddc44e60516) pacific (stable)';

function valueOf(kind: ValueKind, rnd: () => number): number {
  const r = rnd();
  switch (kind) {
    case 'flag':
      return r < 0.02 ? 0 : 1;
    case 'small':
      return Math.floor(r * 200);
    case 'ratio':
      return r;
    case 'ops':
      return r < 0.5 ? 0 : Math.floor(rnd() * 5e7);
    case 'bytes':
      return r < 0.5 ? 0 : Math.floor(rnd() * 4e13);
    case 'seconds':
      return r < 0.5 ? 0 : rnd() * 1e5;
  }
}

class Builder {
  readonly labelSets: SyntheticLabelSet[] = [{ names: [], values: [] }];
  readonly families: SyntheticFamily[] = [];
  sampleCount = 0;
  constructor(private readonly rnd: () => number) {}

  labelSet(names: readonly string[], values: readonly string[]): number {
    this.labelSets.push({ names, values });
    return this.labelSets.length - 1;
  }

  family(name: string, type: FamilyType, help: string, sets: readonly number[], value: (i: number) => number): void {
    const values = new Float64Array(sets.length);
    for (let i = 0; i < sets.length; i++) values[i] = value(i);
    this.families.push({ name, type, help, labelSets: Uint32Array.from(sets), values });
    this.sampleCount += sets.length;
  }

  random(kind: ValueKind): () => number {
    return () => valueOf(kind, this.rnd);
  }
}

/**
 * The series a Ceph cluster of `osds` OSDs exports: `countersPerOsd` perf-counter
 * families per OSD (Ceph 16's OSD set; beyond its 43, `ceph_osd_synthetic_N`), the
 * per-OSD state and metadata families, ~osds/100 pools with their pool and PG
 * families, 3 mons, 2 mgrs and the cluster-wide families.
 */
export function syntheticCluster(osds: number, countersPerOsd: number, seed = 1): SyntheticSeries {
  const b = new Builder(mulberry32(seed));
  const none = [0];
  b.family('ceph_health_status', 'untyped', 'Cluster health status', none, () => 0);
  const mons = ['a', 'b', 'c'].map((id, rank) =>
    b.labelSet(['ceph_daemon', 'hostname', 'public_addr', 'rank', 'ceph_version'], [`mon.${id}`, `mon-${id}`, `10.0.0.${rank + 1}`, String(rank), CEPH_VERSION]));
  const monDaemons = ['a', 'b', 'c'].map((id) => b.labelSet(['ceph_daemon'], [`mon.${id}`]));
  b.family('ceph_mon_quorum_status', 'gauge', 'Monitors in quorum', monDaemons, () => 1);
  b.family('ceph_mon_metadata', 'untyped', 'MON Metadata', mons, () => 1);
  const mgrIds = ['x', 'y'];
  const mgrs = mgrIds.map((id) => b.labelSet(['ceph_daemon', 'hostname', 'ceph_version'], [`mgr.${id}`, `mgr-${id}`, CEPH_VERSION]));
  const mgrDaemons = mgrIds.map((id) => b.labelSet(['ceph_daemon'], [`mgr.${id}`]));
  b.family('ceph_mgr_metadata', 'gauge', 'MGR metadata', mgrs, () => 1);
  b.family('ceph_mgr_status', 'gauge', 'MGR status (0=standby, 1=active)', mgrDaemons, (i) => (i === 0 ? 1 : 0));
  for (const flag of ['noup', 'nodown', 'noout', 'noin', 'nobackfill', 'norebalance', 'norecover', 'noscrub', 'nodeep_scrub']) {
    b.family(`ceph_osd_flag_${flag}`, 'untyped', `OSD Flag ${flag.replace('_', '-')}`, none, () => 0);
  }
  for (const df of ['total_bytes', 'total_used_bytes', 'total_used_raw_bytes']) {
    b.family(`ceph_cluster_${df}`, 'gauge', `DF ${df}`, none, b.random('bytes'));
  }

  const daemon: number[] = [];
  const metadata: number[] = [];
  const health: number[] = [];
  for (let i = 0; i < osds; i++) {
    const host = Math.floor(i / 20);
    const addr = `10.${(host >> 8) & 255}.${host & 255}.${(i % 20) + 10}`;
    daemon.push(b.labelSet(['ceph_daemon'], [`osd.${i}`]));
    metadata.push(b.labelSet(OSD_METADATA_LABELS, ['', `osd.${i}`, addr, i % 5 === 0 ? 'ssd' : 'hdd', '', `host-${host}`, 'bluestore', addr, CEPH_VERSION]));
  }
  for (const type of ['SLOW_OPS', 'PENDING_CREATING_PGS']) {
    for (let i = 0; i < osds; i++) health.push(b.labelSet(['type', 'ceph_daemon'], [type, `osd.${i}`]));
  }
  b.family('ceph_osd_metadata', 'untyped', 'OSD Metadata', metadata, () => 1);
  b.family('ceph_daemon_health_metrics', 'gauge', 'Health metrics for Ceph daemons', health, () => 0);
  for (const [name, type, help, kind] of OSD_STATE) b.family(name, type, help, daemon, b.random(kind));
  for (let c = 0; c < countersPerOsd; c++) {
    const [name, type, help, kind] = OSD_PERF[c] ?? [`ceph_osd_synthetic_${c}`, 'counter', `Synthetic counter ${c}`, 'ops'];
    b.family(name, type, help, daemon, b.random(kind));
  }

  const pools = Math.max(4, Math.ceil(osds / 100));
  const poolId: number[] = [];
  const poolMeta: number[] = [];
  for (let p = 1; p <= pools; p++) {
    poolId.push(b.labelSet(['pool_id'], [String(p)]));
    poolMeta.push(b.labelSet(['pool_id', 'name', 'type', 'description', 'compression_mode'], [String(p), `pool-${p}`, 'replicated', 'replica:3', 'none']));
  }
  b.family('ceph_pool_metadata', 'untyped', 'POOL Metadata', poolMeta, () => 1);
  for (const g of POOL_GAUGES) b.family(`ceph_pool_${g}`, 'gauge', `DF pool ${g}`, poolId, b.random(g === 'percent_used' ? 'ratio' : 'bytes'));
  for (const c of POOL_COUNTERS) b.family(`ceph_pool_${c}`, 'counter', `DF pool ${c}`, poolId, b.random(c.endsWith('bytes') ? 'bytes' : 'ops'));
  b.family('ceph_pg_total', 'gauge', 'PG Total Count per Pool', poolId, () => 256);
  for (const state of PG_STATES) b.family(`ceph_pg_${state}`, 'gauge', `PG ${state} per pool`, poolId, b.random('small'));

  return { labelSets: b.labelSets, families: b.families, sampleCount: b.sampleCount };
}
