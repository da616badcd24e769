// The first get('df') and get('pg_summary') after start (issues 10 and 17): a
// ClusterState fed in this process from the simulator's model (no network, as
// bench:stall's direct part), then the reads as a module makes them
// (ClusterState.snapshot, frozen), timed: the first of each, then later ones
// after another round of reports and a tick. Each size runs in a fresh
// process (`--one`), so the first read is the process's first at that size.
//
// Run (DF_FIRST_SYNC=1: see below): npx tsc -p bench/tsconfig.json && node --max-semi-space-size=4 bench/out/bench/df-first.js [osds,osds,...=1000,10000,20000] [runs=3]
// Prints one line per (size, run): first df, first pg_summary, max of later ones (ms).

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { ClusterState } from '../src/state/cluster-state.js';
import { SimCluster } from '../src/sim/model/sim-cluster.js';
import { BENCH_OBJECTSTORE } from './lib/bench-objectstore.js';

// DF_FIRST_SYNC=1: no turn between the maps, the reports and the reads, so nothing built ahead runs:
// the first reader builds everything itself (the builders' own cost).
const SYNC = process.env.DF_FIRST_SYNC === '1';
const turn = (): Promise<void> => (SYNC ? Promise.resolve() : new Promise((r) => setImmediate(r)));

async function one(osds: number): Promise<void> {
  const sim = new SimCluster({ osds, seed: 1, objectstore: BENCH_OBJECTSTORE });
  const cs = new ClusterState();
  // Applying the reports (ClusterState.applyPgStats) is timed apart from making them: the df index is
  // kept on every report, and applying one must not get slower.
  const applyMs: number[] = [];
  const feed = (nowS: number): void => {
    sim.advance(nowS);
    const msgs = [];
    for (let osd = 0; osd < osds; osd++) msgs.push(sim.pgStats(osd, nowS));
    const t0 = performance.now();
    for (const msg of msgs) if (msg) cs.applyPgStats(msg, nowS);
    applyMs.push(performance.now() - t0);
  };
  cs.applyMap(sim.maps());
  cs.settle();
  // Whatever the manager does ahead of the first reader runs in the turns between reports and the tick.
  for (let i = 0; i < 20; i++) await turn();
  let now = sim.startS;
  for (let i = 0; i < 2; i++) {
    feed((now += 5));
    cs.tick(now);
    for (let j = 0; j < 20; j++) await turn();
  }
  const m = cs.pgMap;
  const time = (name: string, build: () => unknown): number => {
    const t0 = performance.now();
    cs.snapshot(name, build);
    return performance.now() - t0;
  };
  const df = (): number => time('df', () => m.df(cs.osdMap));
  const sum = (): number => time('pg_summary', () => m.pgSummary());
  const firstDf = df();
  const firstSum = sum();
  let laterDf = 0;
  let laterSum = 0;
  for (let i = 0; i < 3; i++) {
    feed((now += 5));
    cs.tick(now);
    await turn();
    laterDf = Math.max(laterDf, df());
    laterSum = Math.max(laterSum, sum());
  }
  console.log(JSON.stringify({ osds, firstDf, firstSum, laterDf, laterSum, applyMs }));
  cs.dispose();
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--one') return one(Number(args[1]));
  const sizes = (args[0] ?? '1000,10000,20000').split(',').map(Number);
  const runs = Number(args[1] ?? 3);
  const f = (x: number): string => x.toFixed(1).padStart(6);
  console.log(`df-first${SYNC ? ' (sync: nothing built ahead)' : ''}: load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log('  osds | run | first df | first pg_summary | later df (max of 3) | later pg_summary (max of 3) | applying each round of reports (ms)');
  for (const osds of sizes) {
    for (let r = 0; r < runs; r++) {
      const p = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--one', String(osds)], { encoding: 'utf8' });
      if (p.status !== 0) throw new Error(`run failed: ${p.stderr}`);
      const o = JSON.parse(p.stdout.trim().split('\n').pop()!) as { firstDf: number; firstSum: number; laterDf: number; laterSum: number; applyMs: number[] };
      const apply = o.applyMs.map((x) => x.toFixed(0)).join(' ');
      console.log(`${String(osds).padStart(6)} | ${r + 1}   |  ${f(o.firstDf)}  |  ${f(o.firstSum)}          |  ${f(o.laterDf)}             |  ${f(o.laterSum)}   | apply ${apply}`);
    }
  }
  console.log(`load after: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
}

await main();
