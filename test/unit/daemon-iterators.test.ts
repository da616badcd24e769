// The module API's per-daemon iterators (daemonCounters, daemonHealthMetrics):
// read one daemon per next(), so a reader can yield between two; what changes
// meanwhile (a daemon gone, a new one, a new report) is handled as documented.

import { describe, expect, it } from 'vitest';
import { MGR_OPTIONS } from '../../src/common/mgr-options.js';
import { OptionTable } from '../../src/common/options.js';
import { ClusterViewsImpl } from '../../src/mgr/cluster-views.js';
import { ClusterState } from '../../src/state/cluster-state.js';
import { DaemonStateIndex } from '../../src/state/daemon-state.js';
import type { MgrMap } from '../../src/mgr-module/mgr-map-types.js';
import type { MgrdStats } from '../../src/mgr-module/types.js';
import { SimCluster, makeOsdMap, type ClusterSpec } from '../helpers/pg-cluster.js';

function row(values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => b.writeDoubleLE(v, i * 8));
  return b;
}

function setup(n: number, cluster = new ClusterState()): { daemons: DaemonStateIndex; views: ClusterViewsImpl; report: (key: string, v: number) => void } {
  const daemons = new DaemonStateIndex();
  const views = new ClusterViewsImpl({
    cluster, daemons, mgrMap: () => ({}) as MgrMap, mgrOptions: new OptionTable(MGR_OPTIONS),
    mgrdStats: () => ({}) as MgrdStats, config: () => ({}), mgrIps: () => [], self: () => ({ id: 'x', metadata: {} }),
  });
  const report = (key: string, v: number): void => {
    const d = daemons.getOrCreate(key);
    if (d.width === 0) d.applySchema([{ path: 'osd.op', description: 'ops', nick: '', type: 10, priority: 5, unit: 'none' }], undefined);
    d.ingest(1000 + v, row([v]), 0, 1);
    d.healthMetrics = [{ type: 'SLOW_OPS', value: v }];
  };
  for (let i = 0; i < n; i++) report(`osd.${i}`, i);
  return { daemons, views, report };
}

describe('daemonCounters() / daemonHealthMetrics()', () => {
  it('give what forEachDaemonCounters and getDaemonHealthMetrics give, one daemon per next()', () => {
    const { views } = setup(1500);
    const eager: string[] = [];
    views.forEachDaemonCounters((d) => eager.push(`${d.daemon}=${d.values[0]}`));
    const lazy = [...views.daemonCounters()].map((d) => `${d.daemon}=${d.values[0]}`);
    expect(lazy).toEqual(eager);
    expect(lazy).toHaveLength(1500);
    expect(Object.fromEntries(views.daemonHealthMetrics())).toEqual(views.getDaemonHealthMetrics());
    // Rows are copies: a later report does not change what was read.
    const first = views.daemonCounters().next();
    expect(first.done).toBe(false);
    expect(first.value!.values[0]).toBe(0);
  });

  it('across changes between two next() calls: the daemons known at the start, each once; one gone is skipped, rows as last reported', () => {
    const { daemons, views, report } = setup(1000);
    const it = views.daemonCounters();
    const health = views.daemonHealthMetrics();
    const seen: string[] = [];
    const healthSeen: string[] = [];
    for (let k = 0; k < 10; k++) {
      seen.push(it.next().value!.daemon);
      healthSeen.push(health.next().value![0]);
    }
    // Meanwhile (what ingest does between two slices of a reader): one gone, one new, one reports again, one re-created.
    daemons.remove('osd.500');
    report('osd.5000', 5000);
    report('osd.600', 6000);
    daemons.remove('osd.700');
    report('osd.700', 7000);
    const rest = [...{ [Symbol.iterator]: () => it }];
    const all = [...seen, ...rest.map((d) => d.daemon)];
    expect(all).not.toContain('osd.500');
    expect(all).not.toContain('osd.5000'); // not known when the iterator started
    expect(all).not.toContain('osd.700'); // replaced by another DaemonState
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(998);
    expect(rest.find((d) => d.daemon === 'osd.600')!.values[0]).toBe(6000);
    const healthAll = [...healthSeen, ...[...{ [Symbol.iterator]: () => health }].map(([d]) => d)];
    expect(healthAll).toEqual(all);
  });
});

