// High availability across hosts through a real etcd (Debian etcd-server):
// three `mgrd run --map-store etcd` and a separate `mgrd sim` that follows the
// active (it is given every manager's address). kill -9 of the active, SIGTERM,
// SIGSTOP past the lease TTL, etcd stopped and restarted. A poller samples every
// manager's role throughout: never two active at once.

import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, type EtcdServer } from '../helpers/etcd.js';
import { assertBuilt, exited, freePort, MGRD_BIN, poll, spawnLogged, stopChild } from '../helpers/procs.js';

const TTL_S = 2;
const execFileP = promisify(execFile);

interface Mgr {
  id: string;
  dir: string;
  ports: { daemon: number; admin: number; prom: number };
  child: ChildProcess;
}

let etcd: EtcdServer;
const mgrs: Mgr[] = [];
let sim: ChildProcess | undefined;
const cluster = `it${process.pid}`;

async function startMgr(id: string, ports?: Mgr['ports'], dir?: string): Promise<Mgr> {
  const d = dir ?? mkdtempSync(join(tmpdir(), `mgrd-etcd-${id}-`));
  const p = ports ?? { daemon: await freePort(), admin: await freePort(), prom: await freePort() };
  const child = spawnLogged(process.execPath, [MGRD_BIN, 'run', '--id', id, '--data-dir', d, '--map-store', 'etcd', '--etcd-endpoints', etcd.endpoint,
    '--cluster-name', cluster, '--etcd-lease-ttl', String(TTL_S), '--daemon-addr', `127.0.0.1:${p.daemon}`, '--admin-addr', `127.0.0.1:${p.admin}`,
    '--set', `mgr/prometheus/server_port=${p.prom}`, '--set', 'mgr/prometheus/server_addr=127.0.0.1', '--set', 'mgr/prometheus/scrape_interval=1',
    '--set', 'mgr_stats_period=0.5', '--set', 'mgr_tick_period=0.5'], `${d}.log`);
  const m = { id, dir: d, ports: p, child };
  const i = mgrs.findIndex((x) => x.id === id);
  if (i >= 0) mgrs[i] = m;
  else mgrs.push(m);
  return m;
}

async function role(m: Mgr): Promise<string | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${m.ports.admin}/api/v1/health`, { signal: AbortSignal.timeout(1500) });
    return ((await res.json()) as { role: string }).role;
  } catch {
    return undefined;
  }
}

const activeOf = async (): Promise<Mgr | undefined> => {
  const roles = await Promise.all(mgrs.map(role));
  const act = mgrs.filter((_, i) => roles[i] === 'active');
  return act.length === 1 ? act[0] : undefined;
};

async function clusterMetrics(m: Mgr): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${m.ports.prom}/metrics`, { signal: AbortSignal.timeout(1500) });
    return res.status === 200 && /ceph_osd_up\{/.test(await res.text());
  } catch {
    return false;
  }
}

