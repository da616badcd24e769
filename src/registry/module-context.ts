// The ModuleContext the registry hands one module instance: cluster views (on
// the active), its options, store, health checks and services. What a module
// passes in is checked here, so a module's mistake is its own error (thrown
// back to it) and never a malformed value inside the core.

import { alwaysOnModules } from '../common/always-on.js';
import { Errno, ErrnoError } from '../common/errno.js';
import type { Logger } from '../common/log.js';
import type { OptionTable, OptionValue } from '../common/options.js';
import type { ModuleContext } from '../mgr-module/context.js';
import type { CommandCaller } from '../mgr-module/types.js';
import type { HealthCheck, HealthCheckMap } from '../mgr-module/health.js';
import type { CommandResult } from '../common/errno.js';
import { moduleStoreKey, type ModuleEntry } from './module-entry.js';

/** Cluster calls of the module API: provided by the active Mgr, absent on a standby. */
export type ClusterViews = Pick<ModuleContext,
  'get' | 'listServers' | 'listDaemons' | 'getServer' | 'getMetadata' | 'getDaemonStatus' | 'getPerfSchema' | 'getCounter' |
  'getLatest' | 'getLatestAvg' | 'getLatestCounter' | 'getAllPerfCounters' | 'forEachDaemonCounters' | 'daemonCounters' | 'getDaemonHealthMetrics' |
  'daemonHealthMetrics' | 'osdPerfInfos' | 'daemonMetadata' |
  'getMgrdStats' | 'statsThreshold'>;

/** Key-value store for module stores and config (the map store's: persisted, survives failover). Writes throw NotLeaderError on a standby. */
export interface ModuleKvStore {
  kvGet(key: string): string | undefined;
  kvSet(key: string, value: string | undefined): Promise<void>;
  kvList(prefix: string): Record<string, string>;
}

/** What the manager (active or standby) provides its modules. */
export interface ModuleHostBase {
  readonly mode: 'active' | 'standby';
  readonly mgrId: string;
  readonly log: Logger;
  readonly store: ModuleKvStore;
  readonly mgrOptions: OptionTable;
  readonly views: ClusterViews | undefined;
  publishService(module: string, uri: string): Promise<void>;
  activeServices(): Record<string, string>;
  /** The manager's one command dispatcher (absent on a standby): what a module's runCommand() reaches. */
  runCommand?(caller: CommandCaller, req: { argv?: string[]; cmd?: Record<string, unknown>; inbuf?: string }): Promise<CommandResult>;
}

/** What the context needs from the registry and its host. */
export interface ContextDeps extends ModuleHostBase {
  entry(name: string): ModuleEntry | undefined;
  entries(): ModuleEntry[];
  setOption(module: string, option: string, value: unknown): Promise<OptionValue | undefined>;
  /** The module's checks changed. */
  checksChanged(e: ModuleEntry): void;
}

/** Most checks one module may raise at once. */
export const MAX_MODULE_CHECKS = 256;

