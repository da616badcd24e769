// The module registry: loads modules, checks canRun, starts and stops them as
// the MgrMap's enabled set says (at runtime, no restart), routes notifications
// and commands through each module's own queue, and turns faults into health
// checks (MGR_MODULE_ERROR) instead of crashes.

import type { Logger } from '../common/log.js';
import { Errno, ErrnoError, type CommandResult } from '../common/errno.js';
import { OptionTable, type OptionSpec } from '../common/options.js';
import type { OptionValue } from '../common/options.js';
import type { MapStore } from '../mgr/map-store.js';
import type { AvailableModule, ModuleOptionInfo } from '../mgr/mgr-map.js';
import type { ModuleContext } from '../mgr-module/context.js';
import type { MgrModule, MgrModuleBase, ModuleClass } from '../mgr-module/mgr-module.js';
import type { CmdMap, CommandReturn, HealthCheckMap, ModuleOption, MgrdStats, NotifyType, PushStats } from '../mgr-module/types.js';
import { healthCheck } from '../state/health-types.js';
import { LogLimiter } from '../common/log-limiter.js';
import { findModuleFolders, importModule, type LoadedModule } from './module-loader.js';
import { ModuleQueue, TimeoutError, type FaultKind } from './module-queue.js';

/** Cluster calls of the module API: provided by the active Mgr, absent on a standby. */
export type ClusterViews = Pick<ModuleContext,
  'get' | 'listServers' | 'listDaemons' | 'getServer' | 'getMetadata' | 'getDaemonStatus' | 'getPerfSchema' | 'getCounter' |
  'getLatest' | 'getLatestAvg' | 'getLatestCounter' | 'getAllPerfCounters' | 'forEachDaemonCounters' | 'getDaemonHealthMetrics' |
  'getMgrdStats' | 'statsThreshold'>;

export interface RegistryHost {
  readonly mode: 'active' | 'standby';
  readonly mgrId: string;
  readonly log: Logger;
  readonly store: MapStore;
  readonly mgrOptions: OptionTable;
  readonly views: ClusterViews | undefined;
  setHealth(owner: string, checks: HealthCheckMap): void;
  publishService(module: string, uri: string): Promise<void>;
  activeServices(): Record<string, string>;
}

export class ModuleEntry {
  readonly options: OptionTable;
  canRun = false;
  canRunReason = '';
  instance: MgrModuleBase | undefined;
  queue: ModuleQueue | undefined;
  abort: AbortController | undefined;
  faults = 0;
  lastError = '';
  /** serve() of the running instance, settled when it returned or failed. */
  serving: Promise<void> | undefined;
  /** serve() rejected: the module is failed until restarted. */
  failed = false;
  /** A push module's counters (SDK PushLoop), for mgrd_module_push_* on /metrics. */
  pushStats: (() => PushStats) | undefined;
  private checks: HealthCheckMap = {};

  constructor(readonly loaded: LoadedModule) {
    this.options = new OptionTable((loaded.cls?.MODULE_OPTIONS ?? []).map(toOptionSpec));
  }

  get name(): string {
    return this.loaded.name;
  }

  get running(): boolean {
    return this.instance !== undefined;
  }

  get cls(): ModuleClass | undefined {
    return this.loaded.cls;
  }

  /** Checks the module raised itself (setHealthChecks). */
  get moduleChecks(): HealthCheckMap {
    return this.checks;
  }

  set moduleChecks(c: HealthCheckMap) {
    this.checks = c;
  }
}

export function toOptionSpec(o: ModuleOption): OptionSpec {
  const type = o.type ?? 'str';
  const fallback = type === 'bool' ? false : type === 'str' || type === 'addr' ? '' : 0;
  return {
    name: o.name, type, default: o.default ?? fallback, desc: o.desc ?? '',
    min: o.min, max: o.max, enum: o.enum_allowed, runtime: o.runtime ?? true, ...(o.secret ? { secret: true } : {}),
  };
}

