// The simulated cluster model: determinism, placement, PG life cycle, IO consistency.

import { describe, expect, test } from 'vitest';
import { SimCluster, type SimOptions } from '../../src/sim/model/sim-cluster.js';
import { STAT_SUM_INDEX, type PgStatReport } from '../../src/protocol/messages.js';
import { valueWidth } from '../../src/mgr-module/perf-types.js';

const START = 1_800_000_000;

function cluster(extra: Partial<SimOptions> = {}): SimCluster {
  return new SimCluster({ osds: 12, seed: 42, startS: START, ...extra });
}

/** Offset of a counter in a sampled vector. */
function offsetOf(c: SimCluster, kind: 'osd' | 'mon' | 'mds' | 'rgw', path: string): number {
  let off = 0;
  for (const d of c.counterSchema(kind)) {
    if (d.path === path) return off;
    off += valueWidth(d.type);
  }
  throw new Error(`no counter ${path}`);
}

function allPgStats(c: SimCluster, now: number): PgStatReport[] {
  const out: PgStatReport[] = [];
  for (let i = 0; i < c.topo.osds.length; i++) out.push(...(c.pgStats(i, now)?.pg_stats ?? []));
  return out;
}

function run(c: SimCluster, fromS: number, seconds: number, stepS = 1): number {
  let now = fromS;
  for (let i = 0; i < seconds / stepS; i++) {
    now += stepS;
    c.advance(now);
  }
  return now;
}

const STATE_WORDS = new Set([
  'stale', 'creating', 'active', 'activating', 'clean', 'recovery_wait', 'recovering', 'down', 'undersized', 'degraded', 'remapped',
  'scrubbing', 'deep', 'peering', 'backfill_wait', 'backfilling', 'backfill_toofull', 'incomplete', 'peered',
]);

describe('determinism', () => {
  test('same seed and same calls give identical maps, PG stats and counters', () => {
    const outputs = [1, 2].map(() => {
      const c = cluster({ scenario: 'osd-down', recoveryBytesPerS: 1024 ** 3 });
      const now = run(c, START, 120, 2);
      return {
        maps: JSON.stringify(c.maps()),
        pgs: JSON.stringify([0, 5, 11].map((o) => c.pgStats(o, now))),
        counters: Array.from(c.sampleCounters('osd.1', now)).join(','),
        mon: Array.from(c.sampleCounters('mon.a', now)).join(','),
        events: JSON.stringify(c.events),
      };
    });
    expect(outputs[0]).toEqual(outputs[1]);
  });

  test('a different seed gives a different cluster', () => {
    const a = cluster();
    const b = cluster({ seed: 43 });
    expect(a.fsid).not.toBe(b.fsid);
    expect(JSON.stringify(a.pgStats(0, START))).not.toBe(JSON.stringify(b.pgStats(0, START)));
  });
});

describe('topology and placement', () => {
  test('at least 3 hosts, contiguous OSD ids per host, three mons also on a small cluster (one on request)', () => {
    const small = new SimCluster({ osds: 3, seed: 1, startS: START });
    expect(small.topo.hosts).toHaveLength(3);
    expect(small.topo.mons.map((m) => m.host)).toEqual([0, 1, 2]);
    expect(new SimCluster({ osds: 3, seed: 1, startS: START, mons: 1 }).topo.mons).toHaveLength(1);
    const c = cluster({ osds: 40 });
    expect(c.topo.hosts.map((h) => h.name).slice(0, 2)).toEqual(['node-0001', 'node-0002']);
    expect(c.topo.hosts).toHaveLength(10);
    expect(c.topo.mons).toHaveLength(3);
    for (const o of c.topo.osds) expect(c.topo.hosts[o.host]!.osdStart).toBeLessThanOrEqual(o.id);
  });

  test('every PG has size OSDs on distinct hosts; pg_num are powers of two', () => {
    const c = cluster({ osds: 60, osdsPerHost: 6 });
    for (const p of c.pools) expect(Math.log2(p.pgNum) % 1).toBe(0);
    const hostOf = (o: number): number => c.topo.osds[o]!.host;
    for (const r of allPgStats(c, START)) {
      const pool = c.pools.find((p) => String(p.id) === r.pgid.split('.')[0])!;
      expect(r.up).toHaveLength(pool.size);
      expect(r.acting).toEqual(r.up);
      expect(new Set(r.up.map(hostOf)).size).toBe(pool.size);
      expect(r.state).toBe('active+clean');
    }
  });

  test('PG replicas per OSD follow pgsPerOsd and primaries are spread', () => {
    const c = cluster({ osds: 200, pgsPerOsd: 100 });
    const replicas = c.pools.reduce((s, p) => s + p.pgNum * p.size, 0);
    expect(replicas / 200).toBeGreaterThan(50);
    expect(replicas / 200).toBeLessThan(200);
    const prim = c.topo.osds.map((o) => c.pgStats(o.id, START)!.pg_stats.length);
    expect(prim.reduce((s, x) => s + x, 0)).toBe(c.table.n);
    const perTiB = c.topo.osds.map((o, i) => prim[i]! / (o.sizeBytes / 1e12));
    const mean = perTiB.reduce((s, x) => s + x, 0) / perTiB.length;
    for (const x of perTiB) expect(Math.abs(x - mean) / mean).toBeLessThan(0.5);
  });

  test('each PG is reported by exactly one OSD', () => {
    const c = cluster();
    const ids = allPgStats(c, START).map((r) => r.pgid);
    expect(ids).toHaveLength(c.table.n);
    expect(new Set(ids).size).toBe(c.table.n);
  });

  test('OSDs are 30-60% full at start and osd_stat agrees with pool_statfs', () => {
    const c = cluster();
    for (let i = 0; i < 12; i++) {
      const r = c.osdUsedRatio(i);
      expect(r).toBeGreaterThan(0.2);
      expect(r).toBeLessThan(0.75);
      const s = c.pgStats(i, START)!;
      const stored = (s.pool_statfs ?? []).reduce((sum, p) => sum + p.data_stored, 0);
      expect(Math.abs(stored - s.osd_stat.statfs.data_stored) / stored).toBeLessThan(0.001);
      expect(s.osd_stat.num_pgs).toBeGreaterThan(s.pg_stats.length);
    }
  });
});

