// The influx module's delivery alone (issue 10): no manager, no cluster. The
// module's builder writes a synthetic 10,000-OSD interval (~340,000 points of
// ceph_daemon_stats, the same lines' shape) into its pooled chunks; the SDK's
// push loop delivers them with the module's clients (batch_size 5,000, threads
// 5) to a real InfluxDB 1.6 (/write) or VictoriaMetrics (/api/v2/write), round
// after round. After each round, after full GCs: RSS (anonymous), V8 heap,
// external; during it: the longest event-loop delay, GC pauses and CPU. What
// the module's delivery costs in memory and stalls, apart from the core's, and
// cheap enough to compare variants (say, malloc settings in the environment:
// MALLOC_ARENA_MAX=2 node ...) without the 10,000-OSD cluster or the bench lock.
//
// Run (build first: npx tsc -p tsconfig.json --outDir bench/out):
//   node --expose-gc --max-semi-space-size=4 --heap-growing-percent=20 bench/out/bench/influx-transport.js \
//     [--target v1|v2] [--rounds 8] [--osds 10000] [--counters 34] [--cpuprof DIR]

import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import pino from 'pino';
import { PRIO_USEFUL, PushLoop, Slicer, type CounterColumn, type DaemonCounters } from '../src/mgr-module/index.js';
import { InfluxV1Client } from '../exporters/influx/client-v1.js';
import { InfluxV2Client } from '../exporters/influx/client-v2.js';
import { BufferPool, ChunkWriter, chunksInUse, splitChunk, type LineChunk } from '../exporters/influx/line-chunks.js';
import { resolveConfig, INFLUX_OPTIONS } from '../exporters/influx/options.js';
import { PointBuilder, type PointSource } from '../exporters/influx/points.js';
import { startInfluxd, startVictoriaMetrics, type RealServer } from '../test/helpers/influx-servers.js';
import { settle } from './lib/influx-settle.js';
import { CpuProfiles, GcWatch } from './lib/thread-watch.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const mib = (b: number): string => (b / 1048576).toFixed(1);
const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};

function anonBytes(): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  return Number(/^RssAnon:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
}

/** OSDs with `counters` useful counters each, 50 hosts, values that change per round; built once. */
function cluster(osds: number, counters: number): PointSource & { round: number } {
  const columns: CounterColumn[] = Array.from({ length: counters }, (_, i) => ({
    path: `osd.counter_${i}`, description: '', nick: '', type: 2, priority: PRIO_USEFUL, unit: 'none', col: i, width: 1,
  }));
  const rows = Array.from({ length: osds }, (_, i): DaemonCounters => ({
    daemon: `osd.${i}`, type: 'osd', id: String(i), schemaVersion: 1, columns, values: new Float64Array(counters), stamp: 1,
  }));
  const meta = Array.from({ length: osds }, (_, i): [string, Readonly<Record<string, string>>] => [String(i), Object.freeze({ hostname: `host-${i % 50}` })]);
  const src = {
    round: 0,
    get(name: string): unknown {
      if (name === 'mon_map') return { fsid: '433500eb-af2c-4dac-b9f0-03fd67b0928a' };
      if (name === 'df') return { pools: [] };
      return { by_osd: {}, by_pool: {} };
    },
    getMetadata: (_type: string, id: string) => ({ hostname: `host-${Number(id) % 50}` }),
    daemonMetadata: (type: string) => (type === 'osd' ? meta : [])[Symbol.iterator](),
    *daemonCounters(): Generator<DaemonCounters, void, undefined> {
      for (const r of rows) {
        for (let j = 0; j < counters; j++) r.values[j] = (src.round * 7919 + j * 104729 + Number(r.id)) % 1e9;
        yield r;
      }
    },
  };
  return src as unknown as PointSource & { round: number };
}

/** --cpuprof DIR: a CPU profile of each round (bench/cpuprofile-stalls.ts reads them). */
const profiles = new CpuProfiles(process.argv.includes('--cpuprof') ? arg('cpuprof', '') : undefined);

