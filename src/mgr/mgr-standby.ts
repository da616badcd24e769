// MgrStandby: what every `mgrd run` process is. It joins the MgrMap, runs
// standby modules while another manager is active, builds a Mgr when the map
// names it active (and the store says it leads), and tears that Mgr down
// completely when the map stops naming it — then resigns, so leadership passes
// on only once nothing of the old active serves. Map transitions are applied
// one at a time, in order.

import { randomInt } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../common/log.js';
import type { OptionTable, OptionValue } from '../common/options.js';
import type { Keyring } from '../protocol/keyring.js';
import { ModuleRegistry } from '../registry/module-registry.js';
import { NotLeaderError, type MapStore } from './map-store.js';
import type { MgrCandidate } from './mgr-map.js';
import type { MgrMap } from '../mgr-module/mgr-map-types.js';
import { Mgr } from './mgr.js';
import { mgrMetadata } from './mgr-metadata.js';
import { runningModules } from '../common/always-on.js';
import { AdminServer } from '../admin/admin-server.js';

/** On one host a standby's wanted ports are held by the active: it tries this many next ones. */
export const PORT_FALLBACKS = 16;

export interface StandbyOptions {
  id: string;
  store: MapStore;
  options: OptionTable;
  keyring: Keyring;
  daemonAddr: string;
  adminAddr: string;
  adminToken: string;
  modulePaths: string[];
  /** Module option overrides from --set (validated when modules load). */
  moduleOverrides: Array<{ module: string; option: string; value: string }>;
  log: Logger;
  /** The host clients reach this manager at when it listens on a wildcard address (--public-addr). */
  publicAddr?: string;
  /** This process cannot go on (named active but could not start; the store failed): the caller exits non-zero. */
  onFatal?: (err: Error) => void;
}

export interface MgrRole {
  id: string;
  active: boolean;
  activeName: string;
  epoch: number;
  daemonAddr: string;
  available: boolean;
}

export class MgrStandby {
  readonly gid = randomInt(1, 2 ** 31);
  private mgr: Mgr | undefined;
  private readonly standbyModules: ModuleRegistry;
  private readonly admin: AdminServer;
  private transitions: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;
  private stopping = false;
  private readonly log: Logger;
  /** Settled when this process next becomes active, or fails to (tests, the embedded simulator). */
  private activeWaiters: Array<{ resolve: (mgr: Mgr) => void; reject: (err: Error) => void }> = [];
  /** Why the last attempt to become active failed (cleared by the next success). */
  private activationError: Error | undefined;
  private readonly standbyServices: Record<string, string> = {};
  private readonly roleListeners: Array<(active: boolean) => void> = [];
  private readonly listeningListeners: Array<() => void> = [];
  /** Times this process became active (mgrd_mgr_failovers_total). */
  failovers = 0;

  constructor(private readonly opts: StandbyOptions) {
    this.log = opts.log.child({ mgr: opts.id });
    this.standbyModules = new ModuleRegistry({
      mode: 'standby',
      mgrId: opts.id,
      log: opts.log,
      store: opts.store,
      mgrOptions: opts.options,
      views: undefined,
      setHealth: () => undefined, // a standby has no cluster health to raise into
      publishService: (module, uri) => {
        this.standbyServices[module] = uri;
        return opts.store.setServices(this.standbyServices);
      },
      activeServices: () => opts.store.current().services,
    });
    this.admin = new AdminServer({
      addr: opts.adminAddr,
      token: opts.adminToken,
      log: opts.log.child({ part: 'admin' }),
      role: () => this.role(),
      runCommand: (cmd) => {
        const mgr = this.serving();
        if (!mgr) return undefined;
        return mgr.runCommand({ entity: 'client.admin', read: true, write: true }, { cmd });
      },
      health: () => this.serving()?.cluster.health(),
    });
  }

  /** The active side being built or serving (the listener hooks read it before `active` is set). */
  get activeSide(): Mgr | undefined {
    return this.mgr;
  }

