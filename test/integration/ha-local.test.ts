// High availability on one host, as an operator gets it: `mgrd run` twice on
// one data dir with the same flags (the same wanted ports). The first is
// active, the second stands by on the next free ports; kill -9 the first and
// the second serves the cluster's /metrics on the wanted port; SIGTERM hands
// over at once. A poller samples every manager's role throughout: never two
// active at once.

import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertBuilt, exited, freePort, MGRD_BIN, poll, spawnLogged, stopChild } from '../helpers/procs.js';

interface Proc {
  child: ChildProcess;
  log: string;
}

const procs: Proc[] = [];
const dirs: string[] = [];

afterAll(async () => {
  for (const p of procs) await stopChild(p.child);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The same command line every time: the wanted ports are the same. */
function run(dir: string, ports: { daemon: number; admin: number; prom: number }, id: string, sim = true): Proc {
  const log = join(dir, '..', `${dir.split('/').pop()}-${id}.log`);
  const child = spawnLogged(process.execPath, [MGRD_BIN, 'run', ...(sim ? ['--sim', '--sim-osds', '3'] : []), '--id', id, '--data-dir', dir,
    '--daemon-addr', `127.0.0.1:${ports.daemon}`, '--admin-addr', `127.0.0.1:${ports.admin}`,
    '--set', `mgr/prometheus/server_port=${ports.prom}`, '--set', 'mgr/prometheus/server_addr=127.0.0.1',
    '--set', 'mgr/prometheus/scrape_interval=1', '--set', 'mgr_stats_period=0.5', '--set', 'mgr_tick_period=0.5'], log);
  const p = { child, log };
  procs.push(p);
  return p;
}

/** Admin URLs a process listened on, from its log (a standby's moves when it becomes active). */
function adminUrls(p: Proc): string[] {
  const out: string[] = [];
  for (const line of readFileSync(p.log, 'utf8').split('\n')) {
    const m = /"addr":\{"host":"([^"]+)","port":(\d+)\},"msg":"admin API (listening|moved)"/.exec(line);
    if (m) out.push(`http://${m[1]}:${m[2]}`);
  }
  return out;
}

async function role(url: string): Promise<{ mgr: string; role: string; mgrmap_epoch: number } | undefined> {
  try {
    const res = await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(2000) });
    return (await res.json()) as { mgr: string; role: string; mgrmap_epoch: number };
  } catch {
    return undefined;
  }
}

/** Samples every admin URL the processes ever listened on, concurrently, until stopped. */
function splitBrainPoller(ps: Proc[]): { stop: () => Promise<{ rounds: number; doubles: string[] }> } {
  let on = true;
  let rounds = 0;
  const doubles: string[] = [];
  const loop = (async () => {
    while (on) {
      const urls = [...new Set(ps.flatMap(adminUrls))];
      const answers = await Promise.all(urls.map(role));
      const active = answers.filter((a) => a?.role === 'active');
      if (active.length > 1) doubles.push(JSON.stringify(active));
      rounds++;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return { stop: async () => ((on = false), await loop, { rounds, doubles }) };
}

async function metricsWithCluster(url: string): Promise<string | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    const text = await res.text();
    return res.status === 200 && /ceph_osd_up\{/.test(text) ? text : undefined;
  } catch {
    return undefined;
  }
}

async function setup(): Promise<{ dir: string; ports: { daemon: number; admin: number; prom: number }; x: Proc; y: Proc }> {
  assertBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'mgrd-ha-'));
  dirs.push(dir);
  const ports = { daemon: await freePort(), admin: await freePort(), prom: await freePort() };
  const x = run(dir, ports, 'x');
  await poll('x to serve the cluster on its wanted prometheus port', 60_000, () => metricsWithCluster(`http://127.0.0.1:${ports.prom}/metrics`));
  const y = run(dir, ports, 'y');
  await poll('y to stand by', 60_000, async () => {
    const urls = adminUrls(y);
    return urls.length > 0 && (await role(urls[0]!))?.role === 'standby';
  });
  return { dir, ports, x, y };
}

