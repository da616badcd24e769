// The base classes a module extends. A module declares what it is on the class
// (COMMANDS, MODULE_OPTIONS, NOTIFY_TYPES, canRun) and the core reads those
// declarations; hooks are few and named for what calls them.

import type { Logger } from 'pino';
import type { ModuleContext } from './context.js';
import type {
  CmdMap, CommandCaller, CommandReturn, DaemonCounters, DaemonHealthMetrics, DeepReadonly, GetMap, GetName, MgrdStats,
  OsdPerfInfo, ModuleCommand, ModuleOption, NotifyType, PerfCounterEntry, PerfSchemaEntry, PushStats, ServerInfo,
} from './types.js';
import type { HealthCheckMap } from './health.js';
import { Errno } from './errno.js';
import { PRIO_USEFUL } from './perf-types.js';

/** What every module class carries statically (read by the registry). */
export interface ModuleClass {
  new (ctx: ModuleContext): MgrModuleBase;
  COMMANDS: readonly ModuleCommand[];
  MODULE_OPTIONS: readonly ModuleOption[];
  NOTIFY_TYPES: readonly NotifyType[];
  canRun(): [boolean, string];
}

/** Calls shared by active and standby modules. */
export abstract class MgrModuleBase {
  static COMMANDS: readonly ModuleCommand[] = [];
  static MODULE_OPTIONS: readonly ModuleOption[] = [];
  static NOTIFY_TYPES: readonly NotifyType[] = [];

  /** Whether this module can run here, and why not: checked before loading (e.g. a missing dependency). */
  static canRun(): [boolean, string] {
    return [true, ''];
  }

  private wakeWaiter: (() => void) | undefined;

  constructor(protected readonly ctx: ModuleContext) {}