export const moduleOptionKey = (module: string, opt: string): string => `config/mgr/${module}/${opt}`;
export const moduleStoreKey = (module: string, key: string): string => `store/mgr/${module}/${key}`;

export class ModuleRegistry {
  private readonly entries = new Map<string, ModuleEntry>();
  /** The enabled set of the last apply(). */
  private wanted = new Set<string>();
  /** Fault lines per module: the first few, then one a minute with the count suppressed. */
  private readonly faultLog = new LogLimiter(3, 60_000);

  constructor(private readonly host: RegistryHost) {}

  /** Imports every module found on `paths` and runs canRun(); loads stored option values. */
  async load(paths: readonly string[]): Promise<void> {
    for (const folder of findModuleFolders(paths)) {
      const loaded = await importModule(folder);
      const entry = new ModuleEntry(loaded);
      if (loaded.error) {
        entry.canRunReason = loaded.error;
        this.host.log.warn({ module: loaded.name }, loaded.error);
      } else {
        try {
          const [ok, reason] = loaded.cls!.canRun();
          entry.canRun = ok;
          entry.canRunReason = ok ? '' : reason;
        } catch (err) {
          entry.canRunReason = `canRun() threw: ${String(err)}`;
        }
      }
      this.loadStoredOptions(entry);
      this.entries.set(entry.name, entry);
    }
  }

  private loadStoredOptions(entry: ModuleEntry): void {
    for (const spec of entry.options.allSpecs()) {
      const raw = this.host.store.kvGet(moduleOptionKey(entry.name, spec.name));
      if (raw === undefined) continue;
      try {
        entry.options.set(spec.name, JSON.parse(raw));
      } catch (err) {
        this.host.log.warn({ module: entry.name, option: spec.name }, `ignoring stored value: ${(err as Error).message}`);
      }
    }
  }

  list(): ModuleEntry[] {
    return [...this.entries.values()];
  }

  get(name: string): ModuleEntry | undefined {
    return this.entries.get(name);
  }

  /** Starts enabled modules that are not running and stops running ones no longer enabled. */
  async apply(enabled: readonly string[]): Promise<void> {
    const want = new Set(enabled);
    this.wanted = want;
    for (const e of this.entries.values()) {
      if (!want.has(e.name) && e.running) await this.stop(e);
    }
    for (const e of this.entries.values()) {
      if (want.has(e.name) && !e.running && e.canRun) this.start(e);
    }
    this.refreshRegistryHealth();
  }

  private classFor(e: ModuleEntry): ModuleClass | undefined {
    return this.host.mode === 'active' ? e.loaded.cls : e.loaded.standbyCls;
  }

  private start(e: ModuleEntry): void {
    const cls = this.classFor(e);
    if (!cls) return; // no standby side: nothing runs while standby
    e.abort = new AbortController();
    const opts = this.host.mgrOptions;
    e.queue = new ModuleQueue(
      e.name,
      () => opts.num('mgr_module_queue_max'),
      () => opts.num('mgr_module_op_timeout_ms'),
      { onFault: (kind, err) => this.fault(e, kind, err), onSuccess: (kind) => this.success(e, kind) },
    );
    e.failed = false;
    e.faults = 0;
    e.lastError = '';
    try {
      e.instance = new cls(this.context(e, e.abort.signal));
    } catch (err) {
      e.queue = undefined;
      this.fault(e, 'serve', err);
      return;
    }
    this.host.log.info({ module: e.name, mode: this.host.mode }, 'module starting');
    const instance = e.instance;
    e.serving = (async () => {
      try {
        await instance.serve();
      } catch (err) {
        if (e.instance === instance && !e.abort?.signal.aborted) this.fault(e, 'serve', err);
      }
    })();
  }

  /**
   * Resolves once every running module's serve() has returned (a listener bound, a loop set up)
   * or `ms` passed: serve() of a module that runs a loop inside it never returns.
   */
  async whenServing(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((r) => (timer = setTimeout(r, ms)));
    const all = Promise.all([...this.entries.values()].flatMap((e) => (e.running && e.serving ? [e.serving] : [])));
    await Promise.race([all, bound]);
    clearTimeout(timer);
  }