describe('daemonMetadata()', () => {
  it('gives getMetadata() of each daemon of a type, frozen and shared until the daemon sends new metadata; one gone meanwhile is skipped', () => {
    const { daemons, views } = setup(100);
    for (let i = 0; i < 100; i++) daemons.get(`osd.${i}`)!.setMetadata({ hostname: `h${i % 7}`, osd_objectstore: 'bluestore', id: String(i) });
    daemons.getOrCreate('mon.a').setMetadata({ hostname: 'm' });
    const all = [...views.daemonMetadata('osd')];
    expect(all).toHaveLength(100);
    for (const [id, meta] of all) expect(meta).toEqual(views.getMetadata('osd', id));
    expect(Object.isFrozen(all[3]![1])).toBe(true);
    // Not copied again on the next read, and a new OPEN's metadata is seen.
    const it = views.daemonMetadata('osd');
    expect(it.next().value![1]).toBe(all[0]![1]);
    daemons.get('osd.5')!.setMetadata({ hostname: 'moved' });
    daemons.remove('osd.9');
    const rest = new Map([...{ [Symbol.iterator]: () => it }]);
    expect(rest.get('5')).toEqual({ hostname: 'moved' });
    expect(rest.has('9')).toBe(false);
    expect(rest.get('6')).toBe(all[6]![1]);
    expect(rest.size).toBe(98);
  });

  it("hands out each daemon's one frozen metadata, no copy per daemon (daemonMetadata, get('osd_metadata')); getMetadata() still gives a copy of its own", () => {
    const { daemons, views } = setup(20);
    for (let i = 0; i < 20; i++) daemons.get(`osd.${i}`)!.setMetadata({ hostname: `h${i % 3}`, id: String(i) });
    const own = (id: string): object => daemons.get(`osd.${id}`)!.metadata;
    const viaIterator = [...views.daemonMetadata('osd')];
    const viaGet = views.get('osd_metadata');
    for (const [id, meta] of viaIterator) {
      expect(meta).toBe(own(id));
      expect(viaGet[id]).toBe(own(id));
      expect(Object.isFrozen(meta)).toBe(true);
    }
    expect(() => {
      (own('4') as Record<string, string>).hostname = 'changed';
    }).toThrow(TypeError);
    const copy = views.getMetadata('osd', '4')!;
    copy.hostname = 'mine';
    expect(views.getMetadata('osd', '4')!.hostname).toBe('h1');
    expect(views.get('osd_metadata')['4']!.hostname).toBe('h1');
  });
});

describe('osdPerfInfos()', () => {
  const SPEC: ClusterSpec = { numOsds: 40, osdsPerHost: 4, pools: [{ id: 1, name: 'data', size: 3, pgNum: 64 }] };

  it("gives get('osd_perf').osd_perf_infos one OSD per next(), each read when reached", () => {
    const cluster = new ClusterState();
    const sim = new SimCluster(SPEC);
    const t0 = sim.createdS;
    cluster.pgMap.applyOsdMap(makeOsdMap(SPEC, 10), t0);
    for (const msg of sim.messages(t0)) cluster.applyPgStats(msg, t0);
    cluster.tick(t0);
    const { views } = setup(0, cluster);
    const whole = views.get('osd_perf').osd_perf_infos;
    expect(whole).toHaveLength(SPEC.numOsds);
    expect(whole[7]).toEqual({ id: 7, perf_stats: { commit_latency_ms: 2.25, apply_latency_ms: 1.5, commit_latency_ns: 2_250_000, apply_latency_ns: 1_500_000 } });
    expect([...views.osdPerfInfos()]).toEqual(whole);

    // Between two next() calls an OSD reports again (ingest runs between two slices): its new latency is read.
    const it = views.osdPerfInfos();
    expect(it.next().value).toEqual(whole[0]);
    const later = t0 + 5;
    for (const msg of sim.messages(later)) {
      if (msg.osd === 7) msg.osd_stat.commit_latency_ms = 9;
      cluster.applyPgStats(msg, later);
    }
    const rest = [...{ [Symbol.iterator]: () => it }];
    expect(rest.map((o) => o.id)).toEqual(whole.slice(1).map((o) => o.id));
    expect(rest.find((o) => o.id === 7)!.perf_stats.commit_latency_ms).toBe(9);
  });
});
