// Scrape benchmark of the prometheus module (issue 4), one run, side by side:
//  - small case, shaped like the reference cluster (4 OSDs): uncached
//    collection time in process, and scrape latency over loopback with
//    cache=false / cache=true (Ceph 16.2.15 took ~9 ms / ~1.4 ms);
//  - 10,000 OSDs reporting perf counters (threshold 5) over the wire protocol
//    from a simulator in a child process: collection + render time, longest
//    event-loop stall, series, bytes, RSS; cached scrape latency p50/p99 from a
//    scraper in another child process (plain and gzip); and the same series
//    given to prom-client in its own process with default Node flags
//    (lib/promclient-child: persistent registry, the fair baseline of issue 17).
//
// Run: npm run bench:scrape   (or, by hand:)
//   npx tsc -p tsconfig.json --outDir bench/out && node --expose-gc --max-semi-space-size=4 --heap-growing-percent=20 \
//     bench/out/bench/scrape.js [osds=10000] [runs=10] [large-only|both] [mgr_stats_threshold=5] [perf_counters_prio_limit=5]
// (both 0: every counter of every daemon exported, issue 17 item 4's "10,000 OSDs, all counters"; threshold 0 alone:
// the daemons send every counter, the module exports Ceph's priority 5 and up)
// Profiles: MGRD_BENCH_CPUPROF_DIR=<dir> writes one .cpuprofile of the event loop per live and quiet collection
// (bench/cpuprofile-stalls.ts reads them); `node --cpu-prof --cpu-prof-dir=<dir>` on the line above also
// writes the render worker's (one file per thread; the worker lives only for the collections).

import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { PrometheusExporter } from '../exporters/prometheus/exporter.js';
import { buildFragments, renderWithBytes } from './render-baseline.js';
import { startBenchMgr, type BenchMgr } from './lib/bench-mgr.js';
import { firstLine, libChild, startSim, stopChild, waitForCluster } from './lib/children.js';
import { seriesOf } from './lib/series-of.js';
import { backingBytes, formatMem, memBreakdown, type MemBreakdown } from './lib/mem-breakdown.js';
import { CpuProfiles, GcWatch } from './lib/thread-watch.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
}
const f1 = (x: number): string => x.toFixed(1);
const f2 = (x: number): string => x.toFixed(2);
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

function exporterOf(m: BenchMgr): PrometheusExporter {
  const e = m.prometheus().exporter;
  if (e === undefined) throw new Error('the prometheus module has not started');
  return e;
}

async function scrapes(url: string, n: number, enc: 'plain' | 'gzip', format: 'text' | 'openmetrics'): Promise<{ ms: number[]; bytes: number }> {
  const child = libChild('scrape-client.js', [url, String(n), enc, format]);
  return JSON.parse(await firstLine(child)) as { ms: number[]; bytes: number };
}

async function smallCase(lines: string[]): Promise<void> {
  console.error('small case: reference-shaped cluster (4 OSDs)');
  const m = await startBenchMgr({ set: { mgr_stats_period: 0.5, mgr_tick_period: 0.5 }, prometheus: { scrape_interval: '3600' } });
  const sim = await startSim(m, 4);
  try {
    await waitForCluster(m, 4, 60_000);
    await sleep(1500);
    const exporter = exporterOf(m);
    for (let i = 0; i < 100; i++) await exporter.collectNow(); // warm up
    const ms: number[] = [];
    const busy: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t0 = performance.now();
      const b = await exporter.collectNow();
      ms.push(performance.now() - t0);
      busy.push(b.stats.busyMs);
    }
    const body = exporter.current!;
    const url = `${await waitUri(m)}metrics`;
    const cached = await scrapes(url, 200, 'plain', 'text');
    await m.mgr.registry.setOption('prometheus', 'cache', false);
    const uncached = await scrapes(url, 200, 'plain', 'text');
    lines.push(
      '### Small case: reference-shaped cluster (1 mon, 4 OSDs, simulated, reporting over loopback)',
      '',
      '| figure | mgrd | Ceph 16.2.15 (reference capture) |',
      '| --- | --- | --- |',
      `| uncached collection + render of both formats + encode, in process, run time (300 runs) | p50 ${f2(quantile(busy, 0.5))} ms, p99 ${f2(quantile(busy, 0.99))} ms | — |`,
      `| same, wall time (ingest of the simulator's reports runs in the yields) | p50 ${f2(quantile(ms, 0.5))} ms, p99 ${f2(quantile(ms, 0.99))} ms | — |`,
      `| scrape with cache=false over loopback (200 scrapes) | p50 ${f2(quantile(uncached.ms, 0.5))} ms, p99 ${f2(quantile(uncached.ms, 0.99))} ms | median ~9 ms |`,
      `| cached scrape over loopback (200 scrapes) | p50 ${f2(quantile(cached.ms, 0.5))} ms, p99 ${f2(quantile(cached.ms, 0.99))} ms | median ~1.4 ms |`,
      `| series / body (text) | ${body.stats.series} / ${body.body.bytes.text} bytes | 771 / 82,485 bytes |`,
      '',
    );
  } finally {
    await stopChild(sim);
    await m.stop();
  }
}

