// PGMap: incremental sums, map changes (pool deleted, pg_num, OSDs gone or
// out, primaries down), rates from tick deltas, pg_ready, and a 333,000-PG run.

import { describe, expect, test } from 'vitest';
import { STAT_SUM_FIELDS, STAT_SUM_INDEX as S, type PgStatsMsg } from '../../src/protocol/messages.js';
import { PgStatsDecoder, encodePgStats } from '../../src/protocol/pg-stats-codec.js';
import { SimCluster as OsdSim } from '../../src/sim/model/sim-cluster.js';
import type { OsdMap } from '../../src/mgr-module/map-types.js';
import { byteU, timespanStr, utimeString } from '../../src/state/ceph-format.js';
import { canonicalPgState } from '../../src/state/pg-states.js';
import { PGMap, PgStatsError } from '../../src/state/pg-map.js';
import { computeHealth } from '../../src/state/health.js';
import { SimCluster, makeOsdMap, type ClusterSpec } from '../helpers/pg-cluster.js';

const T0 = 1_800_000_000;

const SPEC: ClusterSpec = {
  numOsds: 6,
  osdsPerHost: 3,
  pools: [
    { id: 1, name: 'rbd', size: 3, pgNum: 16 },
    { id: 2, name: 'data', size: 2, pgNum: 32 },
    { id: 3, name: 'meta', size: 2, pgNum: 8 },
  ],
  perPoolOsds: [0, 1, 2, 3, 4, 5],
};

function setup(spec = SPEC): { sim: SimCluster; m: PGMap; feed: (t: number) => void } {
  const sim = new SimCluster(spec);
  const m = new PGMap();
  m.applyOsdMap(makeOsdMap(spec, sim.epoch), T0);
  const feed = (t: number): void => {
    for (const msg of sim.messages(t)) m.applyPgStats(msg, t);
  };
  feed(T0);
  return { sim, m, feed };
}

type StatSums = Record<string, number>;

/** Sums recomputed from scratch out of the per-PG dump: what the incremental sums must equal. */
function recompute(m: PGMap): { cluster: StatSums; byPool: Map<number, StatSums> } {
  const cluster: StatSums = Object.fromEntries(STAT_SUM_FIELDS.map((f) => [f, 0]));
  const byPool = new Map<number, StatSums>();
  for (const pg of (m.pgStats() as { pg_stats: Array<{ pgid: string; stat_sum: StatSums }> }).pg_stats) {
    const pool = Number(pg.pgid.split('.')[0]);
    let p = byPool.get(pool);
    if (!p) byPool.set(pool, (p = Object.fromEntries(STAT_SUM_FIELDS.map((f) => [f, 0]))));
    for (const f of STAT_SUM_FIELDS) {
      cluster[f]! += pg.stat_sum[f]!;
      p[f]! += pg.stat_sum[f]!;
    }
  }
  return { cluster, byPool };
}

function expectSumsConsistent(m: PGMap): void {
  const { cluster, byPool } = recompute(m);
  expect((m.pgSummary().pg_stats_sum as { stat_sum: StatSums }).stat_sum).toEqual(cluster);
  const pools = (m.poolStats() as { pool_stats: Array<{ poolid: number; num_pg: number; stat_sum: StatSums }> }).pool_stats;
  for (const p of pools) expect(p.stat_sum).toEqual(byPool.get(p.poolid) ?? Object.fromEntries(STAT_SUM_FIELDS.map((f) => [f, 0])));
  expect(pools.reduce((n, p) => n + p.num_pg, 0)).toBe(m.numPgs);
}

const allStates = (m: PGMap): Record<string, number> => m.pgSummary().all as Record<string, number>;

