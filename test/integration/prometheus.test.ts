// A real Prometheus (Debian package, 2.42) scrapes a real `mgrd run --sim`
// (the built CLI as a child process) every second; the test queries its HTTP
// API for the series dashboards use, and checks captured bodies with
// Prometheus's own tools: `promtool check metrics` (text 0.0.4) and
// `promtool tsdb create-blocks-from openmetrics` (Prometheus's OpenMetrics parser).
// Missing binaries fail the test with the install command; nothing is skipped.

import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition } from '../../exporters/prometheus/exposition-parse.js';
import { freePort, poll, spawnLogged, startMgrd, stopChild, which as whichBin, type MgrdProcess } from '../helpers/procs.js';

const INSTALL = 'scripts/install-test-deps.sh (Debian package "prometheus": prometheus and promtool 2.42)';
const which = (bin: string): string => whichBin(bin, INSTALL);
const OPENMETRICS_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

/**
 * promtool's lint findings that Ceph's own names cause (they are what every
 * dashboard and alert rule selects on, so they stay): counters without
 * `_total`, `:` in prioritycache families, `_sum`/`_count` families of
 * long-running averages, gauges ending in `_total` (ceph_bluefs_db_total_bytes…),
 * "abbreviated units" (…_latency_ms, …_msec). Anything else, or any finding on
 * an mgrd_* family, fails.
 */
const CEPH_NAMING_LINT = [
  'counter metrics should have "_total" suffix',
  "metric names should not contain ':'",
  'non-histogram and non-summary metrics should not have "_sum" suffix',
  'non-histogram and non-summary metrics should not have "_count" suffix',
  'non-counter metrics should not have "_total" suffix',
  'metric names should not contain abbreviated units',
];

interface QueryResult {
  metric: Record<string, string>;
  value: [number, string];
}

