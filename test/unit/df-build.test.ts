// The df index's builders on typed arrays (session 11) against the Map-based
// code they replaced, on random CRUSH maps: device classes, several rules and
// takes (a class no OSD has, an OSD taken directly, a missing name), OSDs
// under two buckets, children without a device, sparse and very large ids
// (the look-up's Map fallback). Then the build ahead of the first reader:
// a reader in the middle of it gets the same df, a map change in the middle
// makes it start on the new map, and once it ran a df reads no OSD.

import { afterEach, describe, expect, test, vi } from 'vitest';
import type { OsdMap } from '../../src/mgr-module/map-types.js';
import { ClusterState } from '../../src/state/cluster-state.js';
import { CrushTopology, type CrushDump } from '../../src/state/crush-topology.js';
import { DfIndex, ruleAvailScratch } from '../../src/state/df-index.js';
import { IdSlots } from '../../src/state/id-slots.js';
import { OsdStatTable } from '../../src/state/osd-stat-table.js';
import { df as dfFromScratch } from '../../src/state/pg-map-df.js';
import { STATFS_COL as F, STATFS_W } from '../../src/state/stat-vectors.js';
import { SimCluster } from '../../src/sim/model/sim-cluster.js';
import { mulberry32 as rng } from '../helpers/prng.js';

const T0 = 1_800_000_000;

/** A random crush dump; `rules` takes list [name, class?] or an OSD by name. */
function randomCrush(seed: number): CrushDump {
  const r = rng(seed);
  const int = (n: number): number => Math.floor(r() * n);
  const n = 1 + int(60);
  const sparse = int(3);
  const ids = new Set<number>();
  while (ids.size < n) ids.add(sparse === 0 ? int(n + 3) : sparse === 1 ? int(5000) : int(2) === 0 ? int(n) : 100_000 + int(10_000_000));
  const osds = [...ids];
  const classes = ['hdd', 'ssd', undefined, 'hdd'];
  const devices = osds.map((id) => ({ id, name: `osd.${id}`, ...(classes[int(4)] ? { class: classes[int(4)]! } : {}) }));
  const roots = 1 + int(2);
  const hosts = 1 + int(8);
  const buckets: NonNullable<CrushDump['buckets']> = [];
  const weight = (): number => [0, 0x10000, 0x8000, 0x2c000, int(0x40000)][int(5)]!;
  for (let h = 0; h < hosts; h++) buckets.push({ id: -10 - h, name: `host${h}`, type_id: 1, type_name: 'host', items: [] });
  for (const id of osds) {
    buckets[int(hosts)]!.items.push({ id, weight: weight() });
    if (int(10) === 0) buckets[int(hosts)]!.items.push({ id, weight: weight() }); // under two hosts, or twice in one
  }
  if (int(3) === 0) buckets[int(hosts)]!.items.push({ id: 9_999_999, weight: 0x10000 }); // no such device
  for (let k = 0; k < roots; k++) {
    const items = [];
    for (let h = 0; h < hosts; h++) if (k === 0 || int(2) === 0) items.push({ id: -10 - h, weight: 0 });
    buckets.unshift({ id: -1 - k, name: `root${k}`, type_id: 11, type_name: 'root', items });
  }
  if (int(2) === 0) buckets.push({ id: -100, name: 'root0~ssd', type_id: 11, type_name: 'root', items: [] }); // shadow: skipped
  const rules: NonNullable<CrushDump['rules']> = [];
  const nRules = 1 + int(4);
  for (let i = 0; i < nRules; i++) {
    const steps: Array<{ op: string; item?: number; item_name?: string }> = [];
    const takes = 1 + int(2);
    for (let t = 0; t < takes; t++) {
      const pick = int(8);
      const name = pick === 0 ? `osd.${osds[int(n)]!}` : pick === 1 ? 'nowhere' : `root${int(roots)}${['', '~hdd', '~ssd', '~nvme'][int(4)]!}`;
      steps.push({ op: 'take', item_name: name });
      steps.push({ op: 'chooseleaf_firstn', item: 0 });
    }
    steps.push({ op: 'emit' });
    rules.push({ rule_id: i * 2, steps });
  }
  return { buckets, devices, rules, types: [{ type_id: 0, name: 'osd' }, { type_id: 1, name: 'host' }, { type_id: 11, name: 'root' }] };
}

