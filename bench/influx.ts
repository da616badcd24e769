// Influx benchmark (issue 10), one run, side by side: 10,000 simulated OSDs
// (threshold 5) reporting over the wire protocol from a child process to a
// manager in this process running the influx module with its defaults
// (batch_size 5,000, threads 5); one interval built and delivered to a real
// InfluxDB 1.6 (/write) and to VictoriaMetrics (/api/v2/write through
// @influxdata/influxdb-client), `runs` times each. Figures: time from the
// interval's start to its last point acknowledged, points/s, mgrd CPU, the
// longest slice of the build (its own stall) and the longest event-loop delay
// of the whole process meanwhile, RSS the module added. Baseline: the same
// lines written by a plain program in its own process (bench/lib/influx-baseline).
//
// --nice N: every interval is measured twice, in turn: as by default, then with
// the server and the simulator at nice N (mgrd at 0), as on a deployment where
// neither shares the manager's cores; a "niced" row for each, with the reports/s
// the manager applied over the interval (the simulator niced must still report
// at its nominal rate, or the figures are not comparable). The RSS figure then
// covers twice as many intervals. bench/lib/procs-nice.ts: why every thread.
//
// Run: npm run bench:influx -- [osds=10000] [runs=3] [--nice N]  (or, by hand:)
//   npx tsc -p tsconfig.json --outDir bench/out && node --expose-gc bench/out/bench/influx.js [osds=10000] [runs=3] [--nice N]

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Slicer } from '../src/mgr-module/index.js';
import type { Module } from '../exporters/influx/module.js';
import { BufferPool, ChunkWriter } from '../exporters/influx/line-chunks.js';
import { PointBuilder } from '../exporters/influx/points.js';
import { influxCount, startInfluxd, startVictoriaMetrics, vmCountSince, type RealServer } from '../test/helpers/influx-servers.js';
import { startBenchMgr, type BenchMgr } from './lib/bench-mgr.js';
import { firstLine, libChild, startSim, stopChild, waitForCluster, waitForRingsFull } from './lib/children.js';
import { DEFAULT_RING_SAMPLES } from '../src/state/perf-ring.js';
import { CpuProfiles, GcWatch } from './lib/thread-watch.js';
import { niceOfThreads, niceProcess } from './lib/procs-nice.js';
import { StallCpuWatch, stallText, threadsOf, type CpuStall, type ProcGroup } from './lib/stall-cpu.js';

const ADMIN = { entity: 'client.admin', read: true, write: true };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const f0 = (x: number): string => Math.round(x).toLocaleString('en-US');
const f1 = (x: number): string => x.toFixed(1);
const mib = (b: number): number => b / 1048576;
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

/** CPU time (user + system) a process has used, from /proc (ms); 0 when it cannot be read. */
function cpuMsOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return 0;
  }
}

/**
 * Stalls over this long are listed one by one with what the main thread and the other processes did over them.
 * The longest event-loop delay reported is the larger of monitorEventLoopDelay's maximum and the longest stall
 * listed: the histogram does not record the delay before its first tick after enable(), the stall list does.
 */
const STALL_LIST_MS = 30;

/** Who else could take the CPUs during an interval: the server, the simulator, mgrd's other threads. */
function stallGroups(server: RealServer, simPid: number | undefined): ProcGroup[] {
  return [
    { name: 'server', pids: threadsOf(server.pid()) },
    { name: 'simulator', pids: threadsOf(simPid) },
    { name: 'mgrd other threads', pids: threadsOf(process.pid).filter((t) => t !== process.pid) },
  ];
}

interface Run {
  target: string;
  points: number;
  ms: number;
  buildMs: number;
  cpuPct: number;
  longestSliceMs: number;
  longestOwnSliceMs: number;
  loopMaxMs: number;
  rssPeakMiB: number;
  serverCpuMs: number;
  slices: number;
  gcMaxMs: number;
  gcTotalMs: number;
  stalls: CpuStall[];
  /** Daemon reports the manager applied per second over the interval. */
  reportsPerS: number;
}

/** MGRD_BENCH_CPUPROF_DIR=<dir>: a CPU profile of each interval (bench/cpuprofile-stalls.ts reads them). */
const profiles = new CpuProfiles(process.env.MGRD_BENCH_CPUPROF_DIR || undefined);
const gcWatch = new GcWatch();

async function command(m: BenchMgr, ...argv: string[]): Promise<string> {
  const r = await m.mgr.runCommand(ADMIN, { argv });
  if (r.r !== 0) throw new Error(`${argv.join(' ')}: ${r.outs}`);
  return r.outb;
}

