// The exporter's cache rules over a real socket, on the reference cluster: no
// body yet, a stale body under each stale_cache_strategy, single-flight
// collections, notify rate-limiting, and the mgrd_* families in the body.

import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/log.js';
import type { GetName, HealthReport, MgrdStats, Snapshot } from '../../src/mgr-module/index.js';
import { PrometheusExporter, type ExporterHost } from './exporter.js';
import { parseExposition } from './exposition-parse.js';
import { HttpListener } from './http-server.js';
import { readConfig, type PrometheusConfig } from './options.js';
import { ReferenceCluster } from './reference-cluster.js';
import { staleness } from './scrape-cache.js';

const STATS: MgrdStats = {
  sessions: 5, sessionsAccepted: 6, sessionsRefused: 1, sessionErrors: { auth: 1 }, sessionsAuthenticating: 0, wireLimitHits: {}, daemonsPruned: 0, reports: 100, valuesIngested: 5000, bytesIngested: 40_000,
  pgStatsMessages: 10, mapMessages: 2, commands: 1, reportTimeSumMs: 12, reportTimeMaxMs: 0.5, reportTimeP50Ms: 0.1, reportTimeP99Ms: 0.4, daemons: 5,
  modules: [{ name: 'prometheus', queueDepth: 0, faults: 0, dropped: 3, enabled: true, running: true, failed: false }],
};

interface Rig {
  exporter: PrometheusExporter;
  url: string;
  config: { current: PrometheusConfig };
  collections: number;
  errors: string[];
}

const rigs: Array<{ exporter: PrometheusExporter; listener: HttpListener }> = [];

/** The reference cluster, whose health a test may replace (what `health detail` would show now). */
class ChangingHealth extends ReferenceCluster {
  health: HealthReport | undefined;
  override get<N extends GetName>(name: N): Snapshot<N> {
    if (name === 'health' && this.health !== undefined) return { json: JSON.stringify(this.health) } as Snapshot<N>;
    return super.get(name);
  }
}

async function rig(options: Record<string, string | number | boolean> = {}, cluster = new ChangingHealth()): Promise<Rig> {
  const config = { current: readConfig(<T extends string | number | boolean>(n: string, d: T) => (options[n] ?? d) as T) };
  const source = Object.assign(cluster, { getMgrdStats: () => STATS, statsThreshold: () => 5 });
  const r: Partial<Rig> & { collections: number; errors: string[] } = { config, collections: 0, errors: [] };
  const host: ExporterHost = {
    source,
    log: silentLogger(),
    config: () => config.current,
    persistHistory: () => undefined,
    collected: (o) => {
      r.collections++;
      if (o instanceof Error) r.errors.push(o.message);
    },
  };
  const exporter = new PrometheusExporter(host, undefined, true);
  const listener = new HttpListener((req, res) => exporter.handle(req, res), (err) => r.errors.push(String(err)));
  const a = await listener.listen('127.0.0.1', 0);
  rigs.push({ exporter, listener });
  return Object.assign(r, { exporter, url: `http://127.0.0.1:${a.port}/` }) as Rig;
}