/** The rule's takes as the topology reads them (readRules), or every root when the rule is not there. */
function takesOf(crush: CrushDump, topo: CrushTopology, ruleId: number): Array<{ root: number; deviceClass: string | undefined }> {
  const rule = crush.rules!.find((x) => x.rule_id === ruleId);
  const byName = new Map<string, number>();
  for (const b of crush.buckets!) if (!b.name.includes('~')) byName.set(b.name, b.id);
  for (const d of crush.devices!) byName.set(d.name, d.id);
  if (!rule) {
    const children = new Set(crush.buckets!.filter((b) => !b.name.includes('~')).flatMap((b) => b.items.map((i) => i.id)));
    return crush.buckets!.filter((b) => !b.name.includes('~') && !children.has(b.id) && topo.has(b.id)).map((b) => ({ root: b.id, deviceClass: undefined }));
  }
  const out = [];
  for (const s of rule.steps) {
    if (s.op !== 'take') continue;
    const [rootName, cls] = (s.item_name ?? '').split('~');
    const root = rootName ? byName.get(rootName) : s.item;
    if (root !== undefined) out.push({ root, deviceClass: cls });
  }
  return out;
}

/** The Map-based get_rule_weight_osd_map of sessions 9-10, as it was. */
function oldRuleWeightMap(topo: CrushTopology, takes: Array<{ root: number; deviceClass: string | undefined }>): Map<number, number> {
  const out = new Map<number, number>();
  for (const take of takes) {
    const osds = take.root >= 0 ? [take.root] : topo.osdsUnder(take.root).filter((o) => !take.deviceClass || topo.deviceClass(o) === take.deviceClass);
    let sum = Math.fround(0);
    const ws = osds.map((o) => {
      const w = take.root >= 0 ? 0x10000 : Math.round((topo.node(o)?.crushWeight ?? 0) * 0x10000);
      sum = Math.fround(sum + w);
      return w;
    });
    if (sum === 0) continue;
    osds.forEach((o, i) => out.set(o, Math.fround((out.get(o) ?? 0) + Math.fround(ws[i]! / sum))));
  }
  return out;
}

/** The Map-based osdsByClass. */
function oldOsdsByClass(topo: CrushTopology, ids: number[]): Map<string, Int32Array> {
  const lists = new Map<string, number[]>();
  for (const id of ids) {
    const c = topo.deviceClass(id);
    if (!topo.has(id) || !c) continue;
    let l = lists.get(c);
    if (!l) lists.set(c, (l = []));
    l.push(id);
  }
  return new Map([...lists.keys()].sort().map((c) => [c, Int32Array.from(lists.get(c)!).sort()]));
}

function vec(r: () => number): Float64Array {
  const v = new Float64Array(STATFS_W);
  const total = Math.floor(r() * 8) === 0 ? 0 : Math.floor(1 + r() * 1000) * 2 ** 30;
  v[F.total] = total;
  v[F.available] = Math.floor(r() * (total + 1));
  v[F.allocated] = Math.floor(r() * 2 ** 40);
  return v;
}

