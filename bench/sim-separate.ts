// bench:simsep: `mgrd run` and `mgrd sim --osds N` as an operator starts
// them, two processes on TCP (not the embedded simulator): how long until
// every OSD reports PG stats, the manager's CPU while they come in and once
// they all do, and `mgrd tell mgr status` round trips. The manager may run
// under --cpu-prof (written when it stops). `root` is the checkout whose
// bin/mgrd.js runs, so a build of another commit runs the same bench.
//
// Run: npm run bench:simsep -- [osds=10000] [maxS=900] [root=.] [cpuProfDir]

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { poll, stopChild } from '../test/helpers/procs.js';
import { sampleProc } from './lib/proc.js';
import { stopChildrenOnSignal } from './lib/reap.js';

const run = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const f1 = (x: number): string => x.toFixed(1);
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

async function main(): Promise<void> {
  stopChildrenOnSignal();
  const osds = Number(process.argv[2] ?? 10_000);
  const maxS = Number(process.argv[3] ?? 900);
  const root = resolve(process.argv[4] ?? '.');
  const profDir = process.argv[5];
  const bin = join(root, 'bin/mgrd.js');
  const dir = mkdtempSync(join(tmpdir(), 'mgrd-simsep-'));
  const log = (name: string): number => openSync(join(dir, `${name}.log`), 'a');
  console.log(`bench:simsep ${osds} OSDs, ${bin} (${new Date().toISOString()}, Node ${process.version}); load before: ${load()}; logs in ${dir}`);
  const nodeArgs = profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [];
  const mgr = spawn(process.execPath, [...nodeArgs, bin, 'run', '--data-dir', join(dir, 'd'), '--daemon-addr', '127.0.0.1:0', '--admin-addr', '127.0.0.1:0',
    '--log-level', 'warn', '--set', 'mgr/prometheus/server_port=0', '--set', 'mgr/prometheus/server_addr=127.0.0.1'], { stdio: ['ignore', log('mgr'), log('mgr')] });
  let sim: ChildProcess | undefined;
  try {
    const info = await poll('mgrd to become active', 60_000, () => {
      const p = join(dir, 'd', 'mgrd.json');
      return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as { admin_addr: string; daemon_addr: string }) : undefined;
    }, 100);
    const token = readFileSync(join(dir, 'd', 'admin_token'), 'utf8').trim();
    const perfCount = async (): Promise<number | undefined> => {
      try {
        const res = await fetch(`http://${info.admin_addr}/api/v1/command`, {
          method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ prefix: 'osd perf', format: 'json' }), signal: AbortSignal.timeout(60_000),
        });
        const b = (await res.json()) as { retval: number; outb: string };
        return b.retval === 0 ? (JSON.parse(b.outb) as { osdstats: { osd_perf_infos: unknown[] } }).osdstats.osd_perf_infos.length : 0;
      } catch {
        return undefined;
      }
    };
    const t0 = performance.now();
    const c0 = sampleProc(mgr.pid!);
    sim = spawn(process.execPath, [bin, 'sim', '--mgr', info.daemon_addr, '--keyring', join(dir, 'd', 'keyring'), '--osds', String(osds), '--log-level', 'warn'],
      { stdio: ['ignore', log('sim'), log('sim')] });
    const el = (): number => (performance.now() - t0) / 1000;
    let n: number | undefined = 0;
    let allAt: number | undefined;
    let nextPrint = 0;
    while (el() < maxS) {
      n = await perfCount();
      if (n === osds) {
        allAt = el();
        break;
      }
      if (el() >= nextPrint) {
        const c = sampleProc(mgr.pid!);
        console.log(`  ${f1(el())} s: ${n ?? 'no answer (60 s)'} OSDs reporting; manager CPU ${f1(((c.cpuS - c0.cpuS) / el()) * 100)} % of a core so far, RSS ${(c.rssBytes / 2 ** 20).toFixed(0)} MiB; load ${load()}`);
        nextPrint = el() + 30;
      }
      await sleep(2000);
    }
    const c1 = sampleProc(mgr.pid!);
    const rampS = el();
    console.log(allAt !== undefined
      ? `every OSD reporting ${f1(allAt)} s after the simulator started; manager CPU ${f1(((c1.cpuS - c0.cpuS) / rampS) * 100)} % of a core over the ramp; load ${load()}`
      : `after ${f1(rampS)} s only ${n ?? '?'} of ${osds} OSDs reporting; manager CPU ${f1(((c1.cpuS - c0.cpuS) / rampS) * 100)} % of a core; load ${load()}`);
    // A steady window: the manager's CPU with every OSD reporting each period, and the CLI's round trips.
    const w0 = performance.now();
    const tell: string[] = [];
    while (performance.now() - w0 < 60_000) {
      const t = performance.now();
      try {
        await run(process.execPath, [bin, 'tell', '--data-dir', join(dir, 'd'), 'mgr', 'status'], { timeout: 60_000 });
        tell.push(`${f1(performance.now() - t)} ms`);
      } catch (err) {
        tell.push(`failed (${String((err as { stderr?: string }).stderr ?? err).trim().split('\n').pop()})`);
      }
      await sleep(5000);
    }
    const c2 = sampleProc(mgr.pid!);
    console.log(`next 60 s: manager CPU ${f1(((c2.cpuS - c1.cpuS) / ((performance.now() - w0) / 1000)) * 100)} % of a core, RSS ${(c2.rssBytes / 2 ** 20).toFixed(0)} MiB; load ${load()}`);
    console.log(`mgrd tell mgr status: ${tell.join(', ')}`);
  } finally {
    if (sim) await stopChild(sim);
    await stopChild(mgr, 120_000); // a busy manager under --cpu-prof takes a while to write its profile
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
