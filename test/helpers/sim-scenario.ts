// A test manager fed by a simulated cluster that plays a scenario file
// (docs/simulator.md): the events are written to a temporary JSON file.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { silentLogger } from '../../src/common/log.js';
import type { SimOptions } from '../../src/sim/model/sim-cluster.js';
import { SimRunner } from '../../src/sim/sim-runner.js';
import { startTestMgr, type TestMgr } from './harness.js';

export interface ScenarioCluster {
  t: TestMgr;
  sim: SimRunner;
  stop: () => Promise<void>;
}

export async function startScenarioCluster(o: { osds: number; seed: number; events: readonly object[]; model?: Partial<SimOptions> }): Promise<ScenarioCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'mgrd-scenario-'));
  const scenario = join(dir, 'scenario.json');
  writeFileSync(scenario, JSON.stringify(o.events));
  const t = await startTestMgr({ set: { mgr_stats_period: 0.5, mgr_tick_period: 0.5 } });
  const sim = new SimRunner({ mgrAddr: t.daemonAddr, keyring: t.keyring, osds: o.osds, seed: o.seed, scenario, log: silentLogger(), stepS: 0.5, model: { backgroundScrub: false, ...o.model } });
  const stop = async (): Promise<void> => {
    await sim.stop();
    await t.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await sim.start();
  } catch (err) {
    await stop();
    throw err;
  }
  return { t, sim, stop };
}

/** Starts one for the describe block it is called in (beforeAll), stops it after (afterAll); the getter gives it to tests. */
export function scenarioClusterHooks(o: Parameters<typeof startScenarioCluster>[0], ready?: (c: ScenarioCluster) => Promise<unknown>): () => ScenarioCluster {
  let c: ScenarioCluster | undefined;
  beforeAll(async () => {
    c = await startScenarioCluster(o);
    await ready?.(c);
  }, 90_000);
  afterAll(async () => {
    await c?.stop();
  });
  return () => c!;
}