  /** The active side, while this process may serve as active. */
  get active(): Mgr | undefined {
    return this.serving();
  }

  private serving(): Mgr | undefined {
    return this.mgr !== undefined && this.opts.store.isLeader() ? this.mgr : undefined;
  }

  role(): MgrRole {
    const m = this.opts.store.current();
    return {
      id: this.opts.id, active: this.serving() !== undefined, activeName: m.active_name, epoch: m.epoch,
      daemonAddr: m.active_addr.replace(/\/\d+$/, ''), available: m.available,
    };
  }

  /** Called each time this process, becoming active, has bound its daemon listener (before its modules start). */
  onDaemonListening(listener: () => void): void {
    this.listeningListeners.push(listener);
  }

  /** Called with true each time this process becomes active, false when it stops being so. */
  onRole(listener: (active: boolean) => void): void {
    this.roleListeners.push(listener);
  }

  /** What a standby module of this process registered (its standby page). */
  standbyService(module: string): string | undefined {
    return this.standbyServices[module];
  }

  adminAddress(): { host: string; port: number } {
    return this.admin.address();
  }

  /** The bound daemon address of the active side (port 0 resolved). */
  daemonAddress(): { host: string; port: number } | undefined {
    return this.serving()?.server.address();
  }

  async start(): Promise<void> {
    const store = this.opts.store;
    // On one host (the local store) a standby's wanted ports are the active's: it takes the next
    // free ones, and the wanted ones when it becomes active.
    await this.admin.start(this.sharesHostWithActive() ? PORT_FALLBACKS : 0);
    await this.standbyModules.load(this.opts.modulePaths);
    this.applyOverrides(this.standbyModules);
    this.unsubscribe = store.onMap((map) => this.enqueue(map));
    store.onFatal((err) => this.fatal(err));
    await store.join(this.candidate());
    await this.transitions;
  }

  private sharesHostWithActive(): boolean {
    return this.opts.store.kind === 'local' && !this.opts.store.isLeader();
  }

  private candidate(): MgrCandidate {
    const a = this.admin.address();
    return {
      name: this.opts.id, gid: this.gid, daemonAddr: this.advertised(this.opts.daemonAddr), adminAddr: `${a.host}:${a.port}`,
      availableModules: this.standbyModules.availableModules(), metadata: mgrMetadata(this.opts.daemonAddr, this.gid),
      services: { ...this.standbyServices },
    };
  }

  /** host:port others reach `addr` at: --public-addr (or loopback) for a wildcard host. */
  private advertised(addr: string): string {
    const m = /^(.*):(\d+)$/.exec(addr);
    if (!m) return addr;
    const host = m[1]!.replace(/^\[|\]$/g, '');
    const wildcard = host === '0.0.0.0' || host === '::' || host === '';
    return `${wildcard ? this.opts.publicAddr ?? '127.0.0.1' : m[1]}:${m[2]}`;
  }

  /** Resolves when this process is the active manager; rejects if it was named active and could not start. */
  whenActive(): Promise<Mgr> {
    const serving = this.serving();
    if (serving) return Promise.resolve(serving);
    if (this.activationError) return Promise.reject(this.activationError);
    return new Promise((resolve, reject) => this.activeWaiters.push({ resolve, reject }));
  }

  private applyOverrides(registry: ModuleRegistry): void {
    for (const o of this.opts.moduleOverrides) {
      const e = registry.get(o.module);
      if (!e) throw new Error(`--set mgr/${o.module}/${o.option}: no module '${o.module}'`);
      if (!e.options.has(o.option)) throw new Error(`--set mgr/${o.module}/${o.option}: module ${o.module} has no option '${o.option}'`);
      e.options.set(o.option, o.value);
    }
  }

  private enqueue(map: MgrMap): void {
    this.transitions = this.transitions
      .then(() => this.apply(map))
      .catch((err: unknown) => this.log.error({ err: err instanceof Error ? err.stack : String(err) }, 'map transition failed'));
  }