/** One interval, from `influx send` to the last point acknowledged. */
async function interval(m: BenchMgr, target: string, server: RealServer, simPid: number | undefined): Promise<Run> {
  const mod = m.module<Module>('influx');
  const before = mod.lastBuild;
  const s0 = mod.loop.stats();
  const watch = new StallCpuWatch(STALL_LIST_MS, stallGroups(server, simPid));
  const eld = monitorEventLoopDelay({ resolution: 1 });
  let rssPeak = 0;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
  await profiles.start();
  gcWatch.start();
  watch.start();
  eld.enable();
  const cpu0 = process.cpuUsage();
  const server0 = cpuMsOf(server.pid());
  const reports0 = m.mgr.server.stats.reports;
  const t0 = performance.now();
  await command(m, 'influx', 'send');
  while (mod.lastBuild === before || mod.loop.stats().queued > 0) await sleep(5);
  const ms = performance.now() - t0;
  const reportsPerS = ((m.mgr.server.stats.reports - reports0) * 1000) / ms;
  const cpu = process.cpuUsage(cpu0);
  const serverCpuMs = cpuMsOf(server.pid()) - server0;
  eld.disable();
  clearInterval(sampler);
  await sleep(0);
  const g = gcWatch.stop();
  const stalls = watch.stop();
  const prof = await profiles.stop(`influx-${target.replace(/\W+/g, '_')}-${Date.now()}`);
  if (prof) console.error(`  CPU profile: ${prof}`);
  const s1 = mod.loop.stats();
  const b = mod.lastBuild!;
  if (s1.dropped !== s0.dropped || s1.sent - s0.sent !== b.points) {
    throw new Error(`${target}: sent ${s1.sent - s0.sent} of ${b.points} points, dropped ${s1.dropped - s0.dropped}`);
  }
  return {
    target, points: b.points, ms, buildMs: b.durationMs, cpuPct: ((cpu.user + cpu.system) / 1000 / ms) * 100,
    longestSliceMs: b.longestSliceMs, longestOwnSliceMs: b.longestOwnSliceMs, loopMaxMs: Math.max(eld.max / 1e6, ...stalls.map((x) => x.wallMs)), rssPeakMiB: mib(rssPeak),
    serverCpuMs, slices: b.slices, gcMaxMs: g.max, gcTotalMs: g.total, stalls, reportsPerS,
  };
}

async function baseline(mode: 'v1' | 'v2', url: string, file: string, target: string): Promise<{ ms: number; points: number; cpuMs: number; rssMiB: number }> {
  const child = libChild('influx-baseline.js', [mode, url, file, '5000', '5', target]);
  return JSON.parse(await firstLine(child)) as { ms: number; points: number; cpuMs: number; rssMiB: number };
}

