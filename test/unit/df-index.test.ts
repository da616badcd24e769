// df and pg_summary are kept as reports arrive (DfIndex, OsdStateSummary),
// not built from every OSD per call. These tests drive a simulated cluster
// through a random sequence of reports and map changes (statfs up and down,
// OSDs out, in, gone and back, full_ratio, PG states and acting sets moving)
// and compare, after every step, the kept answer with one built from scratch:
// df with the from-scratch reading of every OSD (pg-map-df.ts), by_osd with a
// count over every PG. Then they count the work a call does.

import { afterEach, describe, expect, test, vi } from 'vitest';
import type { OsdMap } from '../../src/mgr-module/map-types.js';
import { ClusterState } from '../../src/state/cluster-state.js';
import { SimCluster } from '../../src/sim/model/sim-cluster.js';
import { df as dfFromScratch } from '../../src/state/pg-map-df.js';
import { OsdStatTable } from '../../src/state/osd-stat-table.js';
import { PgStateTable } from '../../src/state/pg-states.js';
import type { PGMap } from '../../src/state/pg-map.js';
import { mulberry32 as rng } from '../helpers/prng.js';

const T0 = 1_800_000_000;

/** by_osd counted over every PG's acting set (what OsdStateSummary must equal). */
function byOsdFromPgs(m: PGMap): Record<string, Record<string, number>> {
  const counts = new Map<number, Map<string, number>>();
  for (const pg of m.pgs()) {
    for (const osd of pg.acting) {
      if (osd < 0 || osd === 0x7fffffff) continue;
      let c = counts.get(osd);
      if (!c) counts.set(osd, (c = new Map()));
      const state = m.states.name(pg.stateId);
      c.set(state, (c.get(state) ?? 0) + 1);
    }
  }
  const out: Record<string, Record<string, number>> = {};
  for (const [osd, c] of counts) out[osd] = Object.fromEntries([...c].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
  return out;
}

/**
 * A simulated cluster in a ClusterState, every third OSD an ssd and the first
 * pool on a rule that takes the ssd OSDs only (the simulator's rules take
 * every OSD), so df has two rules and stats_by_class two classes.
 */
function cluster(osds: number, seed: number) {
  const sim = new SimCluster({ osds, seed, startS: T0, backgroundScrub: false });
  const cs = new ClusterState();
  const base = structuredClone(sim.maps());
  for (const n of (base.osd_map_tree as { nodes: Array<{ id: number; device_class?: string }> }).nodes) if (n.id >= 0) n.device_class = n.id % 3 === 0 ? 'ssd' : 'hdd';
  const crush = base.osd_map_crush as { rules: Array<Record<string, unknown>> };
  crush.rules.push({ rule_id: 7, rule_name: 'fast', ruleset: 7, min_size: 1, max_size: 10, steps: [{ op: 'take', item: -1, item_name: 'default~ssd' }, { op: 'emit' }] });
  const map = base.osd_map as OsdMap;
  map.pools = map.pools.map((p, i) => (i === 0 ? { ...p, crush_rule: 7 } : p));
  const initial = structuredClone(map);
  cs.applyMap(base);
  cs.settle();
  let osdMap = map;
  let epoch = map.epoch;
  const applyOsdMap = (change: (m: OsdMap) => void): void => {
    const next = structuredClone(osdMap);
    next.epoch = ++epoch;
    change(next);
    osdMap = next;
    cs.applyMap({ osd_map: next });
    cs.settle();
  };
  return { sim, cs, m: cs.pgMap, applyOsdMap, initial };
}

describe('df kept as reports arrive', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  test('equals df built from every OSD through a random sequence of reports and map changes', () => {
    const osds = 24;
    const { sim, cs, m, applyOsdMap, initial } = cluster(osds, 11);
    const r = rng(5);
    const int = (n: number): number => Math.floor(r() * n);
    let now = T0;
    const reportAll = (): void => {
      sim.advance(now);
      for (let osd = 0; osd < osds; osd++) {
        const msg = sim.pgStats(osd, now);
        if (msg) cs.applyPgStats(msg, now);
      }
    };
    reportAll();
    const check = (step: number): void => {
      const osdMap = cs.osdMap!;
      const kept = m.dfCommand(true, osdMap);
      expect(kept, `step ${step}`).toEqual(dfFromScratch(m, osdMap, m.topology, true));
      expect(m.dfCommand(false, osdMap), `step ${step}`).toEqual(dfFromScratch(m, osdMap, m.topology, false));
    };
    check(-1);
    const counted = { stats: 0, maps: 0, gone: 0, out: 0, zeroTotal: 0 };
    const removed: number[] = [];
    for (let step = 0; step < 400; step++) {
      now += 1;
      const what = r();
      if (what < 0.7) {
        // One OSD's report with new usage (the simulator's message, statfs changed): a few
        // reports fill an OSD to the brim, some report an empty (total 0) store.
        const osd = int(osds);
        const msg = sim.pgStats(osd, now);
        if (!msg) continue;
        const total = int(8) === 0 ? 0 : (1 + int(1000)) * 2 ** 30;
        if (total === 0) counted.zeroTotal++;
        const available = int(5) === 0 ? int(2 ** 20) : int(total + 1);
        msg.osd_stat = { ...msg.osd_stat, statfs: { ...msg.osd_stat.statfs, total, available, internally_reserved: int(2 ** 24), allocated: int(2 ** 40), omap_allocated: int(2 ** 30) } };
        cs.applyPgStats(msg, now);
        counted.stats++;
      } else if (what < 0.8) {
        // An OSD out (its stats zeroed until it reports again), or back in.
        const osd = int(osds);
        applyOsdMap((next) => {
          const o = next.osds.find((x) => x.osd === osd);
          if (o) o.in = o.in === 1 ? 0 : 1;
        });
        counted.out++;
      } else if (what < 0.87) {
        // An OSD leaves the osd map (its stats go), or one that left comes back.
        if (removed.length > 0 && r() < 0.5) {
          const back = removed.pop()!;
          const full = initial.osds.find((x) => x.osd === back)!;
          applyOsdMap((next) => {
            next.osds = [...next.osds, full].sort((a, b) => a.osd - b.osd);
          });
        } else {
          const osd = int(osds);
          if (!removed.includes(osd)) removed.push(osd);
          applyOsdMap((next) => {
            next.osds = next.osds.filter((x) => x.osd !== osd);
          });
        }
        counted.gone++;
      } else if (what < 0.9) {
        applyOsdMap((next) => {
          next.full_ratio = [0.95, 0.9, 0.97][int(3)]!;
        });
        counted.maps++;
      } else {
        reportAll();
      }
      check(step);
    }
    // Each path ran (a sequence that never took one would prove nothing about it).
    expect(counted.stats).toBeGreaterThan(200);
    expect(counted.zeroTotal).toBeGreaterThan(10);
    expect(counted.out).toBeGreaterThan(20);
    expect(counted.gone).toBeGreaterThan(10);
    expect(counted.maps).toBeGreaterThan(3);
    const kept = m.dfCommand(true, cs.osdMap) as { stats_by_class: Record<string, unknown>; pools: Array<{ stats: { max_avail: number } }> };
    expect(Object.keys(kept.stats_by_class).sort()).toEqual(['hdd', 'ssd']);
    expect(kept.pools.some((p) => p.stats.max_avail > 0)).toBe(true);
    cs.dispose();
  });

  test('a df call reads no OSD once its sums are kept: the work per call does not grow with the OSDs', () => {
    for (const osds of [12, 96]) {
      const { sim, cs, m } = cluster(osds, 3);
      sim.advance(T0 + 5);
      for (let osd = 0; osd < osds; osd++) cs.applyPgStats(sim.pgStats(osd, T0 + 5)!, T0 + 5);
      m.df(cs.osdMap); // the first call builds the index: every OSD once
      const gets = vi.spyOn(OsdStatTable.prototype, 'get');
      const entries = vi.spyOn(OsdStatTable.prototype, 'entries');
      sim.advance(T0 + 10);
      for (let osd = 0; osd < osds; osd++) cs.applyPgStats(sim.pgStats(osd, T0 + 10)!, T0 + 10);
      const reportGets = gets.mock.calls.length;
      for (let i = 0; i < 5; i++) m.df(cs.osdMap);
      expect(gets.mock.calls.length - reportGets).toBe(0);
      expect(entries).not.toHaveBeenCalled();
      // From scratch, the same call reads every OSD for each class and each rule.
      dfFromScratch(m, cs.osdMap, m.topology, true);
      expect(gets.mock.calls.length - reportGets).toBeGreaterThanOrEqual(2 * osds);
      vi.restoreAllMocks();
      cs.dispose();
    }
  });
});

