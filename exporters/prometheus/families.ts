// The cluster-level metric families of Ceph 16's prometheus module: names,
// TYPE, HELP and label names in the order Ceph writes them
// (test/fixtures/ceph-reference/prometheus/active-metrics.txt). Dashboards and
// alert rules (ceph-mixin) select on these, so nothing here is ours to rename.
// Per-daemon perf counter families are derived from the schemas (perf-naming.ts).

import type { FamilyType } from './exposition.js';

export interface StaticFamily {
  readonly name: string;
  readonly type: FamilyType;
  readonly help: string;
  readonly labels: readonly string[];
}

/** Ceph's PG_STATES (mgr_module.py, Pacific): one ceph_pg_<state> family each. */
export const PG_STATES = [
  'active', 'clean', 'down', 'recovery_unfound', 'backfill_unfound', 'scrubbing', 'degraded', 'inconsistent',
  'peering', 'repair', 'recovering', 'forced_recovery', 'backfill_wait', 'incomplete', 'stale', 'remapped', 'deep',
  'backfilling', 'forced_backfill', 'backfill_toofull', 'recovery_wait', 'recovery_toofull', 'undersized',
  'activating', 'peered', 'snaptrim', 'snaptrim_wait', 'snaptrim_error', 'creating', 'unknown', 'premerge',
  'failed_repair', 'laggy', 'wait',
] as const;

export const OSD_FLAGS = ['noup', 'nodown', 'noout', 'noin', 'nobackfill', 'norebalance', 'norecover', 'noscrub', 'nodeep-scrub'] as const;
export const OSD_STATUS = ['weight', 'up', 'in'] as const;
export const OSD_STATS = ['apply_latency_ms', 'commit_latency_ms'] as const;
export const OSD_POOL_STATS = [
  'recovering_objects_per_sec', 'recovering_bytes_per_sec', 'recovering_keys_per_sec', 'num_objects_recovered', 'num_bytes_recovered',
] as const;
export const DF_CLUSTER = ['total_bytes', 'total_used_bytes', 'total_used_raw_bytes'] as const;
export const DF_POOL = [
  'max_avail', 'avail_raw', 'stored', 'stored_raw', 'objects', 'dirty', 'quota_bytes', 'quota_objects', 'rd', 'rd_bytes',
  'wr', 'wr_bytes', 'compress_bytes_used', 'compress_under_bytes', 'bytes_used', 'percent_used',
] as const;
const DF_POOL_COUNTERS: ReadonlySet<string> = new Set(['rd', 'rd_bytes', 'wr', 'wr_bytes']);
export const NUM_OBJECTS = ['degraded', 'misplaced', 'unfound'] as const;

export const LABELS = {
  fsMetadata: ['data_pools', 'fs_id', 'metadata_pool', 'name'],
  mdsMetadata: ['ceph_daemon', 'fs_id', 'hostname', 'public_addr', 'rank', 'ceph_version'],
  monMetadata: ['ceph_daemon', 'hostname', 'public_addr', 'rank', 'ceph_version'],
  mgrMetadata: ['ceph_daemon', 'hostname', 'ceph_version'],
  osdMetadata: ['back_iface', 'ceph_daemon', 'cluster_addr', 'device_class', 'front_iface', 'hostname', 'objectstore', 'public_addr', 'ceph_version'],
  diskOccupation: ['ceph_daemon', 'device', 'db_device', 'wal_device', 'instance', 'devices', 'device_ids'],
  /** disk_occupation grouped by (device, instance), ceph_daemon joined: the other labels drop out. */
  diskOccupationHuman: ['ceph_daemon', 'device', 'instance'],
  poolMetadata: ['pool_id', 'name', 'type', 'description', 'compression_mode'],
  rgwMetadata: ['ceph_daemon', 'hostname', 'ceph_version', 'instance_id'],
  rbdMirrorMetadata: ['ceph_daemon', 'id', 'instance_id', 'hostname', 'ceph_version'],
  healthDetail: ['name', 'severity'],
  daemonHealth: ['type', 'ceph_daemon'],
  daemon: ['ceph_daemon'],
  pool: ['pool_id'],
  /** Ceph 16 labels ceph_pool_objects_repaired samples `poolid` (its family header says pool_id). */
  poolRepaired: ['poolid'],
  moduleName: ['name'],
  method: ['method'],
} as const satisfies Record<string, readonly string[]>;

/** OSD_FLAGS `nodeep-scrub` → family ceph_osd_flag_nodeep_scrub (HELP keeps the dash). */
export function flagFamily(flag: string): string {
  return `ceph_osd_flag_${flag.replace(/-/g, '_')}`;
}

