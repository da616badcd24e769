// Starts real manager processes-in-a-test: a MgrStandby over a LocalMapStore
// in a temp dir, every listener on 127.0.0.1 port 0.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { packageRoot } from '../../src/common/paths.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, type Logger } from '../../src/common/log.js';
import { MGR_OPTIONS } from '../../src/common/mgr-options.js';
import { OptionTable } from '../../src/common/options.js';
import { MgrClient } from '../../src/client/mgr-client.js';
import { LocalMapStore } from '../../src/mgr/map-store-local.js';
import { MgrStandby } from '../../src/mgr/mgr-standby.js';
import type { Mgr } from '../../src/mgr/mgr.js';
import { defaultKeyring, type Keyring } from '../../src/protocol/keyring.js';
import { defaultModulePaths } from '../../src/registry/module-loader.js';
import { SimRunner, type SimRunnerOptions } from '../../src/sim/sim-runner.js';
import { SimCluster } from '../../src/sim/model/sim-cluster.js';

export interface TestMgr {
  standby: MgrStandby;
  mgr: Mgr;
  keyring: Keyring;
  options: OptionTable;
  store: LocalMapStore;
  dir: string;
  daemonAddr: string;
  adminUrl: string;
  token: string;
  /** An authenticated admin client (client.admin), connected. */
  admin: () => Promise<MgrClient>;
  stop: () => Promise<void>;
}

export interface TestMgrOptions {
  set?: Record<string, string | number>;
  modulePaths?: string[];
  /** Exactly the modules that run (always-on ones included only if named here). */
  modules?: string[];
  moduleOverrides?: Array<{ module: string; option: string; value: string }>;
  log?: Logger;
  dir?: string;
}

