// Mgr: the active side of a manager process. Built when the MgrMap names this
// process active, torn down completely when it stops naming it. Owns the
// DaemonServer, ClusterState, the DaemonState index and the active modules.

import type { Logger } from '../common/log.js';
import type { OptionTable } from '../common/options.js';
import type { CommandResult } from '../common/errno.js';
import type { Keyring } from '../protocol/keyring.js';
import type { CommandMsg, CommandReplyMsg } from '../protocol/messages.js';
import { DaemonServer, type CommandCaller } from '../server/daemon-server.js';
import { optionLimits } from '../server/wire-limits.js';
import { ClusterState } from '../state/cluster-state.js';
import { DaemonStateIndex } from '../state/daemon-state.js';
import { ModuleRegistry } from '../registry/module-registry.js';
import type { NotifyType, MgrdStats } from '../mgr-module/types.js';
import { ClusterViewsImpl } from './cluster-views.js';
import type { MapStore } from './map-store.js';
import { addrVec } from './mgr-map.js';
import type { MgrMap } from '../mgr-module/mgr-map-types.js';
import { CommandDispatcher } from '../commands/dispatcher.js';
import { splitHostPort } from '../client/mgr-client.js';
import { Throttle } from '../common/throttle.js';
import { runningModules } from '../common/always-on.js';

export interface MgrOptions {
  id: string;
  gid: number;
  store: MapStore;
  options: OptionTable;
  keyring: Keyring;
  daemonAddr: string;
  /** The host clients reach this manager at when it listens on a wildcard address. */
  publicAddr?: string;
  modulePaths: string[];
  log: Logger;
  /** Process-level hooks the standby provides (publish service, mgr metadata...). */
  mgrMetadata: () => Record<string, string>;
  /** Times this process became active. */
  failovers?: () => number;
  /** Called once the daemon listener is bound (before modules start): daemons may connect from now on. */
  onListening?: () => void;
}

/** How long `available` waits for modules' serve() to return (a module looping inside serve never does). */
const MODULES_START_WAIT_MS = 5000;

export class Mgr {
  // At scale health's per-PG checks complete in the background after a tick: their status change notifies too.
  readonly cluster = new ClusterState({
    onHealthScan: () => this.noteHealth(),
    onHealthScanError: (err) => this.log.error({ err: err instanceof Error ? err.stack : String(err) }, 'health scan failed'),
  });
  readonly daemons = new DaemonStateIndex();
  readonly server: DaemonServer;
  readonly registry: ModuleRegistry;
  readonly views: ClusterViewsImpl;
  readonly commands: CommandDispatcher;
  private tickTimer: NodeJS.Timeout | undefined;
  private unsubscribeOptions: (() => void) | undefined;
  private stopped = false;
  /**
   * Set while start() binds the daemon listener and loads the modules. The admin
   * API (and, once bound, the daemon listener) can take a command meanwhile; it
   * waits for this, or `mgr module enable` would answer ENOENT for a module that
   * exists but is not loaded yet.
   */
  private loading: Promise<void> | undefined;
  private selfMetadata: Record<string, string> | undefined;
  private lastManagerAddrs = '';
  /** managerAddrs() as of the last map (undefined: not read yet). */
  private addrsCache: string[] | undefined;
  /** Health status and checks as of the last look (tick or completed health scan): a change notifies 'health'. */
  private healthKey = 'HEALTH_OK';
  private readonly log: Logger;
  /**
   * 'health' notifications from module and registry checks, at most one per
   * tick period: a module whose notify throws on 'health' (a fault changes
   * MGR_MODULE_ERROR) or that rewrites its own checks on each 'health' would
   * otherwise feed itself notifications without bound (issue 8 item 2).
   */
  private readonly healthNotify = new Throttle(() => this.notifyAll('health', ''), () => this.opts.options.num('mgr_tick_period') * 1000);

