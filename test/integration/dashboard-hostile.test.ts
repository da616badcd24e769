// The dashboard's listener against a hostile peer, on a real `mgrd run --sim`
// (the built CLI, HTTPS with its self-signed certificate): oversized bodies get
// 413 without being read to their end, a login brute force (from one address, and from many
// at once) is rate limited and never runs more than a few password hashes at a
// time, malformed and forged requests get a clear 4xx with a JSON reason. All
// the while a prober in its own process reads the admin API's health and the
// Prometheus /metrics every 200 ms: the manager must answer each within 2 s
// (it shares its process and libuv threads with the dashboard), and the
// simulated daemons must keep reporting.

import type { IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboardMgrd, type DashboardMgrd } from '../helpers/browser.js';
import { poll } from '../helpers/procs.js';
import { startProber, type Prober } from '../helpers/prober.js';

const PROBE_DEADLINE_MS = 2000;
const ADMIN = ['admin', 'admin-secret-1'] as const;
const VIEWER = ['viewer', 'viewer-secret-1'] as const;

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  json: { detail?: string; code?: string };
}

interface Req {
  method?: string;
  path: string;
  headers?: Record<string, string | number>;
  body?: string;
  localAddress?: string;
}

describe('dashboard under hostile input (mgrd run)', () => {
  let d: DashboardMgrd;
  let url: URL;
  let prober: Prober;
  let judged = 0;
  let admin: { cookie: string; csrf: string };
  let viewer: { cookie: string; csrf: string };

  /** One HTTPS request on its own connection; the answer as soon as it comes (an unread body does not matter). */
  const send = (r: Req): Promise<Answer> => new Promise((resolve, reject) => {
    let answered = false;
    const req = httpsRequest({
      host: url.hostname, port: Number(url.port), method: r.method ?? 'GET', path: r.path, agent: false, rejectUnauthorized: false,
      localAddress: r.localAddress, headers: { ...(r.body !== undefined ? { 'content-length': Buffer.byteLength(r.body) } : {}), ...r.headers },
    }, (res) => {
      answered = true;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        let json = {};
        try {
          json = JSON.parse(body) as object;
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
        req.destroy();
      });
    });
    // Once the server has answered it may close while we still write: that is the point, not an error.
    req.on('error', (err) => (answered ? undefined : reject(err)));
    req.end(r.body);
  });

  const loginAs = async (user: string, password: string): Promise<{ cookie: string; csrf: string }> => {
    const a = await send({ method: 'POST', path: '/api/auth', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: user, password }) });
    expect(a.status).toBe(201);
    return { cookie: String(a.headers['set-cookie']?.[0]).split(';')[0]!, csrf: (a.json as { csrf: string }).csrf };
  };

  /** Every probe since the last check answered 200 within the deadline, and the daemons still report. */
  const stillServing = async (what: string): Promise<void> => {
    const ingest = async (): Promise<number> => (JSON.parse((await d.mgrd.command({ prefix: 'mgr ingest stat', format: 'json' })).outb) as { reports: number }).reports;
    const reports = await ingest();
    await poll(`the simulated daemons to keep reporting after ${what}`, 30_000, async () => (await ingest()) > reports);
    await poll('a probe round after the attack', 10_000, () => prober.rounds.length > judged + 2);
    const rounds = prober.rounds.slice(judged);
    judged = prober.rounds.length;
    const bad = rounds.filter((r) => r.ms.some((ms) => ms < 0 || ms > PROBE_DEADLINE_MS) || r.status.some((s) => s !== 200));
    console.log(`${what}: ${rounds.length} probe rounds, slowest ${Math.round(Math.max(...rounds.flatMap((r) => r.ms)))} ms`);
    expect(bad, `${what}: probes that failed or took over ${PROBE_DEADLINE_MS} ms`).toEqual([]);
    expect(d.mgrd.child.exitCode).toBeNull();
  };

  beforeAll(async () => {
    d = await startDashboardMgrd({
      args: ['--sim', '--sim-osds', '4', '--log-level', 'warn'],
      set: { mgr_stats_period: 1, 'mgr/dashboard/live_max_connections': 3 },
      users: [[...ADMIN, 'administrator'], [...VIEWER, 'read-only']],
    });
    url = new URL(d.url);
    admin = await loginAs(...ADMIN);
    viewer = await loginAs(...VIEWER);
    prober = startProber([`${d.mgrd.adminUrl}/api/v1/health`, `${d.mgrd.prometheusUrl!}metrics`], d.mgrd.child.pid!, 200, PROBE_DEADLINE_MS);
    await poll('the first probe', 20_000, () => prober.rounds.length > 0);
    judged = prober.rounds.length;
  }, 120_000);

  afterAll(async () => {
    prober?.stop();
    await d?.mgrd.stop();
  });

  it('refuses oversized bodies with 413 before reading them (declared, chunked, many at once)', async () => {
    const json = { 'content-type': 'application/json' };
    const declared = await flood(url, '/api/auth', json, 64 * 1024 * 1024, false);
    expect([declared.status, declared.json]).toEqual([413, { detail: 'Request body too large', code: 'body_too_large' }]);
    expect(declared.sentAtAnswer).toBeLessThan(32 * 1024 * 1024);
    // A chunked body of 1 GiB: answered as soon as it passes 64 KiB, not once it ends.
    const chunked = await flood(url, '/api/auth', json, 1024 * 1024 * 1024, true);
    expect([chunked.status, chunked.json.detail]).toEqual([413, 'Request body too large']);
    expect(chunked.sentAtAnswer).toBeLessThan(32 * 1024 * 1024);
    // Twenty at once, behind a session this time (the console's route).
    const many = await Promise.all(Array.from({ length: 20 }, () => flood(url, '/api/command', { ...json, cookie: admin.cookie, 'x-csrf-token': admin.csrf }, 4 * 1024 * 1024, true)));
    expect(many.map((a) => a.status)).toEqual(Array(20).fill(413));
    await stillServing('oversized bodies');
  }, 120_000);

  it('rate-limits a login brute force: from one address, and from many addresses at once', async () => {
    const attempt = (username: string, password: string, localAddress?: string): Promise<Answer> =>
      send({ method: 'POST', path: '/api/auth', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }), localAddress });
    // 40 guesses at once from one address: each is counted as failed before its hash, and no more than
    // MAX_CONCURRENT_LOGINS (2) hash at once; the rest are refused at once.
    const burst = await Promise.all(Array.from({ length: 40 }, (_, i) => attempt(ADMIN[0], `guess-${i}`, '127.0.0.2')));
    const codes = burst.map((a) => a.status);
    expect(codes.filter((c) => c === 401).length).toBeLessThanOrEqual(2);
    expect(codes.filter((c) => c !== 401 && c !== 429)).toEqual([]);
    for (const a of burst.filter((x) => x.status === 429)) {
      expect(['login_rate_limited', 'login_busy']).toContain(a.json.code);
      expect(Number(a.headers['retry-after'])).toBeGreaterThan(0);
    }
    // Guesses one after another: refused once 5 have failed in the window.
    let tried = codes.filter((c) => c === 401).length;
    for (let i = 0; i < 40; i++) {
      const a = await attempt(ADMIN[0], `again-${i}`, '127.0.0.2');
      if (a.json.code === 'login_rate_limited') break;
      if (a.status === 401) tried++;
    }
    expect(tried).toBeLessThanOrEqual(5);
    // Then the right password from that address is refused too, until the window passes.
    const right = await poll('the burst\'s last hashes to finish', 30_000, async () => {
      const a = await attempt(...ADMIN, '127.0.0.2');
      return a.json.code === 'login_busy' ? undefined : a;
    });
    expect([right.status, right.json.code]).toEqual([429, 'login_rate_limited']);
    // The user is locked as well, from any address (Ceph's dashboard locks the account too).
    expect((await attempt(...ADMIN, '127.0.0.3')).json.code).toBe('login_rate_limited');

    // 60 addresses, one guess each at 60 different names: no per-key limit applies, the bound on hashes at once does.
    const spread = await Promise.all(Array.from({ length: 60 }, (_, i) => attempt(`nobody-${i}`, 'wrong-password', `127.0.1.${i + 1}`)));
    const spreadCodes = spread.map((a) => a.status);
    expect(spreadCodes.filter((c) => c !== 401 && c !== 429)).toEqual([]);
    expect(spread.filter((a) => a.status === 429).every((a) => a.json.code === 'login_busy')).toBe(true);
    expect(spreadCodes.filter((c) => c === 429).length).toBeGreaterThan(0);
    console.log(`brute force: one address ${tried} passwords tried; spread ${spreadCodes.filter((c) => c === 401).length} tried / ${spreadCodes.length}`);
    // A session made before the attack still works.
    expect((await send({ path: '/api/summary/overview', headers: { cookie: admin.cookie } })).status).toBe(200);
    await stillServing('login brute force');
  }, 180_000);

  it('answers malformed and forged requests with a clear 4xx', async () => {
    const json = { 'content-type': 'application/json' };
    const asAdmin = { cookie: admin.cookie, 'x-csrf-token': admin.csrf };
    const cases: Array<[string, Req, number, string | RegExp]> = [
      ['broken JSON, no session', { method: 'POST', path: '/api/auth', headers: json, body: '{"username": "admin", ' }, 400, 'Request body is not JSON'],
      ['broken JSON with a session', { method: 'PUT', path: '/api/config/mgr/hello/emphasis', headers: { ...json, ...asAdmin }, body: '{"value": ' }, 400, 'Request body is not JSON'],
      ['a body that is not JSON', { method: 'POST', path: '/api/auth', headers: { 'content-type': 'text/plain' }, body: 'username=admin&password=x' }, 415, /must be JSON/],
      ['a form post to a write route', { method: 'POST', path: '/api/command', headers: { 'content-type': 'application/x-www-form-urlencoded', ...asAdmin }, body: 'line=mgr+fail' }, 415, /must be JSON/],
      ['no session', { path: '/api/summary/osds' }, 401, 'Not logged in'],
      ['a forged session (payload changed)', { path: '/api/summary/osds', headers: { cookie: forgeUser(admin.cookie, 'root') } }, 401, 'Not logged in'],
      ['an unsigned session (alg none)', { path: '/api/summary/osds', headers: { cookie: unsigned(admin.cookie) } }, 401, 'Not logged in'],
      ['a 3,000-character session', { path: '/api/summary/osds', headers: { cookie: `token=${'a'.repeat(3000)}` } }, 401, 'Not logged in'],
      ['a write without the CSRF token', { method: 'POST', path: '/api/modules/hello/disable', headers: { cookie: admin.cookie } }, 403, 'Missing or wrong X-CSRF-Token'],
      ['a write with another session\'s CSRF token', { method: 'POST', path: '/api/modules/hello/disable', headers: { cookie: admin.cookie, 'x-csrf-token': viewer.csrf } }, 403, 'Missing or wrong X-CSRF-Token'],
      ['a cross-origin write', { method: 'POST', path: '/api/modules/hello/disable', headers: { ...asAdmin, origin: 'https://evil.example' } }, 403, 'Cross-origin request refused'],
      ['a read-only user\'s write', { method: 'POST', path: '/api/modules/hello/disable', headers: { cookie: viewer.cookie, 'x-csrf-token': viewer.csrf } }, 403, "User 'viewer' is read-only"],
      ['a read-only user\'s console write', { method: 'POST', path: '/api/command', headers: { ...json, cookie: viewer.cookie, 'x-csrf-token': viewer.csrf }, body: JSON.stringify({ line: 'mgr module disable hello' }) }, 403, /access denied|EACCES|denied/i],
      ['a console line of 5,000 characters', { method: 'POST', path: '/api/command', headers: { ...json, ...asAdmin }, body: JSON.stringify({ line: 'x'.repeat(5000) }) }, 400, /expected \{"line"/],
      ['a value of the wrong type', { method: 'PUT', path: '/api/config/mgr/hello/emphasis', headers: { ...json, ...asAdmin }, body: JSON.stringify({ value: { nested: [1] } }) }, 400, /expected PUT/],
      ['an option name that is not one', { method: 'PUT', path: '/api/config/..%2F..%2Fetc', headers: { ...json, ...asAdmin }, body: JSON.stringify({ value: 1 }) }, 400, /expected PUT/],
      ['a bad module action', { method: 'POST', path: '/api/modules/hello/format-disk', headers: asAdmin }, 400, /enable\|disable/],
      ['an OSD that is not a number', { path: '/api/osd/1e400', headers: { cookie: admin.cookie } }, 404, /no OSD/],
      ['a path that does not decode', { path: '/api/osd/%E0%A4%A', headers: { cookie: admin.cookie } }, 400, /./],
      ['an unknown view', { path: '/api/summary/secrets', headers: { cookie: admin.cookie } }, 404, /no view/],
      ['an unknown route', { method: 'DELETE', path: '/api/users/admin', headers: asAdmin }, 404, /No API route/],
      ['unknown live topics', { path: '/api/live?topics=passwords', headers: { cookie: admin.cookie } }, 400, /topics/],
    ];
    const seen: string[] = [];
    for (const [what, req, status, detail] of cases) {
      const a = await send(req);
      seen.push(`${what}: ${a.status} ${a.json.detail ?? a.body.slice(0, 80)}`);
      expect(a.status, what).toBe(status);
      expect(a.headers['content-type'], what).toMatch(/application\/json/);
      expect(a.json.detail ?? (a.json as { outs?: string }).outs, what).toMatch(detail);
    }
    console.log(seen.join('\n'));
    // Headers past Node's 16 KiB: 431 from the HTTP parser, before any route.
    expect((await send({ path: '/api/summary/osds', headers: { cookie: `token=${'a'.repeat(20_000)}` } })).status).toBe(431);
    // Not HTTP at all inside TLS: 400 and the connection closed.
    expect(await rawTls(url, 'GARBAGE / NOT-HTTP\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    // The module is untouched by all this.
    const ls = JSON.parse((await d.mgrd.command({ prefix: 'mgr module ls', format: 'json' })).outb) as { enabled_modules: string[] };
    expect(ls.enabled_modules).toContain('hello');
    await stillServing('malformed and forged requests');
  }, 120_000);

  it('bounds live streams (503 with Retry-After past live_max_connections) and serves again once they close', async () => {
    const open = await Promise.all(Array.from({ length: 3 }, () => openStream(url, admin.cookie)));
    try {
      const refused = await send({ path: '/api/live?topics=overview', headers: { cookie: admin.cookie } });
      expect([refused.status, refused.json.code, refused.headers['retry-after']]).toEqual([503, 'live_full', '10']);
    } finally {
      for (const s of open) s.destroy();
    }
    await poll('a live stream accepted again', 20_000, async () => {
      const s = await openStream(url, admin.cookie).catch(() => undefined);
      s?.destroy();
      return s !== undefined;
    });
    await stillServing('live stream cap');
  }, 120_000);
});

/**
 * POSTs `bytes` of body (64 KiB chunks, declared or chunked) over a raw TLS socket until the server answers,
 * and parses that answer. Raw: once the server has answered and closed, an HTTP client's write error would
 * hide the answer it already received.
 */
function flood(url: URL, path: string, headers: Record<string, string>, bytes: number, chunked: boolean): Promise<{ status: number; json: { detail?: string; code?: string }; sentAtAnswer: number }> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: url.hostname, port: Number(url.port), rejectUnauthorized: false });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const frame = chunked ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]) : chunk;
    let sent = 0;
    let sentAtAnswer = -1;
    let got = '';
    const finish = (): void => {
      const m = /^HTTP\/1\.1 (\d{3})[^]*?\r\n\r\n([^]*)$/.exec(got);
      if (!m) {
        reject(new Error(`no HTTP answer after ${sent} bytes: ${JSON.stringify(got.slice(0, 200))}`));
        return;
      }
      let json = {};
      try {
        json = JSON.parse(m[2]!) as object;
      } catch {
        // not JSON
      }
      resolve({ status: Number(m[1]), json, sentAtAnswer });
    };
    const pump = (): void => {
      while (sentAtAnswer < 0 && sent < bytes && !s.destroyed) {
        sent += chunk.length;
        if (!s.write(frame)) {
          s.once('drain', pump);
          return;
        }
      }
    };
    s.on('secureConnect', () => {
      const head = Object.entries({ ...headers, host: url.host, ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(bytes) }) });
      s.write(`POST ${path} HTTP/1.1\r\n${head.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
      pump();
    });
    s.setEncoding('utf8');
    s.on('data', (c: string) => {
      if (sentAtAnswer < 0) sentAtAnswer = sent;
      got += c;
      // The whole JSON answer is in: done (the server closes after a linger; no need to wait for it).
      if (/\r\n\r\n\{[^]*\}$/.test(got)) s.destroy();
    });
    s.on('error', () => undefined);
    s.on('close', finish);
    s.setTimeout(120_000, () => s.destroy());
  });
}

/** The session cookie with its payload's user name changed (the signature left as it was). */
function forgeUser(cookie: string, username: string): string {
  const [h, body, sig] = cookie.slice('token='.length).split('.');
  const claims = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8')) as Record<string, unknown>;
  return `token=${h}.${Buffer.from(JSON.stringify({ ...claims, username })).toString('base64url')}.${sig}`;
}

/** The session cookie re-headed as an unsigned JWT ({"alg":"none"}). */
function unsigned(cookie: string): string {
  const [, body] = cookie.slice('token='.length).split('.');
  return `token=${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${body}.`;
}

/** Bytes straight over TLS; what the server answers before it closes. */
function rawTls(url: URL, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: url.hostname, port: Number(url.port), rejectUnauthorized: false }, () => s.write(bytes));
    let got = '';
    s.setEncoding('utf8');
    s.on('data', (c: string) => (got += c));
    s.on('end', () => resolve(got));
    s.on('close', () => resolve(got));
    s.on('error', reject);
    s.setTimeout(30_000, () => s.destroy(new Error('no answer in 30 s')));
  });
}

/** An open SSE stream (resolves once its 200 head arrives; rejects on any other status). */
function openStream(url: URL, cookie: string): Promise<{ destroy(): void }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: url.hostname, port: Number(url.port), path: '/api/live?topics=overview', headers: { cookie }, agent: false, rejectUnauthorized: false }, (res) => {
      if (res.statusCode !== 200) {
        req.destroy();
        reject(new Error(`live stream: ${res.statusCode}`));
        return;
      }
      resolve({ destroy: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}
