// Types a module author sees. Map shapes follow what real ceph-mgr hands a
// Python module (test/fixtures/ceph-reference/mgr_internals/); fields not
// spelled out pass through as Ceph has them.

import type { FsMap, MonMap, OsdMap, OsdMapTree, ServiceMap } from './map-types.js';
import type { MgrMap } from './mgr-map-types.js';

/** Deeply read-only view: snapshots handed to modules are frozen and shared. */
export type DeepReadonly<T> = T extends (infer U)[]
  ? ReadonlyArray<DeepReadonly<U>>
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** Notification types the core sends (Ceph's names). */
export type NotifyType =
  | 'osd_map'
  | 'mon_map'
  | 'fs_map'
  | 'service_map'
  | 'mgr_map'
  | 'health'
  | 'pg_summary'
  | 'perf_schema_update'
  | 'daemon_metadata'
  | 'command';

export type StateCounts = Record<string, number>;

export interface PgSummary {
  all: StateCounts;
  by_osd: Record<string, StateCounts>;
  by_pool: Record<string, StateCounts>;
  pg_stats_sum: Record<string, unknown>;
}

export interface PoolStatsEntry {
  poolid: number;
  num_pg: number;
  stat_sum: Record<string, number>;
  store_stats: Record<string, number>;
  log_size: number;
  ondisk_log_size: number;
  up: number;
  acting: number;
  num_store_stats: number;
}

export interface OsdStatsEntry {
  osd: number;
  up_from: number;
  seq: number;
  num_pgs: number;
  kb: number;
  kb_used: number;
  kb_used_data: number;
  kb_used_omap: number;
  kb_used_meta: number;
  kb_avail: number;
  statfs: Record<string, number>;
  hb_peers: number[];
  perf_stat: { commit_latency_ms: number; apply_latency_ms: number; commit_latency_ns: number; apply_latency_ns: number };
  [key: string]: unknown;
}

/**
 * One row of get('osd_stats_brief'): the fields of an osd_stats row that
 * exporters read (Ceph's zabbix module: fill, PGs, latencies), same values.
 */
export type OsdStatsBrief = Pick<OsdStatsEntry, 'osd' | 'num_pgs' | 'kb' | 'kb_used' | 'kb_avail' | 'perf_stat'>;

export interface DfPool {
  id: number;
  name: string;
  stats: Record<string, number>;
}

export interface Df {
  pools: DfPool[];
  stats: Record<string, number>;
  stats_by_class: Record<string, Record<string, number>>;
}

export interface PgStatus {
  num_pgs: number;
  num_pools: number;
  num_objects: number;
  data_bytes: number;
  bytes_used: number;
  bytes_avail: number;
  bytes_total: number;
  pgs_by_state: Array<{ state_name: string; count: number }>;
  pgs_by_pool_state?: Array<{ pool_id: number; pg_state_counts: Array<{ state_name: string; count: number }> }>;
  [key: string]: unknown;
}

/** What get(name) returns, by name. */
export interface GetMap {
  osd_map: OsdMap;
  osd_map_tree: OsdMapTree;
  osd_map_crush: Record<string, unknown>;
  mon_map: MonMap;
  mon_status: { json: string };
  fs_map: FsMap;
  service_map: ServiceMap;
  mgr_map: MgrMap;
  health: { json: string };
  pg_summary: PgSummary;
  pg_status: PgStatus;
  pg_dump: Record<string, unknown>;
  pg_stats: { pg_stats: Array<Record<string, unknown>> };
  pg_ready: { pg_ready: boolean };
  pool_stats: { pool_stats: PoolStatsEntry[] };
  /** Per-pool client IO and recovery rates, as `osd pool stats` (what the prometheus module's ceph_pool_recovering_* read). */
  osd_pool_stats: { pool_stats: Array<Record<string, unknown>> };
  osd_stats: { osd_stats: OsdStatsEntry[]; pool_statfs: Array<Record<string, number>> };
  /**
   * mgrd's narrow read of osd_stats (Ceph has no such name): each OSD's row
   * cut to OsdStatsBrief, without statfs, heartbeat peers, alerts and the
   * per-pool pool_statfs rows. Same values as osd_stats; at 10,000 OSDs a few
   * ms to build where osd_stats takes hundreds (docs/decisions.md).
   */
  osd_stats_brief: { osd_stats: OsdStatsBrief[] };
  /** Each OSD's heartbeat ping times to its peers (`network_ping_times` of `pg dump osds`). */
  osd_ping_times: { osd_ping_times: Array<{ osd: number; network_ping_times: Array<Record<string, unknown>> }> };
  df: Df;
  io_rate: { pg_stats_delta: Record<string, unknown> };
  osd_metadata: Record<string, Record<string, string>>;
  mds_metadata: Record<string, Record<string, string>>;
  osd_perf: { osd_perf_infos: Array<{ id: number; perf_stats: { commit_latency_ms: number; apply_latency_ms: number; commit_latency_ns: number; apply_latency_ns: number } }> };
  config: Record<string, string>;
  mgr_ips: { ips: string[] };
  devices: { devices: unknown[] };
  have_local_config_map: { have_local_config_map: boolean };
}

export type GetName = keyof GetMap;

/** What get(name) hands a module: the frozen, shared snapshot, read-only in its type too. */
export type Snapshot<N extends GetName> = DeepReadonly<GetMap[N]>;

/** Ceph's Option(...) of MODULE_OPTIONS. */
export interface ModuleOption {
  name: string;
  type?: 'str' | 'int' | 'uint' | 'float' | 'bool' | 'secs' | 'addr';
  default?: string | number | boolean;
  desc?: string;
  min?: number;
  max?: number;
  enum_allowed?: readonly string[];
  /** Takes effect without re-enabling the module (default true). */
  runtime?: boolean;
  /** A password or token: masked in `config get|show|dump` (the module reads it as set). */
  secret?: boolean;
}

/** One entry of COMMANDS: a Ceph descriptor, its help and the permission it needs. */
export interface ModuleCommand {
  cmd: string;
  desc: string;
  perm: 'r' | 'w' | 'rw';
}

/** [retval (0 or negative errno), stdout, stderr], as Ceph's handle_command. */
export type CommandReturn = [number, string, string];

/** Who runs a command through runCommand(): a name for logs and errors, and the capabilities checked against the command's perm. */
export interface CommandCaller {
  entity: string;
  read: boolean;
  write: boolean;
  /** Write commands allowed without `write` (Ceph's `profile crash`: `crash post`). */
  writePrefixes?: readonly string[];
}

/** A Ceph cmdmap: the prefix and typed arguments. */
export interface CmdMap {
  prefix: string;
  format?: string;
  [arg: string]: unknown;
}

export interface PerfSchemaEntry {
  description: string;
  nick: string;
  type: number;
  priority: number;
  /** Ceph's unit enum: 0 = bytes, 1 = none. */
  units: number;
}

export interface PerfCounterEntry extends PerfSchemaEntry {
  value: number;
  /** LONGRUNAVG counters: the number of events summed in value. */
  count?: number;
}

/** One counter column of a daemon's latest sample (the fast path for exporters). */
export interface CounterColumn {
  readonly path: string;
  readonly description: string;
  readonly nick: string;
  readonly type: number;
  readonly priority: number;
  readonly unit: 'none' | 'bytes';
  /** Index of the value (and value+1 = count for long-running averages) in `values`. */
  readonly col: number;
  readonly width: number;
}

/** A daemon's latest counters: columns change only when schemaVersion moves. */
export interface DaemonCounters {
  readonly daemon: string;
  readonly type: string;
  readonly id: string;
  readonly schemaVersion: number;
  readonly columns: readonly CounterColumn[];
  /** The latest row (a copy). */
  readonly values: Float64Array;
  /** Unix seconds of that row; 0 when the daemon has not reported. */
  readonly stamp: number;
}

export interface ServerService {
  type: string;
  id: string;
  ceph_version: string;
}

export interface ServerInfo {
  hostname: string;
  ceph_version: string;
  services: ServerService[];
}

/** mgrd's own counters, for its self-metrics (mgrd_*). */
export interface MgrdStats {
  sessions: number;
  sessionsAccepted: number;
  sessionsRefused: number;
  sessionErrors: Record<string, number>;
  /** Connections not authenticated yet. */
  sessionsAuthenticating: number;
  /** Refusals (and clamps) by wire-protocol limit since start (docs/limits.md). */
  wireLimitHits: Record<string, number>;
  reports: number;
  valuesIngested: number;
  bytesIngested: number;
  pgStatsMessages: number;
  mapMessages: number;
  commands: number;
  reportTimeSumMs: number;
  reportTimeMaxMs: number;
  /** Report processing time quantiles (bucket upper bounds), milliseconds. */
  reportTimeP50Ms: number;
  reportTimeP99Ms: number;
  daemons: number;
  /** Daemons forgotten since start, gone past mgr_daemon_stale_s. */
  daemonsPruned: number;
  /**
   * Per module: queue depth; faults since it started; notifications its queue
   * dropped (a counter since the manager started); enabled (in the MgrMap);
   * running (an instance serving); failed (MGR_MODULE_ERROR until disabled).
   */
  modules: Array<{ name: string; queueDepth: number; faults: number; dropped: number; enabled: boolean; running: boolean; failed: boolean; push?: PushStats }>;
  /** Times this process became the active manager (mgrd_mgr_failovers_total). */
  failovers?: number;
  /** Managers in the MgrMap and whether each is the active (mgrd_mgr_active{id}). */
  managers?: Array<{ id: string; active: boolean }>;
}

/** A push module's delivery counters (its PushLoop), on /metrics as mgrd_module_push_*{module}. */
export interface PushStats {
  /** Items delivered. */
  sent: number;
  /** Send attempts that failed (a batch retried three times counts three). */
  failed: number;
  /** Items dropped, never sent: queue full, rejected by the server, left at shutdown. */
  dropped: number;
  /** Items waiting or in flight. */
  queued: number;
  /** Unix seconds of the last successful send; 0 = none yet. */
  lastSuccessS: number;
  /** Intervals skipped because the previous one was still being produced. */
  overruns: number;
  /** Bytes of the items waiting or in flight; only for loops that count bytes (PushLoopOptions.units.bytes). */
  queuedBytes?: number;
}

/** One OSD of get('osd_perf').osd_perf_infos (what MgrModule.osdPerfInfos() yields). */
export type OsdPerfInfo = GetMap['osd_perf']['osd_perf_infos'][number];

/** Daemon health metrics (Ceph's get_daemon_health_metrics). */
export type DaemonHealthMetrics = Record<string, Array<{ type: string; value: number }>>;