describe('pg_summary by_osd kept as PG states move', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  test('equals a count over every PG through random state and acting-set changes', () => {
    const osds = 18;
    const { sim, cs, m, applyOsdMap } = cluster(osds, 21);
    const r = rng(9);
    const int = (n: number): number => Math.floor(r() * n);
    let now = T0;
    const states = ['active+clean', 'active+clean+scrubbing', 'active+undersized+degraded', 'peering', 'active+clean+scrubbing+deep'];
    let prev: Record<string, unknown> | undefined;
    for (let step = 0; step < 250; step++) {
      now += 1;
      sim.advance(now);
      const what = r();
      if (what < 0.85) {
        const osd = int(osds);
        const msg = sim.pgStats(osd, now);
        if (msg) {
          // Some of its PGs change state; some move to another acting set.
          for (const pg of msg.pg_stats) {
            if (r() < 0.2) pg.state = states[int(states.length)]!;
            if (r() < 0.05) {
              const other = (osd + 1 + int(osds - 1)) % osds;
              pg.acting = [osd, other];
              pg.up = [osd, other];
            }
          }
          cs.applyPgStats(msg, now);
        }
      } else {
        // A primary goes down in the map: its PGs go stale (counts move without a report).
        const osd = int(osds);
        applyOsdMap((next) => {
          const o = next.osds.find((x) => x.osd === osd);
          if (o) o.up = o.up === 1 ? 0 : 1;
        });
      }
      const summary = m.pgSummary();
      expect(summary.by_osd, `step ${step}`).toEqual(byOsdFromPgs(m));
      expect(Object.isFrozen(summary.by_osd)).toBe(true);
      // An OSD whose counts did not move keeps the very object of the last summary.
      if (prev) {
        const before = prev.by_osd as Record<string, object>;
        const after = summary.by_osd as Record<string, object>;
        const same = Object.keys(after).filter((k) => before[k] === after[k]).length;
        expect(same).toBeGreaterThan(0);
      }
      prev = summary;
    }
    cs.dispose();
  });

  test('a pg_summary names only the OSDs whose counts moved since the last one', () => {
    const osds = 60;
    const { sim, cs, m } = cluster(osds, 4);
    sim.advance(T0 + 5);
    for (let osd = 0; osd < osds; osd++) cs.applyPgStats(sim.pgStats(osd, T0 + 5)!, T0 + 5);
    m.pgSummary();
    const names = vi.spyOn(PgStateTable.prototype, 'name');
    // With nothing changed, a call names the pools' and the cluster's states only.
    m.pgSummary();
    const quiet = names.mock.calls.length;
    expect(quiet).toBeLessThan(osds);
    // Reports that change no PG's state or acting set: no OSD is named again.
    sim.advance(T0 + 10);
    for (let osd = 0; osd < osds; osd++) cs.applyPgStats(sim.pgStats(osd, T0 + 10)!, T0 + 10);
    names.mockClear();
    m.pgSummary();
    expect(names.mock.calls.length).toBe(quiet);
    // One PG changes state: its acting OSDs (two or three) are named again, nobody else.
    const msg = sim.pgStats(0, T0 + 11)!;
    const pg = msg.pg_stats[0]!;
    pg.state = 'active+clean+scrubbing';
    msg.pg_stats = [pg];
    cs.applyPgStats(msg, T0 + 11);
    names.mockClear();
    m.pgSummary();
    // Each acting OSD now has two states (two names), its pool and `all` one more each.
    expect(names.mock.calls.length - quiet).toBeLessThanOrEqual(pg.acting.length * 2 + 2);
    expect(names.mock.calls.length - quiet).toBeGreaterThan(0);
    cs.dispose();
  });
});