/** Samples every manager's role, concurrently, every 20 ms until stopped. */
function poller(): { stop: () => Promise<{ rounds: number; doubles: string[] }> } {
  let on = true;
  let rounds = 0;
  const doubles: string[] = [];
  const loop = (async () => {
    while (on) {
      const roles = await Promise.all(mgrs.map(role));
      const act = mgrs.filter((_, i) => roles[i] === 'active').map((m) => m.id);
      if (act.length > 1) doubles.push(`${new Date().toISOString()} ${act.join(',')}`);
      rounds++;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return { stop: async () => ((on = false), await loop, { rounds, doubles }) };
}

describe('three managers on etcd', () => {
  let watch: ReturnType<typeof poller>;

  beforeAll(async () => {
    assertBuilt();
    etcd = await startEtcd();
    for (const id of ['a', 'b', 'c']) await startMgr(id);
    const first = await poll('one active manager', 60_000, activeOf);
    // The simulator knows every manager: it follows the active through failovers.
    const addrs = mgrs.map((m) => `127.0.0.1:${m.ports.daemon}`).join(',');
    sim = spawnLogged(process.execPath, [MGRD_BIN, 'sim', '--mgr', addrs, '--keyring', join(first.dir, 'keyring'), '--osds', '3'], `${first.dir}-sim.log`);
    await poll('the cluster on the active /metrics', 60_000, async () => clusterMetrics((await activeOf())!));
    watch = poller();
  }, 180_000);

  afterAll(async () => {
    const r = await watch?.stop();
    await stopChild(sim);
    for (const m of mgrs) await stopChild(m.child);
    await etcd?.destroy();
    for (const m of mgrs) rmSync(m.dir, { recursive: true, force: true });
    expect(r?.doubles ?? []).toEqual([]);
  });

  it('kill -9 of the active: another serves the cluster within TTL + a few seconds', async () => {
    const old = (await activeOf())!;
    old.child.kill('SIGKILL');
    const t0 = Date.now();
    await exited(old.child);
    const next = await poll('another active', 30_000, async () => {
      const a = await activeOf();
      return a && a.id !== old.id ? a : undefined;
    }, 50);
    await poll('the cluster on the new active /metrics', 30_000, () => clusterMetrics(next), 50);
    const ms = Date.now() - t0;
    console.log(`etcd kill -9 -> ${next.id} serves the cluster: ${ms} ms (TTL ${TTL_S} s)`);
    expect(ms).toBeLessThan(TTL_S * 1000 + 15_000);
    // `mgrd tell` given every manager (the dead one first) runs the command on the new active.
    const addrs = [old, ...mgrs.filter((m) => m !== old)].map((m) => `127.0.0.1:${m.ports.daemon}`).join(',');
    const { stdout } = await execFileP(process.execPath, [MGRD_BIN, 'tell', '--mgr', addrs, '--keyring', join(next.dir, 'keyring'), 'mgr', 'mgr', 'stat', '--format', 'json'], { timeout: 60_000 });
    expect((JSON.parse(stdout) as { active_name: string; available: boolean })).toMatchObject({ active_name: next.id, available: true });
    await startMgr(old.id, old.ports, old.dir);
    await poll(`${old.id} back as a standby`, 60_000, async () => (await role(old)) === 'standby');
  });

  it('SIGTERM of the active hands over at once', async () => {
    const old = (await activeOf())!;
    const t0 = Date.now();
    old.child.kill('SIGTERM');
    const next = await poll('another active', 30_000, async () => {
      const a = await activeOf();
      return a && a.id !== old.id ? a : undefined;
    }, 20);
    const ms = Date.now() - t0;
    console.log(`etcd SIGTERM -> ${next.id} active: ${ms} ms`);
    expect(await exited(old.child)).toBe(0);
    expect(ms).toBeLessThan(TTL_S * 1000);
    await startMgr(old.id, old.ports, old.dir);
    await poll(`${old.id} back as a standby`, 60_000, async () => (await role(old)) === 'standby');
  });

  it('SIGSTOP of the active past its TTL: another takes over; resumed, the old one has stepped down', async () => {
    const old = (await activeOf())!;
    process.kill(old.child.pid!, 'SIGSTOP');
    try {
      await poll('another active', 30_000, async () => {
        const a = await activeOf();
        return a && a.id !== old.id ? a : undefined;
      }, 50);
    } finally {
      process.kill(old.child.pid!, 'SIGCONT');
    }
    // Its first answer after resuming already says standby (the poller checks every moment).
    await poll(`${old.id} to answer again`, 10_000, async () => (await role(old)) !== undefined, 20);
    expect(await role(old)).toBe('standby');
  });

  it('etcd stopped: the active steps down within the TTL; etcd back: a manager is active again', async () => {
    const act = (await activeOf())!;
    await etcd.stop();
    const t0 = Date.now();
    await poll('the active to step down', 30_000, async () => (await role(act)) === 'standby', 50);
    const ms = Date.now() - t0;
    console.log(`etcd stopped -> ${act.id} stepped down after ${ms} ms`);
    expect(ms).toBeLessThan(TTL_S * 1000 + 1000);
    expect(await activeOf()).toBeUndefined();
    await etcd.start();
    const next = await poll('an active manager with etcd back', 60_000, activeOf, 100);
    await poll('the cluster on the active /metrics', 60_000, () => clusterMetrics(next), 100);
  });
});