describe('incremental sums', () => {
  test('match a recomputation after the first reports', () => {
    const { m } = setup();
    expect(m.numPgs).toBe(56);
    expect(allStates(m)).toEqual({ 'active+clean': 56 });
    expectSumsConsistent(m);
  });

  test('a re-report replaces the PG contribution instead of adding to it', () => {
    const { sim, m, feed } = setup();
    const before = m.clusterSum.stats[S.num_bytes]!;
    const pg = sim.pg('2.3');
    pg.stat[S.num_bytes]! += 1000;
    pg.stat[S.num_objects]! += 1;
    feed(T0 + 5);
    feed(T0 + 10);
    expect(m.clusterSum.stats[S.num_bytes]! - before).toBe(1000);
    expect(m.poolSum(2)!.stats[S.num_objects]).toBe(recompute(m).byPool.get(2)!.num_objects);
    expect(m.numPgs).toBe(56);
    expectSumsConsistent(m);
  });

  test('an older report (reported_epoch, reported_seq) is ignored', () => {
    const { sim, m, feed } = setup();
    feed(T0 + 5);
    const late = sim.messages(T0 + 6).find((x) => x.pg_stats.some((r) => r.pgid === '1.2'))!;
    const r = late.pg_stats.find((x) => x.pgid === '1.2')!;
    r.reported_seq = 1;
    r.stat_sum[S.num_bytes] = 999_999_999;
    m.applyPgStats({ ...late, pg_stats: [r] }, T0 + 6);
    expect(m.pgStat(m.getPg('1.2')!, S.num_bytes)).not.toBe(999_999_999);
    expectSumsConsistent(m);
  });

  test('a PG reported by a new primary moves, counts follow its acting set', () => {
    const { sim, m, feed } = setup();
    const pg = sim.pg('2.5');
    const oldActing = [...pg.acting];
    const newActing = [0, 1, 2, 3, 4, 5].filter((o) => !oldActing.includes(o)).slice(0, 2);
    pg.acting = newActing;
    pg.up = newActing;
    pg.epochBump = 1;
    feed(T0 + 5);
    const rec = m.getPg('2.5')!;
    expect(rec.reporter).toBe(newActing[0]);
    expect(rec.acting).toEqual(newActing);
    expect(m.numPgs).toBe(56);
    const byOsd = m.pgSummary().by_osd as Record<string, Record<string, number>>;
    const actingCount = (osd: number): number => sim.pgs.filter((p) => p.acting.includes(osd)).length;
    for (let osd = 0; osd < 6; osd++) {
      expect(byOsd[String(osd)]?.['active+clean'] ?? 0).toBe(actingCount(osd));
      expect(m.numPgByOsd(osd)).toBe(actingCount(osd));
    }
    // The old primary's last word on it, from before the move, changes nothing.
    const stale = { ...sim.messages(T0 + 6)[0]!, osd: oldActing[0]!, pg_stats: [{ ...sim.messages(T0 + 6).flatMap((x) => x.pg_stats).find((r) => r.pgid === '2.5')!, acting: oldActing, reported_epoch: sim.epoch }] };
    m.applyPgStats(stale, T0 + 6);
    expect(m.getPg('2.5')!.acting).toEqual(newActing);
    // A new primary that did not move reported_epoch on still takes over (its seq is its own).
    const third = [oldActing[1]!, newActing[1]!];
    m.applyPgStats({ ...stale, osd: third[0]!, pg_stats: [{ ...stale.pg_stats[0]!, acting: third, up: third, acting_primary: third[0]!, reported_epoch: sim.epoch + 1, reported_seq: 0 }] }, T0 + 7);
    expect(m.getPg('2.5')!.acting).toEqual(third);
    expectSumsConsistent(m);
  });

  test('a deleted pool takes its PGs, sums and pool_statfs with it', () => {
    const { sim, m } = setup();
    const pool3Bytes = m.poolSum(3)!.stats[S.num_bytes]!;
    const total = m.clusterSum.stats[S.num_bytes]!;
    const spec = { ...SPEC, pools: SPEC.pools.filter((p) => p.id !== 3) };
    m.applyOsdMap(makeOsdMap(spec, sim.epoch + 1), T0 + 1);
    expect(m.numPgs).toBe(48);
    expect(m.poolIds()).toEqual([1, 2]);
    expect(m.clusterSum.stats[S.num_bytes]).toBe(total - pool3Bytes);
    expect(m.poolStore(3)).toBeUndefined();
    const statfs = (m.osdStats() as { pool_statfs: Array<{ poolid: number }> }).pool_statfs;
    expect(statfs.some((p) => p.poolid === 3)).toBe(false);
    expect(Object.keys(m.pgSummary().by_pool as object)).toEqual(['1', '2']);
    // Reports still in flight for the deleted pool are dropped.
    for (const msg of sim.messages(T0 + 2)) m.applyPgStats(msg, T0 + 2);
    expect(m.numPgs).toBe(48);
    expectSumsConsistent(m);
  });

  test('pg_num growth adds "unknown" placeholders, shrink drops PGs past it', () => {
    const { sim, m } = setup();
    const grown = { ...SPEC, pools: SPEC.pools.map((p) => (p.id === 3 ? { ...p, pgNum: 12 } : p)) };
    m.applyOsdMap(makeOsdMap(grown, sim.epoch + 1), T0 + 1);
    expect(m.numPgs).toBe(60);
    expect(allStates(m)).toEqual({ 'active+clean': 56, unknown: 4 });
    expect(m.getPg('3.b')!.reporter).toBe(-1);
    const shrunk = { ...SPEC, pools: SPEC.pools.map((p) => (p.id === 3 ? { ...p, pgNum: 4 } : p)) };
    m.applyOsdMap(makeOsdMap(shrunk, sim.epoch + 2), T0 + 2);
    expect(m.numPgs).toBe(52);
    expect(m.getPg('3.4')).toBeUndefined();
    expectSumsConsistent(m);
  });

  test('reports that arrive before any osd map are kept, then filtered by the first map', () => {
    const sim = new SimCluster(SPEC);
    const m = new PGMap();
    for (const msg of sim.messages(T0)) m.applyPgStats(msg, T0);
    expect(m.numPgs).toBe(56);
    m.applyOsdMap(makeOsdMap({ ...SPEC, pools: SPEC.pools.slice(0, 2) }, sim.epoch), T0);
    expect(m.numPgs).toBe(48);
    expectSumsConsistent(m);
  });

  test('a malformed message throws and changes nothing', () => {
    const { sim, m } = setup();
    const before = JSON.stringify(m.pgDump());
    const msg = sim.messages(T0 + 1)[0]!;
    const bad: PgStatsMsg = { ...msg, pg_stats: [...msg.pg_stats, { ...msg.pg_stats[0]!, pgid: 'nope' }] };
    expect(() => m.applyPgStats(bad, T0 + 1)).toThrow(PgStatsError);
    expect(() => m.applyPgStats({ ...msg, pg_stats: [{ ...msg.pg_stats[0]!, stat_sum: [1, Number.NaN] }] }, T0 + 1)).toThrow(/stat_sum/);
    expect(JSON.stringify(m.pgDump())).toBe(before);
  });
});

