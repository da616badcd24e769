// Event-loop stalls of the core at scale (issue 4: "longest event-loop stall
// during collection ≤ 50 ms"). Two parts:
//  1. direct: a ClusterState fed in this process from the simulator's model
//     (no network): what each core step costs at N OSDs, alone — the tick,
//     health, and the PG snapshots modules read, build and freeze apart.
//  2. live: a real MgrStandby/Mgr in this process, fed over loopback by
//     SimRunner in a child process (as bench:scrape). A 1 ms timer finds every
//     stall; the core's steps (frames, ingest, tick, health, snapshot builds,
//     GC) are timed so each stall is put down to what ran in it. After each
//     tick, the reads the prometheus module makes follow, each in its own
//     macrotask (the per-daemon ones through the iterators, in 5 ms slices,
//     as the module reads them); the module itself is idle (scrape_interval 3600).
//
// Run: npx tsc -p tsconfig.json --outDir bench/out && node --expose-gc bench/out/bench/stall.js [osds=10000] [windowS=60]
// (STALL_ONLY_LIVE=1 or STALL_ONLY_DIRECT=1: one part only)

import { loadavg, cpus } from 'node:os';
import { PerformanceObserver, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { ClusterState, deepFreeze } from '../src/state/cluster-state.js';
import { computeHealth } from '../src/state/health.js';
import { Session } from '../src/server/session.js';
import { frameTypeName } from '../src/protocol/frames.js';
import { SimCluster } from '../src/sim/model/sim-cluster.js';
import { BENCH_OBJECTSTORE } from './lib/bench-objectstore.js';
import { startBenchMgr, type BenchMgr } from './lib/bench-mgr.js';
import { startSim, stopChild, waitForCluster } from './lib/children.js';
import { sampleProc } from './lib/proc.js';
import { Spans, cpuMs, type SpanStat } from './lib/spans.js';
import { Slicer } from '../src/mgr-module/index.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
const f1 = (x: number): string => x.toFixed(1);
const f2 = (x: number): string => x.toFixed(2);
const cpuOf = (ms: number): string => (Number.isNaN(ms) ? '' : ` (${f1(ms)})`);
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();


function timeIt(fn: () => unknown, reps: number): { min: number; max: number } {
  let min = Infinity;
  let max = 0;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    const ms = performance.now() - t0;
    min = Math.min(min, ms);
    max = Math.max(max, ms);
  }
  return { min, max };
}

