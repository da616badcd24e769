// Where the influx module's memory goes (issue 10). The manager runs in this
// process with `osds` simulated OSDs reporting from a child (as bench:influx),
// first without the module until every daemon's ring of samples is full (the
// manager's own steady state: its rings fill for 20 report periods after the
// cluster is up), then with the module delivering `intervals` intervals to a
// real InfluxDB 1.6 or VictoriaMetrics. After each step, after full GCs:
// RSS (anonymous / file-backed), V8's heap (committed, used), external and
// ArrayBuffer memory. With --snapshots DIR, heap snapshots before and after.
// With --with prometheus (modules enabled from the start, comma-separated),
// the module-less figure is the manager with those modules: what enabling
// influx adds to a default manager (prometheus is enabled by default).
//
// Run (build first: npx tsc -p tsconfig.json --outDir bench/out):
//   node --expose-gc --max-semi-space-size=4 --heap-growing-percent=20 bench/out/bench/influx-memory.js \
//     [--osds 10000] [--intervals 4] [--target v1|v2] [--control 60] [--snapshots DIR] [--with prometheus]

import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import type { Module } from '../exporters/influx/module.js';
import { DEFAULT_RING_SAMPLES } from '../src/state/perf-ring.js';
import { startInfluxd, startVictoriaMetrics, type RealServer } from '../test/helpers/influx-servers.js';
import { startBenchMgr, type BenchMgr } from './lib/bench-mgr.js';
import { settle } from './lib/influx-settle.js';
import { startSim, stopChild, waitForCluster, waitForRingsFull } from './lib/children.js';

const ADMIN = { entity: 'client.admin', read: true, write: true };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const mib = (b: number): string => (b / 1048576).toFixed(1);
const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};

interface Mem {
  rss: number;
  rssAnon: number;
  rssFile: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

function memNow(): Mem {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  const m = process.memoryUsage();
  return { rss: m.rss, rssAnon: kb('RssAnon'), rssFile: kb('RssFile'), heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

const HEAD = '| step | load | RSS | anon | file | heap committed | heap used | external | of it ArrayBuffers |';
function row(step: string, m: Mem): string {
  return `| ${step} | ${loadavg()[0]!.toFixed(1)} | ${mib(m.rss)} | ${mib(m.rssAnon)} | ${mib(m.rssFile)} | ${mib(m.heapTotal)} | ${mib(m.heapUsed)} | ${mib(m.external)} | ${mib(m.arrayBuffers)} |`;
}

async function command(m: BenchMgr, ...argv: string[]): Promise<void> {
  const r = await m.mgr.runCommand(ADMIN, { argv });
  if (r.r !== 0) throw new Error(`${argv.join(' ')}: ${r.outs}`);
}

async function main(): Promise<void> {
  const osds = Number(arg('osds', '10000'));
  const intervals = Number(arg('intervals', '4'));
  const target = arg('target', 'v1');
  const controlS = Number(arg('control', '60'));
  const snapshots = process.argv.includes('--snapshots') ? arg('snapshots', '') : undefined;
  const withModules = arg('with', '').split(',').filter((x) => x !== '');
  const out: string[] = [];
  const say = (l: string): void => {
    out.push(l);
    console.error(l);
  };
  say(`# influx memory, ${osds} OSDs, ${intervals} intervals to ${target}, other modules: ${withModules.join(',') || 'none'}, node ${process.version}, load at start ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  let server: RealServer | undefined;
  let m: BenchMgr | undefined;
  let sim: Awaited<ReturnType<typeof startSim>> | undefined;
  try {
    server = target === 'v2' ? await startVictoriaMetrics() : await startInfluxd();
    const moduleOptions: Record<string, string> = target === 'v2'
      ? { api_version: '2', url: server.url, bucket: 'ceph', interval: '86400' }
      : { hostname: '127.0.0.1', port: String(server.port), interval: '86400' };
    m = await startBenchMgr({ modules: withModules, moduleOptions: { influx: moduleOptions } });
    sim = await startSim(m, osds);
    await waitForCluster(m, osds, 900_000);
    say(HEAD);
    say('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    await settle();
    say(row('cluster complete (rings filling)', memNow()));
    await waitForRingsFull(m, DEFAULT_RING_SAMPLES, 900_000);
    await settle();
    say(row('every ring full, no module', memNow()));
    await sleep(controlS * 1000);
    await settle();
    const before = memNow();
    say(row(`${controlS} s later, no influx module`, before));
    if (snapshots) console.error(`snapshot: ${writeHeapSnapshot(join(snapshots, 'before.heapsnapshot'))}`);

    await command(m, 'mgr', 'module', 'enable', 'influx');
    const mod = (): Module => m!.module<Module>('influx');
    const idle = async (): Promise<void> => {
      let next = Date.now() + 10_000;
      while (mod().lastBuild === undefined || mod().loop.stats().queued > 0) {
        await sleep(20);
        if (Date.now() > next) {
          next += 10_000;
          console.error(`  waiting: ${JSON.stringify(mod().loop.stats())}, health ${JSON.stringify(mod().loop.healthChecks())}`);
        }
      }
    };
    await idle(); // the first interval runs at start
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    for (let i = 1; i <= intervals; i++) {
      if (i > 1) {
        const last = mod().lastBuild;
        await command(m, 'influx', 'send');
        while (mod().lastBuild === last) await sleep(20);
        await idle();
      }
      const s = mod().loop.stats();
      await settle();
      say(row(`after interval ${i} (${s.sent} sent, ${s.dropped} dropped)`, memNow()));
    }
    clearInterval(sampler);
    await sleep(controlS * 1000);
    await settle();
    const after = memNow();
    say(row(`${controlS} s later, module idle`, after));
    if (snapshots) console.error(`snapshot: ${writeHeapSnapshot(join(snapshots, 'after.heapsnapshot'))}`);
    say('');
    say(`added by the module (after GC): RSS ${mib(after.rss - before.rss)} MiB (anon ${mib(after.rssAnon - before.rssAnon)}, file ${mib(after.rssFile - before.rssFile)}), heap committed ${mib(after.heapTotal - before.heapTotal)}, heap used ${mib(after.heapUsed - before.heapUsed)}, external ${mib(after.external - before.external)} MiB; RSS peak during the intervals ${mib(peak)} MiB (${mib(peak - before.rss)} over)`);
    say(`load at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    if (sim) await stopChild(sim);
    await m?.stop();
    await server?.destroy();
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