describe('OSDs in the osd map', () => {
  test('an OSD gone from the map loses its stats; an out OSD is zeroed until it reports again', () => {
    const { sim, m, feed } = setup();
    const kb = (): number => (m.pgDump().osd_stats_sum as { kb: number }).kb;
    const one = kb() / 6;
    m.applyOsdMap(makeOsdMap(SPEC, sim.epoch + 1, { out: [4] }), T0 + 1);
    expect(kb()).toBe(one * 5);
    expect(m.osdStat(4)!.vec.every((x) => x === 0)).toBe(true);
    expect((m.df() as { stats: { num_osds: number } }).stats.num_osds).toBe(5);
    feed(T0 + 2);
    expect(kb()).toBe(one * 6);
    const fewer = { ...SPEC, numOsds: 5 };
    m.applyOsdMap(makeOsdMap(fewer, sim.epoch + 2), T0 + 3);
    expect(m.osdIds()).toEqual([0, 1, 2, 3, 4]);
    expect(kb()).toBe(one * 5);
    expect((m.osdStats() as { pool_statfs: Array<{ osd: number }> }).pool_statfs.some((p) => p.osd === 5)).toBe(false);
  });

  test('PGs whose primary went down turn stale; a report from the new primary clears it', () => {
    const { sim, m, feed } = setup();
    const victim = 2;
    const led = sim.pgs.filter((p) => p.acting[0] === victim);
    sim.down.add(victim);
    m.applyOsdMap(makeOsdMap(SPEC, sim.epoch + 1, { down: [victim] }), T0 + 10);
    expect(allStates(m)['stale+active+clean']).toBe(led.length);
    expect(m.getPg(led[0]!.pgid)!.lastUnstale).toBe(T0 + 10);
    feed(T0 + 20); // the down OSD sends nothing: still stale
    expect(allStates(m)['stale+active+clean']).toBe(led.length);
    for (const p of led) {
      p.acting = p.acting.slice(1);
      p.up = p.acting;
      p.state = 'active+undersized+degraded';
      p.epochBump = 1;
    }
    feed(T0 + 30);
    expect(allStates(m)['stale+active+clean']).toBeUndefined();
    expect(allStates(m)['active+undersized+degraded']).toBe(led.length);
    expectSumsConsistent(m);
  });

  test('pg_ready once every up OSD has reported, and it stays so', () => {
    const sim = new SimCluster(SPEC);
    const m = new PGMap();
    expect(m.pgReady()).toEqual({ pg_ready: false });
    m.applyOsdMap(makeOsdMap(SPEC, sim.epoch), T0);
    const msgs = sim.messages(T0);
    for (const msg of msgs.slice(0, 5)) m.applyPgStats(msg, T0);
    expect(m.isPgReady()).toBe(false);
    m.applyPgStats(msgs[5]!, T0);
    expect(m.isPgReady()).toBe(true);
    m.applyOsdMap(makeOsdMap({ ...SPEC, numOsds: 8 }, sim.epoch + 1), T0 + 1);
    expect(m.isPgReady()).toBe(true);
  });
});