/** Part 1: costs of each core step on a ClusterState fed in process. */
async function direct(osds: number, lines: string[]): Promise<void> {
  console.error(`direct: ${osds} OSDs, model in process`);
  const sim = new SimCluster({ osds, seed: 1, objectstore: BENCH_OBJECTSTORE });
  const cs = new ClusterState();
  cs.applyMap(sim.maps());
  cs.settle();
  const feed = (nowS: number): void => {
    sim.advance(nowS);
    for (let osd = 0; osd < osds; osd++) {
      const msg = sim.pgStats(osd, nowS);
      if (msg) cs.applyPgStats(msg, nowS);
    }
  };
  let now = sim.startS;
  for (let i = 0; i < 3; i++) {
    feed((now += 5));
    cs.tick(now);
  }
  const m = cs.pgMap;
  const osdMap = cs.osdMap!;
  const rows: string[] = [];
  const row = (what: string, t: { min: number; max: number }): void => {
    rows.push(`| ${what} | ${f1(t.min)} | ${f1(t.max)} |`);
  };
  feed((now += 5));
  gc();
  row('ClusterState.tick (new PG epoch), 1 run', timeIt(() => cs.tick(now), 1));
  gc();
  const t0 = performance.now();
  cs.health();
  const first = performance.now() - t0;
  row('ClusterState.health() right after the tick', { min: first, max: first });
  const stats = cs.healthScanStats;
  while (stats.running) await turn();
  rows.push(`| health scan in slices: longest slice / run time / wall | ${f1(stats.longestSliceMs)} | ${f1(stats.lastBusyMs)} run, ${f1(stats.lastWallMs)} wall (${stats.slices} slices) |`);
  // health() as a tick or a completed scan calls it: with a scan result there, computed again (a module check changed).
  let n = 0;
  gc();
  row('ClusterState.health() with a scan result, recomputed (5 runs)', timeIt(() => {
    cs.setOwnerChecks('bench', { BENCH: { severity: 'HEALTH_WARN', summary: { message: `run ${n++}`, count: 1 }, detail: [], muted: false } });
    cs.health();
  }, 5));
  gc();
  feed((now += 5));
  row('ClusterState.tick, then health() (5 runs, a scan started each)', timeIt(() => {
    cs.tick((now += 1));
    cs.health();
  }, 5));
  while (stats.running) await turn();
  gc();
  row('computeHealth over every PG, synchronous (3 runs)', timeIt(() => computeHealth({ osdMap, osdTree: cs.osdMapTree, topology: m.topology, pgMap: m }), 3));
  const views: Array<[string, () => unknown]> = [
    ['df', () => m.df(osdMap)],
    ['pg_status', () => m.pgStatus()],
    ['pg_summary', () => m.pgSummary()],
    ['osd_perf', () => m.osdPerf()],
    ['pool_stats', () => m.poolStats()],
    ['osd_pool_stats', () => m.osdPoolStats(osdMap)],
    ['io_rate', () => m.ioRate()],
    ['osd_stats', () => m.osdStats()],
    ['osd_stats_brief', () => m.osdStatsBrief()],
  ];
  for (const [name, build] of views) {
    gc();
    row(`build ${name} (5 runs)`, timeIt(build, 5));
    const built = [0, 1, 2].map(() => build());
    let i = 0;
    row(`deepFreeze ${name} (3 runs)`, timeIt(() => deepFreeze(built[i++]), 3));
  }
  cs.dispose();
  lines.push(
    `### Direct: each core step alone (${osds} OSDs, ${m.numPgs} PGs, model in process)`,
    '',
    '| step | min ms | max ms |',
    '| --- | --- | --- |',
    ...rows,
    '',
  );
}

/** The core's steps, timed in place on the live manager (instance and prototype wrappers; nothing in src changes). */
function instrument(m: BenchMgr, spans: Spans): void {
  const mgr = m.mgr;
  const cs = mgr.cluster;
  spans.wrap(Session.prototype, 'onFrame', (args) => `frame:${frameTypeName(args[0] as number)}`);
  spans.wrap(mgr.server, 'pgStats', 'ingest:pg_stats');
  spans.wrap(mgr.server, 'report', 'ingest:report');
  spans.wrap(mgr.server, 'map', 'ingest:map');
  spans.wrap(cs, 'tick', 'cluster.tick', true);
  spans.wrap(cs, 'health', 'cluster.health', true);
  const snapshot = cs.snapshot.bind(cs);
  cs.snapshot = <T>(name: string, build: (prev: T | undefined) => T): T => {
    let built = false;
    const t0 = performance.now();
    const out = snapshot(name, (prev: T | undefined) => {
      built = true;
      return spans.time(`build:${name}`, () => build(prev), true);
    });
    if (built) spans.add(`snapshot:${name}`, t0, performance.now() - t0, 1);
    return out;
  };
  if ('scanNow' in cs) spans.wrap(cs, 'scanNow', 'health: first scan, synchronous', true);
  const scan = (cs as unknown as { healthScan?: object }).healthScan;
  if (scan) spans.wrap(Object.getPrototypeOf(scan) as object, 'runSlice', 'health scan slice', true);
  // After each tick, the reads the prometheus module makes in a collection, each its own macrotask:
  // whole views with get(), the per-daemon ones through the iterators it reads in 5 ms slices
  // (collect_slice_ms; the SDK's Slicer), each stretch between two yields timed as one step.
  const whole: Array<[string, () => unknown]> = [
    ['health', () => mgr.views.get('health')],
    ['df', () => mgr.views.get('df')],
    ['pg_status', () => mgr.views.get('pg_status')],
    ['pg_summary', () => mgr.views.get('pg_summary')],
    ['pool_stats', () => mgr.views.get('pool_stats')],
    ['osd_pool_stats', () => mgr.views.get('osd_pool_stats')],
    ['io_rate', () => mgr.views.get('io_rate')],
    ['osd_map', () => mgr.views.get('osd_map')],
  ];
  const sliced: Array<[string, () => Iterator<unknown, void, undefined>]> = [
    ['osdPerfInfos', () => mgr.views.osdPerfInfos()],
    ['daemonCounters', () => mgr.views.daemonCounters()],
    ['daemonHealthMetrics', () => mgr.views.daemonHealthMetrics()],
    ['daemonMetadata', () => mgr.views.daemonMetadata('osd')],
  ];
  const readSliced = async (): Promise<void> => {
    for (const [name, items] of sliced) {
      // `read` is called at the end of each stretch between two yields, with its length.
      await new Slicer(5).each(items(), () => undefined, { read: (ms) => spans.add(`read:${name} (slice)`, performance.now() - ms, ms) });
    }
  };
  const tick = mgr.tick.bind(mgr);
  mgr.tick = (): void => {
    spans.time('mgr.tick', tick, true);
    let i = 0;
    const next = (): void => {
      const r = whole[i++];
      if (!r) {
        readSliced().catch((err: unknown) => console.error('sliced read failed', err));
        return;
      }
      spans.time(`read:${r[0]}`, r[1], true);
      setImmediate(next);
    };
    setImmediate(next);
  };
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) spans.add('gc', e.startTime, e.duration);
  });
  obs.observe({ entryTypes: ['gc'] });
}