  private async apply(map: MgrMap): Promise<void> {
    if (this.stopping) return;
    const store = this.opts.store;
    const named = map.active_name === this.opts.id && map.active_gid === this.gid;
    if (named && !this.mgr) {
      if (store.isLeader()) await this.activate();
      return;
    }
    if (named && this.mgr) {
      await this.mgr.onMap(map);
      return;
    }
    if (this.mgr) await this.deactivate(map);
    // Named no more (mgr fail, a lease in doubt): pass leadership on, now that nothing of ours serves
    // (a store that does not lead has nothing to give up).
    await store.resign();
    // Standby modules start once an active is available: on one host its ports are bound by then, and ours move aside.
    if (map.available && map.active_name !== '') await this.standbyModules.apply(runningModules(map));
  }

  private async activate(): Promise<void> {
    await this.standbyModules.stopAll();
    await this.admin.moveTo(0, 0).catch((err: unknown) => {
      this.log.error(`admin API stays on ${JSON.stringify(this.admin.address())}: ${err instanceof Error ? err.message : String(err)}`);
    });
    const mgr = new Mgr({
      id: this.opts.id,
      gid: this.gid,
      store: this.opts.store,
      options: this.opts.options,
      keyring: this.opts.keyring,
      daemonAddr: this.opts.daemonAddr,
      publicAddr: this.opts.publicAddr,
      modulePaths: this.opts.modulePaths,
      log: this.opts.log,
      mgrMetadata: () => mgrMetadata(this.opts.daemonAddr, this.gid),
      failovers: () => this.failovers,
      onListening: () => {
        for (const l of this.listeningListeners) l();
      },
    });
    this.mgr = mgr;
    this.failovers++;
    try {
      await mgr.start((registry) => this.applyOverrides(registry));
    } catch (err) {
      this.failovers--;
      this.mgr = undefined;
      await mgr.stop('failed to start');
      for (const l of this.roleListeners) l(false);
      const e = err instanceof Error ? err : new Error(String(err));
      if (e instanceof NotLeaderError) {
        // Leadership lost while starting (a lease in doubt): a standby again, nothing fatal.
        this.log.warn(`gave up becoming active: ${e.message}`);
        return;
      }
      this.activationError = e;
      this.log.error(`cannot become active: ${e.message}`);
      const waiting = this.activeWaiters.splice(0);
      for (const w of waiting) w.reject(e);
      if (waiting.length === 0) this.fatal(e);
      return;
    }
    this.activationError = undefined;
    for (const w of this.activeWaiters.splice(0)) w.resolve(mgr);
    for (const l of this.roleListeners) l(true);
  }

  private async deactivate(map: MgrMap): Promise<void> {
    const mgr = this.mgr!;
    this.mgr = undefined;
    this.log.warn({ active: map.active_name || '(none)', epoch: map.epoch }, 'no longer active: tearing down');
    for (const l of this.roleListeners) l(false);
    await mgr.stop('lost the active role');
    // On one host the next active wants the admin port we took: step aside.
    if (this.opts.store.kind === 'local') {
      await this.admin.moveTo(1, PORT_FALLBACKS).catch((err: unknown) => this.log.error(String(err)));
    }
  }

  private fatal(err: Error): void {
    if (this.stopping) return;
    if (this.opts.onFatal) this.opts.onFatal(err);
    else this.log.error(`fatal: ${err.message}`);
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.unsubscribe?.();
    await this.transitions;
    if (this.mgr) {
      const mgr = this.mgr;
      this.mgr = undefined;
      for (const l of this.roleListeners) l(false);
      await mgr.stop('mgr shutting down');
    }
    await this.standbyModules.stopAll();
    await this.opts.store.leave();
    await this.opts.store.close();
    await this.admin.stop();
  }
}

export function defaultMgrId(): string {
  return hostname().split('.')[0]!.replace(/[^A-Za-z0-9_-]/g, '-') || 'x';
}

export type { OptionValue };