describe('rates from tick deltas', () => {
  function reading(): { sim: SimCluster; m: PGMap; step: (t: number, reads: number) => void } {
    const { sim, m, feed } = setup();
    m.tick(T0);
    const step = (t: number, reads: number): void => {
      for (const p of sim.pgs.filter((x) => x.pool === 2)) {
        p.stat[S.num_read]! += reads;
        p.stat[S.num_read_kb]! += reads * 4;
      }
      feed(t);
      m.tick(t);
    };
    return { sim, m, step };
  }

  test('io_rate, pg_status and pg stat give the delta over the window', () => {
    const { m, step } = reading();
    step(T0 + 5, 10); // 32 PGs x 10 reads of 4 KiB in 5 s
    const delta = m.ioRate().pg_stats_delta as { stat_sum: StatSums; stamp_delta: string };
    expect(delta.stamp_delta).toBe('5.000000');
    expect(delta.stat_sum.num_read).toBe(320);
    expect(delta.stat_sum.num_read_kb).toBe(1280);
    const status = m.pgStatus();
    expect(status.read_bytes_sec).toBe((1280 * 1024) / 5);
    expect(status.read_op_per_sec).toBe(64);
    expect(status.write_op_per_sec).toBe(0);
    expect(status).not.toHaveProperty('write_bytes_sec');
    expect((m.pgStatCommand().pg_summary as Record<string, number>).io_sec).toBe(64);
  });

  test('the window keeps mon_stat_smooth_intervals (6) deltas, then forgets', () => {
    const { m, step } = reading();
    step(T0 + 5, 10);
    for (let i = 2; i <= 6; i++) step(T0 + 5 * i, 0);
    expect(m.delta.stampDelta).toBe(30);
    expect(m.delta.sum[S.num_read]).toBe(320);
    step(T0 + 35, 0);
    expect(m.delta.sum[S.num_read]).toBe(0);
    expect(m.pgStatus()).not.toHaveProperty('read_op_per_sec');
  });

  test('a long gap counts as 2 x mon_delta_reset_interval; an empty previous sum is skipped', () => {
    const { m, step } = reading();
    step(T0 + 100, 1);
    expect(m.delta.stampDelta).toBe(20);
    const fresh = new PGMap();
    fresh.tick(T0);
    const sim = new SimCluster(SPEC);
    fresh.applyOsdMap(makeOsdMap(SPEC, sim.epoch), T0);
    for (const msg of sim.messages(T0 + 5)) fresh.applyPgStats(msg, T0 + 5);
    fresh.tick(T0 + 5);
    expect(fresh.delta.stampDelta).toBe(0);
    fresh.tick(T0 + 10);
    expect(fresh.delta.stampDelta).toBe(5);
  });

  test('per-pool client IO and recovery rates (osd pool stats, ceph_pool_recovering_*)', () => {
    const { sim, m, step } = reading();
    const pg = sim.pg('3.1');
    pg.state = 'active+recovering+degraded';
    pg.stat[S.num_objects_degraded] = 4;
    pg.stat[S.num_objects_recovered]! += 50;
    pg.stat[S.num_bytes_recovered]! += 50 * 4 * 1024 * 1024;
    step(T0 + 5, 10);
    const stats = m.osdPoolStatsCommand();
    const byName = Object.fromEntries(stats.map((p) => [p.pool_name as string, p]));
    expect(byName.data!.client_io_rate).toEqual({ read_bytes_sec: (1280 * 1024) / 5, read_op_per_sec: 64, write_op_per_sec: 0 });
    expect(byName.meta!.recovery_rate).toMatchObject({ recovering_objects_per_sec: 10, recovering_bytes_per_sec: 40 * 1024 * 1024, num_objects_recovered: 50 });
    expect(byName.meta!.recovery).toMatchObject({ degraded_objects: 4 });
    expect(byName.rbd!.recovery_rate).toEqual({});
    expect((m.osdPoolStats().pool_stats as unknown[]).length).toBe(3);
  });

  test('negative deltas give no rate (Ceph floors them at 0)', () => {
    const { m, step } = reading();
    step(T0 + 5, -5);
    expect(m.delta.sum[S.num_read]).toBe(-160);
    expect(m.pgStatus()).not.toHaveProperty('read_op_per_sec');
  });
});

