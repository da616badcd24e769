// The dashboard's server in-process (a test manager fed by a simulated cluster
// over the wire protocol): its user
// commands, login with rate limiting, the session/CSRF guards, validation of
// writes, and the live hub computing each view once per interval however many
// pages watch. The browser side is test/integration/dashboard-ui.test.ts.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/log.js';
import { SimRunner } from '../../src/sim/sim-runner.js';
import { startTestMgr, waitFor, type TestMgr } from '../../test/helpers/harness.js';
import type { Module } from './module.js';
import { LoginLimiter, SessionTokens } from './server/sessions.js';

const ADMIN = { entity: 'client.admin', read: true, write: true };

describe('dashboard server', () => {
  let t: TestMgr;
  let base: string;
  let dash: Module;
  let sim: SimRunner;

  const cmd = async (c: Record<string, unknown>, inbuf = ''): Promise<{ r: number; outb: string; outs: string }> =>
    t.mgr.runCommand(ADMIN, { cmd: c, inbuf });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const loginAs = async (username: string, password: string): Promise<{ cookie: string; csrf: string }> => {
    const res = await post('/api/auth', { username, password });
    expect(res.status).toBe(201);
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    return { cookie, csrf: ((await res.json()) as { csrf: string }).csrf };
  };

  beforeAll(async () => {
    t = await startTestMgr({
      set: { mgr_stats_period: 0.5, mgr_tick_period: 0.5 },
      modulePaths: ['modules'],
      modules: ['dashboard', 'hello'],
      moduleOverrides: [
        { module: 'dashboard', option: 'ssl', value: 'false' },
        { module: 'dashboard', option: 'server_port', value: '0' },
        { module: 'dashboard', option: 'server_addr', value: '127.0.0.1' },
        { module: 'dashboard', option: 'live_update_interval', value: '1' },
      ],
    });
    sim = new SimRunner({ osds: 4, seed: 1, mgrAddr: t.daemonAddr, keyring: t.keyring, log: silentLogger(), stepS: 0.5 });
    await sim.start();
    base = (await waitFor(() => t.store.current().services.dashboard, 20_000, 'dashboard URI')).replace(/\/$/, '');
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    dash = t.mgr.registry.get('dashboard')!.instance as Module;
  });
  afterAll(async () => {
    await sim?.stop();
    await t?.stop();
  });

  it('creates, shows and deletes users; refuses bad input with -EINVAL naming it', async () => {
    expect((await cmd({ prefix: 'dashboard ac-user-create', username: 'ann', password: 'ann-password', rolename: 'administrator' })).r).toBe(0);
    expect((await cmd({ prefix: 'dashboard ac-user-create', username: 'ro' }, 'ro-password\n')).r).toBe(0);
    const shown = JSON.parse((await cmd({ prefix: 'dashboard ac-user-show', username: 'ro' })).outb) as { roles: string[]; password: string };
    expect(shown.roles).toEqual(['administrator']);
    expect(shown.password).toMatch(/^scrypt\$/);
    expect(shown.password).not.toContain('ro-password');
    expect((await cmd({ prefix: 'dashboard ac-user-delete', username: 'ro' })).r).toBe(0);
    expect((await cmd({ prefix: 'dashboard ac-user-delete', username: 'ro' })).r).toBe(-2);
    const short = await cmd({ prefix: 'dashboard ac-user-create', username: 'bob', password: 'short' });
    expect([short.r, short.outs]).toEqual([-22, 'password too short: at least 8 characters']);
    const dup = await cmd({ prefix: 'dashboard ac-user-create', username: 'ann', password: 'another-one' });
    expect([dup.r, dup.outs]).toEqual([-22, "User 'ann' already exists"]);
    const role = await cmd({ prefix: 'dashboard ac-user-create', username: 'eve', password: 'eve-password', rolename: 'root' });
    expect(role.r).toBe(-22);
    expect(role.outs).toMatch(/rolename/);
    expect(JSON.parse((await cmd({ prefix: 'dashboard ac-user-show' })).outb)).toEqual(['ann']);
    expect((await cmd({ prefix: 'dashboard get-url' })).outb).toBe(`${base}/`);
  });

  it('serves the bundled frontend with a strict CSP, and no API without a session', async () => {
    const page = await fetch(`${base}/osds`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script type="module" src="/app.js">');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const js = await fetch(`${base}/app.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${base}/api/summary/overview`)).status).toBe(401);
    expect((await post('/api/modules/hello/disable', {})).status).toBe(401);
  });

  it('needs the CSRF token on writes and refuses bad values with the dispatcher\'s reason', async () => {
    const s = await loginAs('ann', 'ann-password');
    const put = (value: unknown, csrf = s.csrf): Promise<Response> =>
      fetch(`${base}/api/config/mgr/hello/emphasis`, { method: 'PUT', headers: { cookie: s.cookie, 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ value }) });
    expect((await put(2, 'forged')).status).toBe(403);
    const bad = await put(99);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { outs: string }).outs).toMatch(/emphasis/);
    expect((await put(2)).status).toBe(200);
    expect((await cmd({ prefix: 'config get', who: 'mgr', key: 'mgr/hello/emphasis' })).outb.trim()).toBe('2');
    const big = await fetch(`${base}/api/command`, { method: 'POST', headers: { cookie: s.cookie, 'content-type': 'application/json', 'x-csrf-token': s.csrf }, body: JSON.stringify({ line: 'x'.repeat(70_000) }) });
    expect(big.status).toBe(413);
  });

  it('computes each live view once per interval for 20 open pages', async () => {
    const s = await loginAs('ann', 'ann-password');
    const aborts = Array.from({ length: 20 }, () => new AbortController());
    const streams = await Promise.all(aborts.map((a) => fetch(`${base}/api/live?topics=overview,osds`, { headers: { cookie: s.cookie }, signal: a.signal })));
    try {
      expect(streams.map((r) => r.status)).toEqual(Array(20).fill(200));
      await waitFor(() => dash.hub.size === 20, 10_000, '20 subscribers');
      const before = dash.hub.computations.get('overview') ?? 0;
      const beforeOsds = dash.hub.computations.get('osds') ?? 0;
      // Three intervals later: about three computations each, not sixty.
      await waitFor(() => (dash.hub.computations.get('overview') ?? 0) >= before + 3, 15_000, 'three intervals');
      expect((dash.hub.computations.get('overview') ?? 0) - before).toBeLessThanOrEqual(4);
      expect((dash.hub.computations.get('osds') ?? 0) - beforeOsds).toBeLessThanOrEqual(4);
      const reader = streams[0]!.body!.getReader();
      const { value } = await reader.read();
      expect(new TextDecoder().decode(value)).toMatch(/retry: 3000|event: (overview|osds)/);
    } finally {
      for (const a of aborts) a.abort();
    }
    await waitFor(() => dash.hub.size === 0, 10_000, 'subscribers gone');
  });

  it('rate-limits failed logins per user and per address (429 with Retry-After)', async () => {
    await cmd({ prefix: 'dashboard ac-user-create', username: 'carl', password: 'carl-password', rolename: 'read-only' });
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) codes.push((await post('/api/auth', { username: 'carl', password: `wrong-${i}` })).status);
    expect(codes).toEqual([401, 401, 401, 401, 401, 429]);
    const refused = await post('/api/auth', { username: 'carl', password: 'carl-password' });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // The address (127.0.0.1) is refused as well, whoever it claims to be.
    expect((await post('/api/auth', { username: 'ann', password: 'ann-password' })).status).toBe(429);
  });
});

