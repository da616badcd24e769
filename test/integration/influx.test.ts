// The influx module against real servers, started here on free ports:
// InfluxDB 1.6 (Debian `influxdb`) on /write and /query, VictoriaMetrics
// (Debian `victoria-metrics`) on /api/v2/write through the unmodified
// @influxdata/influxdb-client. Points are read back from the servers and
// counted; names with every awkward character go through and come back;
// the operator's path is the built CLI (`mgrd tell ... config set`, `mgr module
// enable influx`). Outages are in influx-outage.test.ts.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/common/paths.js';
import type { SimRunner } from '../../src/sim/sim-runner.js';
import { InfluxV1Client } from '../../exporters/influx/client-v1.js';
import { InfluxV2Client } from '../../exporters/influx/client-v2.js';
import { linesChunk } from '../../exporters/influx/line-chunks.js';
import { line } from '../../exporters/influx/line-protocol.js';
import type { Module } from '../../exporters/influx/module.js';
import { resolveConfig } from '../../exporters/influx/options.js';
import { PointBuilder, buildLines } from '../../exporters/influx/points.js';
import { ReferenceCluster } from '../../exporters/prometheus/reference-cluster.js';
import { startInfluxTestCluster, waitFor, type TestMgr } from '../helpers/harness.js';
import { influxCount, influxQuery, startInfluxd, startVictoriaMetrics, vmCount, vmExport, type RealServer } from '../helpers/influx-servers.js';
import { MGRD_BIN, startMgrd, type MgrdProcess } from '../helpers/procs.js';

const CAPTURE = readFileSync(join(packageRoot(), 'test/fixtures/ceph-reference/influx/write_body_sample.lp'), 'utf8').trim().split('\n');
const ADMIN = { entity: 'client.admin', read: true, write: true };
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** Tag keys and field keys per measurement, as the capture has them. */
function captureShape(): Record<string, { tags: string[]; fields: string[] }> {
  const out: Record<string, { tags: Set<string>; fields: Set<string> }> = {};
  for (const l of CAPTURE) {
    const [series = '', fields = ''] = l.split(' ');
    const [m = '', ...tags] = series.split(',');
    const e = (out[m] ??= { tags: new Set(), fields: new Set() });
    for (const t of tags) e.tags.add(t.split('=')[0]!);
    for (const f of fields.split(',')) e.fields.add(f.split('=')[0]!);
  }
  return Object.fromEntries(Object.entries(out).map(([m, e]) => [m, { tags: [...e.tags].sort(), fields: [...e.fields].sort() }]));
}

const config = (over: Record<string, string | number | boolean>) => resolveConfig(<T extends string | number | boolean>(name: string): T => {
  const defaults: Record<string, string | number | boolean> = {
    hostname: '', port: 8086, database: 'ceph', username: '', password: '', interval: 30, ssl: false, verify_ssl: true, threads: 2,
    batch_size: 5000, api_version: '1', url: '', org: '', bucket: '', token: '', retention_policy: '', queue_max_points: 500_000, send_timeout: 10,
  };
  return (over[name] ?? defaults[name]) as T;
});