async function main(): Promise<void> {
  const target = arg('target', 'v2');
  const rounds = Number(arg('rounds', '8'));
  const osds = Number(arg('osds', '10000'));
  const counters = Number(arg('counters', '34'));
  const malloc = Object.entries(process.env).filter(([k]) => k.startsWith('MALLOC_')).map(([k, v]) => `${k}=${v}`).join(' ') || 'glibc defaults';
  const out: string[] = [];
  const say = (l: string): void => {
    out.push(l);
    console.error(l);
  };
  say(`# influx delivery alone: ${osds} OSDs x ${counters} counters to ${target}, ${rounds} rounds, ${malloc}, node ${process.version}, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  let server: RealServer | undefined;
  const ac = new AbortController();
  try {
    server = target === 'v2' ? await startVictoriaMetrics() : await startInfluxd();
    const opts: Record<string, string | number | boolean> = Object.fromEntries(INFLUX_OPTIONS.map((o) => [o.name, o.default as string | number | boolean]));
    Object.assign(opts, target === 'v2' ? { api_version: '2', url: server.url, bucket: 'ceph' } : { hostname: '127.0.0.1', port: server.port });
    const cfg = resolveConfig(<T>(name: string) => opts[name] as T);
    const v1 = cfg.apiVersion === 1 ? new InfluxV1Client(cfg) : undefined;
    const v2 = cfg.apiVersion === 2 ? new InfluxV2Client(cfg) : undefined;
    if (v1) await v1.createDatabase(cfg.database, ac.signal);
    const src = cluster(osds, counters);
    const builder = new PointBuilder(target === 'v2' ? 'v2' : 'v1');
    const pool = new BufferPool(() => chunksInUse(cfg.threads));
    let produced = 0;
    const loop = new PushLoop<LineChunk>({
      moduleName: 'influx', log: pino({ level: 'warn' }), signal: ac.signal, setHealthChecks: () => undefined, setPushStats: () => undefined,
    }, {
      intervalS: () => 86_400, batchSize: () => cfg.batchSize, concurrency: () => cfg.threads, queueMax: () => cfg.queueMaxPoints,
      queueMaxBytes: () => cfg.queueMaxBytes, sendTimeoutMs: () => 60_000, itemName: 'point',
      units: { weight: (c) => c.points, split: splitChunk, bytes: (c) => c.bytes.length },
      onSent: (batch) => {
        for (const c of batch) if (c.pooled) pool.put(c.pooled);
      },
      produce: async (emit, signal) => {
        if (src.round === 0) return; // start() produces at once: nothing before the first measured round
        const sink = new ChunkWriter(Date.now(), cfg.batchSize, pool);
        await builder.build(src, sink, {
          slicer: new Slicer(10, undefined, signal), warn: () => undefined,
          drain: () => {
            const chunks = sink.take();
            for (const c of chunks) produced += c.points;
            return emit(chunks);
          },
        });
      },
      send: (batch, signal) => (v2 ? v2.write(batch, signal) : v1!.write(batch, signal)),
    });
    loop.start();
    await settle(100);
    const m0 = process.memoryUsage();
    const a0 = anonBytes();
    say(`before: RSS ${mib(m0.rss)} MiB (anon ${mib(a0)}), heap committed ${mib(m0.heapTotal)}, external ${mib(m0.external)}`);
    say('');
    say('| round | points | delivered | CPU | longest event-loop delay | GC longest / total | buffers made | RSS peak | after GC: RSS | anon | heap committed | heap used | external | RSS added |');
    say('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    const gcWatch = new GcWatch();
    for (let i = 1; i <= rounds; i++) {
      src.round = i;
      const sent0 = loop.stats().sent;
      const made0 = pool.made;
      await profiles.start();
      const eld = monitorEventLoopDelay({ resolution: 1 });
      let peak = 0;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      gcWatch.start();
      eld.enable();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await loop.runOnce();
      while (loop.stats().queued > 0) await sleep(2);
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      eld.disable();
      clearInterval(sampler);
      await sleep(0);
      const g = gcWatch.stop();
      const prof = await profiles.stop(`influx-transport-${target}-${i}`);
      if (prof) console.error(`  CPU profile: ${prof}`);
      const s = loop.stats();
      if (s.dropped > 0 || s.failed > 0) throw new Error(`round ${i}: ${JSON.stringify(s)}`);
      await settle(100);
      const m = process.memoryUsage();
      say(`| ${i} | ${s.sent - sent0} | ${ms.toFixed(0)} ms | ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms | ${(eld.max / 1e6).toFixed(1)} ms | ${g.max.toFixed(1)} / ${g.total.toFixed(0)} ms | ${(pool.made) - made0} | ${mib(peak)} | ${mib(m.rss)} | ${mib(anonBytes())} | ${mib(m.heapTotal)} | ${mib(m.heapUsed)} | ${mib(m.external)} | ${mib(m.rss - m0.rss)} |`);
    }
    say(`produced ${produced}, sent ${loop.stats().sent}; load at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    ac.abort();
    await loop.stop();
    v1?.close();
    profiles.close();
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    ac.abort();
    await server?.destroy();
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
