// bench:failover — kill -9 of the active manager, then the time until the
// first complete /metrics from the new active (the cluster's ceph_osd_up and
// ceph_mgr_status naming it), over FAILOVER_RUNS runs (default 20) for: the
// local store (two `mgrd run` on one data dir), etcd with TTL 2 s and with
// TTL 5 s (three `mgrd run`, a real etcd); and SIGTERM (a clean shutdown that
// hands over) for the local store and etcd TTL 5 s. A separate `mgrd sim` process reports
// throughout and follows the active; reports lost per daemon = the sessions'
// gap / mgr_stats_period. A poller samples every manager's role: double-active
// samples must be 0. Ceph's own figure: a standby is promoted after a 30 s
// beacon grace.

import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startEtcd, type EtcdServer } from '../test/helpers/etcd.js';
import { exited, freePort, poll, spawnLogged, stopChild } from '../test/helpers/procs.js';
import { BENCH_OBJECTSTORE } from './lib/bench-objectstore.js';
import { stopChildrenOnSignal } from './lib/reap.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'bin/mgrd.js');
const RUNS = Number(process.env.FAILOVER_RUNS ?? 20);
const PERIOD_S = 0.5;
const OSDS = 3;

interface Mgr { id: string; dir: string; ports: { daemon: number; admin: number; prom: number }; child: ChildProcess }

function spawnMgr(id: string, dir: string, ports: Mgr['ports'], store: string[]): Mgr {
  const child = spawnLogged(process.execPath, [BIN, 'run', '--id', id, '--data-dir', dir, ...store,
    '--daemon-addr', `127.0.0.1:${ports.daemon}`, '--admin-addr', `127.0.0.1:${ports.admin}`, '--log-level', 'warn',
    '--set', `mgr/prometheus/server_port=${ports.prom}`, '--set', 'mgr/prometheus/server_addr=127.0.0.1', '--set', 'mgr/prometheus/scrape_interval=5',
    '--set', `mgr_stats_period=${PERIOD_S}`, '--set', 'mgr_tick_period=1'], `${dir}-${id}.log`);
  return { id, dir, ports, child };
}

async function health(port: number): Promise<{ role: string; mgr: string } | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/health`, { signal: AbortSignal.timeout(1000) });
    return (await res.json()) as { role: string; mgr: string };
  } catch {
    return undefined;
  }
}

/** Admin ports each process may answer on (a local standby's moves to the wanted one when active). */
const adminPorts = (ms: Mgr[]): number[] => [...new Set(ms.flatMap((m) => [m.ports.admin, m.ports.admin + 1, m.ports.admin + 2]))];

/** Names of the managers answering 'active' (two entries = two actives at once). */
async function actives(ms: Mgr[]): Promise<string[]> {
  const hs = await Promise.all(adminPorts(ms).map(health));
  return hs.filter((h) => h?.role === 'active').map((h) => h!.mgr);
}

async function completeMetrics(port: number, id: string): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(1000) });
    const t = await res.text();
    return res.status === 200 && /ceph_osd_up\{/.test(t) && t.includes(`ceph_mgr_status{ceph_daemon="mgr.${id}"} 1`);
  } catch {
    return false;
  }
}

async function sessions(port: number, token: string): Promise<number> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/command`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ prefix: 'mgr ingest stat', format: 'json' }), signal: AbortSignal.timeout(1000) });
    return ((JSON.parse(((await res.json()) as { outb: string }).outb)) as { sessions: number }).sessions;
  } catch {
    return -1;
  }
}

interface Sample { failoverMs: number; gapMs: number }

