// One module as the registry knows it: what was loaded, its declared options,
// and its run state (running, failed, counters). Options are checked once,
// from MODULE_OPTIONS, when the module is loaded: a declaration that cannot
// hold (unknown type, a default of the wrong type) keeps the module from
// running, with the reason in `mgr module ls`, instead of failing later.

import { OptionTable, type OptionSpec, type OptionType, type OptionValue } from '../common/options.js';
import type { ModuleOptionInfo } from '../mgr-module/mgr-map-types.js';
import type { MgrModuleBase, ModuleClass } from '../mgr-module/mgr-module.js';
import type { ModuleOption, PushStats } from '../mgr-module/types.js';
import type { HealthCheckMap } from '../mgr-module/health.js';
import type { LoadedModule } from './module-loader.js';
import type { ModuleQueue } from './module-queue.js';
import type { ModuleScope } from './module-scope.js';

const OPTION_TYPES: ReadonlySet<OptionType> = new Set(['str', 'int', 'uint', 'float', 'bool', 'secs', 'addr']);

export class ModuleEntry {
  readonly options: OptionTable;
  /** Declared without a default: unset, they read as undefined (Ceph's None), so the caller's fallback applies. */
  readonly noDefault = new Set<string>();
  /** Why MODULE_OPTIONS cannot be used ('' when they can). */
  readonly optionsError: string;
  canRun = false;
  canRunReason = '';
  instance: MgrModuleBase | undefined;
  queue: ModuleQueue | undefined;
  abort: AbortController | undefined;
  /** The running instance's scope (faults surfacing later are charged through it). */
  scope: ModuleScope | undefined;
  /** Faults since the module was (re)started. */
  faults = 0;
  /** Faults since its last hook that succeeded: at mgr_module_max_consecutive_faults it is failed. */
  consecutiveFaults = 0;
  lastError = '';
  /** serve() of the running instance, settled when it returned or failed. */
  serving: Promise<void> | undefined;
  /** Settled when serve() returned or failed, or its loop first waited (markServing). */
  up: Promise<void> | undefined;
  /** Settles `up` (the running instance's). */
  markUp: (() => void) | undefined;
  /** Failed (serve() threw, kept faulting, or a hook never returned): stays failed until disabled. */
  failed = false;
  /** Notifications and config changes its queue dropped, since the manager started (a counter). */
  dropped = 0;
  /** performance.now() of the last drop (MGR_MODULE_QUEUE_FULL holds for a while after it). */
  lastDropMs = -Infinity;
  /** A push module's counters (SDK PushLoop), for mgrd_module_push_* on /metrics. */
  pushStats: (() => PushStats) | undefined;
  private checks: HealthCheckMap = {};

  constructor(readonly loaded: LoadedModule) {
    const declared = loaded.cls?.MODULE_OPTIONS ?? [];
    let table: OptionTable;
    let error = '';
    try {
      table = new OptionTable(declared.map((o) => toOptionSpec(o)));
      for (const o of declared) if (o.default === undefined) this.noDefault.add(o.name);
    } catch (err) {
      table = new OptionTable([]);
      error = `MODULE_OPTIONS: ${err instanceof Error ? err.message : String(err)}`;
    }
    this.options = table;
    this.optionsError = error;
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

  /**
   * The module's own option as Ceph's get_module_option reads it: an
   * undeclared name raises; an unset option without a declared default is
   * undefined; otherwise the value, typed as declared.
   */
  readOption(name: string): OptionValue | undefined {
    if (!this.options.has(name)) {
      throw new Error(`Config option '${name}' is not in ${this.cls?.name ?? this.name}.MODULE_OPTIONS`);
    }
    if (this.noDefault.has(name) && !this.options.isSet(name)) return undefined;
    return this.options.get(name);
  }
}

/** An OptionSpec from a declaration; throws naming what is wrong with it. */
export function toOptionSpec(o: ModuleOption): OptionSpec {
  if (typeof o.name !== 'string' || o.name === '') throw new Error(`an option without a name: ${JSON.stringify(o)}`);
  const type = o.type ?? 'str';
  if (!OPTION_TYPES.has(type)) throw new Error(`option ${o.name}: unknown type '${String(type)}' (one of ${[...OPTION_TYPES].join(', ')})`);
  const fallback = type === 'bool' ? false : type === 'str' || type === 'addr' ? '' : 0;
  return {
    name: o.name, type, default: o.default ?? fallback, desc: o.desc ?? '',
    min: o.min, max: o.max, enum: o.enum_allowed, runtime: o.runtime ?? true, ...(o.secret ? { secret: true } : {}),
  };
}

/** Ceph's module_options entry (mgr map, `mgr module ls`); an option without a default shows "" as Ceph does. */
export function optionInfo(s: OptionSpec, hasDefault: boolean): ModuleOptionInfo {
  return {
    name: s.name,
    type: s.type,
    level: 'advanced',
    flags: s.runtime === false ? 0 : 1,
    default_value: hasDefault ? String(s.default) : '',
    min: s.min === undefined ? '' : String(s.min),
    max: s.max === undefined ? '' : String(s.max),
    enum_allowed: [...(s.enum ?? [])],
    desc: s.desc,
    long_desc: '',
    tags: [],
    see_also: [],
  };
}

export const moduleOptionKey = (module: string, opt: string): string => `config/mgr/${module}/${opt}`;
export const moduleStoreKey = (module: string, key: string): string => `store/mgr/${module}/${key}`;