describe('two mgrd run on one data dir', () => {
  it('the second stands by; kill -9 of the first makes it serve the cluster on the wanted port', async () => {
    const { ports, x, y } = await setup();
    const status = await fetch(`http://127.0.0.1:${ports.admin}/api/v1/command`, {
      method: 'POST', headers: { authorization: `Bearer ${readFileSync(join(dirs.at(-1)!, 'admin_token'), 'utf8').trim()}` },
      body: JSON.stringify({ prefix: 'mgr stat', format: 'json' }),
    });
    expect(await status.json()).toMatchObject({ retval: 0 });
    const poller = splitBrainPoller([x, y]);
    await new Promise((r) => setTimeout(r, 300));
    x.child.kill('SIGKILL');
    const t0 = Date.now();
    await exited(x.child);
    const body = await poll('y to serve the cluster on the wanted port', 30_000, () => metricsWithCluster(`http://127.0.0.1:${ports.prom}/metrics`), 20);
    const tookMs = Date.now() - t0;
    console.log(`kill -9 -> y serves the cluster's /metrics: ${tookMs} ms`);
    expect(body).toContain('ceph_mgr_status{ceph_daemon="mgr.y"} 1');
    expect(body).toMatch(/^mgrd_mgr_active\{id="y"\} 1$/m);
    expect(body).toMatch(/^mgrd_mgr_failovers_total 1$/m);
    await poll('y admin on the wanted port', 10_000, async () => (await role(`http://127.0.0.1:${ports.admin}`))?.role === 'active');
    const { rounds, doubles } = await poller.stop();
    expect(doubles).toEqual([]);
    expect(rounds).toBeGreaterThan(5);
    expect(tookMs).toBeLessThan(10_000);
  });

  it('SIGTERM of the active hands over at once; the restarted one stands by', async () => {
    const { dir, ports, x, y } = await setup();
    const poller = splitBrainPoller([x, y]);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    x.child.kill('SIGTERM');
    await poll('y active', 30_000, async () => (await role(`http://127.0.0.1:${ports.admin}`))?.mgr === 'y', 20);
    const tookMs = Date.now() - t0;
    console.log(`SIGTERM -> y active: ${tookMs} ms`);
    expect(await exited(x.child)).toBe(0);
    const x2 = run(dir, ports, 'x');
    await poll('x to stand by again', 60_000, async () => {
      const urls = adminUrls(x2);
      return urls.length > 0 && (await role(urls[0]!))?.role === 'standby';
    });
    const { doubles } = await poller.stop();
    expect(doubles).toEqual([]);
    expect(tookMs).toBeLessThan(10_000);
  });
});

describe('three mgrd run on one data dir and a separate simulator', () => {
  it('kill -9 of the active: one standby takes over, the other stays standby, the simulator reports to the new active', async () => {
    assertBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'mgrd-ha3-'));
    dirs.push(dir);
    const ports = { daemon: await freePort(), admin: await freePort(), prom: await freePort() };
    const a = run(dir, ports, 'a', false);
    await poll('a active', 60_000, async () => (await role(`http://127.0.0.1:${ports.admin}`))?.role === 'active');
    // The simulator knows only the wanted daemon port: whoever is active holds it.
    const sim = spawnLogged(process.execPath, [MGRD_BIN, 'sim', '--mgr', `127.0.0.1:${ports.daemon}`, '--keyring', join(dir, 'keyring'), '--osds', '3'], `${dir}-sim.log`);
    procs.push({ child: sim, log: `${dir}-sim.log` });
    await poll('the cluster on the wanted prometheus port', 60_000, () => metricsWithCluster(`http://127.0.0.1:${ports.prom}/metrics`));
    const standbys = [run(dir, ports, 'b', false), run(dir, ports, 'c', false)];
    for (const p of standbys) {
      await poll('a standby', 60_000, async () => {
        const urls = adminUrls(p);
        return urls.length > 0 && (await role(urls[0]!))?.role === 'standby';
      });
    }
    const poller = splitBrainPoller([a, ...standbys]);
    await new Promise((r) => setTimeout(r, 300));
    a.child.kill('SIGKILL');
    const t0 = Date.now();
    await exited(a.child);
    const body = await poll('the new active to serve the simulated cluster on the wanted port', 60_000,
      () => metricsWithCluster(`http://127.0.0.1:${ports.prom}/metrics`).then((b) => (b && !b.includes('ceph_daemon="mgr.a"} 1') ? b : undefined)), 20);
    console.log(`three on one dir: kill -9 -> the simulator's cluster on the new active: ${Date.now() - t0} ms`);
    const winner = /^ceph_mgr_status\{ceph_daemon="mgr\.([bc])"\} 1$/m.exec(body)?.[1];
    expect(winner).toBeDefined();
    const other = winner === 'b' ? 'c' : 'b';
    const token = readFileSync(join(dir, 'admin_token'), 'utf8').trim();
    const dump = await poll(`mgr dump listing ${other} as the standby`, 30_000, async () => {
      const res = await fetch(`http://127.0.0.1:${ports.admin}/api/v1/command`, {
        method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ prefix: 'mgr dump', format: 'json' }),
      });
      const out = (await res.json()) as { retval: number; outb: string };
      const m = JSON.parse(out.outb) as { active_name: string; available: boolean; standbys: Array<{ name: string }> };
      return m.standbys.some((x) => x.name === other) ? m : undefined;
    });
    expect(dump).toMatchObject({ active_name: winner, available: true });
    expect(dump.standbys.map((x) => x.name)).toEqual([other]);
    const { rounds, doubles } = await poller.stop();
    expect(doubles).toEqual([]);
    expect(rounds).toBeGreaterThan(5);
  });
});