interface Stall {
  start: number;
  end: number;
  /** Main-thread CPU ms over the stall: far below its length, the thread was waiting for a CPU. */
  cpuMs: number;
}

/** Finds stalls: gaps between firings of a 1 ms interval timer longer than `overMs`. */
function watchStalls(overMs: number): { stalls: Stall[]; stop: () => void } {
  const stalls: Stall[] = [];
  let last = performance.now();
  let lastCpu = cpuMs();
  const t = setInterval(() => {
    const now = performance.now();
    const cpu = cpuMs();
    if (now - last > overMs + 1) stalls.push({ start: last, end: now, cpuMs: cpu - lastCpu });
    last = now;
    lastCpu = cpu;
  }, 1);
  return { stalls, stop: () => clearInterval(t) };
}

function statTable(stats: SpanStat[]): string[] {
  return [
    '| step | count | p50 ms | p99 ms | max ms | max main-thread CPU ms | total ms |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...stats.filter((s) => s.maxMs >= 0.5 || s.name === 'mgr.tick').map((s) => `| ${s.name} | ${s.count} | ${f1(s.p50Ms)} | ${f1(s.p99Ms)} | ${f1(s.maxMs)} | ${Number.isNaN(s.maxCpuMs) ? '' : f1(s.maxCpuMs)} | ${f1(s.sumMs)} |`),
  ];
}

