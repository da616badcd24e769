// A manager for benchmarks, in this process: a MgrStandby over a local map
// store in a temp dir, every listener on 127.0.0.1 port 0, modules loaded from
// the compiled tree next to this file (bench/out/...), options from the caller.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../src/common/log.js';
import { MGR_OPTIONS } from '../../src/common/mgr-options.js';
import { OptionTable } from '../../src/common/options.js';
import { LocalMapStore } from '../../src/mgr/map-store-local.js';
import { MgrStandby } from '../../src/mgr/mgr-standby.js';
import type { Mgr } from '../../src/mgr/mgr.js';
import { defaultKeyring, type Keyring } from '../../src/protocol/keyring.js';
import type { Module } from '../../exporters/prometheus/module.js';

export interface BenchMgr {
  readonly mgr: Mgr;
  readonly keyring: Keyring;
  readonly daemonAddr: string;
  readonly dir: string;
  /** The running prometheus module (active side). */
  prometheus(): Module;
  /** Another running module's instance. */
  module<T>(name: string): T;
  stop(): Promise<void>;
}

export async function startBenchMgr(opts: {
  set?: Record<string, string | number>;
  prometheus?: Record<string, string>;
  /** Modules enabled (default: prometheus). */
  modules?: string[];
  /** Options of other modules, e.g. { zabbix: { zabbix_host: '127.0.0.1:10051' } }. */
  moduleOptions?: Record<string, Record<string, string>>;
  /** Module folders under the compiled tree (default: exporters). */
  modulePaths?: string[];
}): Promise<BenchMgr> {
  const dir = mkdtempSync(join(tmpdir(), 'mgrd-bench-'));
  const options = new OptionTable(MGR_OPTIONS);
  for (const [k, v] of Object.entries(opts.set ?? {})) options.set(k, v);
  const store = await LocalMapStore.open(dir);
  await store.update((m) => {
    m.modules = opts.modules ?? ['prometheus'];
  });
  const keyring = defaultKeyring();
  const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
  const standby = new MgrStandby({
    id: 'x', store, options, keyring,
    daemonAddr: '127.0.0.1:0', adminAddr: '127.0.0.1:0', adminToken: 'bench',
    modulePaths: (opts.modulePaths ?? ['exporters']).map((d) => join(root, d)),
    moduleOverrides: [
      ...Object.entries({ server_addr: '127.0.0.1', server_port: '0', ...opts.prometheus }).map(([option, value]) => ({ module: 'prometheus', option, value })),
      ...Object.entries(opts.moduleOptions ?? {}).flatMap(([module, o]) => Object.entries(o).map(([option, value]) => ({ module, option, value }))),
    ],
    log: silentLogger(),
  });
  await standby.start();
  const mgr = await standby.whenActive();
  const port = mgr.server.address().port;
  return {
    mgr, keyring, dir, daemonAddr: `127.0.0.1:${port}`,
    prometheus: () => {
      const m = mgr.registry.get('prometheus')?.instance as Module | undefined;
      if (m === undefined) throw new Error('the prometheus module is not running');
      return m;
    },
    module: <T>(name: string): T => {
      const m = mgr.registry.get(name)?.instance;
      if (m === undefined) throw new Error(`the ${name} module is not running`);
      return m as T;
    },
    stop: async () => {
      await standby.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
