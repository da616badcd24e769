// The influx module in a real manager fed by a simulated cluster, writing to a
// small local HTTP server that answers as InfluxDB does when it fails (no real
// server answers 400/401/500/429/hangs on demand): what goes on the wire
// (upstream's requests), which answers are retried, which drop their batch,
// the health checks, the commands, and that secrets stay hidden.
// The real servers are in test/integration/influx*.test.ts.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/common/paths.js';
import { silentLogger } from '../../src/common/log.js';
import { SimRunner } from '../../src/sim/sim-runner.js';
import { startTestMgr, waitFor, type TestMgr } from '../../test/helpers/harness.js';
import type { Module } from './module.js';

interface Req {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  lines: string[];
  /** The body's bytes as they came (gzipped or not). */
  rawBytes: number;
  atMs: number;
}

type Answer = { status: number; body?: string; headers?: Record<string, string> } | 'hang';

/** Answers /ping, /query (SHOW DATABASES lists "ceph"), /write and /api/v2/write as `answer` says; records requests. */
class FakeInflux {
  readonly requests: Req[] = [];
  answer: (r: Req) => Answer = () => ({ status: 204 });
  /** Answer writes this much later (to see concurrent requests). */
  delayMs = 0;
  inFlight = 0;
  mostInFlight = 0;
  private readonly server: Server;
  private readonly hung: ServerResponse[] = [];
  port = 0;

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const u = new URL(req.url ?? '/', 'http://x');
        const raw = Buffer.concat(chunks);
        const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw; // influxdb-client gzips bodies over 1 kB
        const r: Req = {
          method: req.method ?? '', path: u.pathname, query: u.searchParams, headers: req.headers, rawBytes: raw.length,
          lines: body.toString('utf8').split('\n').filter((l) => l !== ''), atMs: performance.now(),
        };
        this.requests.push(r);
        if (r.path === '/query') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ results: [{ statement_id: 0, series: [{ name: 'databases', columns: ['name'], values: [['_internal'], ['ceph']] }] }] }));
          return;
        }
        const a = this.answer(r);
        if (a === 'hang') {
          this.hung.push(res);
          return;
        }
        this.mostInFlight = Math.max(this.mostInFlight, ++this.inFlight);
        setTimeout(() => {
          this.inFlight--;
          res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
          res.end(a.body ?? '');
        }, this.delayMs);
      });
    });
  }

  writes(): Req[] {
    return this.requests.filter((r) => r.path.endsWith('/write'));
  }

  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

const ADMIN = { entity: 'client.admin', read: true, write: true };