async function waitUri(m: BenchMgr): Promise<string> {
  for (;;) {
    const a = m.prometheus().boundAddress();
    if (a !== undefined) return `http://127.0.0.1:${a.port}/`;
    await sleep(50);
  }
}

interface Run {
  ms: number;
  /** CPU of the whole process (every thread) over the collection. */
  cpu: number;
  /** Longest GC pause (this thread) during the collection, and all of them. */
  gcMax: number;
  gcTotal: number;
  busy: number;
  slice: number;
  own: number;
  loop: number;
  /** The perf counters' render in the worker thread. */
  render: number;
  read: { name: string; ms: number };
}

async function largeCase(osds: number, runs: number, threshold: number, prioLimit: number, lines: string[]): Promise<void> {
  console.error(`large case: ${osds} OSDs, mgr_stats_threshold ${threshold}, perf_counters_prio_limit ${prioLimit}`);
  const loadBefore = loadavg().map((x) => x.toFixed(2)).join(' ');
  const m = await startBenchMgr({ set: { mgr_stats_threshold: threshold }, prometheus: { scrape_interval: '3600', perf_counters_prio_limit: String(prioLimit) } });
  const sim = await startSim(m, osds);
  try {
    const t0 = Date.now();
    await waitForCluster(m, osds, 15 * 60_000);
    console.error(`  cluster complete after ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    await sleep(6000); // one more report period, so PG views and counters settle
    const exporter = exporterOf(m);
    const url = `${await waitUri(m)}metrics`;

    // The delay monitor records a stall when its 1 ms timer fires late, i.e. after the stall: read it a little later.
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    const window = async (ms: number): Promise<{ max: number; p99: number }> => {
      loopDelay.reset();
      await sleep(ms);
      return { max: loopDelay.max / 1e6, p99: loopDelay.percentile(99) / 1e6 };
    };
    const gc = new GcWatch();
    // MGRD_BENCH_CPUPROF_DIR=<dir>: a CPU profile of this thread over each live and quiet collection (bench/cpuprofile-stalls.ts
    // reads them); the render worker's own profile: run the benchmark with node --cpu-prof (it profiles every thread).
    const profiles = new CpuProfiles(process.env.MGRD_BENCH_CPUPROF_DIR || undefined);
    const collect = async (profile?: string): Promise<Run> => {
      // The last body's gzips (made ahead for the gzip scrapes) run in the thread pool: let them end, so
      // that this collection does not share the 2 cores with them (at a real scrape_interval they are long done).
      const prev = exporter.current;
      for (const f of ['text', 'openmetrics'] as const) if (prev?.hasGzip(f) === true) await prev.gzip(f).catch(() => undefined);
      if (profile !== undefined) await profiles.start();
      loopDelay.reset();
      gc.start();
      const cpu0 = process.cpuUsage();
      const c0 = performance.now();
      const body = await exporter.collectNow();
      const ms = performance.now() - c0;
      const cpuD = process.cpuUsage(cpu0);
      const cpu = (cpuD.user + cpuD.system) / 1000;
      if (profile !== undefined) await profiles.stop(profile);
      await sleep(20);
      const st = body.stats;
      const g = gc.stop();
      console.error(`  collection: ${ms.toFixed(0)} ms wall, ${cpu.toFixed(0)} ms CPU (process, all threads), ${st.busyMs.toFixed(0)} ms run in the event loop, ${st.perfRenderMs.toFixed(0)} ms render in the worker (${st.perfArenaReused === true ? 'recycled arena' : 'fresh buffer'}), longest slice ${st.longestSliceMs.toFixed(1)} ms (own ${st.longestOwnSliceMs.toFixed(1)}), event-loop delay max ${(loopDelay.max / 1e6).toFixed(1)} ms, slowest read ${st.slowestRead.name} ${st.slowestRead.ms.toFixed(1)} ms, GC pauses max ${g.max.toFixed(1)} ms (total ${g.total.toFixed(0)} ms)`);
      return { ms, cpu, gcMax: g.max, gcTotal: g.total, busy: st.busyMs, slice: st.longestSliceMs, own: st.longestOwnSliceMs, loop: loopDelay.max / 1e6, render: st.perfRenderMs, read: st.slowestRead };
    };
    const scrapeSet = async (phase: string): Promise<Record<string, { ms: number[]; bytes: number }>> => {
      const out: Record<string, { ms: number[]; bytes: number }> = {};
      for (const [name, enc, format] of [['plain', 'plain', 'text'], ['gzip', 'gzip', 'text'], ['gzipOm', 'gzip', 'openmetrics']] as const) {
        const before = exporter.current;
        loopDelay.reset();
        gc.start();
        out[name] = await scrapes(url, 20, enc, format);
        await sleep(20);
        const g = gc.stop();
        // Each scrape's time, and whether a collection ran meanwhile: what a p99 is made of.
        console.error(`  ${phase} scrapes ${name}: ${out[name].ms.map((x) => x.toFixed(0)).join(' ')} ms; ${exporter.current === before ? 'same body' : 'a collection ran'}, event-loop delay max ${(loopDelay.max / 1e6).toFixed(1)} ms, GC pauses max ${g.max.toFixed(1)} ms`);
      }
      return out;
    };

    const fullGc = (): void => (globalThis as { gc?: () => void }).gc?.();
    // Where the RSS goes (stderr): the exporter's bodies, gzips and spare arena, and the process's breakdown.
    const held = (label: string): void => {
      const b = exporter.current;
      const ex = exporter as unknown as { lastGzip: Map<string, { gz: Buffer }>; collector: { perfRenderer?: { spare?: ArrayBuffer } } };
      const gzNow = b === undefined ? [] : (['text', 'openmetrics'] as const).map((f) => b.gzipReady(f)?.length ?? 0);
      const gzLast = [...ex.lastGzip.values()].map((x) => x.gz.length);
      const body = b === undefined ? { stores: 0, bytes: 0 } : backingBytes(b.body.segments.text, b.body.segments.openmetrics);
      const spare = ex.collector.perfRenderer?.spare?.byteLength ?? 0;
      console.error(`  memory ${label}: ${formatMem(memBreakdown())}`);
      console.error(`    exporter holds: body ${b === undefined ? 0 : (b.body.bytes.text / 1048576).toFixed(1)} MiB text / ${b === undefined ? 0 : (b.body.bytes.openmetrics / 1048576).toFixed(1)} MiB OM in ${body.stores} stores of ${(body.bytes / 1048576).toFixed(1)} MiB (arena ${((b?.arena?.byteLength ?? 0) / 1048576).toFixed(1)}), its gzips ${gzNow.map((x) => (x / 1048576).toFixed(1)).join(' / ')} MiB, last gzips kept ${gzLast.map((x) => (x / 1048576).toFixed(1)).join(' / ')} MiB, spare arena ${(spare / 1048576).toFixed(1)} MiB`);
    };
    held('after the cluster settled, before the benchmark\'s collections');
    fullGc();
    held('same, after a full GC');

    const idle = await window(10_000);
    await collect(); // first: plans, label fragments, JIT
    // Prometheus scrapes with gzip all the time: one scrape of each gzip format, so the exporter
    // gzips each new body ahead (as it does for a real Prometheus) and the figures below are its steady state.
    await scrapes(url, 1, 'gzip', 'openmetrics');
    await scrapes(url, 1, 'gzip', 'text');
    // RSS sampled through the live phase: collections, their cached bodies and gzips, scrapes.
    let liveRss = 0;
    let livePeak: MemBreakdown | undefined;
    const rssTimer = setInterval(() => {
      const r = process.memoryUsage.rss();
      if (r > liveRss) {
        liveRss = r;
        livePeak = memBreakdown();
      }
    }, 250);
    const live: Run[] = [];
    for (let i = 0; i < runs; i++) {
      live.push(await collect(`scrape-${osds}-live-${i}`));
      await sleep(1000);
    }
    const liveScrapes = await scrapeSet('live');
    clearInterval(rssTimer);
    if (livePeak !== undefined) console.error(`  memory at the live peak: ${formatMem(livePeak)}`);
    held('after the live phase');
    fullGc();
    held('after the live phase, after a full GC');

    // Quiet: the simulator paused (its sessions stay open): the exporter without the core's ingest and tick work.
    process.kill(sim.pid!, 'SIGSTOP');
    await sleep(3000);
    await collect();
    const quiet: Run[] = [];
    for (let i = 0; i < runs; i++) quiet.push(await collect(`scrape-${osds}-quiet-${i}`));
    profiles.close();
    const body = exporter.current!;
    body.hold(); // read below after more scrapes: a collection they cause must not hand its bytes back to the worker
    const gz0 = performance.now();
    const gzText = await body.gzip('text');
    const gzMs = performance.now() - gz0;
    const gzOm = await body.gzip('openmetrics');
    const quietScrapes = await scrapeSet('quiet');
    const rss = process.memoryUsage().rss;
    held('after the quiet scrapes');
    fullGc();
    held('after the quiet scrapes, after a full GC');
    {
      // The render worker's share: end it (the next collection would start another) and look again.
      const before = memBreakdown();
      await (exporter as unknown as { collector: { perfRenderer?: { close(): Promise<void> } } }).collector.perfRenderer?.close();
      await sleep(500);
      fullGc();
      const after = memBreakdown();
      console.error(`  memory after ending the render worker: ${formatMem(after)}; RSS ${((after.rss - before.rss) / 1048576).toFixed(1)} MiB, rest of anon ${((after.rest - before.rest) / 1048576).toFixed(1)} MiB`);
    }
    const text = Buffer.concat(body.body.segments.text).toString();
    const series = seriesOf(text);
    // mgrd's byte writer alone on the same series (label fragments and their bytes prebuilt, as the collector keeps them per daemon)
    const fragments = buildFragments(series);
    const encoded = fragments.map((f) => Buffer.from(f, 'utf8'));
    const writer: number[] = [];
    for (let i = 0; i < runs; i++) {
      (globalThis as { gc?: () => void }).gc?.();
      const w0 = performance.now();
      renderWithBytes(series, fragments, encoded);
      writer.push(performance.now() - w0);
    }
    // prom-client in its own process, default flags, while the simulator is paused (the machine otherwise idle)
    const bodyFile = join(m.dir, 'baseline-body.txt');
    writeFileSync(bodyFile, text);
    const prom = JSON.parse(await firstLine(libChild('promclient-child.js', [bodyFile, String(runs)]))) as {
      full: number[]; render: number[]; bytes: number; series: number; rss: number;
    };
    process.kill(sim.pid!, 'SIGCONT');
    loopDelay.disable();

    const med = (xs: number[]): number => quantile(xs, 0.5);
    const p99 = (xs: number[]): number => quantile(xs, 0.99);
    const max = (xs: number[]): number => Math.max(...xs);
    const best = (xs: number[]): number => Math.min(...xs);
    const ratioLive = med(prom.full) / med(live.map((x) => x.ms));
    const ratioQuiet = med(prom.full) / med(quiet.map((x) => x.ms));
    const ratioRender = med(prom.render) / med(writer);
    const mm = (xs: number[]): string => `${f1(med(xs))} (${f1(best(xs))}–${f1(max(xs))})`;
    const lat = (x: { ms: number[] }): string => `p50 ${f1(quantile(x.ms, 0.5))} ms, p99 ${f1(quantile(x.ms, 0.99))} ms`;
    const reads = (rs: Run[]): string => rs.map((x) => `${x.read.name} ${f1(x.read.ms)}`).join(', ');
    const liveMs = live.map((x) => x.ms);
    const worstStall = Math.max(...live.map((x) => x.loop), ...quiet.map((x) => x.loop));
    lines.push(
      `### Large case: ${osds} simulated OSDs, perf counters exported (mgr_stats_threshold ${threshold}, perf_counters_prio_limit ${prioLimit})`,
      '',
      `Fed by SimRunner in a child process over loopback (${osds} OSD sessions + mon, mds, rgw; each MgrClient reports every 5 s, OSDs send PG stats), mgrd in the benchmark process. "Live": the simulator running; "quiet": the simulator stopped (SIGSTOP), sessions open.`,
      '',
      '| figure | live (ingest running) | quiet (simulator paused) |',
      '| --- | --- | --- |',
      `| series (samples, mgrd_* excluded) / families | ${body.stats.series} / ${body.stats.families} | |`,
      `| body: text / OpenMetrics / gzip text / gzip OpenMetrics | ${mb(body.body.bytes.text)} / ${mb(body.body.bytes.openmetrics)} / ${mb(gzText.length)} / ${mb(gzOm.length)} | |`,
      `| collection + render of both formats + encode: wall, median (best) of ${runs} | ${f1(med(live.map((x) => x.ms)))} (${f1(best(live.map((x) => x.ms)))}) ms | ${f1(med(quiet.map((x) => x.ms)))} (${f1(best(quiet.map((x) => x.ms)))}) ms |`,
      `| collection wall p50 / p99 (${runs} runs; p99 of so few is their max) | ${f1(med(liveMs))} / ${f1(p99(liveMs))} ms (target ≤ 150 ms) | ${f1(med(quiet.map((x) => x.ms)))} / ${f1(p99(quiet.map((x) => x.ms)))} ms |`,
      `| same: run time in the event loop (slices only), median | ${f1(med(live.map((x) => x.busy)))} ms | ${f1(med(quiet.map((x) => x.busy)))} ms |`,
      `| perf counters rendered in the worker thread, median | ${f1(med(live.map((x) => x.render)))} ms | ${f1(med(quiet.map((x) => x.render)))} ms |`,
      `| CPU of the process per collection (every thread; live: ingest's share included), median (min–max) | ${mm(live.map((x) => x.cpu))} ms | ${mm(quiet.map((x) => x.cpu))} ms |`,
      `| prom-client in its own process (default flags, persistent registry, ${prom.series} series): set every value + registry.metrics(), text only, median (min–max) of ${prom.full.length} | | ${mm(prom.full)} ms, ${mb(prom.bytes)}, its RSS ${mb(prom.rss)} |`,
      `| **full-collection ratio prom-client / mgrd** (mgrd: wall, both formats, medians) | **${f1(ratioLive)}×** | **${f1(ratioQuiet)}×** (target ≥ 5×) |`,
      `| render only: mgrd's byte writer, text body as one Buffer (this process) vs prom-client registry.metrics() (own process), median (min–max) | | ${mm(writer)} ms vs ${mm(prom.render)} ms: **${f1(ratioRender)}×** |`,
      `| longest slice of a collection, max of ${runs} | ${f1(max(live.map((x) => x.slice)))} ms | ${f1(max(quiet.map((x) => x.slice)))} ms |`,
      `| longest slice without cluster reads (the exporter's own stall, GC included), max | **${f1(max(live.map((x) => x.own)))} ms** | **${f1(max(quiet.map((x) => x.own)))} ms** (target ≤ 50 ms) |`,
      `| slowest cluster read per collection (core snapshot rebuilt on first read), ms | ${reads(live)} | ${reads(quiet)} |`,
      `| event-loop delay max during a collection (perf_hooks, 1 ms resolution), max of ${runs} | **${f1(max(live.map((x) => x.loop)))} ms** | **${f1(max(quiet.map((x) => x.loop)))} ms** (target ≤ 20 ms) |`,
      `| longest GC pause (this thread) during a collection, max of ${runs} | ${f1(max(live.map((x) => x.gcMax)))} ms | ${f1(max(quiet.map((x) => x.gcMax)))} ms |`,
      `| event-loop delay with no collection running, 10 s window: max / p99 | ${f1(idle.max)} / ${f1(idle.p99)} ms | |`,
      `| cached scrape, plain text, 20 scrapes from another process | ${lat(liveScrapes.plain!)} | ${lat(quietScrapes.plain!)} (target p50 ≤ 50 ms) |`,
      `| cached scrape, gzip text | ${lat(liveScrapes.gzip!)} | ${lat(quietScrapes.gzip!)} |`,
      `| cached scrape, gzip OpenMetrics (what Prometheus asks for) | ${lat(liveScrapes.gzipOm!)} | ${lat(quietScrapes.gzipOm!)} |`,
      `| gzip of the text body (zlib level 1 in the thread pool, once per collection and format) | | ${f1(gzMs)} ms |`,
      `| RSS of the benchmark process (mgrd with its sessions, state, cached bodies and gzips; before the baseline): max sampled while live / after the quiet scrapes | ${mb(liveRss)} | ${mb(rss)} (target ≤ 512 MiB) |`,
      '',
      'Issue 17\'s row (live collection; cached scrape: gzip OpenMetrics, live; stall: event-loop delay max over every collection; RSS: max of the two above):',
      '',
      '| OSDs | series | body text / gzip | uncached collection p50 / p99 (live) | cached scrape p50 / p99 | worst stall during collection | RSS | prom-client (own process) | ratio | µs per series (p50) | load before / after |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      `| ${osds} | ${body.stats.series} | ${mb(body.body.bytes.text)} / ${mb(gzText.length)} | ${f1(med(liveMs))} / ${f1(p99(liveMs))} ms | ${f1(quantile(liveScrapes.gzipOm!.ms, 0.5))} / ${f1(quantile(liveScrapes.gzipOm!.ms, 0.99))} ms | ${f1(worstStall)} ms | ${mb(Math.max(liveRss, rss))} | ${f1(med(prom.full))} ms | ${f1(ratioLive)}× | ${f2((med(liveMs) * 1000) / body.stats.series)} | ${loadBefore} / ${loadavg().map((x) => x.toFixed(2)).join(' ')} |`,
      '',
    );
  } finally {
    await stopChild(sim);
    await m.stop();
  }
}

async function main(): Promise<void> {
  const osds = Number(process.argv[2] ?? 10_000);
  const runs = Number(process.argv[3] ?? 10);
  const small = process.argv[4] !== 'large-only';
  const threshold = Number(process.argv[5] ?? 5);
  if (!Number.isInteger(threshold) || threshold < 0 || threshold > 11) throw new Error(`mgr_stats_threshold must be an integer from 0 to 11, not ${process.argv[5]}`);
  const prioLimit = Number(process.argv[6] ?? 5);
  if (!Number.isInteger(prioLimit) || prioLimit < 0 || prioLimit > 10) throw new Error(`perf_counters_prio_limit must be an integer from 0 to 10, not ${process.argv[6]}`);
  const lines: string[] = [`## bench:scrape (${new Date().toISOString()}, Node ${process.version}, ${osds} OSDs, mgr_stats_threshold ${threshold}, perf_counters_prio_limit ${prioLimit}, load ${loadavg().map((x) => x.toFixed(2)).join(' ')})`, ''];
  if (small) await smallCase(lines);
  await largeCase(osds, runs, threshold, prioLimit, lines);
  console.log(lines.join('\n'));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