describe('state counts', () => {
  test('pgs_by_state by count, state words per pool for the prometheus module', () => {
    const { sim, m, feed } = setup();
    for (const id of ['2.1', '2.2', '2.3']) sim.pg(id).state = 'active+clean+scrubbing+deep';
    sim.pg('1.4').state = 'clean+active+remapped+backfilling'; // canonicalised on the way in
    feed(T0 + 5);
    expect(m.pgsByState()).toEqual([
      { state_name: 'active+clean', count: 52 },
      { state_name: 'active+clean+scrubbing+deep', count: 3 },
      { state_name: 'active+clean+remapped+backfilling', count: 1 },
    ]);
    const words = m.pgStateWordCountsByPool();
    expect(words.get(2)).toMatchObject({ active: 32, clean: 32, scrubbing: 3, deep: 3, degraded: 0, total: 32 });
    expect(words.get(1)).toMatchObject({ backfilling: 1, remapped: 1, total: 16 });
    expect(canonicalPgState('')).toBe('unknown');
    expect(canonicalPgState('peered+undersized+foo+stale')).toBe('stale+undersized+peered+foo');
  });
});

describe('ceph formats', () => {
  test('utime_t, byte_u_t, timespan_str', () => {
    expect(utimeString(1795714820.628449)).toBe('2026-11-26T17:40:20.628449+0000');
    expect(utimeString(0)).toBe('0.000000');
    expect(utimeString(10.309194)).toBe('10.309194');
    expect(byteU(0)).toBe('0 B');
    expect(byteU(2 * 1024 ** 3)).toBe('2 GiB');
    expect(byteU(8450498273)).toBe('7.9 GiB');
    expect(byteU(969474072)).toBe('925 MiB');
    expect(byteU(1024 + 512)).toBe('1.5 KiB'); // '1.50 KiB' is over byte_u_t's 7 characters
    expect(byteU(1024 + 256)).toBe('1.2 KiB'); // glibc rounds the exact tie 1.25 to even
    expect(byteU(1000 * 1024 + 1)).toBe('1000 KiB');
    expect(timespanStr(0.5)).toBe('0.5s');
    expect(timespanStr(90)).toBe('90s');
    expect(timespanStr(300)).toBe('5m');
    expect(timespanStr(3 * 3600)).toBe('3h');
  });
});