async function main(): Promise<void> {
  const positional = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
  const osds = Number(positional[0] ?? 10_000);
  const runs = Number(positional[1] ?? 3);
  const niceAt = process.argv.indexOf('--nice');
  const nice = niceAt > 0 ? Number(process.argv[niceAt + 1]) : 0;
  if (!Number.isInteger(nice) || nice < 0 || nice > 19) throw new Error(`--nice: ${process.argv[niceAt + 1]} is not a nice value 0-19`);
  const out: string[] = [];
  const say = (l: string): void => {
    out.push(l);
    console.error(l);
  };
  say(`# bench:influx, ${osds} OSDs, ${runs} runs per server${nice > 0 ? `, each also with the server and the simulator at nice ${nice} (mgrd at 0)` : ''}, ${new Date().toISOString().slice(0, 10)}`);
  say(`machine: ${cpus().length} vCPU ${cpus()[0]?.model ?? ''}, node ${process.version}; load average at start: ${load()}`);

  let influxd: RealServer | undefined;
  let vm: RealServer | undefined;
  let m: BenchMgr | undefined;
  let sim: Awaited<ReturnType<typeof startSim>> | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'mgrd-bench-influx-'));
  try {
    [influxd, vm] = await Promise.all([startInfluxd(), startVictoriaMetrics()]);
    m = await startBenchMgr({
      modules: [],
      moduleOptions: { influx: { hostname: '127.0.0.1', port: String(influxd.port), interval: '86400' } },
    });
    sim = await startSim(m, osds);
    await waitForCluster(m, osds, 900_000);
    await waitForRingsFull(m, DEFAULT_RING_SAMPLES, 900_000); // the manager's own RSS has stopped growing

    // The manager with the cluster and no module: CPU and RSS to compare with.
    gc();
    await sleep(1000);
    const rssBefore = mib(process.memoryUsage().rss);
    const cpuIdle0 = process.cpuUsage();
    const tIdle = performance.now();
    const eldIdle = monitorEventLoopDelay({ resolution: 1 });
    eldIdle.enable();
    await sleep(10_000);
    eldIdle.disable();
    const cpuIdle = process.cpuUsage(cpuIdle0);
    const idlePct = ((cpuIdle.user + cpuIdle.system) / 1000 / (performance.now() - tIdle)) * 100;
    say(`manager with ${osds} OSDs reporting, no module: RSS ${f1(rssBefore)} MiB, CPU ${f1(idlePct)} % of a core (ingest), longest event-loop delay in 10 s ${f1(eldIdle.max / 1e6)} ms (p99 ${f1(eldIdle.percentile(99) / 1e6)} ms)`);

    // The module's first interval, at enable: SHOW/CREATE DATABASE, the series made (in the builder and the server).
    const simPid = sim.pid;
    const w0 = new StallCpuWatch(STALL_LIST_MS, stallGroups(influxd, simPid));
    const eld0 = monitorEventLoopDelay({ resolution: 1 });
    await profiles.start();
    w0.start();
    eld0.enable();
    const t0 = performance.now();
    await command(m, 'mgr', 'module', 'enable', 'influx');
    const mod = (): Module => m!.module<Module>('influx');
    while (mod().lastBuild === undefined || mod().loop.stats().queued > 0) await sleep(5);
    const enableMs = performance.now() - t0;
    eld0.disable();
    await sleep(0);
    const enableStalls = w0.stop();
    const prof0 = await profiles.stop(`influx-enable-${Date.now()}`);
    if (prof0) console.error(`  CPU profile: ${prof0}`);
    const b0 = mod().lastBuild!;
    say(`first interval, at enable (InfluxDB 1.6: database created, series new to the module and the server): ${f0(b0.points)} points in ${f0(enableMs)} ms; longest build slice ${f1(b0.longestOwnSliceMs)} / ${f1(b0.longestSliceMs)} ms; longest event-loop delay ${f1(Math.max(eld0.max / 1e6, ...enableStalls.map((x) => x.wallMs)))} ms`);
    for (const st of enableStalls) say(`  stall ${stallText(st)}`);
    const results: Run[] = [];
    say('');
    say(`| target | run | points | interval built + delivered | points/s | build (of it) | build slices | longest build slice (own code / with core reads) | longest event-loop delay (whole process) | longest stall over ${STALL_LIST_MS} ms: main-thread CPU / wait for a CPU / GC | GC pauses: longest / total | mgrd CPU | server CPU | RSS peak | reports applied/s (nominal ${f0(osds / 5)}) |`);
    say('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    const longest = (r: Run): string => {
      const l = r.stalls.reduce<CpuStall | undefined>((a, x) => (a === undefined || x.wallMs > a.wallMs ? x : a), undefined);
      return l === undefined ? '–' : `${f1(l.wallMs)}: ${f0(l.cpuMs)} / ${f0(l.waitMs)} / ${f0(l.gcMs)} ms`;
    };
    const row = (r: Run): void => say(`| ${r.target} | ${results.filter((x) => x.target === r.target).length} | ${f0(r.points)} | **${f0(r.ms)} ms** | ${f0(r.points / (r.ms / 1000))} | ${f0(r.buildMs)} ms | ${r.slices} | ${f1(r.longestOwnSliceMs)} / ${f1(r.longestSliceMs)} ms | ${f1(r.loopMaxMs)} ms | ${longest(r)} | ${f1(r.gcMaxMs)} / ${f0(r.gcTotalMs)} ms | ${f0(r.cpuPct)} % | ${f0(r.serverCpuMs)} ms | ${f0(r.rssPeakMiB)} MiB | ${f0(r.reportsPerS)} |`);
    // The server's and the simulator's threads at nice n (0: the default back); both share our autogroup.
    const setNice = (server: RealServer, n: number): void => {
      for (const pid of [server.pid(), simPid]) if (pid !== undefined) niceProcess(pid, n);
      console.error(`  nice ${n}: server threads at ${[...new Set(niceOfThreads(server.pid()!))].join(',')}, simulator threads at ${[...new Set(niceOfThreads(simPid!))].join(',')}`);
    };
    const measure = async (target: string, server: RealServer): Promise<void> => {
      for (const n of nice > 0 ? [0, nice] : [0]) {
        if (nice > 0) setNice(server, n);
        const r = await interval(m!, n === 0 ? target : `${target}, niced ${n}`, server, simPid);
        results.push(r);
        row(r);
      }
      if (nice > 0) setNice(server, 0);
    };
    for (let i = 0; i < runs; i++) await measure('InfluxDB 1.6 (/write)', influxd);
    await command(m, 'config', 'set', 'mgr', 'mgr/influx/api_version', '2');
    await command(m, 'config', 'set', 'mgr', 'mgr/influx/url', vm.url);
    await command(m, 'config', 'set', 'mgr', 'mgr/influx/bucket', 'ceph');
    const vmFrom = Date.now();
    for (let i = 0; i < runs; i++) await measure('VictoriaMetrics (/api/v2/write)', vm);
    gc();
    await sleep(1000);
    const rssAfter = mib(process.memoryUsage().rss);

    // The servers hold what was sent.
    const sentV1 = mod().loop.stats().sent - results.filter((r) => r.target.startsWith('Victoria')).reduce((n, r) => n + r.points, 0);
    const heldV1 = await influxCount(influxd.url, 'ceph');
    let heldV2 = 0;
    const wantV2 = results.filter((r) => r.target.startsWith('Victoria')).reduce((n, r) => n + r.points, 0);
    for (let i = 0; i < 60 && heldV2 < wantV2; i++) {
      heldV2 = await vmCountSince(vm.url, '{__name__=~"ceph_.*_value"}', vmFrom);
      if (heldV2 < wantV2) await sleep(1000);
    }
    say('');
    results.forEach((r, i) => {
      for (const st of r.stalls) say(`  ${r.target} run ${results.slice(0, i + 1).filter((x) => x.target === r.target).length}: stall ${stallText(st)}`);
    });
    say(`RSS: ${f1(rssBefore)} MiB before the module, ${f1(rssAfter)} MiB after ${results.length} intervals (after a full GC): ${f1(rssAfter - rssBefore)} MiB added; highest during an interval ${f0(Math.max(...results.map((r) => r.rssPeakMiB)))} MiB (${f1(Math.max(...results.map((r) => r.rssPeakMiB)) - rssBefore)} MiB over the module-less figure).`);
    say(`servers hold: InfluxDB ${f0(heldV1)} of ${f0(sentV1)} points sent there; VictoriaMetrics ${f0(heldV2)} of ${f0(wantV2)}`);

    // Baseline: the same lines by a plain program in its own process.
    // Build alone: the module's path (5,000-line chunks), every chunk kept (a pool that keeps nothing) for the baseline's file.
    const sink = new ChunkWriter(Date.now(), 5000, new BufferPool(() => 0));
    const bodies: Buffer[] = [];
    let built = 0;
    const slicer = new Slicer(10);
    const cpuB0 = process.cpuUsage();
    const tB = performance.now();
    await new PointBuilder('v1').build(mod(), sink, {
      slicer, warn: () => undefined, drain: () => {
        for (const c of sink.take()) {
          built += c.points;
          bodies.push(c.bytes);
        }
        return Promise.resolve();
      },
    });
    const cpuB = process.cpuUsage(cpuB0);
    say('');
    say(`build alone (the serializer and the reads, no sending): ${f0(built)} points, ${f0(performance.now() - tB)} ms wall, ${f0((cpuB.user + cpuB.system) / 1000)} ms CPU, ${slicer.slices} slices, longest slice ${f1(slicer.longestOwnSliceMs)} ms own / ${f1(slicer.longestSliceMs)} ms with core reads`);
    const file = join(dir, 'lines.lp');
    writeFileSync(file, Buffer.concat(bodies));
    // A baseline that fails (its child exits without an answer, e.g. on a loaded machine) is reported, not fatal:
    // the figures above are the module's.
    const orFail = (p: Promise<{ ms: number; points: number; cpuMs: number; rssMiB: number }>) =>
      p.catch((err: unknown) => {
        say(`baseline failed: ${err instanceof Error ? err.message : String(err)}`);
        return { ms: NaN, points: NaN, cpuMs: NaN, rssMiB: NaN };
      });
    const baseV1 = await orFail(baseline('v1', influxd.url, file, 'ceph'));
    const baseV2 = await orFail(baseline('v2', vm.url, file, 'ceph'));

    say('');
    say('| baseline (own process, lines already built) | points | delivered | points/s | CPU | RSS |');
    say('| --- | --- | --- | --- | --- | --- |');
    say(`| plain fetch, 5 × 5,000-line POSTs to InfluxDB 1.6 /write | ${f0(baseV1.points)} | ${f0(baseV1.ms)} ms | ${f0(baseV1.points / (baseV1.ms / 1000))} | ${f0(baseV1.cpuMs)} ms | ${f0(baseV1.rssMiB)} MiB |`);
    say(`| @influxdata/influxdb-client WriteApi (batchSize 5,000) to VictoriaMetrics | ${f0(baseV2.points)} | ${f0(baseV2.ms)} ms | ${f0(baseV2.points / (baseV2.ms / 1000))} | ${f0(baseV2.cpuMs)} ms | ${f0(baseV2.rssMiB)} MiB |`);

    say(`load average at end: ${load()}`);
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    if (sim) await stopChild(sim);
    await m?.stop();
    await influxd?.destroy();
    await vm?.destroy();
    profiles.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