describe('real Prometheus scraping mgrd run --sim', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mgrd-prom-'));
  let mgrd: MgrdProcess | undefined;
  let prom: ChildProcess | undefined;
  let metricsUrl = '';
  let promUrl = '';
  let promtool = '';

  const query = async (q: string): Promise<QueryResult[]> => {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
    const body = (await res.json()) as { status: string; data: { result: QueryResult[] }; error?: string };
    if (body.status !== 'success') throw new Error(`query ${q}: ${body.error ?? res.status}`);
    return body.data.result;
  };

  beforeAll(async () => {
    const prometheus = which('prometheus');
    promtool = which('promtool');
    mgrd = await startMgrd({
      dataDir: join(dir, 'mgrd'),
      args: ['--sim', '--sim-osds', '4'],
      set: { mgr_stats_period: 1, mgr_tick_period: 1, 'mgr/prometheus/scrape_interval': 1 },
    });
    const uri = mgrd.prometheusUrl!;
    metricsUrl = `${uri}metrics`;
    const target = new URL(uri).host;

    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    writeFileSync(join(dir, 'prometheus.yml'), [
      'global:', '  scrape_interval: 1s', '  evaluation_interval: 1s',
      'scrape_configs:', '  - job_name: ceph', '    honor_labels: true', '    static_configs:', `      - targets: ['${target}']`, '',
    ].join('\n'));
    prom = spawnLogged(prometheus, [
      `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
    ], join(dir, 'prometheus.log'));
    await poll('prometheus to be ready', 30_000, async () => (await fetch(`${promUrl}/-/ready`)).ok || undefined);
  });

  afterAll(async () => {
    await stopChild(prom);
    await mgrd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('scrapes the target (up == 1), over OpenMetrics with gzip', async () => {
    await poll('up{job="ceph"} == 1', 30_000, async () => (await query('up{job="ceph"} == 1')).length === 1 || undefined);
    const scrapes = await poll('an OpenMetrics gzip scrape counted', 30_000, async () => {
      const r = await query('mgrd_prometheus_scrapes_total{format="openmetrics",encoding="gzip",code="200"}');
      return r.length === 1 && Number(r[0]!.value[1]) > 0 ? r : undefined;
    });
    expect(scrapes[0]!.metric).toMatchObject({ format: 'openmetrics', encoding: 'gzip' });
    const services = await mgrd!.command({ prefix: 'mgr services', format: 'json' });
    expect(services.retval).toBe(0);
    expect(JSON.parse(services.outb)).toEqual({ prometheus: mgrd!.prometheusUrl });
  });

  it('finds ceph_health_status, ceph_osd_up for each OSD, ceph_pool_stored per pool', async () => {
    const health = await poll('ceph_health_status', 30_000, async () => ((await query('ceph_health_status')).length === 1 ? query('ceph_health_status') : undefined));
    expect(['0', '1', '2']).toContain(health[0]!.value[1]);
    const up = await poll('ceph_osd_up x4', 30_000, async () => {
      const r = await query('ceph_osd_up');
      return r.length === 4 ? r : undefined;
    });
    expect(up.map((r) => r.metric.ceph_daemon).sort()).toEqual(['osd.0', 'osd.1', 'osd.2', 'osd.3']);
    const stored = await poll('ceph_pool_stored', 30_000, async () => {
      const r = await query('ceph_pool_stored');
      return r.length > 0 ? r : undefined;
    });
    for (const r of stored) expect(r.metric.pool_id).toMatch(/^\d+$/);
    const metadata = await query('ceph_pool_metadata');
    expect(metadata.map((r) => r.metric.pool_id).sort()).toEqual(stored.map((r) => r.metric.pool_id).sort());
  });

  it('sees a perf counter move: rate(ceph_osd_op_w[10s]) > 0', async () => {
    const rate = await poll('a positive write rate', 60_000, async () => {
      const r = await query('sum(rate(ceph_osd_op_w[10s])) > 0');
      return r.length === 1 ? r : undefined;
    });
    expect(Number(rate[0]!.value[1])).toBeGreaterThan(0);
    const lat = await query('rate(ceph_osd_op_w_latency_sum[10s]) / rate(ceph_osd_op_w_latency_count[10s])');
    for (const r of lat) if (r.value[1] !== 'NaN') expect(Number(r.value[1])).toBeLessThan(10); // seconds, not nanoseconds
  });

  it('`promtool check metrics` parses the text body; its only findings are the ones Ceph names cause', async () => {
    const body = await (await fetch(metricsUrl, { headers: { 'accept-encoding': 'identity' } })).text();
    const r = spawnSync(promtool, ['check', 'metrics'], { input: body, encoding: 'utf8' });
    const findings = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.trim() !== '');
    expect([0, 3]).toContain(r.status); // 1 would be a parse error
    const unexpected = findings.filter((l) => {
      const [name = '', ...rest] = l.split(' ');
      return !name.startsWith('ceph_') || !CEPH_NAMING_LINT.includes(rest.join(' '));
    });
    expect(unexpected).toEqual([]);
  });

  it("Prometheus's OpenMetrics parser (promtool tsdb create-blocks-from openmetrics) reads every sample of the OpenMetrics body", async () => {
    const res = await fetch(metricsUrl, { headers: { accept: OPENMETRICS_ACCEPT, 'accept-encoding': 'identity' } });
    expect(res.headers.get('content-type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    const body = await res.text();
    const samples = parseExposition(body).samples.length;
    // The backfiller needs a timestamp on every sample; nothing else is changed.
    const ts = Math.floor(Date.now() / 1000);
    const stamped = body.split('\n').map((l) => (l === '' || l.startsWith('#') ? l : `${l} ${ts}`)).join('\n');
    writeFileSync(join(dir, 'body.om'), stamped);
    const r = spawnSync(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'body.om'), join(dir, 'blocks')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const row = r.stdout.split('\n').find((l) => /^[0-9A-Z]{26}\s/.test(l));
    expect(Number(row?.trim().split(/\s+/)[4])).toBe(samples);
  });
});