describe('influx module: the operator path on the built CLI, InfluxDB 1.x', () => {
  let influx: RealServer;
  let mgrd: MgrdProcess;
  const tell = async (...args: string[]): Promise<{ stdout: string; stderr: string }> =>
    promisify(execFile)(process.execPath, [MGRD_BIN, 'tell', '--data-dir', mgrd.dataDir, 'mgr', ...args], { timeout: 60_000 });

  beforeAll(async () => {
    influx = await startInfluxd();
    // memstore OSDs: the capture's osd.0 is one (the simulator's default is bluestore, 2f84c80).
    mgrd = await startMgrd({ args: ['--sim', '--sim-osds', '4', '--sim-objectstore', 'memstore', '--log-level', 'warn'], set: { mgr_stats_period: 1 }, waitPrometheus: false });
  });

  afterAll(async () => {
    await mgrd?.stop();
    await influx?.destroy();
  });

  it('config set + mgr module enable influx: points in InfluxDB within one interval, shaped as Ceph\'s module wrote them', async () => {
    await tell('config', 'set', 'mgr', 'mgr/influx/hostname', '127.0.0.1');
    await tell('config', 'set', 'mgr', 'mgr/influx/port', String(influx.port));
    await tell('config', 'set', 'mgr', 'mgr/influx/interval', '5');
    await tell('config', 'set', 'mgr', 'mgr/influx/password', 'not-needed-here');
    // Let the simulated daemons report once before the module's first interval.
    await new Promise((r) => setTimeout(r, 2500));
    const enabledAt = Date.now();
    await tell('mgr', 'module', 'enable', 'influx');
    await waitFor(async () => (await influxQuery(influx.url, 'ceph', 'SELECT count("value") FROM ceph_daemon_stats')).length > 0, 30_000, 'points in InfluxDB');
    // The first interval is at enable, not one interval later: its points are stamped when it was built
    // (their arrival may take longer on a loaded machine), within one interval of slack.
    const first = await influxQuery(influx.url, 'ceph', 'SELECT first("value") FROM ceph_daemon_stats');
    expect(Number(first[0]!.values[0]![0]) - enabledAt).toBeLessThan(5000 + 3000);

    // The database was created as upstream does it, with its retention policy as the default.
    const rps = await influxQuery(influx.url, 'ceph', 'SHOW RETENTION POLICIES ON "ceph"');
    expect(rps[0]!.values.find((v) => v[0] === '8_weeks')?.at(-1)).toBe(true);

    const shape = captureShape();
    const measurements = (await influxQuery(influx.url, 'ceph', 'SHOW MEASUREMENTS'))[0]!.values.map((v) => String(v[0]));
    expect(measurements.sort()).toEqual(Object.keys(shape).sort());
    for (const m of measurements) {
      const tags = (await influxQuery(influx.url, 'ceph', `SHOW TAG KEYS FROM "${m}"`))[0]!.values.map((v) => String(v[0]));
      const fields = (await influxQuery(influx.url, 'ceph', `SHOW FIELD KEYS FROM "${m}"`))[0]!.values;
      expect(tags.sort(), m).toEqual(shape[m]!.tags);
      expect(fields, m).toEqual([['value', 'integer']]);
    }
    // The simulated OSDs report the counters a real OSD reported at the default threshold.
    const osdCounters = (l: string[]): string[] => [...new Set(l.filter((x) => x.startsWith('ceph_daemon_stats,ceph_daemon=osd.0,')).map((x) => /type_instance=(\S+) /.exec(x)![1]!))].sort();
    const stored = (await influxQuery(influx.url, 'ceph', `SHOW TAG VALUES FROM "ceph_daemon_stats" WITH KEY = "type_instance" WHERE "ceph_daemon" = 'osd.0'`))[0]!.values.map((v) => String(v[1])).sort();
    expect(stored).toEqual(osdCounters(CAPTURE));

    const show = await tell('influx', 'config-show');
    expect(JSON.parse(show.stdout)).toMatchObject({ hostname: '127.0.0.1', port: influx.port, password: '********', interval: 5 });
    const cfg = await tell('config', 'show', 'mgr');
    expect(cfg.stdout).not.toContain('not-needed-here');
  });
});

