// The per-PG health checks of a large cluster run as a sliced background scan
// (ClusterState, HealthScanJob). These tests force that mode on a small
// simulated cluster and compare it with the synchronous computation: same
// checks, served in slices that let other work run, never starved by ticks.

import { afterEach, describe, expect, test, vi } from 'vitest';
import { ClusterState } from '../../src/state/cluster-state.js';
import { SimCluster } from '../../src/sim/model/sim-cluster.js';
import { PgHealthScan } from '../../src/state/health-pg.js';
import { HealthScanJob } from '../../src/state/health-scan.js';
import type { HealthCheckMap } from '../../src/mgr-module/health.js';
import type { OsdMap } from '../../src/mgr-module/map-types.js';
import { PGMap, type PgRecord } from '../../src/state/pg-map.js';

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

describe('health as time passes and the PGMap changes under a scan', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  for (const [mode, minPgs] of [['sliced', 1], ['synchronous', Number.MAX_SAFE_INTEGER]] as const) {
    test(`${mode}: with every OSD down and no PG stats coming, PGs turn stuck stale`, async () => {
      const sim = new SimCluster({ osds: 6, seed: 7, startS: T0, backgroundScrub: false });
      const cs = new ClusterState({ healthScanMinPgs: minPgs });
      let now = T0;
      const settle = async (): Promise<void> => {
        cs.settle();
        await turn();
      };
      for (let i = 0; i < 3; i++) {
        now += 5;
        sim.advance(now);
        cs.applyMap(sim.maps());
        for (let osd = 0; osd < 6; osd++) {
          const m = sim.pgStats(osd, now);
          if (m) cs.applyPgStats(m, now);
        }
        cs.tick(now);
        await settle();
      }
      for (let osd = 0; osd < 6; osd++) sim.killOsd(osd);
      now += 5;
      sim.advance(now);
      cs.applyMap(sim.maps());
      cs.tick(now);
      await settle();
      expect(cs.health().checks.PG_AVAILABILITY).toBeUndefined(); // stale, not stuck yet
      // No PG stats from here on: only ticks. Past mon_pg_stuck_threshold (60 s) they are stuck.
      for (let i = 0; i < 20; i++) {
        now += 5;
        cs.tick(now);
        await settle();
      }
      const h = cs.health();
      expect(h.checks.PG_AVAILABILITY?.summary.message).toMatch(/pgs? stale/);
      expect(h.checks.PG_AVAILABILITY!.detail.some((d) => /stuck stale/.test(d.message))).toBe(true);
      cs.dispose();
    });
  }

  test('a walk over the PGs visits each PG once while pools split, merge and go between slices', () => {
    const pool = (id: number, pgNum: number) => ({
      pool: id, pool_name: `p${id}`, type: 1, size: 3, min_size: 2, crush_rule: 0, pg_num: pgNum, pg_placement_num: pgNum,
      erasure_code_profile: '', quota_max_bytes: 0, quota_max_objects: 0, application_metadata: {},
    });
    const map = (epoch: number, pools: Array<[number, number]>): OsdMap => ({
      epoch, fsid: 'x', created: '', modified: '', flags: '', flags_set: [], full_ratio: 0.95, backfillfull_ratio: 0.9, nearfull_ratio: 0.85,
      osds: [{ osd: 0, up: 1, in: 1, state: ['exists', 'up'] }], pools: pools.map(([id, n]) => pool(id, n)),
    }) as unknown as OsdMap;
    const seen = new Map<string, number>();
    const visit = Object.getOwnPropertyDescriptor(PgHealthScan.prototype, 'visit')!.value as (this: PgHealthScan, rec: PgRecord) => void;
    vi.spyOn(PgHealthScan.prototype, 'visit').mockImplementation(function (this: PgHealthScan, rec) {
      seen.set(`${rec.pool}.${rec.ps}`, (seen.get(`${rec.pool}.${rec.ps}`) ?? 0) + 1);
      visit.call(this, rec);
    });
    const m = new PGMap();
    m.applyOsdMap(map(1, [[1, 512], [2, 512]]), T0);
    const job = new HealthScanJob(() => {}, 0);
    job.start({ pgMap: m, osdMap: m.osdMap!, nowS: T0 + 1000 });
    job.runSlice(0); // 256 PGs of pool 1
    m.applyOsdMap(map(2, [[1, 1024], [2, 512]]), T0); // pool 1 splits: its index is replaced
    m.applyOsdMap(map(3, [[2, 1512]]), T0); // pool 1 goes, pool 2 splits into the freed rows
    job.drain();
    expect([...seen].filter(([, n]) => n > 1)).toEqual([]);
    for (const key of seen.keys()) expect(key.startsWith('-')).toBe(false); // no freed row visited
    expect(seen.size).toBeLessThanOrEqual(256 + m.numPgs);
    job.dispose();
  });

  test('a slice that throws drops that scan, reports it, and the next scan runs', async () => {
    const errors: unknown[] = [];
    let done = 0;
    const { sliced, step } = pair();
    for (let i = 0; i < 3; i++) step();
    await scanned(sliced);
    const job = new HealthScanJob(() => done++, 5, (err) => errors.push(err));
    const target = { pgMap: sliced.pgMap, osdMap: sliced.osdMap!, nowS: T0 + 100 };
    const spy = vi.spyOn(PgHealthScan.prototype, 'visit').mockImplementationOnce(() => {
      throw new Error('boom');
    });
    job.start(target);
    job.drain();
    expect(errors).toHaveLength(1);
    expect(job.stats.failures).toBe(1);
    expect(job.running).toBe(false);
    expect(done).toBe(0);
    spy.mockRestore();
    job.start(target);
    job.drain();
    expect(done).toBe(1);
    job.dispose();
  });
});