describe('client IO', () => {
  test('ops and bytes rise together, latencies are a few ms', () => {
    const c = cluster();
    const paths = ['osd.op', 'osd.op_w', 'osd.op_w_in_bytes', 'osd.op_r', 'osd.op_r_out_bytes', 'osd.op_in_bytes', 'osd.op_out_bytes'];
    const a = c.sampleCounters('osd.2', START + 10);
    const b = c.sampleCounters('osd.2', START + 70);
    for (const p of paths) {
      const off = offsetOf(c, 'osd', p);
      expect(b[off]!, p).toBeGreaterThan(a[off]!);
    }
    const wOps = b[offsetOf(c, 'osd', 'osd.op_w')]! - a[offsetOf(c, 'osd', 'osd.op_w')]!;
    const wBytes = b[offsetOf(c, 'osd', 'osd.op_w_in_bytes')]! - a[offsetOf(c, 'osd', 'osd.op_w_in_bytes')]!;
    expect(wBytes / wOps).toBeGreaterThan(4096);
    expect(wBytes / wOps).toBeLessThan(4 * 1024 * 1024);
    const lat = offsetOf(c, 'osd', 'osd.op_w_latency');
    const avgNs = (b[lat]! - a[lat]!) / (b[lat + 1]! - a[lat + 1]!);
    expect(avgNs).toBeGreaterThan(0.5e6);
    expect(avgNs).toBeLessThan(50e6);
    expect(b[lat + 1]).toBe(b[offsetOf(c, 'osd', 'osd.op_w')]);
  });

  test('writes summed over OSDs equal writes summed over PGs', () => {
    const c = cluster();
    const t1 = START + 5;
    const t2 = START + 65;
    const writes = (t: number): number => allPgStats(c, t).reduce((s, r) => s + r.stat_sum[STAT_SUM_INDEX.num_write]!, 0);
    const osdWrites = (t: number): number =>
      c.topo.osds.reduce((s, o) => {
        const v = c.sampleCounters(`osd.${o.id}`, t);
        return s + v[offsetOf(c, 'osd', 'osd.op_w')]! + v[offsetOf(c, 'osd', 'osd.op_rw')]!;
      }, 0);
    // Counters only move forward in time: sample t1 before t2.
    const [pg1, osd1] = [writes(t1), osdWrites(t1)];
    const pgDelta = writes(t2) - pg1;
    const osdDelta = osdWrites(t2) - osd1;
    expect(pgDelta).toBeGreaterThan(0);
    expect(Math.abs(osdDelta - pgDelta) / pgDelta).toBeLessThan(0.01);
  });

  test('OSD gauges agree with osd_stat', () => {
    const c = cluster();
    for (const o of [0, 6, 11]) {
      const s = c.pgStats(o, START + 1)!.osd_stat;
      const v = c.sampleCounters(`osd.${o}`, START + 1);
      expect(v[offsetOf(c, 'osd', 'osd.numpg')]).toBe(s.num_pgs);
      expect(v[offsetOf(c, 'osd', 'osd.stat_bytes')]).toBe(s.statfs.total);
      expect(v[offsetOf(c, 'osd', 'osd.stat_bytes_used')]).toBe(s.statfs.total - s.statfs.available);
      expect(v[offsetOf(c, 'osd', 'osd.numpg_primary')]).toBe(c.pgStats(o, START + 1)!.pg_stats.length);
    }
  });

  test('mon, mds and rgw counters move', () => {
    const c = cluster();
    for (const [name, kind, path] of [
      ['mon.a', 'mon', 'paxos.commit'],
      [c.daemons().find((d) => d.kind === 'mds')!.name, 'mds', 'mds.request'],
      [c.daemons().find((d) => d.kind === 'rgw')!.name, 'rgw', 'rgw.req'],
    ] as const) {
      const off = offsetOf(c, kind, path);
      expect(c.sampleCounters(name, START + 100)[off]!, path).toBeGreaterThan(c.sampleCounters(name, START)[off]!);
    }
  });
});