describe('SessionTokens and LoginLimiter', () => {
  it('accepts its own unexpired tokens only, and forgets revoked ones', () => {
    const tokens = new SessionTokens(() => 'secret-a');
    const { token, claims } = tokens.issue('ann', 1000, 60);
    expect(tokens.verify(token, 1059)?.username).toBe('ann');
    expect(tokens.verify(token, 1060)).toBeUndefined();
    expect(new SessionTokens(() => 'secret-b').verify(token, 1000)).toBeUndefined();
    const [h, body, sig] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims, username: 'root' })).toString('base64url');
    expect(tokens.verify(`${h}.${forged}.${sig}`, 1000)).toBeUndefined();
    expect(tokens.verify(`${h}.${body}`, 1000)).toBeUndefined();
    expect(tokens.checkCsrf(claims, tokens.csrfFor(claims))).toBe(true);
    expect(tokens.checkCsrf(claims, 'x')).toBe(false);
    tokens.revoke(claims);
    expect(tokens.verify(token, 1000)).toBeUndefined();
  });

  it('refuses a key after max failures in the window, until it passes; bounded in keys', () => {
    const l = new LoginLimiter(() => 3, 60_000, 100);
    for (let i = 0; i < 3; i++) l.fail('addr:a', 1000 + i);
    expect(l.retryAfterMs('addr:a', 2000)).toBe(1000 + 60_000 - 2000);
    expect(l.retryAfterMs('addr:b', 2000)).toBe(0);
    expect(l.retryAfterMs('addr:a', 61_001)).toBe(0);
    for (let i = 0; i < 1000; i++) l.fail(`addr:${i}`, 5000);
    expect((l as unknown as { failures: Map<string, number[]> }).failures.size).toBeLessThanOrEqual(100);
  });
});