/** One mode: managers up, the simulator reporting, then RUNS times `signal` to whoever is active. */
async function mode(name: string, n: number, store: (dir: string) => string[], local: boolean, signal: 'SIGKILL' | 'SIGTERM'): Promise<{ name: string; samples: Sample[]; doubles: number; rounds: number }> {
  const base = mkdtempSync(join(tmpdir(), 'mgrd-bench-fo-'));
  const shared = local ? join(base, 'data') : '';
  const ports = async (): Promise<Mgr['ports']> => ({ daemon: await freePort(), admin: await freePort(), prom: await freePort() });
  const same = local ? await ports() : undefined;
  const mgrs: Mgr[] = [];
  for (let i = 0; i < n; i++) {
    const id = `m${i}`;
    mgrs.push(spawnMgr(id, shared || join(base, id), same ?? (await ports()), store(shared || join(base, id))));
    if (local && i === 0) await poll('the first manager', 60_000, async () => (await health(mgrs[0]!.ports.admin))?.role === 'active');
  }
  const first = await poll('an active manager', 60_000, async () => ((await actives(mgrs)).length === 1 ? (await actives(mgrs))[0] : undefined));
  const dirOf = (id: string): string => shared || join(base, id);
  const token = readFileSync(join(dirOf(first), 'admin_token'), 'utf8').trim();
  const addrs = [...new Set(mgrs.map((m) => `127.0.0.1:${m.ports.daemon}`))].join(',');
  const sim = spawnLogged(process.execPath, [BIN, 'sim', '--mgr', addrs, '--keyring', join(dirOf(first), 'keyring'), '--osds', String(OSDS), '--objectstore', BENCH_OBJECTSTORE], join(base, 'sim.log'));
  const daemons = OSDS + 3; // + mon, mds, the cluster source
  let doubles = 0;
  let rounds = 0;
  let on = true;
  const watcher = (async () => {
    while (on) {
      const a = await actives(mgrs);
      if (a.length > 1) doubles++;
      rounds++;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const samples: Sample[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      const act = await poll('one active', 60_000, async () => ((await actives(mgrs)).length === 1 ? (await actives(mgrs))[0] : undefined));
      const m = mgrs.find((x) => x.id === act)!;
      await poll('the cluster on its /metrics', 60_000, () => completeMetrics(m.ports.prom, act));
      await poll('every daemon connected', 60_000, async () => (await sessions(m.ports.admin, token)) >= daemons - 1);
      m.child.kill(signal);
      const t0 = performance.now();
      await exited(m.child);
      const next = await poll('a new active', 60_000, async () => {
        const a = await actives(mgrs);
        return a.length === 1 && a[0] !== act ? a[0] : undefined;
      }, 5);
      const nm = mgrs.find((x) => x.id === next)!;
      const promPort = local ? m.ports.prom : nm.ports.prom;
      const adminPort = local ? m.ports.admin : nm.ports.admin;
      await poll('complete /metrics from the new active', 60_000, () => completeMetrics(promPort, next), 5);
      const failoverMs = performance.now() - t0;
      await poll('the daemons on the new active', 60_000, async () => (await sessions(adminPort, token)) >= daemons - 1, 5);
      const gapMs = performance.now() - t0;
      samples.push({ failoverMs, gapMs });
      process.stderr.write(`${name} run ${run + 1}/${RUNS}: ${Math.round(failoverMs)} ms to complete /metrics, daemons back after ${Math.round(gapMs)} ms\n`);
      const i = mgrs.indexOf(m);
      mgrs[i] = spawnMgr(m.id, m.dir, m.ports, store(m.dir));
      await poll(`${m.id} standing by again`, 60_000, async () => (await actives(mgrs)).length === 1 && !(await actives(mgrs)).includes(m.id) && (await health(m.ports.admin + (local ? 1 : 0)))?.role === 'standby');
    }
  } finally {
    on = false;
    await watcher;
    await stopChild(sim);
    for (const m of mgrs) await stopChild(m.child);
    rmSync(base, { recursive: true, force: true });
  }
  return { name, samples, doubles, rounds };
}

const q = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

async function main(): Promise<void> {
  stopChildrenOnSignal();
  const load = loadavg().map((x) => x.toFixed(2)).join(' ');
  let etcd: EtcdServer | undefined;
  const results = [];
  try {
    results.push(await mode('local, kill -9', 2, () => [], true, 'SIGKILL'));
    results.push(await mode('local, SIGTERM', 2, () => [], true, 'SIGTERM'));
    etcd = await startEtcd();
    const onEtcd = (ttl: number, name: string) => (): string[] => ['--map-store', 'etcd', '--etcd-endpoints', etcd!.endpoint, '--cluster-name', name, '--etcd-lease-ttl', String(ttl)];
    for (const ttl of [2, 5]) results.push(await mode(`etcd TTL ${ttl} s, kill -9`, 3, onEtcd(ttl, `bench${ttl}`), false, 'SIGKILL'));
    results.push(await mode('etcd TTL 5 s, SIGTERM', 3, onEtcd(5, 'bench5term'), false, 'SIGTERM'));
  } finally {
    await etcd?.destroy();
  }
  const lines = [
    `bench:failover ${new Date().toISOString()}, ${RUNS} runs per mode, load before: ${load}, after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`,
    '| mode | failover median | max | reports lost per daemon (median, max) | double-active samples |',
    '|---|---|---|---|---|',
    ...results.map((r) => {
      const f = r.samples.map((s) => s.failoverMs);
      const lost = r.samples.map((s) => Math.floor(s.gapMs / 1000 / PERIOD_S));
      return `| ${r.name} | ${(q(f, 0.5) / 1000).toFixed(2)} s | ${(Math.max(...f) / 1000).toFixed(2)} s | ${q(lost, 0.5)}, ${Math.max(...lost)} (period ${PERIOD_S} s) | ${r.doubles} of ${r.rounds} |`;
    }),
  ];
  process.stdout.write(lines.join('\n') + '\n');
  writeFileSync(join(ROOT, 'bench/results/failover.txt'), lines.join('\n') + '\n');
}

await main();