describe('scale', () => {
  test('333,000 PGs from 10,000 OSDs in 10,000 messages', () => {
    const numOsds = 10_000;
    const perPool = 111_000;
    const spec: ClusterSpec = {
      numOsds,
      osdsPerHost: 10,
      pools: [1, 2, 3].map((id) => ({ id, name: `p${id}`, size: 3, pgNum: perPool })),
    };
    const m = new PGMap();
    let t = performance.now();
    m.applyOsdMap(makeOsdMap(spec, 100), T0);
    const mapMs = performance.now() - t;
    expect(m.numPgs).toBe(333_000); // all "unknown" until reported
    const stat = new Array<number>(STAT_SUM_FIELDS.length).fill(0);
    stat[S.num_objects] = 10;
    stat[S.num_bytes] = 40 << 20;
    stat[S.num_object_copies] = 30;
    const round = (seq: number, stamp: number): number => {
      const start = performance.now();
      const byOsd: Array<PgStatsMsg['pg_stats']> = Array.from({ length: numOsds }, () => []);
      for (let k = 0; k < 3 * perPool; k++) {
        const pool = 1 + Math.floor(k / perPool);
        const ps = k % perPool;
        const p = k % numOsds;
        const acting = [p, (p + 1) % numOsds, (p + 2) % numOsds];
        byOsd[p]!.push({
          pgid: `${pool}.${ps.toString(16)}`, state: 'active+clean', up: acting, acting, up_primary: p, acting_primary: p,
          version: `100'10`, reported_epoch: 100, reported_seq: seq, log_size: 10, ondisk_log_size: 10,
          last_scrub_stamp: stamp, last_deep_scrub_stamp: stamp, last_change: stamp, stat_sum: stat,
        });
      }
      for (let osd = 0; osd < numOsds; osd++) {
        m.applyPgStats({
          osd, epoch: 100, stamp,
          osd_stat: { statfs: { total: 4e12, available: 3e12, internally_reserved: 0, allocated: 1e12, data_stored: 1e12, data_compressed: 0, data_compressed_allocated: 0, data_compressed_original: 0, omap_allocated: 0, internal_metadata: 0 }, hb_peers: [], num_pgs: 100, apply_latency_ms: 1, commit_latency_ms: 1, up_from: 1, seq },
          pg_stats: byOsd[osd]!,
        }, stamp);
      }
      return performance.now() - start;
    };
    const firstMs = round(1, T0);
    m.tick(T0);
    const secondMs = round(2, T0 + 5);
    m.tick(T0 + 5);
    expect(m.numPgs).toBe(333_000);
    expect(allStates(m)).toEqual({ 'active+clean': 333_000 });
    expect(m.clusterSum.stats[S.num_objects]).toBe(3_330_000);
    // PG k has acting [k % N, +1, +2]: OSDs below 3,000 lead 34 PGs, the others 33.
    expect(m.numPgByOsd(1234)).toBe(3 * 34);
    expect(m.numPgByOsd(5000)).toBe(3 * 33);
    t = performance.now();
    const summary = m.pgSummary();
    const status = m.pgStatus();
    const health = computeHealth({ osdMap: m.osdMap!, pgMap: m, nowS: T0 + 5 });
    const viewsMs = performance.now() - t;
    expect(Object.keys(summary.by_osd as object)).toHaveLength(numOsds);
    expect(status.num_pgs).toBe(333_000);
    expect(health).toEqual({});
    console.log(`scale: osd map ${mapMs.toFixed(0)} ms, first round ${firstMs.toFixed(0)} ms, second round ${secondMs.toFixed(0)} ms (10,000 messages, incl. building them), pg_summary+pg_status+health ${viewsMs.toFixed(0)} ms`);
  });
});