export async function startTestMgr(o: TestMgrOptions = {}): Promise<TestMgr> {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'mgrd-test-'));
  const options = new OptionTable(MGR_OPTIONS);
  for (const [k, v] of Object.entries(o.set ?? {})) options.set(k, v);
  const store = await LocalMapStore.open(dir);
  if (o.modules) {
    await store.update((m) => {
      m.modules = o.modules!;
      m.always_on_modules = { pacific: [] };
    });
  }
  const keyring = defaultKeyring();
  const token = 'test-token-' + Math.random().toString(36).slice(2);
  const standby = new MgrStandby({
    id: 'x',
    store,
    options,
    keyring,
    daemonAddr: '127.0.0.1:0',
    adminAddr: '127.0.0.1:0',
    adminToken: token,
    modulePaths: o.modulePaths ?? defaultModulePaths(''),
    // Tests run side by side: the prometheus module takes a free port unless told otherwise.
    moduleOverrides: o.moduleOverrides ?? (o.modulePaths === undefined && existsSync(join(packageRoot(), 'exporters/prometheus/module.ts'))
      ? [{ module: 'prometheus', option: 'server_port', value: '0' }, { module: 'prometheus', option: 'server_addr', value: '127.0.0.1' }]
      : []),
    log: o.log ?? silentLogger(),
  });
  await standby.start();
  const mgr = await standby.whenActive();
  const a = mgr.server.address();
  const daemonAddr = `127.0.0.1:${a.port}`;
  const adm = standby.adminAddress();
  const clients: MgrClient[] = [];
  return {
    standby, mgr, keyring, options, store, dir, daemonAddr, token,
    adminUrl: `http://127.0.0.1:${adm.port}`,
    admin: async () => {
      const c = new MgrClient({ addrs: [daemonAddr], entity: 'client.admin', secret: keyring.lookup('client.admin')!.key, maxAttempts: 3 });
      clients.push(c);
      c.start();
      await c.waitReady(5000);
      return c;
    },
    stop: async () => {
      await Promise.all(clients.map((c) => c.stop()));
      await standby.stop();
      if (!o.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A simulated cluster's maps and one round of PG stats, applied to the manager's state in process, then a tick. */
export function feedSimCluster(t: TestMgr, osds: number, seed: number): void {
  const sim = new SimCluster({ osds, seed });
  const now = Date.now() / 1000;
  t.mgr.cluster.applyMap(sim.maps());
  sim.advance(now);
  for (let osd = 0; osd < osds; osd++) {
    const m = sim.pgStats(osd, now);
    if (m) t.mgr.cluster.applyPgStats(m, now);
  }
  t.mgr.cluster.tick(now);
}

/** Waits until `read()` has moved past `from` and then held still for a second (work that stopped). */
export async function waitStill(read: () => number, from: number, what: string, ms = 60_000): Promise<void> {
  let last = -1;
  await waitFor(async () => {
    const n = read();
    const still = n === last && n > from;
    last = n;
    if (!still) await new Promise((r) => setTimeout(r, 1000));
    return still;
  }, ms, what);
}

/** Polls `check` until it returns a truthy value or `ms` pass. */
export async function waitFor<T>(check: () => T | Promise<T>, ms = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * A test manager whose prometheus module listens on a free loopback port and
 * collects every 0.5 s, fed by a simulated cluster over the wire protocol
 * (0.5 s reports and ticks). Resolves once the module published its URI.
 */
export async function startPrometheusTestCluster(
  sim: Pick<SimRunnerOptions, 'osds' | 'seed' | 'model'>,
): Promise<{ t: TestMgr; sim: SimRunner; url: string }> {
  const t = await startTestMgr({
    set: { mgr_stats_period: 0.5, mgr_tick_period: 0.5 },
    moduleOverrides: [
      { module: 'prometheus', option: 'server_port', value: '0' },
      { module: 'prometheus', option: 'server_addr', value: '127.0.0.1' },
      { module: 'prometheus', option: 'scrape_interval', value: '0.5' },
      // Content tests: on a loaded machine a collection can be late by more than twice 0.5 s, which
      // the default strategy answers with 503. Staleness has its own tests (exporter.test.ts).
      { module: 'prometheus', option: 'stale_cache_strategy', value: 'return' },
    ],
  });
  const runner = new SimRunner({ ...sim, mgrAddr: t.daemonAddr, keyring: t.keyring, log: silentLogger(), stepS: 0.5 });
  try {
    await runner.start();
    const url = await waitFor(() => t.store.current().services.prometheus, 10_000, 'the prometheus service URI');
    return { t, sim: runner, url };
  } catch (err) {
    await runner.stop();
    await t.stop();
    throw err;
  }
}

/**
 * A test manager running only the influx module (pointed at 127.0.0.1:`port`,
 * no intervals of its own: tests start them with `influx send`), fed by a
 * simulated cluster; resolves once the daemons have reported.
 */
export async function startInfluxTestCluster(
  port: number, options: Record<string, string>, sim: Pick<SimRunnerOptions, 'osds' | 'seed'>,
): Promise<{ t: TestMgr; sim: SimRunner }> {
  const t = await startTestMgr({
    modulePaths: [join(packageRoot(), 'exporters')],
    modules: ['influx'],
    set: { mgr_stats_period: 0.5, mgr_tick_period: 0.5 },
    moduleOverrides: Object.entries({ hostname: '127.0.0.1', port: String(port), interval: '86400', ...options })
      .map(([option, value]) => ({ module: 'influx', option, value })),
  });
  const runner = new SimRunner({ ...sim, mgrAddr: t.daemonAddr, keyring: t.keyring, log: silentLogger(), stepS: 0.5 });
  try {
    await runner.start();
    // The maps first: a self-test before them is a module fault, and faults in a row disable the module.
    await waitFor(() => t.mgr.cluster.monMap !== undefined && t.mgr.cluster.osdMap !== undefined, 120_000, 'the cluster maps');
    await waitFor(async () => (await t.mgr.runCommand({ entity: 'client.admin', read: true, write: true }, { argv: ['influx', 'self-test'] })).r === 0, 120_000, 'daemon stats');
    return { t, sim: runner };
  } catch (err) {
    await runner.stop();
    await t.stop();
    throw err;
  }
}
