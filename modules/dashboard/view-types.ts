// The shapes of the dashboard API's answers: what the server's views build
// (server/views-*.ts, server/api-routes.ts) and what the frontend reads. One
// definition for both sides; no imports, so the browser build can use it too.

export interface HealthCheckView {
  name: string;
  severity: string;
  summary: string;
  count: number;
  detail: string[];
}

export interface HealthView {
  status: string;
  checks: HealthCheckView[];
}

export interface IoSample {
  t: number;
  rdBytes: number;
  wrBytes: number;
  rdOps: number;
  wrOps: number;
  recBytes: number;
}

export interface OverviewView {
  fsid: string;
  health: HealthView;
  capacity: { total: number; used: number; avail: number };
  pools: Array<{ id: number; name: string; stored: number; percentUsed: number; maxAvail: number }>;
  io: IoSample[];
  pgs: { total: number; byState: Array<{ state: string; count: number }> };
  osds: { total: number; up: number; in: number };
  mons: { total: number; quorum: string[]; outOfQuorum: string[] };
  mgr: { active: string; available: boolean; standbys: string[] };
  objects: number;
}

export interface PoolRow {
  id: number;
  name: string;
  type: string;
  size: number;
  minSize: number;
  pgNum: number;
  stored: number;
  objects: number;
  percentUsed: number;
  maxAvail: number;
  quotaBytes: number;
  quotaObjects: number;
  rdBytes: number;
  wrBytes: number;
  rdOps: number;
  wrOps: number;
  applications: string[];
  pgStates: Array<{ state: string; count: number }>;
}

export interface HostRow {
  hostname: string;
  version: string;
  daemons: string[];
  osds: number;
}

export interface PgsView {
  total: number;
  byState: Array<{ state: string; count: number }>;
  /** PGs not active+clean, worst first, at most `limit`. */
  unclean: Array<{ pgid: string; state: string; up: number[]; acting: number[]; since: string }>;
  uncleanTotal: number;
}

/** Columns of the OSD table, index-aligned. Hosts are indexes into `hosts`. */
export interface OsdTable {
  hosts: string[];
  id: number[];
  host: number[];
  up: number[];
  in: number[];
  /** Used / total, 0..1. */
  util: number[];
  pgs: number[];
  commitMs: number[];
  applyMs: number[];
  /** Client ops per second (reads + writes) over the last interval. */
  rdOps: number[];
  wrOps: number[];
}

export interface SeriesPoint {
  t: number;
  v: number;
}

export interface OsdDetail {
  id: number;
  up: boolean;
  in: boolean;
  weight: number;
  host: string;
  metadata: Record<string, string>;
  stats: { kb: number; kbUsed: number; kbAvail: number; pgs: number; commitMs: number; applyMs: number };
  /** Perf-counter series from the daemon's sample ring: rates for counters, average per interval for latencies. */
  series: Array<{ path: string; label: string; unit: string; points: SeriesPoint[] }>;
}

/** GET /api/modules. */
export interface ModuleRow {
  name: string;
  enabled: boolean;
  /** Ceph's always_on_modules: enabled, and `mgr module disable` refuses it. */
  alwaysOn: boolean;
  canRun: boolean;
  error: string;
  uri: string;
}

/** GET /api/config. */
export interface ConfigRow {
  name: string;
  value: string;
  default: string;
  source: string;
  type: string;
  min: string;
  max: string;
  enum: string[];
  desc: string;
}
