// Restful API benchmark (issue 14): GET /osd and GET /perf of a manager whose
// simulated cluster has N OSDs (10,000 by default), over real HTTPS from a
// client in its own process. Per path: latency p50/p99 and body size, and the
// manager's longest event-loop stall while it answered (monitorEventLoopDelay,
// 10 ms resolution, in the manager's process). The fair baseline, in its own
// process: a bare Node HTTPS server answering JSON.stringify of the same
// objects (parsed once), i.e. serialising and sending alone.
//
// Run: npm run bench:restful   (or, by hand:)
//   npx tsc -p tsconfig.json --outDir bench/out && node bench/out/bench/restful.js [osds=10000] [runs=20]

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { CommandCaller } from '../src/server/daemon-server.js';
import { startBenchMgr, type BenchMgr } from './lib/bench-mgr.js';
import { firstLine, libChild, startSim, stopChild, waitForCluster } from './lib/children.js';

const ADMIN: CommandCaller = { entity: 'client.admin', read: true, write: true };
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');
const f1 = (x: number): string => x.toFixed(1);
const mib = (b: number): string => `${(b / 1024 / 1024).toFixed(1)} MiB`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
}

async function command(m: BenchMgr, argv: string[]): Promise<string> {
  const r = await m.mgr.runCommand(ADMIN, { argv });
  if (r.r !== 0) throw new Error(`${argv.join(' ')}: ${r.outs}`);
  return r.outb;
}

interface Run {
  ms: number[];
  bytes: number;
  stallMs: number;
}

/** `n` GETs of `path` from the client process, with the manager's loop delay watched meanwhile. */
async function measure(base: string, path: string, n: number, auth: string, ca: string): Promise<Run> {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  try {
    const r = JSON.parse(await firstLine(libChild('scrape-client.js', [new URL(path, base).href, String(n), 'plain', 'text', auth, ca]))) as { ms: number[]; bytes: number };
    return { ...r, stallMs: h.max / 1e6 };
  } finally {
    h.disable();
  }
}

async function main(): Promise<void> {
  const osds = Number(process.argv[2] ?? 10_000);
  const runs = Number(process.argv[3] ?? 20);
  const loadBefore = load();
  console.error(`bench:restful: ${osds} OSDs, ${runs} GETs a path; load before: ${loadBefore}`);
  const m = await startBenchMgr({
    set: { mgr_stats_period: 5, mgr_tick_period: 2 },
    modules: ['restful'],
    modulePaths: ['exporters', 'modules'],
    moduleOptions: { restful: { server_addr: '127.0.0.1', server_port: '0' } },
  });
  const sim = await startSim(m, osds);
  let baseline: ReturnType<typeof libChild> | undefined;
  try {
    await command(m, ['restful', 'create-self-signed-cert']);
    const key = await command(m, ['restful', 'create-key', 'bench']);
    const auth = `bench:${key}`;
    const base = await (async () => {
      for (let i = 0; i < 300; i++) {
        const s = JSON.parse(await command(m, ['mgr', 'services', '--format', 'json'])) as Record<string, string>;
        if (s.restful !== undefined) return s.restful;
        await sleep(100);
      }
      throw new Error('restful did not publish its URI');
    })();
    const crt = await command(m, ['config-key', 'get', 'mgr/restful/crt']);
    const keyPem = await command(m, ['config-key', 'get', 'mgr/restful/key']);
    const ca = join(m.dir, 'restful.crt');
    writeFileSync(ca, crt);
    writeFileSync(join(m.dir, 'restful.key'), keyPem);
    await waitForCluster(m, osds, 15 * 60_000);

    const paths = ['/osd', '/perf?daemon=osd%5C.1%24', '/perf'];
    const rows: string[] = [];
    const bodies: string[] = [];
    for (const path of paths) {
      // /perf answers every daemon's counters: tens of MiB at 10,000 OSDs, so fewer runs.
      const n = path === '/perf' ? Math.max(3, Math.ceil(runs / 4)) : runs;
      await measure(base, path, 2, auth, ca); // warm up
      const loadAt = load();
      const r = await measure(base, path, n, auth, ca);
      console.error(`  mgrd ${path}: p50 ${f1(quantile(r.ms, 0.5))} ms, p99 ${f1(quantile(r.ms, 0.99))} ms, ${mib(r.bytes)}, stall ${f1(r.stallMs)} ms`);
      rows.push(`| mgrd restful | \`GET ${decodeURIComponent(path)}\` | ${n} | ${f1(quantile(r.ms, 0.5))} | ${f1(quantile(r.ms, 0.99))} | ${mib(r.bytes)} | ${f1(r.stallMs)} | ${loadAt} |`);
      if (path !== '/perf?daemon=osd%5C.1%24') {
        const file = join(m.dir, `body${bodies.length}.json`);
        const res = await fetchBody(base, path, auth, ca);
        writeFileSync(file, res);
        bodies.push(`${path}=${file}`);
      }
    }
    baseline = libChild('json-baseline.js', [ca, join(m.dir, 'restful.key'), auth, ...bodies]);
    const port = (await firstLine(baseline)).split(' ')[1];
    for (const spec of bodies) {
      const path = spec.slice(0, spec.indexOf('='));
      const n = path === '/perf' ? Math.max(3, Math.ceil(runs / 4)) : runs;
      const url = `https://127.0.0.1:${port}/`;
      await measure(url, path, 2, auth, ca);
      const loadAt = load();
      const r = await measure(url, path, n, auth, ca);
      console.error(`  baseline ${path}: p50 ${f1(quantile(r.ms, 0.5))} ms, p99 ${f1(quantile(r.ms, 0.99))} ms, ${mib(r.bytes)}`);
      rows.push(`| baseline: JSON.stringify + https, own process | \`GET ${path}\` | ${n} | ${f1(quantile(r.ms, 0.5))} | ${f1(quantile(r.ms, 0.99))} | ${mib(r.bytes)} | (other process) | ${loadAt} |`);
    }
    const text = [
      `### ${osds} OSDs (${new Date().toISOString().slice(0, 10)})`,
      '',
      '| server | request | GETs | p50 ms | p99 ms | body | manager worst stall ms | load (1/5/15 min) |',
      '|---|---|---:|---:|---:|---:|---:|---|',
      ...rows,
      '',
      `Machine: ${cpus().length} CPUs; load before ${loadBefore}, at the end ${load()}.`,
      '',
    ].join('\n');
    console.log(text);
    const dir = join(dirname(fileURLToPath(import.meta.url)), '../../results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `restful-${new Date().toISOString().slice(0, 10)}.md`), text);
  } finally {
    if (baseline) await stopChild(baseline);
    await stopChild(sim);
    await m.stop();
  }
}

/** One body, for the baseline (fetched in this process: the manager is idle meanwhile). */
function fetchBody(base: string, path: string, auth: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { ca: readFileSync(ca, 'utf8'), headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
