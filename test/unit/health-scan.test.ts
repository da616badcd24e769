// The health checks of a large cluster that visit every PG or every OSD's
// report run as a sliced background scan (ClusterState, HealthScanJob). These
// tests force that mode on a small simulated cluster and compare it with the
// synchronous computation: same checks, served in slices that let other work
// run, never starved by ticks; and health() itself visits no PG and no OSD.

import { afterEach, describe, expect, test, vi } from 'vitest';
import { ClusterState } from '../../src/state/cluster-state.js';
import { SimCluster } from '../../src/sim/model/sim-cluster.js';
import { PgHealthScan } from '../../src/state/health-pg.js';
import { HealthScanJob, PG_CLOCK_EVERY, type HealthScanTarget } from '../../src/state/health-scan.js';
import { OSD_CLOCK_EVERY } from '../../src/state/health-osd-scan.js';
import { osdMapHealth } from '../../src/state/health-osd.js';
import { DEFAULT_HEALTH_CONFIG } from '../../src/state/health.js';
import { OsdStatTable } from '../../src/state/osd-stat-table.js';
import { healthCheck, type HealthCheckMap } from '../../src/mgr-module/health.js';
import type { OsdMap } from '../../src/mgr-module/map-types.js';
import { PGMap, type PgRecord } from '../../src/state/pg-map.js';