describe('row storage (pg-table.ts)', () => {
  const NONE = 2147483647;
  const osdStat = { statfs: { total: 4e12, available: 3e12, internally_reserved: 0, allocated: 1e12, data_stored: 1e12, data_compressed: 0, data_compressed_allocated: 0, data_compressed_original: 0, omap_allocated: 0, internal_metadata: 0 }, hb_peers: [1, 2], num_pgs: 1, apply_latency_ms: 1, commit_latency_ms: 1, up_from: 1, seq: 1 };
  type Report = PgStatsMsg['pg_stats'][number];
  const report = (pgid: string, o: Partial<Report> = {}): Report => ({
    pgid, state: 'active+clean', up: [0, 1, 2], acting: [0, 1, 2], up_primary: 0, acting_primary: 0, version: "50'10", reported_epoch: 50, reported_seq: 1,
    log_size: 10, ondisk_log_size: 10, last_scrub_stamp: T0, last_deep_scrub_stamp: T0, last_change: T0, stat_sum: [1, 2, 3], ...o,
  });
  const msg = (stamp: number, pgStats: Report[]): PgStatsMsg => ({ osd: 0, epoch: 50, stamp, osd_stat: structuredClone(osdStat), pg_stats: pgStats });

  test('keeps odd values exactly: long and EC sets, ids and counters past int32, fractions, odd versions', () => {
    const m = new PGMap();
    const wide = Array.from({ length: 20 }, (_, i) => (i * 7) % 20);
    const big = Array.from({ length: STAT_SUM_FIELDS.length }, (_, i) => (i % 3 === 0 ? 2 ** 50 + i : i % 3 === 1 ? -i - 0.5 : 0));
    m.applyPgStats(msg(T0 + 0.123456, [
      report('1.0', { version: 'weird', log_size: -3, ondisk_log_size: 2 ** 33, reported_epoch: 50.5, reported_seq: 2 ** 40, stat_sum: big }),
      report('1.1', { version: "0100'10", up: [1, NONE, 3, 4, 5, 6], acting: [1, NONE, NONE, 4, 5, 6] }),
      report('1.2', { version: "51'4294967297", up: wide, acting: wide.slice(0, 16), blocked_by: [4, 9], state: 'down+peering' }),
      report('1.3', { up: [0, 2 ** 33], acting: [-0, 3], up_primary: 2 ** 33 }),
    ]), T0 + 1);
    const pg = (id: string) => m.getPg(id)!;
    expect([pg('1.0').version, pg('1.0').logSize, pg('1.0').ondiskLogSize, pg('1.0').reportedEpoch, pg('1.0').reportedSeq]).toEqual(['weird', -3, 2 ** 33, 50.5, 2 ** 40]);
    expect(STAT_SUM_FIELDS.map((_, i) => m.pgStat(pg('1.0'), i))).toEqual(big);
    expect([pg('1.1').version, pg('1.1').up, pg('1.1').acting]).toEqual(["0100'10", [1, NONE, 3, 4, 5, 6], [1, NONE, NONE, 4, 5, 6]]);
    expect([pg('1.2').version, pg('1.2').up, pg('1.2').acting, pg('1.2').blockedBy]).toEqual(["51'4294967297", wide, wide.slice(0, 16), [4, 9]]);
    expect([pg('1.3').up, Object.is(pg('1.3').acting[0], -0), pg('1.3').upPrimary]).toEqual([[0, 2 ** 33], true, 2 ** 33]);
    expect(pg('1.0').lastFresh).toBe(T0 + 0.123456);
    // The same PGs shrink back to the compact forms.
    m.applyPgStats(msg(T0 + 2, ['1.0', '1.1', '1.2', '1.3'].map((id) => report(id, { reported_epoch: 51 }))), T0 + 2);
    for (const id of ['1.0', '1.1', '1.2', '1.3']) {
      expect([pg(id).version, pg(id).up, pg(id).acting, pg(id).blockedBy, pg(id).logSize]).toEqual(["50'10", [0, 1, 2], [0, 1, 2], [], 10]);
      expect(STAT_SUM_FIELDS.map((_, i) => m.pgStat(pg(id), i)).slice(0, 4)).toEqual([1, 2, 3, 0]);
    }
    expect(m.clusterSum.stats.slice(0, 4)).toEqual(new Float64Array([4, 8, 12, 0]));
  });

  test('a report is copied: changing the message afterwards changes nothing', () => {
    const { sim, m } = setup();
    const msgs = sim.messages(T0 + 5);
    for (const x of msgs) m.applyPgStats(x, T0 + 5);
    const before = JSON.stringify(m.pgDump());
    for (const x of msgs) {
      x.osd_stat.hb_peers.push(99);
      for (const r of x.pg_stats) {
        r.up.push(99);
        r.acting.push(99);
        r.stat_sum[S.num_bytes] = -1;
      }
    }
    expect(JSON.stringify(m.pgDump())).toBe(before);
  });

  test('PGs are listed by pool and seed; rows of removed PGs are reused', () => {
    const { sim, m, feed } = setup();
    const ids = (): string[] => [...m.pgs()].map((r) => r.pgid);
    const sorted = SPEC.pools.flatMap((p) => Array.from({ length: p.pgNum }, (_, ps) => `${p.id}.${ps.toString(16)}`));
    expect(ids()).toEqual(sorted);
    const rows = new Set([...m.pgs()].map((r) => r.row));
    m.applyOsdMap(makeOsdMap({ ...SPEC, pools: SPEC.pools.filter((p) => p.id !== 2) }, sim.epoch + 1), T0 + 1);
    m.applyOsdMap(makeOsdMap(SPEC, sim.epoch + 2), T0 + 2);
    feed(T0 + 3);
    expect(ids()).toEqual(sorted);
    expect(new Set([...m.pgs()].map((r) => r.row))).toEqual(rows);
    expect(m.getPg('2.1f')!.pgid).toBe('2.1f');
    expect(m.getPg('2.01f')!.pgid).toBe('2.1f'); // the same pg_t, as Ceph parses it
    expectSumsConsistent(m);
  });
});

