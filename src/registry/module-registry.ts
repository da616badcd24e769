// The module registry: loads modules, checks canRun, starts and stops them as
// the MgrMap's enabled set says (at runtime, no restart), routes notifications
// and commands through each module's own queue, and turns faults into health
// checks (MGR_MODULE_ERROR) instead of crashes.
//
// A module's life: stopped -> running -> (failed) -> stopped. It is failed, as
// Ceph fails a module, when serve() or its constructor throws, when its hooks
// fault mgr_module_max_consecutive_faults times in a row, or when a hook never
// returns; a failed module is shut down, stays enabled, answers its commands
// with -EIO naming the failure, and runs again only once disabled and enabled
// (or on failover), as Ceph's mgr restarts it.

import { resolve } from 'node:path';
import { Errno, ErrnoError, type CommandResult } from '../common/errno.js';
import { LogLimiter } from '../common/log-limiter.js';
import type { OptionValue } from '../common/options.js';
import { Throttle } from '../common/throttle.js';
import type { AvailableModule } from '../mgr-module/mgr-map-types.js';
import type { MgrModule, MgrModuleBase, ModuleClass } from '../mgr-module/mgr-module.js';
import type { CmdMap, CommandReturn, MgrdStats, NotifyType } from '../mgr-module/types.js';
import type { HealthCheckMap } from '../mgr-module/health.js';
import { moduleContext, type ContextDeps, type ModuleHostBase } from './module-context.js';
import { ModuleEntry, moduleOptionKey, optionInfo } from './module-entry.js';
import { QUEUE_FULL_HOLD_MS, registryChecks } from './module-health.js';
import { findModuleFolders, importModule } from './module-loader.js';
import { ModuleQueue, TimeoutError, type FaultKind } from './module-queue.js';
import { addLiveScope, removeLiveScope, runAsCore, runAsModule, type ModuleScope } from './module-scope.js';

export type { ClusterViews } from './module-context.js';
export { ModuleEntry, moduleOptionKey, moduleStoreKey, toOptionSpec } from './module-entry.js';

export interface RegistryHost extends ModuleHostBase {
  setHealth(owner: string, checks: HealthCheckMap): void;
}