const T0 = 1_800_000_000;
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** The same simulated cluster fed into a sliced and a synchronous ClusterState. */
function pair(sliceMs = 5, osds = 24) {
  const sim = new SimCluster({ osds, seed: 7, startS: T0, backgroundScrub: false });
  let scansDone = 0;
  const sliced = new ClusterState({ healthScanMinPgs: 1, healthScanSliceMs: sliceMs, onHealthScan: () => scansDone++ });
  const sync = new ClusterState({ healthScanMinPgs: Number.MAX_SAFE_INTEGER });
  let now = T0;
  const step = (dt = 5): void => {
    now += dt;
    sim.advance(now);
    const maps = sim.maps();
    for (const cs of [sliced, sync]) cs.applyMap(maps);
    for (let osd = 0; osd < osds; osd++) {
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

/** A scan target read from a ClusterState, as its tick makes one. */
const targetOf = (cs: ClusterState, nowS: number): HealthScanTarget =>
  ({ pgMap: cs.pgMap, osdMap: cs.osdMap!, mapHealth: osdMapHealth(cs.osdMap!, undefined, DEFAULT_HEALTH_CONFIG), nowS, config: DEFAULT_HEALTH_CONFIG });

async function scanned(cs: ClusterState): Promise<void> {
  for (let i = 0; i < 10_000 && cs.healthScanStats.running; i++) await turn();
  expect(cs.healthScanStats.running).toBe(false);
}

describe('sliced health scan', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

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

  test('health() before any scan completed has no scanned checks; the first scan brings them', async () => {
    const { sim, sliced, sync, step, scans } = pair();
    sim.control.apply({ atS: 0, action: 'repair', osd: 4, reads: 25 });
    for (let i = 0; i < 3; i++) step();
    // No turn of the event loop yet: no background scan has completed, and health() makes none.
    expect(sliced.healthScanStats.runs).toBe(0);
    const want = sync.health().checks;
    expect(codes(want)).toContain('OSD_TOO_MANY_REPAIRS');
    const before = sliced.health().checks;
    expect(codes(before)).not.toContain('OSD_TOO_MANY_REPAIRS');
    for (const c of codes(before)) expect(before[c], c).toEqual(want[c]);
    await scanned(sliced);
    expect(scans()).toBeGreaterThan(0);
    expect(sliced.health().checks).toEqual(want);
  });

  test('gives the checks read from OSD reports as the synchronous computation: slow heartbeats, store alerts, repairs, usage', async () => {
    const { sim, sliced, sync, step } = pair();
    for (let i = 0; i < 3; i++) step();
    sim.control.apply({ atS: 0, action: 'slow-ping', osd: 1, backMs: 8000, frontMs: 8000 });
    sim.control.apply({ atS: 0, action: 'store-alert', osd: 2, alert: 'BLUESTORE_SPURIOUS_READ_ERRORS', clear: false });
    sim.control.apply({ atS: 0, action: 'repair', osd: 4, reads: 25 });
    sim.setOsdFull(5, 0.87);
    for (let i = 0; i < 4; i++) step();
    await scanned(sliced);
    const want = sync.health();
    expect(codes(want.checks)).toEqual(expect.arrayContaining(['OSD_SLOW_PING_TIME_BACK', 'OSD_SLOW_PING_TIME_FRONT', 'BLUESTORE_SPURIOUS_READ_ERRORS', 'OSD_TOO_MANY_REPAIRS', 'OSD_NEARFULL']));
    expect(sliced.health()).toEqual(want);
  });

  test('health() visits no PG and no OSD report when a scan result is there', async () => {
    const { sim, sliced, sync, step } = pair();
    sim.control.apply({ atS: 0, action: 'slow-ping', osd: 1, backMs: 8000, frontMs: 8000 });
    for (let i = 0; i < 4; i++) step();
    await scanned(sliced);
    const visits = vi.spyOn(PgHealthScan.prototype, 'visit');
    const reports = vi.spyOn(OsdStatTable.prototype, 'entries');
    const stats = vi.spyOn(OsdStatTable.prototype, 'get');
    const owned = { TEST_CHECK: healthCheck('HEALTH_WARN', 'a module check', 1) };
    expect(sliced.setOwnerChecks('test', owned)).toBe(true);
    const h = sliced.health(); // computed again: the scan's checks are added, not found again
    expect(h.checks.OSD_SLOW_PING_TIME_BACK).toBeDefined();
    expect(visits).not.toHaveBeenCalled();
    expect(reports).not.toHaveBeenCalled();
    expect(stats).not.toHaveBeenCalled();
    // The oracle: the synchronous mode does visit them in health().
    sync.setOwnerChecks('test', owned);
    expect(sync.health().checks).toEqual(h.checks);
    expect(visits).toHaveBeenCalled();
    expect(reports).toHaveBeenCalled();
    expect(stats).toHaveBeenCalled();
  });

  test('a slice visits at most one budget check of PGs and of OSDs: the OSD part is sliced too', async () => {
    const osds = 5 * OSD_CLOCK_EVERY;
    const { sliced, step } = pair(0, osds);
    for (let i = 0; i < 3; i++) step();
    await scanned(sliced);
    const perSlice: Array<{ pgs: number; osds: number }> = [];
    const run = Object.getOwnPropertyDescriptor(HealthScanJob.prototype, 'runSlice')!.value as (this: HealthScanJob, budgetMs: number) => void;
    vi.spyOn(HealthScanJob.prototype, 'runSlice').mockImplementation(function (this: HealthScanJob, budgetMs) {
      const scan = this.current;
      const pgs0 = scan?.pgsVisited ?? 0;
      const osds0 = scan?.osds.visited ?? 0;
      run.call(this, budgetMs);
      if (scan) perSlice.push({ pgs: scan.pgsVisited - pgs0, osds: scan.osds.visited - osds0 });
    });
    step();
    await scanned(sliced);
    expect(sliced.healthScanStats.running).toBe(false);
    const total = (k: 'pgs' | 'osds'): number => perSlice.reduce((n, x) => n + x[k], 0);
    expect(total('pgs')).toBe(sliced.pgMap.numPgs);
    // Every up and in OSD for usage, then every OSD's report.
    expect(total('osds')).toBe(osdMapHealth(sliced.osdMap!, undefined, DEFAULT_HEALTH_CONFIG).upIn.length + sliced.pgMap.osdTable.size);
    expect(Math.max(...perSlice.map((x) => x.pgs))).toBeLessThanOrEqual(PG_CLOCK_EVERY);
    expect(Math.max(...perSlice.map((x) => x.osds))).toBeLessThanOrEqual(OSD_CLOCK_EVERY);
    expect(perSlice.filter((x) => x.osds > 0).length).toBeGreaterThanOrEqual(10);
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
      osds: [{ osd: 0, up: 0, in: 1, state: ['exists'] }], pools: pools.map(([id, n]) => pool(id, n)),
    }) as unknown as OsdMap;
    const seen = new Map<string, number>();
    const visit = Object.getOwnPropertyDescriptor(PgHealthScan.prototype, 'visit')!.value as (this: PgHealthScan, rec: PgRecord) => void;
    vi.spyOn(PgHealthScan.prototype, 'visit').mockImplementation(function (this: PgHealthScan, rec) {
      seen.set(`${rec.pool}.${rec.ps}`, (seen.get(`${rec.pool}.${rec.ps}`) ?? 0) + 1);
      visit.call(this, rec);
    });
    const m = new PGMap();
    m.applyOsdMap(map(1, [[1, 512], [2, 512]]), T0);
    expect(m.isPgReady()).toBe(true); // no OSD up: nothing to wait for, so the scan walks the PGs
    const job = new HealthScanJob(() => {}, 0);
    job.start({ pgMap: m, osdMap: m.osdMap!, mapHealth: osdMapHealth(m.osdMap!, undefined, DEFAULT_HEALTH_CONFIG), nowS: T0 + 1000, config: DEFAULT_HEALTH_CONFIG });
    job.runSlice(0); // 256 PGs of pool 1
    m.applyOsdMap(map(2, [[1, 1024], [2, 512]]), T0); // pool 1 splits: its index is replaced
    m.applyOsdMap(map(3, [[2, 1512]]), T0); // pool 1 goes, pool 2 splits into the freed rows
    job.drain();
    expect(seen.size).toBeGreaterThan(256);
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
    const target = targetOf(sliced, T0 + 100);
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