describe('failures and recovery', () => {
  test('kill -> degraded -> out -> backfill -> active+clean', () => {
    const c = cluster({ recoveryBytesPerS: 8 * 1024 ** 3, osdMaxBackfills: 4, backgroundScrub: false });
    const epoch0 = c.epoch;
    const version0 = c.mapVersion;
    c.killOsd(3);
    expect(c.isUp('osd.3')).toBe(false);
    expect(c.pgStats(3, START)).toBeUndefined();
    expect(c.epoch).toBe(epoch0 + 1);
    expect(c.mapVersion).toBeGreaterThan(version0);
    const osd3 = (c.maps().osd_map!.osds as Array<Record<string, unknown>>)[3]!;
    expect(osd3.up).toBe(0);
    expect(osd3.state).toEqual(['exists']);

    let now = run(c, START, 2);
    const degraded = allPgStats(c, now).filter((r) => r.state.includes('degraded'));
    expect(degraded.length).toBeGreaterThan(0);
    for (const r of degraded) {
      expect(r.state).toBe('active+undersized+degraded');
      expect(r.stat_sum[STAT_SUM_INDEX.num_objects_degraded]).toBe(r.stat_sum[STAT_SUM_INDEX.num_objects]);
    }

    c.markOut(3);
    now = run(c, now, 4);
    const states = new Set(allPgStats(c, now).map((r) => r.state));
    expect([...states].some((s) => s.includes('backfill'))).toBe(true);
    for (const s of states) for (const w of s.split('+')) expect(STATE_WORDS.has(w), s).toBe(true);
    const pgTemp = c.maps().osd_map!.pg_temp as unknown[];
    expect(pgTemp.length).toBeGreaterThan(0);

    let recovered = 0;
    for (let i = 0; i < 400 && !(Object.keys(c.pgSummary()).length === 1 && c.pgSummary()['active+clean'] === c.table.n); i++) now = run(c, now, 10, 10);
    expect(c.pgSummary()).toEqual({ 'active+clean': c.table.n });
    for (const r of allPgStats(c, now)) {
      expect(r.up).not.toContain(3);
      recovered += r.stat_sum[STAT_SUM_INDEX.num_objects_recovered]!;
    }
    expect(recovered).toBeGreaterThan(0);
    const rec = c.topo.osds.reduce((s, o) => s + c.sampleCounters(`osd.${o.id}`, now)[offsetOf(c, 'osd', 'osd.recovery_ops')]!, 0);
    expect(rec).toBeGreaterThan(0);
    expect(c.maps().osd_map!.pg_temp).toEqual([]);
    expect(c.events.map((e) => e.what)).toEqual(expect.arrayContaining(['osd.3 down (killed)']));
  });

  test('a short outage is caught up by log-based recovery', () => {
    const c = cluster({ backgroundScrub: false });
    c.killOsd(5);
    let now = run(c, START, 60);
    c.reviveOsd(5);
    now = run(c, now, 2);
    const states = Object.keys(c.pgSummary());
    expect(states.some((s) => s.includes('recover'))).toBe(true);
    expect(c.isUp('osd.5')).toBe(true);
    now = run(c, now, 300, 5);
    expect(c.pgSummary()).toEqual({ 'active+clean': c.table.n });
    // The restarted daemon's counters start again from zero.
    expect(c.sampleCounters('osd.5', now)[offsetOf(c, 'osd', 'osd.op')]).toBeLessThan(c.sampleCounters('osd.4', now)[offsetOf(c, 'osd', 'osd.op')]!);
  });

  test('a down OSD is marked out after downOutIntervalS', () => {
    const c = cluster({ downOutIntervalS: 30 });
    c.killOsd(1);
    run(c, START, 29);
    expect((c.maps().osd_map!.osds as Array<{ in: number }>)[1]!.in).toBe(1);
    run(c, START + 29, 2);
    const e = (c.maps().osd_map!.osds as Array<{ in: number; state: string[] }>)[1]!;
    expect(e.in).toBe(0);
    expect(e.state).toEqual(['exists', 'autoout']);
  });

  test('losing a whole PG makes it inactive or unreported', () => {
    const c = cluster();
    for (const o of [0, 4, 8]) c.killOsd(o);
    run(c, START, 2);
    const states = Object.keys(c.pgSummary());
    expect(states).toEqual(expect.arrayContaining(['undersized+degraded+peered']));
    expect(states.some((s) => s.startsWith('stale+'))).toBe(true);
  });

  test('near-full: usage crosses nearfull_ratio and the OSD map says so', () => {
    const c = cluster();
    expect(c.osdUsedRatio(7)).toBeLessThan(0.85);
    c.setOsdFull(7, 0.86, 20);
    run(c, START, 10);
    expect(c.osdUsedRatio(7)).toBeLessThan(0.85);
    run(c, START + 10, 15);
    expect(c.osdUsedRatio(7)).toBeGreaterThanOrEqual(0.85);
    const s = c.pgStats(7, START + 25)!.osd_stat.statfs;
    expect(1 - s.available / s.total).toBeGreaterThanOrEqual(0.85);
    expect((c.maps().osd_map!.osds as Array<{ state: string[] }>)[7]!.state).toEqual(['exists', 'up', 'nearfull']);
    c.setOsdFull(7, 0.97);
    expect((c.maps().osd_map!.osds as Array<{ state: string[] }>)[7]!.state).toEqual(['exists', 'up', 'full']);
    expect(c.sampleCounters('osd.7', START + 30)[offsetOf(c, 'osd', 'osd.stat_bytes_used')]! / c.topo.osds[7]!.sizeBytes).toBeGreaterThan(0.95);
  });

  test('scrub then deep scrub', () => {
    const c = cluster({ backgroundScrub: false });
    c.startScrub(2);
    let now = run(c, START, 3);
    expect(c.pgSummary()['active+clean+scrubbing']).toBeGreaterThan(0);
    const before = c.table.lastDeepScrub.slice();
    c.startScrub(undefined, true);
    let deepSeen = 0;
    for (let i = 0; i < 200; i++) {
      now = run(c, now, 20, 20);
      deepSeen = Math.max(deepSeen, c.pgSummary()['active+clean+scrubbing+deep'] ?? 0);
    }
    expect(deepSeen).toBeGreaterThan(0);
    let deepened = 0;
    for (let pg = 0; pg < c.table.n; pg++) if (c.table.lastDeepScrub[pg]! > before[pg]!) deepened++;
    expect(deepened).toBeGreaterThan(0);
    const r = c.pgStats(0, now)!.pg_stats.find((x) => x.last_deep_scrub_stamp > START);
    expect(r?.last_scrub_stamp).toBeGreaterThanOrEqual(r!.last_deep_scrub_stamp);
    expect(() => c.startScrub(99)).toThrow(/no pool with id 99/);
  });

  test('a mon going down raises MON_DOWN and changes quorum', () => {
    const c = cluster({ osds: 16 });
    expect(c.maps().health_checks).toEqual({});
    const v = c.mapVersion;
    c.killMon('b');
    expect(c.mapVersion).toBeGreaterThan(v);
    expect(c.isUp('mon.b')).toBe(false);
    const h = c.maps().health_checks!.MON_DOWN!;
    expect(h.severity).toBe('HEALTH_WARN');
    expect(h.summary.message).toBe('1/3 mons down, quorum a,c');
    const st = c.maps().mon_status as { quorum: number[] };
    expect(st.quorum).toEqual([0, 2]);
    c.reviveMon('mon.b');
    expect(c.maps().health_checks).toEqual({});
  });

  test('control calls reject unknown OSDs', () => {
    const c = cluster();
    expect(() => c.killOsd(12)).toThrow(/no OSD 12/);
    expect(() => c.setOsdFull(2, 1.5)).toThrow(/ratio/);
    expect(() => c.killMon('zz')).toThrow(/no mon named "zz"/);
  });

  test('maps() is cached until something changes', () => {
    const c = cluster({ backgroundScrub: false });
    const m = c.maps();
    run(c, START, 5);
    expect(c.maps()).toBe(m);
    c.killOsd(0);
    expect(c.maps()).not.toBe(m);
  });
});