describe('influx module against a server that fails on demand', () => {
  let t: TestMgr;
  let sim: SimRunner;
  let fake: FakeInflux;
  const logged: string[] = [];
  const run = (...argv: string[]) => t.mgr.runCommand(ADMIN, { argv });
  const mod = (): Module => t.mgr.registry.get('influx')!.instance as unknown as Module;
  const set = async (option: string, value: string): Promise<void> => {
    const r = await run('config', 'set', 'mgr', `mgr/influx/${option}`, value);
    expect(r.r, r.outs).toBe(0);
  };
  const stats = () => mod().loop.stats();
  const checks = async (): Promise<Record<string, { summary: { message: string; count: number }; detail: Array<{ message: string }> }>> =>
    JSON.parse((await run('health', 'detail', '--format', 'json')).outb).checks;
  /** One interval now, and until it is all sent or dropped. */
  const sendNow = async (): Promise<number> => {
    const before = mod().lastBuild;
    expect((await run('influx', 'send')).outb).toBe('Sending data to Influx');
    await waitFor(() => mod().lastBuild !== before, 20_000, 'an interval built');
    await waitFor(() => stats().queued === 0, 30_000, 'the interval sent or dropped');
    return mod().lastBuild!.points;
  };

  beforeAll(async () => {
    fake = new FakeInflux();
    await fake.listen();
    const sink = new Writable({
      write(chunk: Buffer, _e, cb) {
        logged.push(chunk.toString('utf8'));
        cb();
      },
    });
    t = await startTestMgr({
      modulePaths: [join(packageRoot(), 'exporters')],
      modules: ['influx'],
      set: { mgr_stats_period: 0.5, mgr_tick_period: 0.5 },
      log: pino({ level: 'debug' }, sink),
      moduleOverrides: [
        { module: 'influx', option: 'hostname', value: '127.0.0.1' },
        { module: 'influx', option: 'port', value: String(fake.port) },
        { module: 'influx', option: 'interval', value: '86400' },
        { module: 'influx', option: 'batch_size', value: '100' },
        { module: 'influx', option: 'threads', value: '1' },
        { module: 'influx', option: 'username', value: 'ceph-writer' },
        { module: 'influx', option: 'password', value: 's3cret-pass' },
        { module: 'influx', option: 'send_timeout', value: '1' },
      ],
    });
    sim = new SimRunner({ osds: 4, seed: 7, mgrAddr: t.daemonAddr, keyring: t.keyring, log: silentLogger(), stepS: 0.5 });
    await sim.start();
    // Daemons have reported: an interval has daemon points.
    await waitFor(async () => (await run('influx', 'self-test')).r === 0, 60_000, 'daemon stats');
    // And PG stats of every OSD: an interval has ceph_pg_summary_osd points (under load they came after the daemon stats).
    await waitFor(() => Object.keys(mod().get('pg_summary').by_osd).length === 4, 60_000, 'PG stats of every OSD');
  }, 120_000); // the hook outlives its own wait (it timed out at the default 30 s under load)

  afterEach(() => {
    fake.answer = () => ({ status: 204 });
  });

  afterAll(async () => {
    await sim?.stop();
    await t?.stop();
    await fake?.close();
  });

  it("asks as upstream did: SHOW DATABASES, then /write?db=ceph&precision=ms with Basic auth, batches of batch_size, at most `threads` at once", async () => {
    await set('threads', '3');
    fake.delayMs = 50;
    fake.mostInFlight = 0;
    fake.requests.length = 0;
    const points = await sendNow();
    fake.delayMs = 0;
    await set('threads', '1');
    expect(fake.mostInFlight).toBe(3);
    const show = fake.requests.find((r) => r.path === '/query')!;
    expect(show.method).toBe('GET');
    expect(Object.fromEntries(show.query)).toEqual({ q: 'SHOW DATABASES', db: 'ceph' });
    expect(fake.requests.some((r) => r.query.get('q')?.startsWith('CREATE'))).toBe(false); // "ceph" exists
    const writes = fake.writes();
    expect(writes.every((w) => w.method === 'POST' && w.query.toString() === 'db=ceph&precision=ms')).toBe(true);
    expect(writes[0]!.headers.authorization).toBe(`Basic ${Buffer.from('ceph-writer:s3cret-pass').toString('base64')}`);
    expect(writes.map((w) => w.lines.length).reduce((a, b) => a + b, 0)).toBe(points);
    expect(Math.max(...writes.map((w) => w.lines.length))).toBe(100);
    expect(writes.length).toBe(Math.ceil(points / 100));
    const measurements = new Set(writes.flatMap((w) => w.lines.map((l) => l.slice(0, l.indexOf(',')))));
    expect([...measurements].sort()).toEqual(['ceph_daemon_stats', 'ceph_pg_summary_osd', 'ceph_pg_summary_pool', 'ceph_pool_stats']);
  });

  it('creates the database (and upstream\'s 8-week retention policy) when SHOW DATABASES lacks it', async () => {
    await set('database', 'ceph_new');
    fake.requests.length = 0;
    await sendNow();
    const qs = fake.requests.filter((r) => r.path === '/query').map((r) => `${r.method} ${r.query.get('q')}`);
    expect(qs).toEqual([
      'GET SHOW DATABASES',
      'POST CREATE DATABASE "ceph_new"',
      'POST CREATE RETENTION POLICY "8_weeks" ON "ceph_new" DURATION 8w REPLICATION 1 SHARD DURATION 0s DEFAULT',
    ]);
    await set('database', 'ceph');
  });

  it('drops a batch the server cannot parse (400) without retrying, counts it, quotes the answer, and clears on the next success', async () => {
    const s0 = stats();
    fake.requests.length = 0;
    let first = true;
    fake.answer = () => {
      if (!first) return { status: 204 };
      first = false;
      return { status: 400, body: JSON.stringify({ error: 'unable to parse \'ceph_x value=\': missing field value' }) };
    };
    const points = await sendNow();
    const s1 = stats();
    expect(fake.writes().length).toBe(Math.ceil(points / 100)); // nothing retried
    expect(s1.dropped - s0.dropped).toBe(fake.writes()[0]!.lines.length);
    expect(s1.sent - s0.sent + s1.dropped - s0.dropped).toBe(points);
    expect(s1.failed - s0.failed).toBe(1);
    // The check was raised (quoting the server) and cleared by the batches that went through after it.
    expect(logged.join('')).toContain("unable to parse 'ceph_x value=': missing field value");
    expect((await checks()).MGR_INFLUX_SEND_FAILED).toBeUndefined();
  });

  it('raises MGR_INFLUX_SEND_FAILED quoting a 401 and drops every batch while the credentials are wrong', async () => {
    fake.answer = () => ({ status: 401, body: JSON.stringify({ error: 'authorization failed' }) });
    const s0 = stats();
    fake.requests.length = 0;
    const points = await sendNow();
    const s1 = stats();
    expect(s1.dropped - s0.dropped).toBe(points);
    expect(s1.sent).toBe(s0.sent);
    expect(fake.writes().length).toBe(Math.ceil(points / 100));
    const c = (await checks()).MGR_INFLUX_SEND_FAILED!;
    expect(c.summary.message).toBe(`Failed to send data to InfluxDB at http://127.0.0.1:${fake.port} (database ceph)`);
    expect(c.detail[0]!.message).toBe('HTTP 401 Unauthorized: authorization failed');
    expect(c.detail[1]!.message).toBe(`${points} points rejected and dropped since the last successful send`);
    fake.answer = () => ({ status: 204 });
    await sendNow();
    expect((await checks()).MGR_INFLUX_SEND_FAILED).toBeUndefined();
  });

  it('retries 500s with backoff until the server takes the batch', async () => {
    let fails = 3;
    fake.answer = () => (fails-- > 0 ? { status: 500, body: '{"error":"timeout"}' } : { status: 204 });
    const s0 = stats();
    fake.requests.length = 0;
    const points = await sendNow();
    const s1 = stats();
    expect(s1.failed - s0.failed).toBe(3);
    expect(s1.sent - s0.sent).toBe(points);
    expect(s1.dropped).toBe(s0.dropped);
    const lines = fake.writes().filter((w) => w.lines.length > 0);
    expect(new Set(lines.slice(0, 4).map((w) => w.lines[0])).size).toBe(1); // the same batch, four times
  });

  it('holds at most queue_max_bytes of points while the server fails, drops the oldest whole and counts every point', async () => {
    const MiB = 1024 * 1024;
    expect((await run('config', 'set', 'mgr', 'mgr/influx/queue_max_bytes', String(MiB - 1))).outs).toMatch(/queue_max_bytes: must be .*1048576/);
    await set('queue_max_bytes', String(MiB));
    fake.answer = () => ({ status: 500, body: '{"error":"down"}' });
    let most = 0;
    try {
      for (let i = 0; i < 40 && !(await checks()).MGR_INFLUX_QUEUE_FULL; i++) {
        const before = mod().lastBuild;
        await run('influx', 'send');
        await waitFor(() => mod().lastBuild !== before, 20_000, 'an interval built');
        // What waits is within the bound; one batch of 100 points (threads 1) may be out on top of it.
        most = Math.max(most, stats().queuedBytes!);
        expect(stats().queuedBytes).toBeLessThanOrEqual(MiB + 100 * 1000);
      }
      const full = (await checks()).MGR_INFLUX_QUEUE_FULL!;
      expect(full.detail[0]!.message).toContain('or 1 MiB');
      expect(most).toBeGreaterThan(MiB / 2);
      expect(stats().dropped).toBeGreaterThan(0);
    } finally {
      fake.answer = () => ({ status: 204 });
      await set('queue_max_bytes', String(64 * MiB));
    }
    await waitFor(() => stats().queued === 0 && !mod().loop.healthChecks().MGR_INFLUX_QUEUE_FULL, 30_000, 'recovered');
    const s = stats();
    expect(s.sent + s.dropped).toBe(mod().producedPoints);
    expect(s.queuedBytes).toBe(0);
  });

  it('waits as long as a 429 Retry-After says before trying again', async () => {
    let first = true;
    fake.answer = () => {
      if (!first) return { status: 204 };
      first = false;
      return { status: 429, headers: { 'retry-after': '2' }, body: '{"error":"too many requests"}' };
    };
    fake.requests.length = 0;
    const points = await sendNow();
    const w = fake.writes();
    expect(w[1]!.lines[0]).toBe(w[0]!.lines[0]);
    expect(w[1]!.atMs - w[0]!.atMs).toBeGreaterThanOrEqual(1990);
    expect(w.filter((x, i) => i > 0).map((x) => x.lines.length).reduce((a, b) => a + b, 0)).toBe(points);
  });

  it('gives up on a server that hangs after send_timeout, and delivers once it answers', async () => {
    let hangs = 1;
    fake.answer = () => (hangs-- > 0 ? 'hang' : { status: 204 });
    const s0 = stats();
    fake.requests.length = 0;
    const points = await sendNow();
    const s1 = stats();
    expect(s1.failed - s0.failed).toBe(1);
    expect(s1.sent - s0.sent).toBe(points);
    expect(logged.join('')).toContain('no answer within 1000 ms');
  });

  it('speaks /api/v2/write through @influxdata/influxdb-client: token, org, bucket, and the same answers', async () => {
    await set('api_version', '2');
    await set('org', 'my org');
    await set('bucket', 'ceph/autogen');
    await set('token', 'tok-123');
    try {
      fake.requests.length = 0;
      const points = await sendNow();
      const w = fake.writes();
      expect(w[0]!.path).toBe('/api/v2/write');
      expect(Object.fromEntries(w[0]!.query)).toEqual({ org: 'my org', bucket: 'ceph/autogen', precision: 'ms' });
      expect(w[0]!.headers.authorization).toBe('Token tok-123');
      // As the library's WriteApi sends a body over 1 kB: gzipped, with its length (no chunked encoding).
      expect(w[0]!.headers['content-encoding']).toBe('gzip');
      expect(Number(w[0]!.headers['content-length'])).toBe(w[0]!.rawBytes);
      expect(w.map((x) => x.lines.length).reduce((a, b) => a + b, 0)).toBe(points);
      expect(fake.requests.some((r) => r.path === '/query')).toBe(false); // no 1.x database step on 2.x

      let n = 0;
      fake.answer = () => (++n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : n === 2 ? { status: 400, body: '{"code":"invalid","message":"unable to parse"}' } : { status: 204 });
      const s0 = stats();
      fake.requests.length = 0;
      const p2 = await sendNow();
      const s1 = stats();
      const w2 = fake.writes();
      expect(w2[1]!.atMs - w2[0]!.atMs).toBeGreaterThanOrEqual(990);
      expect(s1.failed - s0.failed).toBe(2);
      expect(s1.dropped - s0.dropped).toBe(w2[1]!.lines.length);
      expect(s1.sent - s0.sent + s1.dropped - s0.dropped).toBe(p2);
      expect(logged.join('')).toContain('HTTP 400');
    } finally {
      await set('api_version', '1');
    }
  });

  it('answers config-show as upstream (secrets masked), config-set with upstream\'s words, and self-test', async () => {
    const show = JSON.parse((await run('influx', 'config-show')).outb) as Record<string, unknown>;
    expect(show).toMatchObject({ batch_size: 100, database: 'ceph', hostname: '127.0.0.1', interval: 86400, password: '********', port: fake.port, ssl: false, threads: 1, username: 'ceph-writer', verify_ssl: true });
    expect(Object.keys(show)).toEqual(Object.keys(show).sort());
    expect(await run('influx', 'config-set', 'threads', '4')).toEqual({ r: 0, outb: 'Configuration option threads updated', outs: '' });
    const bad = await run('influx', 'config-set', 'threads', '64');
    expect(bad.r).toBe(-22);
    expect(bad.outs).toMatch(/threads.*an integer in \[1, 32\]/);
    expect((await run('influx', 'config-set', 'threads', '')).outs).toBe('Value should not be empty');
    expect((await run('influx', 'config-set', 'nope', '1')).r).toBe(-22);
    await set('threads', '1');
    const st = await run('influx', 'self-test');
    expect(st.outs).toBe('Self-test OK');
    const body = JSON.parse(st.outb) as { daemon_stats: Array<{ measurement: string; tags: Record<string, string> }>; df_stats: unknown[] };
    expect(body.daemon_stats[0]!.measurement).toBe('ceph_daemon_stats');
    expect(Object.keys(body.daemon_stats[0]!.tags).sort()).toEqual(['ceph_daemon', 'fsid', 'host', 'type_instance']);
    expect(body.df_stats.length).toBeGreaterThan(0);
  });

  it('never shows or logs the password or token: config get/show/dump mask them', async () => {
    await set('token', 'tok-secret-456');
    for (const argv of [['config', 'show', 'mgr'], ['config', 'dump'], ['config', 'get', 'mgr'], ['config', 'get', 'mgr', 'mgr/influx/password'], ['influx', 'config-show']]) {
      const r = await run(...argv, '--format', 'json');
      expect(r.outb, argv.join(' ')).not.toMatch(/s3cret-pass|tok-secret-456/);
    }
    expect((await run('config', 'get', 'mgr', 'mgr/influx/password')).outb).toBe('********\n');
    expect(logged.join('')).not.toMatch(/s3cret-pass|tok-secret-456|czNjcmV0/);
  });

  it('raises MGR_INFLUX_NO_SERVER without a hostname and clears it when one is set', async () => {
    await set('hostname', '');
    await run('influx', 'send');
    const c = await waitFor(async () => (await checks()).MGR_INFLUX_NO_SERVER, 10_000, 'the check');
    expect(c.summary.message).toBe('No InfluxDB server configured');
    await set('hostname', '127.0.0.1');
    await sendNow();
    expect((await checks()).MGR_INFLUX_NO_SERVER).toBeUndefined();
  });
});