export function moduleContext(deps: ContextDeps, e: ModuleEntry, signal: AbortSignal): ModuleContext {
  const log = deps.log.child({ module: e.name });
  const views = (): ClusterViews => {
    if (!deps.views) throw new ErrnoError(Errno.EAGAIN, `module ${e.name}: cluster state is only available on the active manager`);
    return deps.views;
  };
  return {
    moduleName: e.name,
    mgrId: deps.mgrId,
    log,
    signal,
    markServing: () => {
      if (e.abort?.signal === signal) e.markUp?.();
    },
    active: deps.mode === 'active',
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
    daemonCounters: (t) => views().daemonCounters(t),
    getDaemonHealthMetrics: () => views().getDaemonHealthMetrics(),
    daemonHealthMetrics: () => views().daemonHealthMetrics(),
    osdPerfInfos: () => views().osdPerfInfos(),
    daemonMetadata: (t) => views().daemonMetadata(t),
    getMgrdStats: () => views().getMgrdStats(),
    statsThreshold: () => views().statsThreshold(),
    getModuleOption: (name) => e.readOption(name),
    setModuleOption: async (name, value) => {
      await deps.setOption(e.name, name, value);
    },
    // Ceph's get_module_option_ex: another module's option, None when unknown.
    getModuleOptionOf: (module, name) => {
      const other = deps.entry(module);
      return other?.options.has(name) ? other.readOption(name) : undefined;
    },
    getMgrOption: (name) => (deps.mgrOptions.has(name) ? deps.mgrOptions.get(name) : undefined),
    getStore: (key) => deps.store.kvGet(moduleStoreKey(e.name, key)),
    setStore: (key, value) => deps.store.kvSet(moduleStoreKey(e.name, key), value),
    getStorePrefix: (prefix) => {
      const base = moduleStoreKey(e.name, '');
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(deps.store.kvList(base + prefix))) out[k.slice(base.length)] = v;
      return out;
    },
    setHealthChecks: (checks) => {
      if (e.abort?.signal !== signal) return; // a stopped or failed instance no longer speaks for the module
      e.moduleChecks = validChecks(e.name, checks);
      deps.checksChanged(e);
    },
    setPushStats: (read) => {
      if (e.abort?.signal === signal) e.pushStats = read;
    },
    publishService: (uri) => deps.publishService(e.name, uri),
    activeServices: () => deps.activeServices(),
    runCommand: async (cmd, inbuf, caller) => {
      if (!deps.runCommand) return [-Errno.EAGAIN, '', `module ${e.name}: commands run only on the active manager`];
      const who = caller ?? { entity: `mgr.${deps.mgrId}/${e.name}`, read: true, write: true };
      const r = await deps.runCommand(who, Array.isArray(cmd) ? { argv: [...(cmd as readonly string[])], inbuf } : { cmd: { ...cmd }, inbuf });
      return [r.r, r.outb, r.outs];
    },
    moduleStatuses: () => {
      const alwaysOn = deps.views ? alwaysOnModules(deps.views.get('mgr_map')) : [];
      return deps.entries().map((m) => ({
        name: m.name, enabled: m.running || m.failed, canRun: m.canRun, error: m.canRunReason || m.lastError, alwaysOn: alwaysOn.includes(m.name),
      }));
    },
  };
}

/** A copy of a module's checks, or a TypeError naming what is malformed (the module's bug, thrown back to it). */
export function validChecks(module: string, checks: unknown): HealthCheckMap {
  if (checks === null || typeof checks !== 'object' || Array.isArray(checks)) {
    throw new TypeError(`setHealthChecks: expected a map of health checks, got ${describe(checks)}`);
  }
  const entries = Object.entries(checks as Record<string, unknown>);
  if (entries.length > MAX_MODULE_CHECKS) throw new TypeError(`setHealthChecks: ${entries.length} checks; a module may raise at most ${MAX_MODULE_CHECKS}`);
  const out: HealthCheckMap = {};
  for (const [code, c] of entries) {
    const bad = (why: string): never => {
      throw new TypeError(`setHealthChecks: check ${code} of module ${module}: ${why}`);
    };
    if (c === null || typeof c !== 'object') bad(`expected a check (healthCheck(...)), got ${describe(c)}`);
    const check = c as Partial<HealthCheck>;
    if (check.severity !== 'HEALTH_WARN' && check.severity !== 'HEALTH_ERR') bad(`severity must be HEALTH_WARN or HEALTH_ERR, got ${describe(check.severity)}`);
    if (typeof check.summary?.message !== 'string') bad('summary.message must be a string');
    const count = check.summary!.count;
    if (count !== undefined && (typeof count !== 'number' || !Number.isFinite(count))) bad('summary.count must be a number');
    const detail = check.detail ?? [];
    if (!Array.isArray(detail) || detail.some((d: unknown) => typeof (d as { message?: unknown } | null)?.message !== 'string')) {
      bad('detail must be a list of {message: string}');
    }
    out[code] = {
      severity: check.severity!,
      summary: { message: check.summary!.message, count: count ?? 0 },
      detail: detail.map((d) => ({ message: d.message })),
      muted: check.muted === true,
    };
  }
  return out;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'string' ? `'${v.slice(0, 40)}'` : typeof v;
}
