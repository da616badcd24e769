// The active module over real sockets: a real manager, a simulated cluster
// reporting over the wire protocol, HTTP answers checked against what Ceph's
// module answered (ceph-reference/prometheus/), options applied at runtime,
// and the module's commands through the manager's dispatcher.

import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimRunner } from '../../src/sim/sim-runner.js';
import { startPrometheusTestCluster, waitFor, type TestMgr } from '../../test/helpers/harness.js';
import { CONTENT_TYPE_OPENMETRICS, CONTENT_TYPE_TEXT } from './exposition.js';
import { parseExposition } from './exposition-parse.js';

const REF = new URL('../../test/fixtures/ceph-reference/prometheus/', import.meta.url);
const OPENMETRICS_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

describe('prometheus module (active) over HTTP', () => {
  let t: TestMgr;
  let sim: SimRunner;
  let url = '';

  const command = (...argv: string[]): Promise<{ r: number; outb: string; outs: string }> =>
    t.mgr.runCommand({ entity: 'client.admin', read: true, write: true }, { argv });

  beforeAll(async () => {
    ({ t, sim, url } = await startPrometheusTestCluster({ osds: 4, seed: 3 }));
    await waitFor(async () => /ceph_osd_up\{/.test(await (await fetch(`${url}metrics`)).text()), 30_000, 'OSDs in /metrics');
  });

  afterAll(async () => {
    await sim?.stop();
    await t?.stop();
  });

  it('publishes its bound URI (port 0 resolved) in `mgr services`', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const r = await command('mgr', 'services');
    expect(r.r).toBe(0);
    expect(JSON.parse(r.outb)).toMatchObject({ prometheus: url });
  });

  it('answers / with the index page of Ceph, byte for byte, with Server: Ceph-Prometheus', async () => {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html;charset=utf-8');
    expect(res.headers.get('server')).toBe('Ceph-Prometheus');
    expect(await res.text()).toBe(readFileSync(new URL('active-index.html', REF), 'utf8'));
  });

  it('redirects another path to it with a trailing slash, as CherryPy did', async () => {
    const res = await fetch(`${url}foo/bar`, { redirect: 'manual' });
    const host = new URL(url).host;
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe(`http://${host}/foo/bar/`);
    expect(await res.text()).toBe(readFileSync(new URL('active-other-path.txt', REF), 'utf8').replaceAll('127.0.0.1:9283', host));
  });

  it('serves text 0.0.4 by default and OpenMetrics when Prometheus asks for it', async () => {
    const text = await fetch(`${url}metrics`, { headers: { 'accept-encoding': 'identity' } }); // fetch asks for gzip by default
    expect(text.headers.get('content-type')).toBe(CONTENT_TYPE_TEXT);
    expect(text.headers.get('vary')).toBe('Accept, Accept-Encoding');
    const body = await text.text();
    expect(Number(text.headers.get('content-length'))).toBe(Buffer.byteLength(body));
    expect(body).toMatch(/^# HELP ceph_health_status Cluster health status\n# TYPE ceph_health_status untyped\nceph_health_status \d\n/);
    expect(body).not.toContain('# EOF');

    const om = await fetch(`${url}metrics`, { headers: { accept: OPENMETRICS_ACCEPT } });
    expect(om.headers.get('content-type')).toBe(CONTENT_TYPE_OPENMETRICS);
    const omBody = await om.text();
    expect(omBody.endsWith('\n# EOF\n')).toBe(true);
    expect(omBody).toContain('# TYPE ceph_health_status unknown\n');
    expect(omBody).toMatch(/\n# TYPE mgrd_reports counter\nmgrd_reports_total \d+\n/);
  });

  it('gzips when asked, and the gzip holds the same body', async () => {
    const plain = await fetch(`${url}metrics`, { headers: { 'accept-encoding': 'identity' } });
    const gz = await fetch(`${url}metrics`, { headers: { 'accept-encoding': 'gzip' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    // fetch inflates transparently; the two bodies come from the same collection or the next one
    const a = parseExposition(await plain.text());
    const b = parseExposition(await gz.text());
    expect([...b.families.keys()]).toEqual([...a.families.keys()]);
    // and the raw bytes are gzip
    const raw = await new Promise<Buffer>((resolve, reject) => {
      import('node:http').then(({ get }) => {
        get(`${url}metrics`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks)));
        }).on('error', reject);
      }, reject);
    });
    expect(gunzipSync(raw).toString()).toMatch(/^# HELP ceph_health_status/);
  });

  it('answers HEAD with the headers only', async () => {
    const res = await fetch(`${url}metrics`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(1000);
    expect(await res.text()).toBe('');
  });

  it('moves to another port when server_port changes, without a restart', async () => {
    const port = await freePort();
    const r = await command('config', 'set', 'mgr', 'mgr/prometheus/server_port', String(port));
    expect(r.r).toBe(0);
    const moved = await waitFor(() => (t.store.current().services.prometheus === `http://127.0.0.1:${port}/` ? t.store.current().services.prometheus : undefined), 10_000, 'the new URI');
    expect((await fetch(`${moved}metrics`)).status).toBe(200);
    await expect(fetch(`${url}metrics`)).rejects.toThrow();
    url = moved;
  });

  it('collects per scrape with cache=false, and on the interval again with cache=true', async () => {
    const count = async (): Promise<number> => {
      const body = parseExposition(await (await fetch(`${url}metrics`)).text());
      return body.families.get('ceph_prometheus_collect_duration_seconds_count')!.samples.find((s) => s.labels[0]?.[1] === 'get_health')!.value;
    };
    expect((await command('config', 'set', 'mgr', 'mgr/prometheus/scrape_interval', '60')).r).toBe(0);
    await new Promise((r) => setTimeout(r, 700)); // a collection already planned may still run once
    const before = await count();
    expect(await count()).toBe(before); // cached: no collection per scrape
    expect((await command('config', 'set', 'mgr', 'mgr/prometheus/cache', 'false')).r).toBe(0);
    const a = await count();
    const b = await count();
    expect(b).toBeGreaterThan(a);
    expect((await command('config', 'set', 'mgr', 'mgr/prometheus/cache', 'true')).r).toBe(0);
    expect((await command('config', 'set', 'mgr', 'mgr/prometheus/scrape_interval', '0.5')).r).toBe(0);
  });

  it('leaves perf counters out with exclude_perf_counters, at runtime', async () => {
    expect((await command('config', 'set', 'mgr', 'mgr/prometheus/exclude_perf_counters', 'true')).r).toBe(0);
    await waitFor(async () => !(await (await fetch(`${url}metrics`)).text()).includes('ceph_osd_op_w{'), 10_000, 'perf counters gone');
    expect(await (await fetch(`${url}metrics`)).text()).toContain('ceph_osd_up{');
    expect((await command('config', 'set', 'mgr', 'mgr/prometheus/exclude_perf_counters', 'false')).r).toBe(0);
    await waitFor(async () => (await (await fetch(`${url}metrics`)).text()).includes('ceph_osd_op_w{'), 10_000, 'perf counters back');
  });

  it('exports counters below PRIO_USEFUL only with perf_counters_prio_limit lowered (mgrd), of those mgr_stats_threshold lets the daemons send', async () => {
    const debugOnly = 'ceph_AsyncMessenger_Worker_0_msgr_recv_messages{ceph_daemon="osd.0"}'; // priority 0 in the OSD schema
    const body = async (): Promise<string> => (await fetch(`${url}metrics`)).text();
    expect(await body()).not.toContain(debugOnly);
    expect((await command('config', 'set', 'mgr', 'mgr_stats_threshold', '0')).r).toBe(0);
    expect((await command('config', 'set', 'mgr', 'mgr/prometheus/perf_counters_prio_limit', '0')).r).toBe(0);
    await waitFor(async () => (await body()).includes(debugOnly), 15_000, 'priority-0 counters exported');
    const ofOsd0 = (text: string): number => parseExposition(text).samples.filter((s) => s.labels.some(([k, v]) => k === 'ceph_daemon' && v === 'osd.0')).length;
    const osd0 = ofOsd0(await body());
    // Ceph's limit again: the daemons still send every counter, the module exports those of priority 5 and up.
    expect((await command('config', 'set', 'mgr', 'mgr/prometheus/perf_counters_prio_limit', '5')).r).toBe(0);
    await waitFor(async () => !(await body()).includes(debugOnly), 15_000, 'priority-0 counters gone at the default limit');
    const useful = ofOsd0(await body());
    expect(osd0).toBeGreaterThan(useful + 300); // 381 of the OSD schema's 414 counters have priority 0
    expect((await command('config', 'set', 'mgr', 'mgr/prometheus/perf_counters_prio_limit', '11')).r).toBe(-22);
    // The threshold still applies: a daemon that does not send a counter cannot have it exported.
    expect((await command('config', 'set', 'mgr', 'mgr/prometheus/perf_counters_prio_limit', '0')).r).toBe(0);
    expect((await command('config', 'set', 'mgr', 'mgr_stats_threshold', '5')).r).toBe(0);
    await waitFor(async () => !(await body()).includes(debugOnly), 15_000, 'priority-0 counters gone at threshold 5');
    expect((await command('config', 'set', 'mgr', 'mgr/prometheus/perf_counters_prio_limit', '5')).r).toBe(0);
  });

  it('refuses out-of-range option values with -EINVAL', async () => {
    expect((await command('config', 'set', 'mgr', 'mgr/prometheus/standby_error_status_code', '302')).r).toBe(-22);
    expect((await command('config', 'set', 'mgr', 'mgr/prometheus/stale_cache_strategy', 'ignore')).r).toBe(-22);
  });

  it('prometheus file_sd_config lists where to scrape: each mgr host of list_servers with the port, as Ceph', async () => {
    const r = await command('prometheus', 'file_sd_config');
    expect(r.r).toBe(0);
    const port = new URL(url).port;
    expect(JSON.parse(r.outb)).toEqual([{ targets: [`${hostname()}:${port}`], labels: {} }]);
  });

  it('healthcheck history ls / clear, as Ceph', async () => {
    const ls = await command('healthcheck', 'history', 'ls', '--format', 'json');
    expect(ls.r).toBe(0);
    const before = JSON.parse(ls.outb) as Record<string, { active: boolean; count: number }>;
    for (const v of Object.values(before)) expect(v).toMatchObject({ active: expect.any(Boolean), count: expect.any(Number) });
    const cleared = await command('healthcheck', 'history', 'clear');
    expect(cleared).toEqual({ r: 0, outb: 'healthcheck history cleared', outs: '' });
    const plain = await command('healthcheck', 'history', 'ls');
    expect(plain.r).toBe(0);
    expect(plain.outb === 'No healthchecks have been recorded' || plain.outb.startsWith('Healthcheck Name')).toBe(true);
    expect((await command('healthcheck', 'history', 'ls', '--format', 'xml')).r).toBe(-22);
  });
});
