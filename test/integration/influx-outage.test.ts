// Outages of real servers: InfluxDB 1.6 and VictoriaMetrics (/api/v2/write)
// are stopped by PID in the middle of a run and started again on the same
// port and data. Points produced meanwhile wait in the queue up to its bound,
// the oldest beyond it are dropped, and the counts agree exactly with what the
// server holds: sent + dropped = produced, and the server has every point sent.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SimRunner } from '../../src/sim/sim-runner.js';
import type { Module } from '../../exporters/influx/module.js';
import { startInfluxTestCluster, waitFor, type TestMgr } from '../helpers/harness.js';
import { influxCount, influxQuery, startInfluxd, startVictoriaMetrics, vmCount, vmExport, type RealServer } from '../helpers/influx-servers.js';

const ADMIN = { entity: 'client.admin', read: true, write: true };
const BATCH = 100;
const THREADS = 2;

describe('influx module: a real server stopped mid-run and restarted', () => {
  let influx: RealServer;
  let vm: RealServer;
  let t: TestMgr;
  let sim: SimRunner;
  const run = (...argv: string[]) => t.mgr.runCommand(ADMIN, { argv });
  const mod = (): Module => t.mgr.registry.get('influx')!.instance as unknown as Module;
  const set = async (o: string, v: string | number): Promise<void> => {
    const r = await run('config', 'set', 'mgr', `mgr/influx/${o}`, String(v));
    expect(r.r, r.outs).toBe(0);
  };
  const checks = async (): Promise<Record<string, { summary: { message: string; count: number } }>> =>
    JSON.parse((await run('health', 'detail', '--format', 'json')).outb).checks;
  /** One interval, built and handed to the push loop; returns its points and timestamp. */
  const interval = async (): Promise<{ points: number }> => {
    const before = mod().lastBuild;
    await run('influx', 'send');
    await waitFor(() => mod().lastBuild !== before, 30_000, 'an interval');
    await new Promise((r) => setTimeout(r, 5)); // a distinct millisecond for the next
    return { points: mod().lastBuild!.points };
  };
  const settled = (ms: number) => waitFor(() => mod().loop.stats().queued === 0, ms, 'the queue to empty');

  beforeAll(async () => {
    [influx, vm] = await Promise.all([startInfluxd(), startVictoriaMetrics()]);
    ({ t, sim } = await startInfluxTestCluster(influx.port, { batch_size: String(BATCH), threads: String(THREADS), send_timeout: '2' }, { osds: 4, seed: 5 }));
  });

  // A failed outage must not leave its bound to the next test.
  afterEach(async () => {
    await set('queue_max_points', 500_000);
    await set('queue_max_bytes', 64 * 1024 * 1024);
  });

  afterAll(async () => {
    await sim?.stop();
    await t?.stop();
    await influx?.destroy();
    await vm?.destroy();
  });

  /**
   * Two intervals delivered; the server stopped while a third is being sent;
   * intervals produced during the outage until the queue's bound drops points
   * (in points: room for two intervals, five produced; in bytes: queue_max_bytes
   * at its least, 1 MiB, a few intervals); the server back.
   */
  async function outage(server: RealServer, bound: 'points' | 'bytes', stored: () => Promise<number>, lastIntervalStored: (stampMs: number) => Promise<number>): Promise<void> {
    await interval();
    await interval();
    await settled(60_000);
    const s0 = mod().loop.stats();
    const p0 = mod().producedPoints;
    expect(await waitFor(async () => ((await stored()) === s0.sent ? true : undefined), 30_000, 'the server to hold every point sent')).toBe(true);

    const per = mod().lastBuild!.points;
    const MiB = 1024 * 1024;
    if (bound === 'points') await set('queue_max_points', 2 * per);
    else await set('queue_max_bytes', MiB);
    const midRun = run('influx', 'send'); // in flight when the server goes
    await server.stop();
    await midRun;
    // The last interval's own count: PG states (and so points) can differ from one interval to the next.
    let last = 0;
    if (bound === 'points') {
      for (let i = 0; i < 5; i++) last = (await interval()).points;
    } else {
      for (let i = 0; i < 40 && mod().loop.stats().dropped === s0.dropped; i++) await interval();
      last = (await interval()).points;
    }
    const lastStamp = Date.now();
    const during = await waitFor(async () => {
      const c = await checks();
      return c.MGR_INFLUX_SEND_FAILED && c.MGR_INFLUX_QUEUE_FULL ? c : undefined;
    }, 30_000, 'the outage checks');
    expect(during.MGR_INFLUX_QUEUE_FULL!.summary.count).toBe(mod().loop.stats().dropped - s0.dropped);
    const queued = mod().loop.stats().queued;
    if (bound === 'points') {
      expect(queued).toBeLessThanOrEqual(2 * per + BATCH * THREADS);
      expect(queued).toBeGreaterThanOrEqual(2 * per - BATCH * THREADS);
    } else {
      // Within the bound but for the batches out (at most THREADS of BATCH points, well under 1 kB a point); chunks go whole.
      const bytes = mod().loop.stats().queuedBytes!;
      expect(bytes).toBeLessThanOrEqual(MiB + THREADS * BATCH * 1000);
      expect(bytes).toBeGreaterThan(MiB / 2);
    }

    await server.start();
    await settled(120_000);
    const s1 = mod().loop.stats();
    const produced = mod().producedPoints - p0;
    expect(s1.dropped - s0.dropped).toBeGreaterThan(0);
    // Exact: every point of the outage was either sent or dropped, and the server has every point sent.
    expect(s1.sent - s0.sent + (s1.dropped - s0.dropped)).toBe(produced);
    expect(s1.sent + s1.dropped).toBe(mod().producedPoints);
    await waitFor(async () => ((await stored()) === s1.sent ? true : undefined), 60_000, `the server to hold all ${s1.sent} points sent`);
    // The newest were kept: the last interval of the outage arrived whole.
    expect(await lastIntervalStored(lastStamp)).toBe(last);
    await waitFor(async () => {
      const c = await checks();
      return !c.MGR_INFLUX_SEND_FAILED && !c.MGR_INFLUX_QUEUE_FULL && !c.MGR_INFLUX_DB_LIST_FAILED;
    }, 30_000, 'the checks to clear');
    await set('queue_max_points', 500_000);
    await set('queue_max_bytes', 64 * MiB);
  }

  it('InfluxDB 1.6: the queue\'s points arrive after the restart, the drop counter accounts for the rest', async () => {
    await outage(influx, 'points', () => influxCount(influx.url, 'ceph'), async (stampMs) => {
      // The last interval: every interval starts with ceph_pool_stats, so its newest timestamp is the last interval's.
      const newest = (await influxQuery(influx.url, 'ceph', `SELECT "value" FROM "ceph_pool_stats" WHERE time <= ${stampMs}ms ORDER BY time DESC LIMIT 1`))[0]!.values[0]![0];
      const counts = await influxQuery(influx.url, 'ceph', `SELECT count("value") FROM /.*/ WHERE time = ${Number(newest)}ms`);
      return counts.reduce((n, c) => n + Number(c.values[0]![1]), 0);
    });
  });

  it('VictoriaMetrics over /api/v2/write, the queue bounded in bytes: the same, through @influxdata/influxdb-client', async () => {
    const from = Date.now();
    const sentBefore = mod().loop.stats().sent;
    await set('api_version', '2');
    await set('url', vm.url);
    await set('bucket', 'ceph');
    await outage(vm, 'bytes', async () => sentBefore + (await vmCount(vm.url, '{__name__=~"ceph_.*_value"}', from)), async (stampMs) => {
      const series = await vmExport(vm.url, '{__name__=~"ceph_.*_value"}', from);
      const stamps = series.flatMap((s) => s.timestamps).filter((ts) => ts <= stampMs);
      const newest = Math.max(...stamps);
      return stamps.filter((ts) => ts === newest).length;
    });
  });
});