  /**
   * For serve() loops: waits `seconds`, less when the module stops or
   * wakeUp() is called (Ceph modules' `self.event.wait(interval)`).
   */
  protected waitS(seconds: number): Promise<void> {
    // A loop that waits has set itself up: the manager need not wait for serve() to return.
    this.ctx.markServing?.();
    return new Promise<void>((resolve) => {
      const signal = this.signal;
      const done = (): void => {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        if (this.wakeWaiter === done) this.wakeWaiter = undefined;
        resolve();
      };
      const t = setTimeout(done, Math.max(0, seconds) * 1000);
      this.wakeWaiter = done;
      if (signal.aborted) done();
      else signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Ends the current waitS() now (Ceph modules' `self.event.set()`), e.g. from configNotify(). */
  protected wakeUp(): void {
    this.wakeWaiter?.();
  }

  get moduleName(): string {
    return this.ctx.moduleName;
  }

  /** Structured logger, tagged with the module name. */
  get log(): Logger {
    return this.ctx.log;
  }

  /** Aborted when the module must stop: loops in serve() watch it. */
  get signal(): AbortSignal {
    return this.ctx.signal;
  }

  getMgrId(): string {
    return this.ctx.mgrId;
  }

  getModuleOption<T extends string | number | boolean>(name: string, fallback?: T): T {
    const v = this.ctx.getModuleOption(name);
    return (v === undefined ? fallback : v) as T;
  }

  setModuleOption(name: string, value: string | number | boolean | undefined): Promise<void> {
    return this.ctx.setModuleOption(name, value);
  }

  getMgrOption(name: string): string | number | boolean | undefined {
    return this.ctx.getMgrOption(name);
  }

  getStore(key: string, fallback?: string): string | undefined {
    return this.ctx.getStore(key) ?? fallback;
  }

  setStore(key: string, value: string | undefined): Promise<void> {
    return this.ctx.setStore(key, value);
  }

  getStorePrefix(prefix: string): Record<string, string> {
    return this.ctx.getStorePrefix(prefix);
  }

  /**
   * Called by the registry once, after the module is loaded or enabled, without
   * awaiting readiness. Long-running work loops until `this.signal` aborts.
   * Must not block the event loop for long (yield in slices); a rejection is a
   * module fault (MGR_MODULE_ERROR), not a crash.
   */
  serve(): Promise<void> | void {}

  /**
   * Called by the registry when the module is disabled, on failover and at exit,
   * after `signal` has aborted. Close servers and timers here. Bounded by
   * mgr_module_shutdown_timeout_ms; must be safe to call once after a failed serve().
   */
  shutdown(): Promise<void> | void {}

  /**
   * Called on the module's queue after one of its MODULE_OPTIONS changed
   * (`config set mgr mgr/<module>/<option>`). Must not assume which one changed.
   */
  configNotify(): Promise<void> | void {}

  /**
   * Called on the module's queue for a command of its COMMANDS. Returns
   * [retval, stdout, stderr] with retval 0 or a negative errno. A throw becomes -EIO.
   * Must not assume it runs concurrently with notify() (it does not).
   */
  handleCommand(_inbuf: string, cmd: CmdMap): Promise<CommandReturn> | CommandReturn {
    return [-Errno.EOPNOTSUPP, '', `module ${this.moduleName} has no command '${cmd.prefix}'`];
  }
}

/** An active module: sees the cluster. */
export abstract class MgrModule extends MgrModuleBase {
  /**
   * Called on the module's queue for each notification type listed in
   * NOTIFY_TYPES, coalesced by (type, id) while the module is busy. Read state
   * with get(); never block: a slow notify delays only this module.
   */
  notify(_type: NotifyType, _id: string): Promise<void> | void {}

  /**
   * A snapshot of cluster state by Ceph's name (`osd_map`, `pg_summary`, `df`...),
   * frozen and shared with every module: read-only, typed so. Before the cluster
   * sent that map (just after the manager became active) it throws NotReadyError
   * (test with isNotReady()).
   */
  get<N extends GetName>(name: N): DeepReadonly<GetMap[N]> {
    return this.ctx.get(name);
  }

  listServers(): ServerInfo[] {
    return this.ctx.listServers();
  }

  getServer(hostname: string): ServerInfo | undefined {
    return this.ctx.getServer(hostname);
  }

  /** Names ("osd.3", "rgw.a", "mgr.x") of the daemons the manager knows, of one type or all. */
  listDaemons(svcType?: string): string[] {
    return this.ctx.listDaemons(svcType);
  }

  getMetadata(svcType: string, svcId: string): Record<string, string> | undefined {
    return this.ctx.getMetadata(svcType, svcId);
  }

  getDaemonStatus(svcType: string, svcId: string): Record<string, string> | undefined {
    return this.ctx.getDaemonStatus(svcType, svcId);
  }

  getPerfSchema(svcType?: string, svcId?: string): Record<string, Record<string, PerfSchemaEntry>> {
    return this.ctx.getPerfSchema(svcType, svcId);
  }

  /** Recent samples of one counter: {path: [[t, v], ...]} or [[t, sum, count], ...] for averages. */
  getCounter(svcType: string, svcId: string, path: string): Record<string, number[][]> {
    return this.ctx.getCounter(svcType, svcId, path);
  }

  getLatest(svcType: string, svcId: string, path: string): number {
    return this.ctx.getLatest(svcType, svcId, path);
  }

  getLatestAvg(svcType: string, svcId: string, path: string): [number, number] {
    return this.ctx.getLatestAvg(svcType, svcId, path);
  }

  /** The latest sample of one counter: {path: [t, v]} or {path: [t, sum, count]} (Ceph's get_latest_counter). */
  getLatestCounter(svcType: string, svcId: string, path: string): Record<string, number[]> {
    return this.ctx.getLatestCounter(svcType, svcId, path);
  }

  getAllPerfCounters(prioLimit = PRIO_USEFUL, svcType?: string): Record<string, Record<string, PerfCounterEntry>> {
    return this.ctx.getAllPerfCounters(prioLimit, svcType);
  }

  /** The fast path for exporters: visit each daemon's counter columns and latest values. */
  forEachDaemonCounters(visit: (c: DaemonCounters) => void, svcType?: string): void {
    this.ctx.forEachDaemonCounters(visit, svcType);
  }

  /**
   * The same as an iterator, one daemon per next(): for a reader that takes a
   * few hundred, yields (a Slicer) and goes on, so 10,000 daemons are never
   * read in one event-loop turn.
   */
  daemonCounters(svcType?: string): Iterator<DaemonCounters, void, undefined> {
    return this.ctx.daemonCounters(svcType);
  }

  getDaemonHealthMetrics(): DaemonHealthMetrics {
    return this.ctx.getDaemonHealthMetrics();
  }

  /** getDaemonHealthMetrics() one daemon per next() ([daemon, metrics]), as daemonCounters(). */
  daemonHealthMetrics(): Iterator<[string, DaemonHealthMetrics[string]], void, undefined> {
    return this.ctx.daemonHealthMetrics();
  }

  /**
   * get('osd_perf').osd_perf_infos one OSD per next() (the OSDs with stats
   * when it starts, each read when reached; one gone meanwhile is skipped):
   * get('osd_perf') builds and freezes 10,000 entries in one go.
   */
  osdPerfInfos(): Iterator<OsdPerfInfo, void, undefined> {
    return this.ctx.osdPerfInfos();
  }

  /**
   * getMetadata() of every daemon of a type, [id, metadata] one per next()
   * (the daemons known when it starts; one gone meanwhile is skipped). The
   * metadata is frozen and shared until the daemon sends new metadata:
   * getMetadata() copies ~80 keys per call, 10,000 times for every OSD.
   */
  daemonMetadata(svcType: string): Iterator<[string, Readonly<Record<string, string>>], void, undefined> {
    return this.ctx.daemonMetadata(svcType);
  }

  getMgrdStats(): MgrdStats {
    return this.ctx.getMgrdStats();
  }

  statsThreshold(): number {
    return this.ctx.statsThreshold();
  }

  /** Replaces this module's health checks (an empty map clears them). */
  setHealthChecks(checks: HealthCheckMap): void {
    this.ctx.setHealthChecks(checks);
  }

  /** Hands the core a reader of this module's push counters (PushLoop calls it; /metrics reads them). */
  setPushStats(read: (() => PushStats) | undefined): void {
    this.ctx.setPushStats(read);
  }

  /** Publishes a URI for this module, shown by `mgr services`. */
  publishService(uri: string): Promise<void> {
    return this.ctx.publishService(uri);
  }

  /**
   * Runs a command through the manager's one dispatcher, as `mgrd tell mgr` would:
   * native commands (`mgr module enable`, `config set`, `osd pool stats`...) and any
   * module's commands. `cmd` is a cmdmap (`{prefix: 'config set', who: 'mgr', ...}`)
   * or argv words (`['osd', 'pool', 'stats']`). `caller` names who asks and what
   * it may do (the dispatcher refuses a 'w' command with -EACCES when write is
   * false); without it the command runs with this module's full rights. Returns
   * [retval, outb, outs] as Ceph's mon_command. Not from inside this module's own
   * queued hooks for one of its own commands: that would wait on itself.
   */
  runCommand(cmd: CmdMap | readonly string[], inbuf = '', caller?: CommandCaller): Promise<CommandReturn> {
    return this.ctx.runCommand(cmd, inbuf, caller);
  }

  moduleStatuses(): ReturnType<ModuleContext['moduleStatuses']> {
    return this.ctx.moduleStatuses();
  }
}

/** A module's standby side: runs while this manager is a standby (no cluster state). */
export abstract class MgrStandbyModule extends MgrModuleBase {
  /** URIs the active manager's modules published (to link or redirect to). */
  getActiveServices(): Record<string, string> {
    return this.ctx.activeServices();
  }

  /** Registers what this standby serves (its MgrMap standby entry's `services`, an mgrd extension). */
  publishService(uri: string): Promise<void> {
    return this.ctx.publishService(uri);
  }
}
