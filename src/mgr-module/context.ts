// What the core hands each module instance: the one seam between a module and
// the manager. MgrModule wraps it in Ceph-named calls; modules never see the core.

import type { Logger } from 'pino';
import type {
  CmdMap, CommandCaller, CommandReturn, DaemonCounters, DaemonHealthMetrics, DeepReadonly, GetMap, GetName, MgrdStats, OsdPerfInfo, PerfCounterEntry,
  PerfSchemaEntry, PushStats, ServerInfo,
} from './types.js';
import type { HealthCheckMap } from './health.js';

export interface ModuleContext {
  readonly moduleName: string;
  readonly mgrId: string;
  readonly log: Logger;
  /** Aborted when the module is being shut down (disable, failover, exit). */
  readonly signal: AbortSignal;
  /**
   * Tells the manager this module is up though serve() has not returned: a serve() loop
   * calls it (waitS() does) once set up. The manager turns available when every module is up.
   */
  markServing?(): void;
  /** False for a standby module: cluster calls throw there. */
  readonly active: boolean;

  /** A frozen snapshot; throws NotReadyError before the cluster sent that map. */
  get<N extends GetName>(name: N): DeepReadonly<GetMap[N]>;
  listServers(): ServerInfo[];
  /** Names ("osd.3", "mgr.x") of the daemons the manager knows, of one type or all. */
  listDaemons(svcType?: string): string[];
  getServer(hostname: string): ServerInfo | undefined;
  getMetadata(svcType: string, svcId: string): Record<string, string> | undefined;
  getDaemonStatus(svcType: string, svcId: string): Record<string, string> | undefined;
  getPerfSchema(svcType?: string, svcId?: string): Record<string, Record<string, PerfSchemaEntry>>;
  getCounter(svcType: string, svcId: string, path: string): Record<string, number[][]>;
  getLatest(svcType: string, svcId: string, path: string): number;
  getLatestAvg(svcType: string, svcId: string, path: string): [number, number];
  getLatestCounter(svcType: string, svcId: string, path: string): Record<string, number[]>;
  getAllPerfCounters(prioLimit: number, svcType?: string): Record<string, Record<string, PerfCounterEntry>>;
  /** Fast path: each reporting daemon's columns and latest row, daemons of `svcType` (or all). */
  forEachDaemonCounters(visit: (c: DaemonCounters) => void, svcType?: string): void;
  /**
   * The same, one daemon per next(): each daemon is read when the iterator
   * reaches it, so a reader can take some, yield to the event loop and go on
   * (a daemon gone meanwhile is skipped, one added is visited).
   */
  daemonCounters(svcType?: string): Iterator<DaemonCounters, void, undefined>;
  getDaemonHealthMetrics(): DaemonHealthMetrics;
  /** getDaemonHealthMetrics() one daemon per next() (as daemonCounters()). */
  daemonHealthMetrics(): Iterator<[string, DaemonHealthMetrics[string]], void, undefined>;
  /** get('osd_perf').osd_perf_infos one OSD per next() (as daemonCounters()). */
  osdPerfInfos(): Iterator<OsdPerfInfo, void, undefined>;
  /** getMetadata() of each daemon of a type, [id, metadata] one per next(), frozen (as daemonCounters()). */
  daemonMetadata(svcType: string): Iterator<[string, Readonly<Record<string, string>>], void, undefined>;
  getMgrdStats(): MgrdStats;
  /** Current stats threshold (daemons send counters with priority >= it). */
  statsThreshold(): number;

  getModuleOption(name: string): string | number | boolean | undefined;
  setModuleOption(name: string, value: string | number | boolean | undefined): Promise<void>;
  /** Another module's option (Ceph's get_module_option_ex). */
  getModuleOptionOf(module: string, name: string): string | number | boolean | undefined;
  getMgrOption(name: string): string | number | boolean | undefined;
  getStore(key: string): string | undefined;
  setStore(key: string, value: string | undefined): Promise<void>;
  getStorePrefix(prefix: string): Record<string, string>;
  setHealthChecks(checks: HealthCheckMap): void;
  /** A push module's counters reader (its PushLoop's), read for /metrics; undefined removes it. */
  setPushStats(read: (() => PushStats) | undefined): void;
  publishService(uri: string): Promise<void>;
  /** The active manager's published services (what a standby links to). */
  activeServices(): Record<string, string>;
  /**
   * Runs a command through the manager's one dispatcher (native or any module's),
   * as `caller` (default: this module, with read and write): the dispatcher checks
   * the caller's permission against the command's. cmd is a cmdmap or argv words.
   */
  runCommand(cmd: CmdMap | readonly string[], inbuf: string, caller?: CommandCaller): Promise<CommandReturn>;
  /** Modules known to the registry, for status metrics: name, enabled, can_run, error. */
  moduleStatuses(): Array<{ name: string; enabled: boolean; canRun: boolean; error: string; alwaysOn: boolean }>;
}
