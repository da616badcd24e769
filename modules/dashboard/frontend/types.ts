// Shapes of the API's views (mirrors modules/dashboard/server/views-*.ts).

export interface IoSample { t: number; rdBytes: number; wrBytes: number; rdOps: number; wrOps: number; recBytes: number }
export interface HealthCheckView { name: string; severity: string; summary: string; count: number; detail: string[] }
export interface Overview {
  fsid: string;
  health: { status: string; checks: HealthCheckView[] };
  capacity: { total: number; used: number; avail: number };
  pools: Array<{ id: number; name: string; stored: number; percentUsed: number; maxAvail: number }>;
  io: IoSample[];
  pgs: { total: number; byState: Array<{ state: string; count: number }> };
  osds: { total: number; up: number; in: number };
  mons: { total: number; quorum: string[]; outOfQuorum: string[] };
  mgr: { active: string; available: boolean; standbys: string[] };
  objects: number;
}
export interface OsdTable {
  hosts: string[]; id: number[]; host: number[]; up: number[]; in: number[]; util: number[]; pgs: number[];
  commitMs: number[]; applyMs: number[]; rdOps: number[]; wrOps: number[];
}
export interface OsdDetail {
  id: number; up: boolean; in: boolean; weight: number; host: string; metadata: Record<string, string>;
  stats: { kb: number; kbUsed: number; kbAvail: number; pgs: number; commitMs: number; applyMs: number };
  series: Array<{ path: string; label: string; unit: string; points: Array<{ t: number; v: number }> }>;
}
export interface PoolRow {
  id: number; name: string; type: string; size: number; minSize: number; pgNum: number; stored: number; objects: number;
  percentUsed: number; maxAvail: number; quotaBytes: number; quotaObjects: number; rdBytes: number; wrBytes: number;
  rdOps: number; wrOps: number; applications: string[]; pgStates: Array<{ state: string; count: number }>;
}
export interface HostRow { hostname: string; version: string; daemons: string[]; osds: number }
export interface PgsView {
  total: number; byState: Array<{ state: string; count: number }>;
  unclean: Array<{ pgid: string; state: string; up: number[]; acting: number[]; since: string }>; uncleanTotal: number;
}
export interface ModuleRow { name: string; enabled: boolean; canRun: boolean; error: string; uri: string }
export interface ConfigRow { name: string; value: string; default: string; source: string; type: string; min: string; max: string; enum: string[]; desc: string }
export interface LiveData { overview?: Overview; osds?: OsdTable; pools?: PoolRow[]; hosts?: HostRow[]; pgs?: PgsView }
