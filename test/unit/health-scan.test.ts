// The per-PG health checks of a large cluster run as a sliced background scan
// (ClusterState, HealthScanJob). These tests force that mode on a small
// simulated cluster and compare it with the synchronous computation: same
// checks, served in slices that let other work run, never starved by ticks.

import { describe, expect, test } from 'vitest';
import { ClusterState } from '../../src/state/cluster-state.js';
import { SimCluster } from '../../src/sim/model/sim-cluster.js';
import type { HealthCheckMap } from '../../src/state/health-types.js';

const T0 = 1_800_000_000;
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** The same simulated cluster fed into a sliced and a synchronous ClusterState. */
function pair(sliceMs = 5) {
  const sim = new SimCluster({ osds: 24, seed: 7, startS: T0, backgroundScrub: false });
  let scansDone = 0;
  const sliced = new ClusterState({ healthScanMinPgs: 1, healthScanSliceMs: sliceMs, onHealthScan: () => scansDone++ });
  const sync = new ClusterState({ healthScanMinPgs: Number.MAX_SAFE_INTEGER });
  let now = T0;
  const step = (dt = 5): void => {
    now += dt;
    sim.advance(now);
    const maps = sim.maps();
    for (const cs of [sliced, sync]) cs.applyMap(maps);
    for (let osd = 0; osd < 24; osd++) {
      const msg = sim.pgStats(osd, now);
      if (!msg) continue;
      sliced.applyPgStats(msg, now);
      sync.applyPgStats(structuredClone(msg), now);
    }
    sliced.tick(now);
    sync.tick(now);
  };
  return { sim, sliced, sync, step, scans: () => scansDone };
}

const codes = (h: HealthCheckMap): string[] => Object.keys(h).sort();

async function scanned(cs: ClusterState): Promise<void> {
  for (let i = 0; i < 10_000 && cs.healthScanStats.running; i++) await turn();
  expect(cs.healthScanStats.running).toBe(false);
}

describe('sliced health scan', () => {
  test('gives the checks the synchronous computation gives, healthy and degraded', async () => {
    const { sim, sliced, sync, step, scans } = pair();
    for (let i = 0; i < 3; i++) step();
    expect(sliced.pgMap.numPgs).toBeGreaterThan(100);
    await scanned(sliced);
    expect(scans()).toBeGreaterThan(0);
    expect(sliced.healthScanStats.runs).toBeGreaterThan(0);
    expect(sliced.health().checks).toEqual(sync.health().checks);

    sim.killOsd(3);
    step();
    step();
    await scanned(sliced);
    const want = sync.health();
    expect(codes(want.checks)).toEqual(expect.arrayContaining(['OSD_DOWN', 'PG_DEGRADED']));
    expect(sliced.health()).toEqual(want);
  });

  test('a scan yields to other work between slices', async () => {
    const { sliced, step } = pair(0); // budget 0: a slice ends at its first look at the clock
    for (let i = 0; i < 3; i++) step();
    await scanned(sliced);
    const before = sliced.healthScanStats.slices;
    step();
    expect(sliced.healthScanStats.running).toBe(true);
    // Other work in the same queue the scan's slices use: it must get turns before the scan completes.
    let otherWork = 0;
    let runsAtOther = -1;
    const other = (): void => {
      otherWork++;
      if (sliced.healthScanStats.running) setImmediate(other);
      else runsAtOther = otherWork;
    };
    setImmediate(other);
    await scanned(sliced);
    const slices = sliced.healthScanStats.slices - before;
    expect(slices).toBeGreaterThan(1); // 256 PGs per look at the clock: several slices
    expect(otherWork).toBeGreaterThan(1); // ran between slices, not only after the scan
    expect(runsAtOther).toBe(otherWork);
  });

  test('ticks faster than a scan restart it once, then queue: results still arrive', async () => {
    const { sliced, sync, step } = pair(0);
    for (let i = 0; i < 3; i++) step();
    await scanned(sliced);
    const runs = sliced.healthScanStats.runs;
    for (let i = 0; i < 5; i++) step(1); // each tick starts a scan while one is running
    expect(sliced.healthScanStats.restarts).toBeGreaterThan(0);
    await scanned(sliced);
    expect(sliced.healthScanStats.runs).toBeGreaterThan(runs);
    expect(sliced.health().checks).toEqual(sync.health().checks);
  });

  test('health() before any scan completed computes one in place', () => {
    const { sliced, sync, step } = pair();
    for (let i = 0; i < 3; i++) step();
    // No turn of the event loop yet: no background scan has completed.
    expect(sliced.healthScanStats.runs).toBe(0);
    expect(sliced.health().checks).toEqual(sync.health().checks);
  });

  test('dispose stops a running scan', async () => {
    const { sliced, step } = pair(0);
    for (let i = 0; i < 3; i++) step();
    expect(sliced.healthScanStats.running).toBe(true);
    sliced.dispose();
    expect(sliced.healthScanStats.running).toBe(false);
    const runs = sliced.healthScanStats.runs;
    for (let i = 0; i < 5; i++) await turn();
    expect(sliced.healthScanStats.runs).toBe(runs);
  });
});