describe('PG_STATS_BIN', () => {
  const decoder = new PgStatsDecoder();
  const binary = (msg: PgStatsMsg): PgStatsMsg => decoder.decode(encodePgStats(msg));
  const views = (m: PGMap): string[] => [m.pgDump(), m.pgSummary(), m.poolStats(), m.osdStats(), m.pgStatus()].map((v) => JSON.stringify(v));

  test('the same messages applied as JSON and as PG_STATS_BIN give byte-identical views', () => {
    // The simulator: replicated and EC pools, pool_statfs; OSDs die, go out, come back.
    const sim = new OsdSim({ osds: 60, seed: 11, startS: T0, objectstore: 'bluestore' });
    const viaJson = new PGMap();
    const viaBin = new PGMap();
    let pgs = 0;
    for (let k = 0; k < 8; k++) {
      const now = T0 + 5 * (k + 1);
      if (k === 2) sim.killOsd(7);
      if (k === 3) sim.markOut(7);
      if (k === 4) sim.killOsd(13);
      if (k === 6) sim.reviveOsd(7);
      sim.advance(now);
      const osdMap = sim.maps().osd_map as unknown as OsdMap;
      viaJson.applyOsdMap(osdMap, now);
      viaBin.applyOsdMap(osdMap, now);
      for (let osd = 0; osd < 60; osd++) {
        const msg = sim.pgStats(osd, now);
        if (!msg) continue;
        pgs += msg.pg_stats.length;
        viaJson.applyPgStats(msg, now);
        viaBin.applyPgStats(binary(msg), now);
      }
      viaJson.tick(now);
      viaBin.tick(now);
      expect(views(viaBin)).toEqual(views(viaJson));
    }
    expect(pgs).toBeGreaterThan(5000);
    expect(Object.keys(viaBin.pgSummary().all as object).length).toBeGreaterThan(1);
  });

  test('and so do odd reports: down PGs blocked by OSDs, last_clean, stale primaries, reports before the map', () => {
    const sim = new SimCluster(SPEC);
    const viaJson = new PGMap();
    const viaBin = new PGMap();
    const feed = (t: number): void => {
      for (const msg of sim.messages(t)) {
        viaJson.applyPgStats(msg, t);
        viaBin.applyPgStats(binary(msg), t);
      }
    };
    feed(T0);
    for (const m of [viaJson, viaBin]) m.applyOsdMap(makeOsdMap(SPEC, sim.epoch), T0);
    const [a, b] = [sim.pgs[0]!, sim.pgs[1]!];
    a.state = 'down+peering';
    a.blockedBy = [4, 5];
    b.state = 'active+undersized+degraded';
    b.lastClean = 30.5;
    feed(T0 + 5);
    sim.down.add(2);
    for (const m of [viaJson, viaBin]) m.applyOsdMap(makeOsdMap(SPEC, sim.epoch + 1, { down: [2] }), T0 + 10);
    feed(T0 + 10);
    expect(views(viaBin)).toEqual(views(viaJson));
    expect(viaBin.getPg(a.pgid)!.blockedBy).toEqual([4, 5]);
  });

  test('a PG_STATS_BIN with a bad head throws and changes nothing', () => {
    const { sim, m } = setup();
    const before = JSON.stringify(m.pgDump());
    const msg = sim.messages(T0 + 1)[0]!;
    expect(() => m.applyPgStats(binary({ ...msg, osd_stat: undefined as unknown as PgStatsMsg['osd_stat'] }), T0 + 1)).toThrow(PgStatsError);
    expect(() => m.applyPgStats(binary({ ...msg, osd: -1 }), T0 + 1)).toThrow(PgStatsError);
    expect(JSON.stringify(m.pgDump())).toBe(before);
  });
});