  constructor(private readonly opts: MgrOptions) {
    this.log = opts.log.child({ part: 'mgr' });
    const [host, port] = splitHostPort(opts.daemonAddr);
    const o = opts.options;
    this.views = new ClusterViewsImpl({
      cluster: this.cluster,
      daemons: this.daemons,
      mgrMap: () => opts.store.current(),
      mgrOptions: o,
      mgrdStats: () => this.mgrdStats(),
      config: () => Object.fromEntries(o.allSpecs().map((s) => [s.name, String(o.get(s.name))])),
      mgrIps: () => [this.publicHost()],
      self: () => ({ id: opts.id, metadata: this.selfMetadata ??= opts.mgrMetadata() }),
      mgrMetadata: (id) => opts.store.metadata(id),
      kvList: (prefix) => opts.store.kvList(prefix),
    });
    this.registry = new ModuleRegistry({
      mode: 'active',
      mgrId: opts.id,
      log: opts.log,
      store: opts.store,
      mgrOptions: o,
      views: this.views,
      setHealth: (owner, checks) => {
        if (this.cluster.setOwnerChecks(owner, checks) && !this.stopped) this.healthNotify.request();
      },
      publishService: async (module, uri) => {
        await opts.store.update((m) => {
          m.services[module] = uri;
        });
      },
      activeServices: () => opts.store.current().services,
      runCommand: (caller, req) => this.runCommand(caller, req),
    });
    this.commands = new CommandDispatcher({
      cluster: this.cluster,
      stats: () => this.mgrdStats(),
      reportTimeBuckets: () => this.server.stats.reportTimeBuckets,
      store: opts.store,
      options: o,
      registry: this.registry,
      log: opts.log.child({ part: 'commands' }),
      mgrMetadata: opts.mgrMetadata,
      daemons: () => this.daemons.values(),
      source: { commands: () => this.server.sourceCommands.commands(), forward: (cmd, inbuf) => this.server.sourceCommands.forward(cmd, inbuf) },
    });
    this.server = new DaemonServer({
      host,
      port: Number(port),
      mgrName: opts.id,
      keyring: opts.keyring,
      daemons: this.daemons,
      cluster: this.cluster,
      notify: (type, id) => this.notifyAll(type as NotifyType, id),
      commands: (caller, msg) => this.runCommandMsg(caller, msg),
      limits: optionLimits(o),
      monCommandTimeoutMs: () => o.num('mgr_mon_command_timeout_s') * 1000,
      configure: () => ({ stats_period_s: o.num('mgr_stats_period'), stats_threshold: o.num('mgr_stats_threshold'), mgrs: this.configuredAddrs() }),
      log: opts.log.child({ part: 'daemon-server' }),
    });
  }

  /** `afterLoad` runs once modules are loaded and before any starts (boot-time option overrides). */
  async start(afterLoad?: (registry: ModuleRegistry) => void): Promise<void> {
    let loaded!: () => void;
    this.loading = new Promise<void>((resolve) => (loaded = resolve));
    try {
      try {
        await this.server.start();
      } catch (err) {
        throw new Error(`cannot listen for daemons on ${this.opts.daemonAddr} (--daemon-addr): ${err instanceof Error ? err.message : String(err)}`);
      }
      this.opts.onListening?.();
      await this.registry.load(this.opts.modulePaths);
      afterLoad?.(this.registry);
    } finally {
      this.loading = undefined;
      loaded();
    }
    const o = this.opts.options;
    this.unsubscribeOptions = o.onChange((name) => {
      if (name === 'mgr_stats_period' || name === 'mgr_stats_threshold') this.server.reconfigure();
      if (name === 'mgr_tick_period') this.scheduleTick();
    });
    await this.registry.apply(runningModules(this.opts.store.current()));
    // Available only once the modules are up: a scrape or a client that follows the map finds them serving.
    await this.registry.whenServing(MODULES_START_WAIT_MS);
    if (this.stopped) return;
    const addr = `${this.publicHost()}:${this.server.address().port}`;
    await this.opts.store.update((m) => {
      m.available_modules = this.registry.availableModules();
      m.active_addr = `${addr}/${this.opts.gid}`;
      m.active_addrs = addrVec(addr, this.opts.gid);
      m.available = true;
    });
    this.scheduleTick();
    this.log.info({ daemonAddr: this.server.address() }, 'active');
  }

  /** Where clients reach this manager: --public-addr, else the bound host (loopback for a wildcard). */
  publicHost(): string {
    const [host] = splitHostPort(this.opts.daemonAddr);
    if (this.opts.publicAddr) return this.opts.publicAddr;
    return host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
  }

  /** Where clients reconnect after a failover: this manager, then the standbys (CONFIGURE's mgrs). */
  /**
   * What CONFIGURE names: managerAddrs() as of the last map. Every daemon's OPEN is answered with it, and
   * reading the map copies it whole: 10,000 OPENs at start-up spent seconds in those copies.
   */
  private configuredAddrs(): string[] {
    this.addrsCache ??= this.managerAddrs();
    return this.addrsCache;
  }