const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class ModuleRegistry {
  private readonly entries = new Map<string, ModuleEntry>();
  /** The enabled set of the last apply(). */
  private wanted = new Set<string>();
  /** Fault and drop lines per module: the first few, then one a minute with the count suppressed. */
  private readonly logLimit = new LogLimiter(3, 60_000);
  /** Queue drops can come by the thousand: the registry's checks follow at most once a second. */
  private readonly dropHealth = new Throttle(() => this.refreshRegistryHealth(), () => 1000);
  /** Clears MGR_MODULE_QUEUE_FULL once no module dropped for QUEUE_FULL_HOLD_MS. */
  private queueFullTimer: NodeJS.Timeout | undefined;

  constructor(private readonly host: RegistryHost) {}

  /** Imports every module found on `paths` and runs canRun(); loads stored option values. */
  async load(paths: readonly string[]): Promise<void> {
    for (const folder of findModuleFolders(paths)) {
      const loaded = await importModule(folder);
      const entry = new ModuleEntry(loaded);
      const why = loaded.error || entry.optionsError;
      if (why) {
        entry.canRunReason = why;
        this.host.log.warn({ module: loaded.name }, why);
      } else {
        try {
          const [ok, reason] = runAsModule(this.folderScope(entry), () => loaded.cls!.canRun());
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

  /**
   * The scope a module's code runs in: faults surfacing later are charged to
   * whichever instance of the module runs then (one scope per module folder).
   */
  private folderScope(e: ModuleEntry): ModuleScope {
    e.scope ??= { module: e.name, dir: resolve(e.loaded.dir), running: () => e.running, report: (err, origin) => this.asyncFault(e, err, origin) };
    return e.scope;
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

  /** Starts enabled modules that are not running and stops running (or failed) ones no longer enabled. */
  async apply(enabled: readonly string[]): Promise<void> {
    const want = new Set(enabled);
    this.wanted = want;
    for (const e of this.entries.values()) {
      if (!want.has(e.name) && (e.running || e.failed)) await this.stop(e);
    }
    for (const e of this.entries.values()) {
      if (want.has(e.name) && !e.running && !e.failed && e.canRun) this.start(e);
    }
    this.refreshRegistryHealth();
  }

  private classFor(e: ModuleEntry): ModuleClass | undefined {
    return this.host.mode === 'active' ? e.loaded.cls : e.loaded.standbyCls;
  }

  private start(e: ModuleEntry): void {
    const cls = this.classFor(e);
    if (!cls) return; // no standby side: nothing runs while standby
    const abort = new AbortController();
    e.abort = abort;
    const scope = this.folderScope(e);
    addLiveScope(scope);
    const opts = this.host.mgrOptions;
    e.queue = new ModuleQueue(
      e.name,
      () => opts.num('mgr_module_queue_max'),
      () => opts.num('mgr_module_op_timeout_ms'),
      {
        run: (fn) => runAsModule(scope, fn),
        onFault: (kind, err) => this.fault(e, kind, err),
        onSuccess: () => this.success(e),
        onDrop: (kind) => this.dropped(e, kind),
        onStuck: (kind, err) => this.markFailed(e, kind, err),
      },
    );
    e.failed = false;
    e.faults = 0;
    e.consecutiveFaults = 0;
    e.lastError = '';
    let instance: MgrModuleBase;
    try {
      instance = runAsModule(scope, () => new cls(moduleContext(this.contextDeps(), e, abort.signal)));
    } catch (err) {
      this.markFailed(e, 'serve', err);
      return;
    }
    e.instance = instance;
    this.host.log.info({ module: e.name, mode: this.host.mode }, 'module starting');
    let markUp!: () => void;
    e.up = new Promise<void>((r) => (markUp = r));
    e.markUp = markUp;
    e.serving = runAsModule(scope, async () => {
      try {
        await instance.serve();
      } catch (err) {
        if (e.instance === instance && !abort.signal.aborted) this.markFailed(e, 'serve', err);
      }
    });
    void e.serving.finally(markUp);
  }

  /**
   * Resolves once every running module is up (serve() returned: a listener bound; or its serve()
   * loop first waited, see MgrModule.waitS) or `ms` passed: a loop that never waits is not waited for.
   */
  async whenServing(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((r) => (timer = setTimeout(r, ms)));
    const all = Promise.all([...this.entries.values()].flatMap((e) => (e.running && e.up ? [e.up] : [])));
    await Promise.race([all, bound]);
    clearTimeout(timer);
  }

  /** Disables: shuts the instance down (bounded), forgets a failure and the module's checks. */
  private async stop(e: ModuleEntry): Promise<void> {
    if (!e.running && !e.failed) return;
    const instance = this.detach(e, `module ${e.name} was stopped`);
    e.failed = false;
    e.lastError = '';
    e.consecutiveFaults = 0;
    if (instance) await this.shutdownInstance(e, instance);
    e.moduleChecks = {};
    this.refreshHealth(e);
    this.host.log.info({ module: e.name }, 'module stopped');
  }

  /** Takes the running instance out of service: no more notifications, commands or checks from it. */
  private detach(e: ModuleEntry, reason: string): MgrModuleBase | undefined {
    const instance = e.instance;
    e.instance = undefined;
    e.pushStats = undefined;
    e.abort?.abort();
    e.queue?.close(reason);
    e.queue = undefined;
    return instance;
  }

  private async shutdownInstance(e: ModuleEntry, instance: MgrModuleBase): Promise<void> {
    const ms = this.host.mgrOptions.num('mgr_module_shutdown_timeout_ms');
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        runAsModule(this.folderScope(e), () => Promise.resolve().then(() => instance.shutdown())),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`shutdown() did not finish within ${ms} ms`)), ms);
        }),
      ]);
    } catch (err) {
      this.host.log.error({ module: e.name, err: String(err) }, 'module shutdown failed');
    } finally {
      clearTimeout(timer);
    }
  }

  async stopAll(): Promise<void> {
    this.dropHealth.dispose();
    clearTimeout(this.queueFullTimer);
    await Promise.all([...this.entries.values()].map((e) => this.stop(e)));
    for (const e of this.entries.values()) if (e.scope) removeLiveScope(e.scope);
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
      for (const c of e.cls?.COMMANDS ?? []) out.push({ module: e.name, cmd: c.cmd, desc: c.desc, perm: c.perm, enabled: e.running || e.failed });
    }
    return out;
  }

  /** Runs a module command on the module's queue: the errno contract of DESIGN.md, and Ceph's refusals. */
  async runCommand(name: string, inbuf: string, cmd: CmdMap): Promise<CommandResult> {
    const e = this.entries.get(name);
    if (e?.failed) {
      return { r: -Errno.EIO, outb: '', outs: `Module '${name}' has experienced an error and cannot handle commands: ${e.lastError}` };
    }
    if (e && this.wanted.has(name) && !e.canRun) {
      const how = e.loaded.error ? 'failed to load' : 'has experienced an error';
      return { r: -Errno.EIO, outb: '', outs: `Module '${name}' ${how} and cannot handle commands: ${e.canRunReason}` };
    }
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
      return { r: -Errno.EIO, outb: '', outs: `Module '${name}' failed on '${cmd.prefix}': ${errText(err)}` };
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
      e.queue.call('config', () => inst.configNotify()).catch(() => undefined); // faults and drops are counted by the queue
    }
    return value;
  }

  /** Ceph's available_modules entries (mgr map, `mgr module ls`). */
  availableModules(): AvailableModule[] {
    // Sorted by module, then option name, as Ceph's maps (std::map) list them.
    const byName = (x: { name: string }, y: { name: string }) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0);
    return this.list().sort(byName).map((e) => ({
      name: e.name,
      can_run: e.canRun,
      error_string: e.canRunReason,
      module_options: Object.fromEntries(e.options.allSpecs().sort(byName).map((s) => [s.name, optionInfo(s, !e.noDefault.has(s.name))])),
    }));
  }

  private contextDeps(): ContextDeps {
    const host = this.host;
    return {
      mode: host.mode, mgrId: host.mgrId, log: host.log, store: host.store, mgrOptions: host.mgrOptions, views: host.views,
      publishService: (module, uri) => host.publishService(module, uri),
      activeServices: () => host.activeServices(),
      // The dispatcher is core code (a target module's handler runs on its own queue, in its own scope).
      runCommand: host.runCommand ? (caller, req) => runAsCore(() => host.runCommand!(caller, req)) : undefined,
      entry: (name) => this.entries.get(name),
      entries: () => this.list(),
      setOption: (module, option, value) => this.setOption(module, option, value),
      // Core work started on a module's behalf (health notifications, timers) is not charged to it.
      checksChanged: (e) => runAsCore(() => this.refreshHealth(e)),
    };
  }

  private fault(e: ModuleEntry, kind: FaultKind, err: unknown): void {
    if (e.failed) return;
    e.faults++;
    e.consecutiveFaults++;
    e.lastError = `${kind}: ${errText(err)}`;
    const say = this.logLimit.check(`${e.name}:fault`);
    if (say.log) {
      this.host.log.error({ module: e.name, kind, faults: e.faults, suppressed: say.suppressed, err: err instanceof Error ? err.stack : String(err) }, `module ${kind} failed`);
    }
    const limit = this.host.mgrOptions.num('mgr_module_max_consecutive_faults');
    if (e.consecutiveFaults >= limit) {
      this.markFailed(e, kind, new Error(`${e.consecutiveFaults} faults in a row, last: ${e.lastError}`));
      return;
    }
    runAsCore(() => this.refreshHealth(e));
  }

  private success(e: ModuleEntry): void {
    e.consecutiveFaults = 0;
    // A module that works again clears its warning (set on failure, cleared on success).
    if (e.lastError && !e.failed) {
      e.lastError = '';
      this.refreshHealth(e);
    }
  }

  /**
   * Fails the module (Ceph's MGR_MODULE_ERROR, HEALTH_ERR): it is taken out of
   * service and shut down in the background; it stays enabled and failed until
   * disabled. Its own checks go with it (they described a module that no longer runs).
   */
  private markFailed(e: ModuleEntry, kind: FaultKind, err: unknown): void {
    if (e.failed) return;
    runAsCore(() => {
      e.failed = true;
      e.faults++;
      e.lastError = kind === 'serve' ? errText(err) : `${kind}: ${errText(err)}`;
      this.host.log.error({ module: e.name, kind, err: err instanceof Error ? err.stack : String(err) },
        `module ${e.name} has failed: ${e.lastError}; \`mgr module disable ${e.name}\` then \`enable\` restarts it`);
      const instance = this.detach(e, `Module '${e.name}' has failed: ${e.lastError}`);
      e.moduleChecks = {};
      this.refreshHealth(e);
      if (instance) void this.shutdownInstance(e, instance);
    });
  }

  /** An uncaught exception or unhandled rejection charged to this module (process-level handlers). */
  private asyncFault(e: ModuleEntry, err: unknown, origin: string): void {
    if (!e.running) {
      // Left behind by an instance already stopped or failed: logged, not charged to the module's next life.
      const say = this.logLimit.check(`${e.name}:stale`);
      if (say.log) this.host.log.warn({ module: e.name, origin, suppressed: say.suppressed, err: err instanceof Error ? err.stack : String(err) }, 'fault from a module instance that no longer runs');
      return;
    }
    this.fault(e, 'async', new Error(`${origin}: ${errText(err)}`, { cause: err }));
  }

  private dropped(e: ModuleEntry, kind: FaultKind): void {
    e.dropped++;
    e.lastDropMs = performance.now();
    const say = this.logLimit.check(`${e.name}:drop`);
    if (say.log) {
      this.host.log.warn({ module: e.name, kind, dropped: e.dropped, suppressed: say.suppressed, queueMax: this.host.mgrOptions.num('mgr_module_queue_max') },
        `module ${e.name}: queue full, a ${kind} was dropped`);
    }
    runAsCore(() => {
      this.dropHealth.request();
      clearTimeout(this.queueFullTimer);
      this.queueFullTimer = setTimeout(() => this.refreshRegistryHealth(), QUEUE_FULL_HOLD_MS + 100);
      this.queueFullTimer.unref();
    });
  }

  /** Publishes the module's own checks (owner module:<name>) and the registry's combined checks. */
  private refreshHealth(e: ModuleEntry): void {
    this.host.setHealth(`module:${e.name}`, { ...e.moduleChecks });
    this.refreshRegistryHealth();
  }

  private refreshRegistryHealth(): void {
    this.host.setHealth('mgr-modules', registryChecks(this.list(), this.wanted, performance.now()));
  }

  stats(): MgrdStats['modules'] {
    return this.list().map((e) => ({
      name: e.name, queueDepth: e.queue?.depth ?? 0, faults: e.faults, dropped: e.dropped,
      enabled: e.running || e.failed, running: e.running, failed: e.failed,
      ...(e.pushStats && e.running ? { push: e.pushStats() } : {}),
    }));
  }
}