/** Part 2: the live manager over loopback. */
async function live(osds: number, windowS: number, lines: string[]): Promise<void> {
  console.error(`live: ${osds} OSDs over loopback`);
  const m = await startBenchMgr({ set: { mgr_stats_threshold: 5 }, prometheus: { scrape_interval: '3600' } });
  const sim = await startSim(m, osds);
  if (process.env.STALL_ONLY_LIVE) console.error('  (direct part skipped)');
  try {
    const t0 = Date.now();
    await waitForCluster(m, osds, 15 * 60_000);
    console.error(`  cluster complete after ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    await sleep(6000);
    const spans = new Spans();
    instrument(m, spans);
    await sleep(6000); // one report period with the wrappers in place (JIT)
    spans.clear();
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const watch = watchStalls(10);
    const simCpu0 = sampleProc(sim.pid!).cpuS;
    const cpu0 = cpuMs();
    const from = performance.now();
    console.error(`  measuring for ${windowS} s`);
    await sleep(windowS * 1000);
    const to = performance.now();
    const cpuShare = (cpuMs() - cpu0) / (to - from); // main thread
    const simShare = ((sampleProc(sim.pid!).cpuS - simCpu0) * 1000) / (to - from);
    watch.stop();
    loop.disable();
    const scan = m.mgr.cluster.healthScanStats;
    const heapEnd = process.memoryUsage().heapUsed / 2 ** 20;
    // What the manager holds (and this bench's spans beside it), after full collections.
    gc();
    gc();
    const heapAfterGc = process.memoryUsage().heapUsed / 2 ** 20;
    const worst = [...watch.stalls].sort((a, b) => (b.end - b.start) - (a.end - a.start)).slice(0, 12);
    const over = (ms: number): number => watch.stalls.filter((s) => s.end - s.start - 1 > ms).length;
    const overCpu = (ms: number): number => watch.stalls.filter((s) => s.cpuMs > ms).length;
    lines.push(
      `### Live: ${osds} OSDs over loopback, ${windowS} s window`,
      '',
      `mgr_tick_period 2 s, every OSD reports (counters and PG_STATS) every 5 s; after each tick the prometheus module's reads follow, one per macrotask (the per-daemon iterators in 5 ms slices). Machine: ${cpus().length} CPUs, load average at the end ${loadavg().map((x) => x.toFixed(2)).join(' ')}; over the window the manager's main thread used ${f2(cpuShare)} CPU, the simulator child ${f2(simShare)} CPU; heap used at the end ${heapEnd.toFixed(0)} MiB, ${heapAfterGc.toFixed(1)} MiB after two full GCs.`,
      '',
      `- event-loop delay (perf_hooks, 1 ms resolution): max ${f1(loop.max / 1e6)} ms, p99 ${f1(loop.percentile(99) / 1e6)} ms, p50 ${f1(loop.percentile(50) / 1e6)} ms`,
      `- stalls (1 ms timer late by more than): 20 ms: ${over(20)}, 50 ms: ${over(50)}, 100 ms: ${over(100)}; of them with more than that much main-thread CPU in the stall (work, not waiting for a CPU): 20 ms: ${overCpu(20)}, 50 ms: ${overCpu(50)}, 100 ms: ${overCpu(100)}`,
      `- health scan: ${scan.runs} runs, ${scan.restarts} restarts, longest slice ${f1(scan.longestSliceMs)} ms, last run ${f1(scan.lastBusyMs)} ms run / ${f1(scan.lastWallMs)} ms wall`,
      '',
      'Longest stalls and what ran in them (top-level steps; "frame:X" is one wire frame of type X, decoded and applied; gc overlaps the steps it interrupts):',
      '',
      '| stall ms (main-thread CPU ms) | longest single step ms (its CPU ms) | what ran (count × total ms) | not timed ms |',
      '| --- | --- | --- | --- |',
      ...worst.map((s) => {
        const c = spans.cause(s.start, s.end);
        const what = c.top.slice(0, 6).map((g) => `${g.name} ${g.count}× ${f1(g.sumMs)}`).join(', ');
        const longest = c.longest ? `${c.longest.name} ${f1(c.longest.ms)}${cpuOf(c.longest.cpuMs)}` : '—';
        return `| ${f1(s.end - s.start - 1)} (${f1(s.cpuMs)}) | ${longest} | ${what} | ${f1(c.otherMs)} |`;
      }),
      '',
      'Every timed step over the window:',
      '',
      ...statTable(spans.stats(from, to)),
      '',
    );
  } finally {
    await stopChild(sim);
    await m.stop();
  }
}

async function main(): Promise<void> {
  const osds = Number(process.argv[2] ?? 10_000);
  const windowS = Number(process.argv[3] ?? 60);
  const lines: string[] = [`## bench:stall (${new Date().toISOString()}, Node ${process.version}, ${osds} OSDs)`, ''];
  if (!process.env.STALL_ONLY_LIVE) await direct(osds, lines);
  gc();
  if (!process.env.STALL_ONLY_DIRECT) await live(osds, windowS, lines);
  console.log(lines.join('\n'));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