describe('df builders on typed arrays equal the Map-based ones', () => {
  test('IdSlots: dense and sparse ids, repeats keep their last slot', () => {
    for (const ids of [[0, 1, 2, 5], [3, 3, 1], [10_000_000, 4, 7], [-1, 2], [0.5, 1]]) {
      const s = new IdSlots(ids);
      const m = new Map(ids.map((id, i) => [id, i]));
      for (const id of [...ids, 6, 8, -5, 99_999_999]) expect(s.slot(id), `${ids.join()} ${id}`).toBe(m.get(id) ?? -1);
      ids.forEach((id, i) => {
        if (m.get(id) === i) expect(s.idAt(i)).toBe(id);
      });
    }
  });

  test('rule weights and OSDs by class, on 300 random CRUSH maps', () => {
    let multiTake = 0;
    let repeated = 0;
    let classTakes = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const crush = randomCrush(seed);
      const topo = CrushTopology.fromCrush(crush);
      const ruleIds = [...crush.rules!.map((x) => x.rule_id), 77];
      for (const id of ruleIds) {
        const takes = takesOf(crush, topo, id);
        if (takes.length > 1) multiTake++;
        if (takes.some((t) => t.deviceClass)) classTakes++;
        const want = oldRuleWeightMap(topo, takes);
        const got = topo.ruleWeights(id);
        expect([...got.osds], `seed ${seed} rule ${id}`).toEqual([...want.keys()]);
        expect([...got.weights], `seed ${seed} rule ${id}`).toEqual([...want.values()]);
        expect(topo.ruleWeights(id)).toBe(got);
      }
      if (crush.buckets!.some((b) => new Set(b.items.map((i) => i.id)).size < b.items.length)) repeated++;
      const devIds = crush.devices!.map((d) => d.id);
      const byClass = topo.osdsByClass();
      const want = oldOsdsByClass(topo, devIds);
      expect([...byClass.keys()], `seed ${seed}`).toEqual([...want.keys()]);
      for (const [c, l] of want) expect([...byClass.get(c)!], `seed ${seed} ${c}`).toEqual([...l]);
    }
    // The cases the generator is there for came up.
    expect(multiTake).toBeGreaterThan(50);
    expect(repeated).toBeGreaterThan(20);
    expect(classTakes).toBeGreaterThan(100);
  });

  test('rules with the same takes share their weights (one tree in df)', () => {
    const crush = randomCrush(5);
    crush.rules = [0, 1, 2].map((rule_id) => ({ rule_id, steps: [{ op: 'take', item_name: 'root0' }, { op: 'emit' }] }));
    const topo = CrushTopology.fromCrush(crush);
    expect(topo.ruleWeights(1)).toBe(topo.ruleWeights(0));
    expect(topo.ruleWeights(2)).toBe(topo.ruleWeights(0));
  });

  test('DfIndex: class sums and rule avail equal the from-scratch reading through random reports', () => {
    for (let seed = 1; seed <= 120; seed++) {
      const crush = randomCrush(seed);
      const topo = CrushTopology.fromCrush(crush);
      const r = rng(seed + 1000);
      const ids = [...crush.devices!.map((d) => d.id), 123_456_789]; // one that reports but is in no bucket
      const vecs = new Map<number, Float64Array>();
      for (const id of ids) if (r() < 0.7) vecs.set(id, vec(r));
      const fullRatio = Math.fround([0.95, 0.9][Math.floor(r() * 2)]!);
      const idx = new DfIndex(undefined, topo, fullRatio, (id) => vecs.get(id), [...vecs].map(([osd, v]) => ({ osd, vec: v })));
      const ruleIds = [...crush.rules!.map((x) => x.rule_id), 77];
      const check = (step: number): void => {
        for (const id of ruleIds) {
          expect(idx.ruleAvail(id), `seed ${seed} step ${step} rule ${id}`).toBe(ruleAvailScratch(topo.ruleWeights(id), fullRatio, (o) => vecs.get(o)));
        }
        const want: Array<[string, number[]]> = [];
        for (const [cls, l] of topo.osdsByClass()) {
          let s: Float64Array | undefined;
          for (const id of l) {
            const v = vecs.get(id);
            if (!v) continue;
            s ??= new Float64Array(STATFS_W);
            for (let i = 0; i < STATFS_W; i++) s[i]! += v[i]!;
          }
          if (s) want.push([cls, [...s]]);
        }
        expect(idx.classSums().map(([c, v]) => [c, [...v]]), `seed ${seed} step ${step}`).toEqual(want);
      };
      check(-1);
      for (let step = 0; step < 30; step++) {
        const id = ids[Math.floor(r() * ids.length)]!;
        const old = vecs.get(id);
        const what = r();
        if (what < 0.15 && old) {
          idx.leave(id, old, true);
          vecs.delete(id);
        } else {
          const v = vec(r);
          if (old) idx.leave(id, old, false);
          vecs.set(id, v);
          idx.enter(id, v);
        }
        check(step);
      }
    }
  });
});

/** A simulated cluster with every third OSD an ssd and a rule over the ssd OSDs for the first pool (as df-index.test.ts). */
function cluster(osds: number, seed: number) {
  const sim = new SimCluster({ osds, seed, startS: T0, backgroundScrub: false });
  const cs = new ClusterState();
  const base = structuredClone(sim.maps());
  for (const n of (base.osd_map_tree as { nodes: Array<{ id: number; device_class?: string }> }).nodes) if (n.id >= 0) n.device_class = n.id % 3 === 0 ? 'ssd' : 'hdd';
  const crush = base.osd_map_crush as { rules: Array<Record<string, unknown>> };
  crush.rules.push({ rule_id: 7, rule_name: 'fast', ruleset: 7, min_size: 1, max_size: 10, steps: [{ op: 'take', item: -1, item_name: 'default~ssd' }, { op: 'emit' }] });
  const map = base.osd_map as OsdMap;
  map.pools = map.pools.map((p, i) => (i === 0 ? { ...p, crush_rule: 7 } : p));
  cs.applyMap(base);
  const report = (nowS: number): void => {
    sim.advance(nowS);
    for (let osd = 0; osd < osds; osd++) cs.applyPgStats(sim.pgStats(osd, nowS)!, nowS);
  };
  return { sim, cs, m: cs.pgMap, base, report };
}