describe('influx clients and module against real InfluxDB 1.6 and VictoriaMetrics', () => {
  let influx: RealServer;
  let vm: RealServer;

  beforeAll(async () => {
    [influx, vm] = await Promise.all([startInfluxd(), startVictoriaMetrics()]);
  });

  afterAll(async () => {
    await influx?.destroy();
    await vm?.destroy();
  });

  const referenceLines = (dialect: 'v1' | 'v2', stamp: number): Promise<string[]> => buildLines(new PointBuilder(dialect), new ReferenceCluster(), stamp);

  /** Points as {series key: value}: measurement and sorted tags, what both servers give back. */
  function expected(lines: string[]): Map<string, number> {
    const m = new Map<string, number>();
    for (const l of lines) {
      const [series = '', field = ''] = l.split(' ');
      const [name = '', ...tags] = series.split(',');
      m.set(`${name}|${tags.sort().join(',')}`, Number(field.slice('value='.length, -1)));
    }
    return m;
  }

  it('1.x: writes the reference interval and reads back every point with its tags and value', async () => {
    const c = new InfluxV1Client(config({ hostname: '127.0.0.1', port: influx.port, database: 'reference' }));
    try {
      const sig = AbortSignal.timeout(30_000);
      await c.createDatabase('reference', sig);
      expect(await c.showDatabases(sig)).toContain('reference');
      const stamp = Date.now();
      const lines = await referenceLines('v1', stamp);
      await c.write([linesChunk(lines)], sig);
      const got = new Map<string, number>();
      for (const m of ['ceph_pool_stats', 'ceph_daemon_stats', 'ceph_pg_summary_osd', 'ceph_pg_summary_pool']) {
        const res = await fetch(`${influx.url}/query?${new URLSearchParams({ db: 'reference', q: `SELECT * FROM "${m}"`, epoch: 'ms' }).toString()}`);
        const series = ((await res.json()) as { results: Array<{ series: Array<{ columns: string[]; values: unknown[][] }> }> }).results[0]!.series[0]!;
        for (const row of series.values) {
          expect(row[0]).toBe(stamp);
          const tags = series.columns.map((col, i) => [col, row[i]] as const).filter(([col, v]) => col !== 'time' && col !== 'value' && v !== null);
          got.set(`${m}|${tags.map(([k, v]) => `${k}=${String(v)}`).sort().join(',')}`, Number(row[series.columns.indexOf('value')]));
        }
      }
      expect(got).toEqual(expected(lines));
    } finally {
      c.close();
    }
  });

  it('2.x through @influxdata/influxdb-client: VictoriaMetrics holds every point with its tags and value', async () => {
    const c = new InfluxV2Client(config({ url: vm.url, api_version: '2', org: 'ceph', bucket: 'ceph', token: 'unused' }));
    const stamp = Date.now();
    const lines = await referenceLines('v2', stamp);
    await c.write([linesChunk(lines)], AbortSignal.timeout(60_000));
    const series = await waitFor(async () => {
      const s = await vmExport(vm.url, '{__name__=~"ceph_.*_value", fsid="433500eb-af2c-4dac-b9f0-03fd67b0928a"}');
      const pg = await vmExport(vm.url, '{__name__=~"ceph_pg_summary_.*_value"}');
      const all = [...s, ...pg.filter((x) => x.timestamps.includes(stamp))];
      return sum(all.map((x) => x.values.length)) >= lines.length ? all : undefined;
    }, 30_000, 'points in VictoriaMetrics');
    const got = new Map<string, number>();
    for (const s of series) {
      const { __name__: name = '', ...tags } = s.metric;
      expect(s.timestamps).toEqual([stamp]);
      got.set(`${name.replace(/_value$/, '')}|${Object.entries(tags).map(([k, v]) => `${k}=${v}`).sort().join(',')}`, s.values[0]!);
    }
    expect(got).toEqual(expected(lines));
  });

  it('names with spaces, commas, =, quotes, backslashes, tabs and unicode come back as written (1.x: ＼ where it has no spelling)', async () => {
    const names = ['plain', 'my pool', 'a,b', 'k=v', 'say "hi"', "it's", 'back\\slash', 'two\\\\back', 'trail\\', 'bs\\,comma', 'tab\there', 'pööl ☃ 池', '=lead', ' lead space', 'x\\ y'];
    const v1Expected = (n: string): string => n.replace(/\\+(?=$|[, =])/g, (run) => `${run.slice(0, -1)}＼`);
    const stamp = Date.now();
    const c1 = new InfluxV1Client(config({ hostname: '127.0.0.1', port: influx.port, database: 'names' }));
    try {
      await c1.createDatabase('names', AbortSignal.timeout(30_000));
      await c1.write([linesChunk(names.map((n, i) => line('ceph_pool_stats', [['pool_name', n], ['type_instance', 'objects']], 'value', i, stamp, 'v1')!))], AbortSignal.timeout(30_000));
    } finally {
      c1.close();
    }
    const stored = (await influxQuery(influx.url, 'names', 'SHOW TAG VALUES FROM "ceph_pool_stats" WITH KEY = "pool_name"'))[0]!.values.map((v) => String(v[1]));
    expect(stored.sort()).toEqual(names.map(v1Expected).sort());

    const c2 = new InfluxV2Client(config({ url: vm.url, api_version: '2', org: 'o', bucket: 'names' }));
    await c2.write([linesChunk(names.map((n, i) => line('names_test', [['pool_name', n], ['type_instance', 'objects']], 'value', i, stamp, 'v2')!))], AbortSignal.timeout(60_000));
    const back = await waitFor(async () => {
      const s = await vmExport(vm.url, '{__name__="names_test_value"}');
      return s.length === names.length ? s : undefined;
    }, 30_000, 'names in VictoriaMetrics');
    const byValue = new Map(back.map((s) => [s.values[0]!, s.metric.pool_name]));
    expect(names.map((_, i) => byValue.get(i))).toEqual(names);
  });

  describe('the module, fed by a simulated cluster', () => {
    let t: TestMgr;
    let sim: SimRunner;
    const run = (...argv: string[]) => t.mgr.runCommand(ADMIN, { argv });
    const mod = (): Module => t.mgr.registry.get('influx')!.instance as unknown as Module;
    const set = async (o: string, v: string): Promise<void> => {
      const r = await run('config', 'set', 'mgr', `mgr/influx/${o}`, v);
      expect(r.r, r.outs).toBe(0);
    };
    const intervals = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        const before = mod().lastBuild;
        await run('influx', 'send');
        await waitFor(() => mod().lastBuild !== before, 30_000, 'an interval');
        await new Promise((r) => setTimeout(r, 5)); // distinct millisecond stamps
      }
      await waitFor(() => mod().loop.stats().queued === 0, 60_000, 'all sent');
    };

    beforeAll(async () => {
      ({ t, sim } = await startInfluxTestCluster(influx.port, { batch_size: '200' }, { osds: 6, seed: 11 }));
    });

    afterAll(async () => {
      await sim?.stop();
      await t?.stop();
    });

    it('1.x: every point sent is in InfluxDB, none dropped', async () => {
      await intervals(3);
      const s = mod().loop.stats();
      expect(s.dropped, (await run('health', 'detail')).outb).toBe(0);
      expect(s.sent).toBe(mod().producedPoints);
      expect(await influxCount(influx.url, 'ceph')).toBe(s.sent);
    });

    it('2.x: switched to /api/v2/write at runtime, every point sent is in VictoriaMetrics', async () => {
      const before = mod().loop.stats();
      const from = Date.now();
      await set('api_version', '2');
      await set('url', vm.url);
      await set('bucket', 'ceph');
      await intervals(3);
      const s = mod().loop.stats();
      expect(s.dropped).toBe(0);
      const sent = s.sent - before.sent;
      await waitFor(async () => (await vmCount(vm.url, '{__name__=~"ceph_.*_value"}', from)) === sent, 30_000, `${sent} points in VictoriaMetrics`);
    });
  });
});