afterEach(async () => {
  for (const { exporter, listener } of rigs.splice(0)) await Promise.all([exporter.stop(), listener.close(100)]);
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitUntil(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await sleep(10);
}

describe('staleness()', () => {
  it('is Ceph\'s rule (a collection as long as scrape_interval) plus age beyond twice the interval', () => {
    expect(staleness({ collectedAtMs: 1000, durationMs: 200 }, 1100, 15).stale).toBe(false);
    expect(staleness({ collectedAtMs: 1000, durationMs: 15_000 }, 1100, 15)).toMatchObject({ stale: true, reason: expect.stringMatching(/^Gathering data took 15\.00 seconds/) });
    expect(staleness({ collectedAtMs: 1000, durationMs: 200 }, 1000 + 30_000, 15).stale).toBe(false);
    expect(staleness({ collectedAtMs: 1000, durationMs: 200 }, 1000 + 30_001, 15)).toMatchObject({ stale: true, reason: expect.stringMatching(/more than twice scrape_interval/) });
  });
});

describe('PrometheusExporter', () => {
  it('answers 503 "No cached data available yet" before the first collection, then the body', async () => {
    const r = await rig();
    const early = await fetch(`${r.url}metrics`);
    expect(early.status).toBe(503);
    expect(await early.text()).toContain('No cached data available yet');
    expect(early.headers.get('server')).toBe('Ceph-Prometheus');
    await r.exporter.collectNow();
    const res = await fetch(`${r.url}metrics`);
    expect(res.status).toBe(200);
    const body = parseExposition(await res.text());
    expect(body.families.get('ceph_osd_up')?.samples).toHaveLength(4);
    expect(body.families.get('mgrd_sessions')?.samples[0]?.value).toBe(5);
    expect(body.families.get('mgrd_session_errors_total')?.samples[0]).toMatchObject({ labels: [['reason', 'auth']], value: 1 });
    expect(body.families.get('mgrd_module_queue_dropped_total')?.samples[0]).toMatchObject({ labels: [['module', 'prometheus']], value: 3 });
    expect(body.families.get('mgrd_module_failed')?.samples[0]).toMatchObject({ labels: [['module', 'prometheus']], value: 0 });
    expect(body.families.get('mgrd_process_cpu_user_seconds_total')?.type).toBe('counter');
    expect(body.families.get('mgrd_nodejs_gc_duration_seconds')?.type).toBe('histogram');
  });

  it.each([
    ['log', 503],
    ['fail', 503],
    ['return', 200],
  ] as const)('a stale cache with stale_cache_strategy=%s answers %d', async (strategy, status) => {
    // Stale after twice the interval (2 s): wide enough for the first scrape to be fresh on a loaded machine.
    const r = await rig({ scrape_interval: 1, stale_cache_strategy: strategy });
    await r.exporter.collectNow(); // no timer started: the cache only ages
    expect((await fetch(`${r.url}metrics`)).status).toBe(200);
    await sleep(2200);
    const res = await fetch(`${r.url}metrics`);
    expect(res.status).toBe(status);
    if (status === 503) expect(await res.text()).toMatch(/more than twice scrape_interval .*returning &#34;service unavailable&#34;/);
  });

  it('collects on the interval once started, and shares a collection between concurrent callers', async () => {
    const r = await rig({ scrape_interval: 0.1 });
    const [a, b] = await Promise.all([r.exporter.collectNow(), r.exporter.collectNow()]);
    expect(a).toBe(b);
    expect(r.collections).toBe(1);
    r.exporter.start();
    await waitUntil(() => r.collections >= 3, 5000);
    expect(r.collections).toBeGreaterThanOrEqual(3);
    expect(r.errors).toEqual([]);
  });

  it('moves a collection forward on notify, but not more often than max(1 s, interval/3)', async () => {
    const r = await rig({ scrape_interval: 2.7 }); // gap max(1 s, 0.9 s); the next regular collection at 2.7 s
    r.exporter.start();
    await waitUntil(() => r.collections === 1, 5000);
    expect(r.collections).toBe(1);
    r.exporter.notify();
    r.exporter.notify();
    await sleep(300);
    expect(r.collections).toBe(1); // within 1 s of the last start
    await waitUntil(() => r.collections === 2, 1500);
    await sleep(100);
    expect(r.collections).toBe(2); // one early collection for both notifications
  });

  it('a scrape after the health checks changed shows them, without waiting for the interval (issue 16 item 7)', async () => {
    const cluster = new ChangingHealth();
    const r = await rig({ scrape_interval: 600 }, cluster); // the regular collection would be 10 minutes away
    r.exporter.start();
    await waitUntil(() => r.collections === 1, 5000);
    const detail = async (): Promise<Array<[string, number]>> => {
      const body = parseExposition(await (await fetch(`${r.url}metrics`)).text());
      return (body.families.get('ceph_health_detail')?.samples ?? []).map((x) => [Object.fromEntries(x.labels).name!, x.value]);
    };
    expect(await detail()).toEqual([]); // the reference cluster is HEALTH_OK
    const check = (severity: 'HEALTH_WARN' | 'HEALTH_ERR', message: string) => ({ severity, summary: { message, count: 1 }, detail: [], muted: false });
    cluster.health = { status: 'HEALTH_WARN', checks: { OSDMAP_FLAGS: check('HEALTH_WARN', 'noout flag(s) set') }, mutes: [] };
    expect(await detail()).toEqual([['OSDMAP_FLAGS', 1]]);
    // A new check of the same overall status, then one cleared.
    cluster.health = { status: 'HEALTH_WARN', checks: { MON_CLOCK_SKEW: check('HEALTH_WARN', 'clock skew detected on mon.b'), OSDMAP_FLAGS: check('HEALTH_WARN', 'noout flag(s) set') }, mutes: [] };
    expect(await detail()).toEqual([['OSDMAP_FLAGS', 1], ['MON_CLOCK_SKEW', 1]]);
    cluster.health = { status: 'HEALTH_WARN', checks: { MON_CLOCK_SKEW: check('HEALTH_WARN', 'clock skew detected on mon.b') }, mutes: [] };
    expect(await detail()).toEqual([['OSDMAP_FLAGS', 0], ['MON_CLOCK_SKEW', 1]]);
    // The message moving alone (counts in a summary) is no reason to collect again.
    const before = r.collections;
    cluster.health = { status: 'HEALTH_WARN', checks: { MON_CLOCK_SKEW: check('HEALTH_WARN', 'clock skew detected on mon.b, mon.c') }, mutes: [] };
    expect(await detail()).toEqual([['OSDMAP_FLAGS', 0], ['MON_CLOCK_SKEW', 1]]);
    expect(r.collections).toBe(before);
    expect(r.errors).toEqual([]);
  });

  it('collects for each scrape when the cache is off', async () => {
    const r = await rig({ cache: false });
    r.exporter.start(); // no timer without the cache
    await sleep(50);
    expect(r.collections).toBe(0);
    expect((await fetch(`${r.url}metrics`)).status).toBe(200);
    expect((await fetch(`${r.url}metrics`)).status).toBe(200);
    expect(r.collections).toBe(2);
  });

  it('refuses other methods with 405', async () => {
    const r = await rig();
    const res = await fetch(`${r.url}metrics`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });
});