  private managerAddrs(): string[] {
    const m = this.opts.store.current();
    const addrs = [`${this.publicHost()}:${this.server.address().port}`];
    for (const s of m.standbys) {
      const a = s.addrs?.addrvec[0]?.addr;
      if (a && !a.endsWith(':0') && !addrs.includes(a)) addrs.push(a);
    }
    return addrs;
  }

  /** Applies a new MgrMap while active: enabled modules may have changed. */
  async onMap(map: MgrMap): Promise<void> {
    if (this.stopped) return;
    this.addrsCache = this.managerAddrs();
    const addrs = JSON.stringify(this.addrsCache);
    if (addrs !== this.lastManagerAddrs) {
      this.lastManagerAddrs = addrs;
      this.server.reconfigure(); // daemons learn the standbys they may fail over to
    }
    await this.registry.apply(runningModules(map));
    this.notifyAll('mgr_map', '');
  }

  private scheduleTick(): void {
    clearInterval(this.tickTimer);
    const ms = this.opts.options.num('mgr_tick_period') * 1000;
    this.tickTimer = setInterval(() => this.tick(), ms);
  }

  /**
   * The periodic step: PG rates and views, then pg_summary and health
   * notifications. In a large cluster it only starts the per-PG health scan,
   * which runs in slices afterwards (ClusterState).
   */
  tick(): void {
    try {
      if (this.cluster.tick(Date.now() / 1000)) this.notifyAll('pg_summary', '');
      this.server.prune();
      // The wire limits' check joins the others; a status change notifies through noteHealth.
      this.cluster.setOwnerChecks('mgr.wire', this.server.limitHits.healthChecks());
      this.noteHealth();
    } catch (err) {
      this.log.error({ err: err instanceof Error ? err.stack : String(err) }, 'tick failed');
    }
  }

  /** Notifies 'health' when the status or the checks raised (names, severities) moved since the last look. */
  private noteHealth(): void {
    if (this.stopped) return;
    try {
      const h = this.cluster.health();
      let key: string = h.status;
      for (const [name, c] of Object.entries(h.checks)) key += `,${name}=${c.severity}`;
      if (key !== this.healthKey) this.notifyAll('health', '');
      this.healthKey = key;
    } catch (err) {
      this.log.error({ err: err instanceof Error ? err.stack : String(err) }, 'health failed');
    }
  }

  notifyAll(type: NotifyType, id: string): void {
    this.registry.notifyAll(type, id);
  }

  /** Tears the active side down: sessions, modules, timers. */
  async stop(reason: string): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.tickTimer);
    this.healthNotify.dispose();
    this.unsubscribeOptions?.();
    await this.server.stop(reason);
    await this.registry.stopAll();
    this.cluster.dispose();
    this.log.info({ reason }, 'active side stopped');
  }

  async runCommand(caller: CommandCaller, req: { argv?: string[]; cmd?: Record<string, unknown>; inbuf?: string }): Promise<CommandResult> {
    if (this.loading !== undefined) await this.loading;
    return this.commands.dispatch(caller, req);
  }

  private async runCommandMsg(caller: CommandCaller, msg: CommandMsg): Promise<CommandReplyMsg> {
    const r = await this.runCommand(caller, msg);
    return { tid: msg.tid, ...r };
  }

  /** Managers in the map: this one active, the standbys not. */
  private managers(): Array<{ id: string; active: boolean }> {
    const m = this.opts.store.current();
    return [{ id: this.opts.id, active: !this.stopped && this.opts.store.isLeader() }, ...m.standbys.map((s) => ({ id: s.name, active: false }))];
  }

  mgrdStats(): MgrdStats {
    const s = this.server.stats;
    return {
      sessions: this.server.sessionCount,
      sessionsAccepted: s.accepted,
      sessionsRefused: s.refused,
      sessionErrors: Object.fromEntries(s.errors),
      sessionsAuthenticating: this.server.preauthCount,
      wireLimitHits: this.server.limitHits.totals(),
      reports: s.reports,
      valuesIngested: s.values,
      bytesIngested: s.bytes,
      pgStatsMessages: s.pgStats,
      mapMessages: s.maps,
      commands: s.commands,
      reportTimeSumMs: s.reportTimeSumMs,
      reportTimeMaxMs: s.reportTimeMaxMs,
      reportTimeP50Ms: s.reportTimeQuantileMs(0.5),
      reportTimeP99Ms: s.reportTimeQuantileMs(0.99),
      daemons: this.daemons.size,
      daemonsPruned: s.daemonsPruned,
      modules: this.registry.stats(),
      failovers: this.opts.failovers?.() ?? 0,
      managers: this.managers(),
    };
  }
}