describe('df and pg_summary built ahead of the first reader', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  test('a reader after any number of slices gets the df and by_osd built from scratch', () => {
    const osds = 30;
    let steps = 0;
    for (let k = 0; ; k++) {
      const { cs, m, report } = cluster(osds, 2);
      report(T0 + 5);
      cs.tick(T0 + 5);
      // One step per call: a deadline in the past.
      let done = false;
      for (let i = 0; i < k && !done; i++) done = m.prepareViews(0);
      expect(m.df(cs.osdMap), `after ${k} slices`).toEqual(dfFromScratch(m, cs.osdMap, m.topology, true));
      const summary = m.pgSummary().by_osd as Record<string, Record<string, number>>;
      expect(Object.keys(summary).length).toBe(osds);
      report(T0 + 10);
      expect(m.df(cs.osdMap), `after ${k} slices, then reports`).toEqual(dfFromScratch(m, cs.osdMap, m.topology, true));
      cs.dispose();
      if (done) break;
      steps = k;
    }
    // The build took several slices (a test of one slice would prove nothing about the middle).
    expect(steps).toBeGreaterThanOrEqual(3);
  });

  test('a map change in the middle: the build goes on with the new topology and full ratio', () => {
    const { cs, m, base, report } = cluster(30, 3);
    report(T0 + 5);
    cs.tick(T0 + 5);
    expect(m.prepareViews(0)).toBe(false);
    expect(m.prepareViews(0)).toBe(false);
    // Every OSD an ssd now, and another full ratio: classes, rule weights and projections all change.
    const tree = structuredClone(base.osd_map_tree) as { nodes: Array<{ id: number; device_class?: string }> };
    for (const n of tree.nodes) if (n.id >= 0) n.device_class = 'ssd';
    const map = structuredClone<OsdMap>(cs.osdMap!);
    map.epoch++;
    map.full_ratio = 0.9;
    cs.applyMap({ osd_map: map, osd_map_tree: tree });
    const topo = m.topology!;
    let n = 0;
    while (!m.prepareViews(0)) n++;
    expect(n).toBeGreaterThan(0);
    // Built for the new topology: df reads no OSD and equals the from-scratch df of the new maps.
    const gets = vi.spyOn(OsdStatTable.prototype, 'get');
    const kept = m.df(cs.osdMap) as { stats_by_class: Record<string, unknown> };
    expect(gets).not.toHaveBeenCalled();
    expect(m.topology).toBe(topo);
    expect(kept).toEqual(dfFromScratch(m, cs.osdMap, topo, true));
    expect(Object.keys(kept.stats_by_class)).toEqual(['ssd']);
    cs.dispose();
  });

  test('in the event loop: after a map and a tick the slices run by themselves, and the first df reads no OSD', async () => {
    const osds = 40;
    const { cs, m, report } = cluster(osds, 4);
    report(T0 + 5);
    cs.tick(T0 + 5);
    const ruleWeights = vi.spyOn(CrushTopology.prototype, 'ruleWeights');
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    expect(ruleWeights).toHaveBeenCalled();
    ruleWeights.mockClear();
    const gets = vi.spyOn(OsdStatTable.prototype, 'get');
    const df = cs.snapshot('df', () => m.df(cs.osdMap));
    const summary = cs.snapshot('pg_summary', () => m.pgSummary()) as { by_osd: Record<string, unknown> };
    expect(gets).not.toHaveBeenCalled();
    expect(ruleWeights).not.toHaveBeenCalled();
    expect(m.prepareViews(0)).toBe(true);
    expect(df).toEqual(dfFromScratch(m, cs.osdMap, m.topology, true));
    expect(Object.keys(summary.by_osd).length).toBe(osds);
    cs.dispose();
  });
});
