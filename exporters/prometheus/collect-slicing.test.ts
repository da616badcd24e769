// A collection never reads a large cluster in one event-loop turn (issue 17
// item 2). The cluster's iterators record in which turn each daemon is read,
// and the collection's slicer runs on a fake clock that only those reads move
// (10 µs a daemon): the slicing is checked by counting turns, not by timing,
// so the test holds on a loaded machine and fails if a read is made whole.

import { afterEach, describe, expect, it } from 'vitest';
import { CHECK_EVERY, type DaemonCounters, type DaemonHealthMetrics, type GetName, type OsdPerfInfo, type Snapshot } from '../../src/mgr-module/index.js';
import { Collector, type Collection } from './collector.js';
import { parseExposition } from './exposition-parse.js';
import { HealthHistory } from './health-history.js';
import { ReferenceCluster } from './reference-cluster.js';

const OSDS = 6000;
/** Fake milliseconds a daemon's read takes: 512 daemons (one budget check) are 5.12 ms, over the 2 ms budget. */
const READ_MS = 0.01;
const SLICE_MS = 2;

type OsdMap = { osds: Array<Record<string, unknown> & { osd: number }> } & Record<string, unknown>;
type Crush = { devices: Array<{ id: number; class: string; name: string }> } & Record<string, unknown>;

/** The reference cluster with `extra` more OSDs (ids from 100) in its maps, reporting counters (osd.0's schema), metadata and health metrics. */
class LargeCluster extends ReferenceCluster {
  private readonly osdMap: OsdMap;
  private readonly crush: Crush;
  clock = 0;
  turn = 0;
  /** Per read: how many daemons it read in each event-loop turn. */
  readonly perTurn = new Map<string, Map<number, number>>();
  private ticker: NodeJS.Immediate | undefined;

  constructor(readonly extra = OSDS) {
    super();
    // Kept as objects across reads, as the core keeps its maps until they change.
    const map = super.get('osd_map') as unknown as OsdMap;
    const crush = super.get('osd_map_crush') as unknown as Crush;
    const osd0 = map.osds.find((o) => o.osd === 0)!;
    for (let i = 100; i < 100 + extra; i++) {
      map.osds.push({ ...osd0, osd: i });
      crush.devices.push({ id: i, class: 'hdd', name: `osd.${i}` });
    }
    this.osdMap = map;
    this.crush = crush;
  }

  override get<N extends GetName>(name: N): Snapshot<N> {
    if (name === 'osd_map') return this.osdMap as unknown as Snapshot<N>;
    if ((name as string) === 'osd_map_crush') return this.crush as unknown as Snapshot<N>;
    return super.get(name);
  }

  /** Counts event-loop turns (one increment per check phase) until stop(). */
  start(): void {
    const tick = (): void => {
      this.turn++;
      this.ticker = setImmediate(tick);
    };
    this.ticker = setImmediate(tick);
  }

  stop(): void {
    if (this.ticker !== undefined) clearImmediate(this.ticker);
  }

  private read(what: string): void {
    this.clock += READ_MS;
    let turns = this.perTurn.get(what);
    if (turns === undefined) this.perTurn.set(what, (turns = new Map()));
    turns.set(this.turn, (turns.get(this.turn) ?? 0) + 1);
  }

  override *daemonCounters(svcType?: string): Generator<DaemonCounters, void, undefined> {
    let osd0: DaemonCounters | undefined;
    for (const d of super.daemonCounters(svcType)) {
      if (d.daemon === 'osd.0') osd0 = d;
      this.read('daemonCounters');
      yield d;
    }
    if (osd0 === undefined) return;
    for (let i = 100; i < 100 + this.extra; i++) {
      this.read('daemonCounters');
      yield { ...osd0, daemon: `osd.${i}`, id: String(i), values: osd0.values.map((v, k) => (k === 0 ? i : v)) };
    }
  }

  override *daemonHealthMetrics(): Generator<[string, DaemonHealthMetrics[string]], void, undefined> {
    for (const e of super.daemonHealthMetrics()) {
      this.read('daemonHealthMetrics');
      yield e;
    }
    for (let i = 100; i < 100 + this.extra; i++) {
      this.read('daemonHealthMetrics');
      yield [`osd.${i}`, [{ type: 'SLOW_OPS', value: i % 3 }, { type: 'PENDING_CREATING_PGS', value: 0 }]];
    }
  }

  override *daemonMetadata(svcType: string): Generator<[string, Readonly<Record<string, string>>], void, undefined> {
    for (const e of super.daemonMetadata(svcType)) {
      this.read('daemonMetadata');
      yield e;
    }
    if (svcType !== 'osd') return;
    for (let i = 100; i < 100 + this.extra; i++) {
      this.read('daemonMetadata');
      yield [String(i), { hostname: `host${i % 100}`, osd_objectstore: 'bluestore', bluestore_bdev_dev_node: `/dev/sd${i % 7}` }];
    }
  }

