// MgrStandby: what every `mgrd run` process is. It joins the MgrMap, runs
// standby modules while another manager is active, builds a Mgr when the map
// names it active, and tears that Mgr down completely when the map stops
// naming it. Map transitions are applied one at a time, in order.

import { randomInt } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../common/log.js';
import type { OptionTable, OptionValue } from '../common/options.js';
import type { Keyring } from '../protocol/keyring.js';
import { ModuleRegistry } from '../registry/module-registry.js';
import type { MapStore } from './map-store.js';
import type { MgrMap } from './mgr-map.js';
import { Mgr } from './mgr.js';
import { mgrMetadata } from './mgr-metadata.js';
import { AdminServer } from '../admin/admin-server.js';

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
      publishService: () => Promise.resolve(),
      activeServices: () => opts.store.current().services,
    });
    this.admin = new AdminServer({
      addr: opts.adminAddr,
      token: opts.adminToken,
      log: opts.log.child({ part: 'admin' }),
      role: () => this.role(),
      runCommand: (cmd) => {
        const mgr = this.mgr;
        if (!mgr) return undefined;
        return mgr.runCommand({ entity: 'client.admin', read: true, write: true }, { cmd });
      },
      health: () => (this.mgr ? this.mgr.cluster.health() : undefined),
    });
  }

  get active(): Mgr | undefined {
    return this.mgr;
  }

  role(): { id: string; active: boolean; activeName: string; epoch: number; daemonAddr: string } {
    const m = this.opts.store.current();
    return { id: this.opts.id, active: this.mgr !== undefined, activeName: m.active_name, epoch: m.epoch, daemonAddr: m.active_addr.replace(/\/\d+$/, '') };
  }

  adminAddress(): { host: string; port: number } {
    return this.admin.address();
  }

  /** The bound daemon address of the active side (port 0 resolved). */
  daemonAddress(): { host: string; port: number } | undefined {
    return this.mgr?.server.address();
  }

  async start(): Promise<void> {
    await this.admin.start();
    await this.standbyModules.load(this.opts.modulePaths);
    this.applyOverrides(this.standbyModules);
    this.unsubscribe = this.opts.store.onMap((map) => this.enqueue(map));
    await this.opts.store.join({
      name: this.opts.id,
      gid: this.gid,
      daemonAddr: this.opts.daemonAddr,
      adminAddr: this.opts.adminAddr,
      availableModules: this.standbyModules.availableModules(),
    });
    await this.transitions;
  }

  /** Resolves when this process is the active manager; rejects if it was named active and could not start. */
  whenActive(): Promise<Mgr> {
    if (this.mgr) return Promise.resolve(this.mgr);
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
    const mine = map.active_name === this.opts.id && map.active_gid === this.gid;
    if (mine && !this.mgr) {
      await this.standbyModules.stopAll();
      const mgr = new Mgr({
        id: this.opts.id,
        gid: this.gid,
        store: this.opts.store,
        options: this.opts.options,
        keyring: this.opts.keyring,
        daemonAddr: this.opts.daemonAddr,
        modulePaths: this.opts.modulePaths,
        log: this.opts.log,
        mgrMetadata: () => mgrMetadata(this.opts.daemonAddr, this.gid),
      });
      this.mgr = mgr;
      try {
        await mgr.start((registry) => this.applyOverrides(registry));
      } catch (err) {
        this.mgr = undefined;
        await mgr.stop('failed to start');
        const e = err instanceof Error ? err : new Error(String(err));
        this.activationError = e;
        this.log.error(`cannot become active: ${e.message}`);
        for (const w of this.activeWaiters.splice(0)) w.reject(e);
        return;
      }
      this.activationError = undefined;
      for (const w of this.activeWaiters.splice(0)) w.resolve(mgr);
    } else if (mine && this.mgr) {
      await this.mgr.onMap(map);
    } else {
      if (this.mgr) {
        const mgr = this.mgr;
        this.mgr = undefined;
        this.log.warn({ active: map.active_name || '(none)', epoch: map.epoch }, 'no longer active: tearing down');
        await mgr.stop('lost the active role');
      }
      await this.standbyModules.apply(map.modules);
    }
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.unsubscribe?.();
    await this.transitions;
    if (this.mgr) {
      const mgr = this.mgr;
      this.mgr = undefined;
      await mgr.stop('mgr shutting down');
    }
    await this.standbyModules.stopAll();
    await this.opts.store.leave();
    await this.admin.stop();
    await this.opts.store.close();
  }
}

export function defaultMgrId(): string {
  return hostname().split('.')[0]!.replace(/[^A-Za-z0-9_-]/g, '-') || 'x';
}

export type { OptionValue };