  private async stop(e: ModuleEntry): Promise<void> {
    const instance = e.instance;
    if (!instance) return;
    e.instance = undefined;
    e.pushStats = undefined;
    e.abort?.abort();
    e.queue?.close();
    e.queue = undefined;
    const ms = this.host.mgrOptions.num('mgr_module_shutdown_timeout_ms');
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(() => instance.shutdown()),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`shutdown() did not finish within ${ms} ms`)), ms);
        }),
      ]);
    } catch (err) {
      this.host.log.error({ module: e.name, err: String(err) }, 'module shutdown failed');
    } finally {
      clearTimeout(timer);
    }
    e.moduleChecks = {};
    e.failed = false;
    this.refreshHealth(e);
    this.host.log.info({ module: e.name }, 'module stopped');
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => this.stop(e)));
  }

  /** Routes a notification to every running module that declared the type. Never runs module code inline. */
  notifyAll(type: NotifyType, id: string): void {
    for (const e of this.entries.values()) {
      const inst = e.instance;
      if (!inst || !e.queue || !e.cls!.NOTIFY_TYPES.includes(type)) continue;
      const mod = inst as MgrModule;
      if (typeof mod.notify !== 'function') continue;
      e.queue.notify(type, id, () => mod.notify(type, id));
    }
  }

  /** Every module command with its module name (running or not: help lists them all). */
  commands(): Array<{ module: string; cmd: string; desc: string; perm: string; enabled: boolean }> {
    const out: Array<{ module: string; cmd: string; desc: string; perm: string; enabled: boolean }> = [];
    for (const e of this.entries.values()) {
      for (const c of e.cls?.COMMANDS ?? []) out.push({ module: e.name, cmd: c.cmd, desc: c.desc, perm: c.perm, enabled: e.running });
    }
    return out;
  }

  /** Runs a module command on the module's queue: the errno contract of DESIGN.md. */
  async runCommand(name: string, inbuf: string, cmd: CmdMap): Promise<CommandResult> {
    const e = this.entries.get(name);
    if (!e?.instance || !e.queue) return { r: -Errno.EOPNOTSUPP, outb: '', outs: `Module '${name}' is not enabled/loaded (required by command '${cmd.prefix}'): use \`mgrd tell mgr mgr module enable ${name}\` to enable it` };
    const inst = e.instance;
    try {
      const ret = await e.queue.call<CommandReturn>('command', () => inst.handleCommand(inbuf, cmd));
      if (!Array.isArray(ret) || typeof ret[0] !== 'number') {
        throw new Error(`handleCommand returned ${JSON.stringify(ret)?.slice(0, 80)}, not [retval, stdout, stderr]`);
      }
      return { r: ret[0], outb: String(ret[1] ?? ''), outs: String(ret[2] ?? '') };
    } catch (err) {
      if (err instanceof ErrnoError) return { r: -err.errno, outb: '', outs: err.message };
      if (err instanceof TimeoutError) return { r: -Errno.ETIMEDOUT, outb: '', outs: `Module '${name}' did not answer '${cmd.prefix}': ${err.message}` };
      return { r: -Errno.EIO, outb: '', outs: `Module '${name}' failed on '${cmd.prefix}': ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  /** `config set mgr mgr/<module>/<option> <value>`: validate, persist, apply, configNotify. */
  async setOption(module: string, option: string, raw: unknown): Promise<OptionValue | undefined> {
    const e = this.entries.get(module);
    if (!e) throw new ErrnoError(Errno.ENOENT, `no module '${module}'`);
    if (!e.options.has(option)) throw new ErrnoError(Errno.EINVAL, `unrecognized config option 'mgr/${module}/${option}'`);
    let value: OptionValue | undefined;
    if (raw === undefined) {
      e.options.unset(option);
      await this.host.store.kvSet(moduleOptionKey(module, option), undefined);
    } else {
      try {
        value = e.options.set(option, raw);
      } catch (err) {
        // Name the option as the user typed it.
        if (err instanceof ErrnoError) throw new ErrnoError(err.errno, err.message.replace(`option ${option}:`, `option mgr/${module}/${option}:`));
        throw err;
      }
      await this.host.store.kvSet(moduleOptionKey(module, option), JSON.stringify(value));
    }
    const inst = e.instance;
    if (inst && e.queue) {
      e.queue.call('config', () => inst.configNotify()).catch(() => undefined); // faults are counted by the queue
    }
    return value;
  }

  /** Ceph's available_modules entries (mgr map, `mgr module ls`). */
  availableModules(): AvailableModule[] {
    return this.list().map((e) => ({
      name: e.name,
      can_run: e.canRun,
      error_string: e.canRunReason,
      module_options: Object.fromEntries(e.options.allSpecs().map((s) => [s.name, optionInfo(s)])),
    }));
  }

  private context(e: ModuleEntry, signal: AbortSignal): ModuleContext {
    const host = this.host;
    const log = host.log.child({ module: e.name });
    const views = (): ClusterViews => {
      if (!host.views) throw new ErrnoError(Errno.EAGAIN, `module ${e.name}: cluster state is only available on the active manager`);
      return host.views;
    };
    return {
      moduleName: e.name,
      mgrId: host.mgrId,
      log,
      signal,
      active: host.mode === 'active',
      get: (name) => views().get(name),
      listServers: () => views().listServers(),
      listDaemons: (t) => views().listDaemons(t),
      getServer: (h) => views().getServer(h),
      getMetadata: (t, i) => views().getMetadata(t, i),
      getDaemonStatus: (t, i) => views().getDaemonStatus(t, i),
      getPerfSchema: (t, i) => views().getPerfSchema(t, i),
      getCounter: (t, i, p) => views().getCounter(t, i, p),
      getLatest: (t, i, p) => views().getLatest(t, i, p),
      getLatestAvg: (t, i, p) => views().getLatestAvg(t, i, p),
      getLatestCounter: (t, i, p) => views().getLatestCounter(t, i, p),
      getAllPerfCounters: (prio, t) => views().getAllPerfCounters(prio, t),
      forEachDaemonCounters: (visit, t) => views().forEachDaemonCounters(visit, t),
      getDaemonHealthMetrics: () => views().getDaemonHealthMetrics(),
      getMgrdStats: () => views().getMgrdStats(),
      statsThreshold: () => views().statsThreshold(),
      getModuleOption: (name) => (e.options.has(name) ? e.options.get(name) : undefined),
      setModuleOption: async (name, value) => {
        await this.setOption(e.name, name, value);
      },
      getModuleOptionOf: (module, name) => {
        const other = this.entries.get(module);
        return other?.options.has(name) ? other.options.get(name) : undefined;
      },
      getMgrOption: (name) => (host.mgrOptions.has(name) ? host.mgrOptions.get(name) : undefined),
      getStore: (key) => host.store.kvGet(moduleStoreKey(e.name, key)),
      setStore: (key, value) => host.store.kvSet(moduleStoreKey(e.name, key), value),
      getStorePrefix: (prefix) => {
        const base = moduleStoreKey(e.name, '');
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(host.store.kvList(base + prefix))) out[k.slice(base.length)] = v;
        return out;
      },
      setHealthChecks: (checks) => {
        e.moduleChecks = structuredClone(checks);
        this.refreshHealth(e);
      },
      setPushStats: (read) => {
        if (e.abort?.signal === signal) e.pushStats = read;
      },
      publishService: (uri) => host.publishService(e.name, uri),
      activeServices: () => host.activeServices(),
      moduleStatuses: () => this.list().map((m) => ({
        name: m.name, enabled: m.running, canRun: m.canRun, error: m.canRunReason || m.lastError, alwaysOn: false,
      })),
    };
  }

  private fault(e: ModuleEntry, kind: FaultKind, err: unknown): void {
    e.faults++;
    e.lastError = `${kind}: ${err instanceof Error ? err.message : String(err)}`;
    if (kind === 'serve') e.failed = true;
    const say = this.faultLog.check(e.name);
    if (say.log) {
      this.host.log.error({ module: e.name, kind, faults: e.faults, suppressed: say.suppressed, err: err instanceof Error ? err.stack : String(err) }, `module ${kind} failed`);
    }
    this.refreshHealth(e);
  }

  private success(e: ModuleEntry, kind: FaultKind): void {
    // A module that works again clears its warning (set on failure, cleared on success).
    if (e.lastError && !e.failed && kind !== 'serve') {
      e.lastError = '';
      this.refreshHealth(e);
    }
  }

  /**
   * Publishes the module's own checks (owner module:<name>) and the registry's
   * combined checks over all modules (owner mgr-modules): MGR_MODULE_ERROR for
   * failed or faulting modules, MGR_MODULE_DEPENDENCY for enabled modules that
   * cannot run, as Ceph names them.
   */
  private refreshHealth(e: ModuleEntry): void {
    this.host.setHealth(`module:${e.name}`, { ...e.moduleChecks });
    this.refreshRegistryHealth();
  }

  private refreshRegistryHealth(): void {
    const checks: HealthCheckMap = {};
    const failed = this.list().filter((m) => m.failed);
    const faulting = this.list().filter((m) => !m.failed && m.lastError);
    const errors = [
      ...failed.map((m) => ({ m, text: `Module '${m.name}' has failed: ${m.lastError}` })),
      ...faulting.map((m) => ({ m, text: `Module '${m.name}' has faulted ${m.faults} time(s), last: ${m.lastError}` })),
    ];
    if (errors.length === 1) {
      checks.MGR_MODULE_ERROR = healthCheck(failed.length ? 'HEALTH_ERR' : 'HEALTH_WARN', errors[0]!.text, 1, [errors[0]!.text]);
    } else if (errors.length > 1) {
      checks.MGR_MODULE_ERROR = healthCheck(failed.length ? 'HEALTH_ERR' : 'HEALTH_WARN', `${errors.length} mgr modules have failed`, errors.length, errors.map((x) => x.text));
    }
    const blocked = this.list().filter((m) => this.wanted.has(m.name) && !m.canRun);
    if (blocked.length === 1) {
      const m = blocked[0]!;
      checks.MGR_MODULE_DEPENDENCY = healthCheck('HEALTH_WARN', `Module '${m.name}' has failed dependency: ${m.canRunReason}`, 1, [`Module '${m.name}' has failed dependency: ${m.canRunReason}`]);
    } else if (blocked.length > 1) {
      checks.MGR_MODULE_DEPENDENCY = healthCheck('HEALTH_WARN', `${blocked.length} mgr modules have failed dependencies`, blocked.length, blocked.map((m) => `Module '${m.name}' has failed dependency: ${m.canRunReason}`));
    }
    this.host.setHealth('mgr-modules', checks);
  }

  stats(): MgrdStats['modules'] {
    return this.list().map((e) => ({
      name: e.name, queueDepth: e.queue?.depth ?? 0, faults: e.faults, enabled: e.running, running: e.running && !e.failed,
      ...(e.pushStats && e.running ? { push: e.pushStats() } : {}),
    }));
  }
}

function optionInfo(s: OptionSpec): ModuleOptionInfo {
  return {
    name: s.name,
    type: s.type,
    level: 'advanced',
    flags: s.runtime === false ? 0 : 1,
    default_value: String(s.default),
    min: s.min === undefined ? '' : String(s.min),
    max: s.max === undefined ? '' : String(s.max),
    enum_allowed: [...(s.enum ?? [])],
    desc: s.desc,
    long_desc: '',
    tags: [],
    see_also: [],
  };
}