  override *osdPerfInfos(): Generator<OsdPerfInfo, void, undefined> {
    for (const o of super.osdPerfInfos()) {
      this.read('osdPerfInfos');
      yield o;
    }
    for (let i = 100; i < 100 + this.extra; i++) {
      this.read('osdPerfInfos');
      yield { id: i, perf_stats: { commit_latency_ms: i, apply_latency_ms: 1, commit_latency_ns: i * 1e6, apply_latency_ns: 1e6 } };
    }
  }
}

const collectors: Collector[] = [];
afterEach(async () => {
  await Promise.all(collectors.splice(0).map((c) => c.close()));
});

async function collectLarge(worker: boolean, extra = OSDS): Promise<{ cluster: LargeCluster; text: string; c: Collection }> {
  const cluster = new LargeCluster(extra);
  const collector = new Collector(cluster, new HealthHistory(undefined, 1000), { warn: () => undefined, historyChanged: () => undefined }, worker ? { renderWorker: true } : { strict: true });
  collectors.push(collector);
  cluster.start();
  try {
    const c = await collector.collect({ excludePerfCounters: false, minPriority: 5, sliceMs: SLICE_MS, clock: () => cluster.clock });
    expect(c.errors).toEqual([]);
    const text = c.parts.text.map((p) => (typeof p === 'string' ? p : p.toString('utf8'))).join('');
    return { cluster, text, c };
  } finally {
    cluster.stop();
  }
}

describe('a collection reads a large cluster in slices', () => {
  it.each([
    ['in process (strict writer)', false],
    ['with the render worker', true],
  ])('%s: per-daemon counters, health metrics, OSD latencies and metadata over many turns, at most one budget check of daemons in each', async (_, worker) => {
    const { cluster, text } = await collectLarge(worker);
    for (const read of ['daemonCounters', 'daemonHealthMetrics', 'osdPerfInfos', 'daemonMetadata']) {
      const turns = cluster.perTurn.get(read);
      expect(turns, read).toBeDefined();
      const counts = [...turns!.values()];
      expect(counts.reduce((a, b) => a + b, 0), read).toBeGreaterThan(OSDS);
      // Read whole, one turn would hold every daemon; sliced, none holds more than a budget check's worth.
      expect(Math.max(...counts), read).toBeLessThanOrEqual(CHECK_EVERY);
      expect(turns!.size, read).toBeGreaterThanOrEqual(Math.floor(OSDS / CHECK_EVERY));
    }
    // Nothing lost or doubled by the slicing: every OSD once in a perf family and in the health metrics.
    const body = parseExposition(text);
    const op = body.families.get('ceph_osd_op')!.samples.map((s) => s.labels[0]![1]);
    expect(op.length).toBe(OSDS + 4);
    expect(new Set(op).size).toBe(op.length);
    const health = body.families.get('ceph_daemon_health_metrics')!.samples.filter((s) => s.labels.some(([, v]) => v === 'osd.100'));
    expect(health.map((s) => [Object.fromEntries(s.labels).type, s.value])).toEqual([['SLOW_OPS', 1], ['PENDING_CREATING_PGS', 0]]);
    const commit = body.families.get('ceph_osd_commit_latency_ms')!.samples;
    expect(commit).toHaveLength(OSDS + 4);
    expect(commit.find((s) => s.labels[0]![1] === 'osd.4242')!.value).toBe(4242);
  });

  it('the event loop writes every per-OSD sample from label bytes kept per daemon: label lookups do not grow with the OSDs', async () => {
    const small = await collectLarge(true, OSDS / 2);
    const large = await collectLarge(true, OSDS);
    // Per OSD: metadata, up/in/weight, disk occupation, two latencies, two health metrics, perf counters (in the worker).
    const body = parseExposition(large.text);
    for (const f of ['ceph_osd_metadata', 'ceph_osd_up', 'ceph_disk_occupation', 'ceph_osd_apply_latency_ms', 'ceph_daemon_health_metrics']) {
      expect(body.families.get(f)!.samples.length, f).toBeGreaterThanOrEqual(OSDS);
    }
    expect(large.c.series - small.c.series).toBeGreaterThan(8 * (OSDS / 2));
    // Only the families of a size set by pools, mons, mgrs, modules and health checks look label bytes up.
    expect(large.c.labelLookups).toBeGreaterThan(0);
    expect(large.c.labelLookups).toBe(small.c.labelLookups);
    expect(large.c.labelLookups).toBeLessThan(500);
  });
});