function f(name: string, type: FamilyType, help: string, labels: readonly string[] = []): StaticFamily {
  return { name: `ceph_${name}`, type, help, labels };
}

/** Every cluster-level family in Ceph's order; each is written (HELP/TYPE) even when it has no samples, as Ceph does. */
export const STATIC_FAMILIES: readonly StaticFamily[] = [
  f('health_status', 'untyped', 'Cluster health status'),
  f('mon_quorum_status', 'gauge', 'Monitors in quorum', LABELS.daemon),
  f('fs_metadata', 'untyped', 'FS Metadata', LABELS.fsMetadata),
  f('mds_metadata', 'untyped', 'MDS Metadata', LABELS.mdsMetadata),
  f('mon_metadata', 'untyped', 'MON Metadata', LABELS.monMetadata),
  f('mgr_metadata', 'gauge', 'MGR metadata', LABELS.mgrMetadata),
  f('mgr_status', 'gauge', 'MGR status (0=standby, 1=active)', LABELS.daemon),
  f('mgr_module_status', 'gauge', 'MGR module status (0=disabled, 1=enabled, 2=auto-enabled)', LABELS.moduleName),
  f('mgr_module_can_run', 'gauge', 'MGR module runnable state i.e. can it run (0=no, 1=yes)', LABELS.moduleName),
  f('osd_metadata', 'untyped', 'OSD Metadata', LABELS.osdMetadata),
  f('disk_occupation', 'untyped', 'Associate Ceph daemon with disk used', LABELS.diskOccupation),
  f('disk_occupation_human', 'untyped', 'Associate Ceph daemon with disk used', LABELS.diskOccupationHuman),
  f('pool_metadata', 'untyped', 'POOL Metadata', LABELS.poolMetadata),
  f('rgw_metadata', 'untyped', 'RGW Metadata', LABELS.rgwMetadata),
  f('rbd_mirror_metadata', 'untyped', 'RBD Mirror Metadata', LABELS.rbdMirrorMetadata),
  f('pg_total', 'gauge', 'PG Total Count per Pool', LABELS.pool),
  f('health_detail', 'gauge', 'healthcheck status by type (0=inactive, 1=active)', LABELS.healthDetail),
  f('pool_objects_repaired', 'counter', 'Number of objects repaired in a pool', LABELS.poolRepaired),
  f('daemon_health_metrics', 'gauge', 'Health metrics for Ceph daemons', LABELS.daemonHealth),
  ...OSD_FLAGS.map((flag) => ({ name: flagFamily(flag), type: 'untyped' as const, help: `OSD Flag ${flag}`, labels: [] })),
  ...OSD_STATUS.map((s) => f(`osd_${s}`, 'untyped', `OSD status ${s}`, LABELS.daemon)),
  ...OSD_STATS.map((s) => f(`osd_${s}`, 'gauge', `OSD stat ${s}`, LABELS.daemon)),
  ...OSD_POOL_STATS.map((s) => f(`pool_${s}`, 'gauge', `OSD pool stats: ${s}`, LABELS.pool)),
  ...PG_STATES.map((s) => f(`pg_${s}`, 'gauge', `PG ${s} per pool`, LABELS.pool)),
  ...DF_CLUSTER.map((s) => f(`cluster_${s}`, 'gauge', `DF ${s}`)),
  ...DF_POOL.map((s) => f(`pool_${s}`, DF_POOL_COUNTERS.has(s) ? 'counter' : 'gauge', `DF pool ${s}`, LABELS.pool)),
  ...NUM_OBJECTS.map((s) => f(`num_objects_${s}`, 'gauge', `Number of ${s} objects`)),
  f('healthcheck_slow_ops', 'gauge', 'OSD or Monitor requests taking a long time to process'),
  f('prometheus_collect_duration_seconds_sum', 'counter', 'The sum of seconds took to collect all metrics of this exporter', LABELS.method),
  f('prometheus_collect_duration_seconds_count', 'counter', 'The amount of metrics gathered for this exporter', LABELS.method),
];

export const STATIC_FAMILY_NAMES: ReadonlySet<string> = new Set(STATIC_FAMILIES.map((x) => x.name));

const BY_NAME = new Map(STATIC_FAMILIES.map((x) => [x.name, x]));

/** The catalogue entry of a static family; throws on a name that is not one (a programming error). */
export function staticFamily(name: string): StaticFamily {
  const fam = BY_NAME.get(name);
  if (fam === undefined) throw new Error(`${name} is not a static family of the prometheus module`);
  return fam;
}
