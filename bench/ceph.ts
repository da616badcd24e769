// bench:ceph — mgrd watching a real Ceph 16.2 cluster (test/ceph/up.sh: 1 mon,
// 1 mgr, 4 OSDs), side by side with the real ceph-mgr's prometheus module on
// the same cluster, in one run:
//   - the agent (`mgrd agent ceph --cluster-stats`, 5 s period) and its librados
//     helper: CPU and RSS over a window;
//   - one `perf dump` round over all local daemons (admin socket + parse);
//   - /metrics collection without cache (mgrd: cache=false; ceph-mgr:
//     mgr/prometheus/cache false), and the cached answer, and each manager's RSS.
// Usage: npm run bench:ceph [-- --window 120 --scrapes 40 --warmup 50]

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { adminSocketCommand } from '../src/agent/admin-socket.js';
import { discoverDaemons } from '../src/agent/asok-discovery.js';
import { parseSchema, PerfDumpReader, type PerfDumpJson, type PerfSchemaJson } from '../src/agent/perf-schema.js';
import { startCephCluster, type CephCluster } from '../test/ceph/cluster.js';
import { packageRoot } from '../src/common/paths.js';
import { freePort, poll, stopChild } from '../test/helpers/procs.js';
import { measureWithHelper, sampleProc, type WithHelperFigures } from './lib/proc.js';
import { stopChildrenOnSignal } from './lib/reap.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const MGRD_BIN = join(packageRoot(), 'bin/mgrd.js');
const WINDOW_S = arg('window', 120);
const SCRAPES = arg('scrapes', 40);
const WARMUP_SCRAPES = arg('warmup', 50);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const mib = (b: number): string => `${(b / 1048576).toFixed(1)} MiB`;
const pct = (a: number[], p: number): number => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(p * a.length))]!;

type AgentFigures = WithHelperFigures;

/** CPU and highest RSS of the agent and of its librados helper (if it has one) over the window. */
function measureAgent(pid: number): Promise<AgentFigures> {
  console.error(`measuring the agent (pid ${pid}) for ${WINDOW_S} s`);
  return measureWithHelper(pid, WINDOW_S);
}

async function timeScrape(url: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url);
  const body = await res.text();
  if (!res.ok || body.length < 1000) throw new Error(`${url}: HTTP ${res.status}, ${body.length} bytes`);
  return performance.now() - t0;
}

async function scrapeTimes(url: string, n: number, gapMs: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    out.push(await timeScrape(url));
    await sleep(gapMs);
  }
  return out;
}

async function perfDumpRound(c: CephCluster): Promise<{ daemons: number; ms: number[]; cpuMs: number[] }> {
  const daemons = await discoverDaemons([c.asokDir], 'ceph', new Set(['osd', 'mon']));
  const readers = await Promise.all(daemons.map(async (d) => new PerfDumpReader(parseSchema(JSON.parse((await adminSocketCommand(d.path, { prefix: 'perf schema', format: 'json' }, { timeoutMs: 5000 })).toString()) as PerfSchemaJson))));
  const ms: number[] = [];
  const cpuMs: number[] = [];
  for (let i = 0; i < 30; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(daemons.map(async (d, k) => readers[k]!.read(JSON.parse((await adminSocketCommand(d.path, { prefix: 'perf dump', format: 'json' }, { timeoutMs: 5000 })).toString()) as PerfDumpJson)));
    ms.push(performance.now() - t0);
    const cu = process.cpuUsage(c0);
    cpuMs.push((cu.user + cu.system) / 1000);
    await sleep(200);
  }
  return { daemons: daemons.length, ms, cpuMs };
}

async function main(): Promise<void> {
  stopChildrenOnSignal();
  const load0 = loadavg();
  console.error(`load before: ${load0.map((x) => x.toFixed(2)).join(' ')}`);
  const c = await startCephCluster();
  const children: ChildProcess[] = [];
  try {
    const dir = mkdtempSync(join(c.work, 'mgrd-'));
    const daemonAddr = `127.0.0.1:${await freePort()}`;
    const mgrd = spawn(process.execPath, [MGRD_BIN, 'run', '--data-dir', dir, '--daemon-addr', daemonAddr, '--admin-addr', '127.0.0.1:0',
      '--set', 'mgr/prometheus/server_port=0', '--set', 'mgr/prometheus/server_addr=127.0.0.1', '--log-level', 'warn'], { stdio: 'ignore' });
    children.push(mgrd);
    await poll('mgrd.json', 30_000, () => readFileSync(join(dir, 'mgrd.json'), 'utf8'));
    const startAgent = (extra: string[]): ChildProcess => {
      const a = spawn(process.execPath, [MGRD_BIN, 'agent', 'ceph', '--data-dir', dir, '--ceph-name', c.agentName, '--log-level', 'warn', ...extra],
        { stdio: 'ignore', env: { ...process.env, CEPH_CONF: c.conf } });
      children.push(a);
      return a;
    };
    const agent = startAgent(['--cluster-stats']);
    const url = await poll('mgrd prometheus URI', 30_000, () => (JSON.parse(readFileSync(join(dir, 'mgr_map.json'), 'utf8')) as { services: Record<string, string> }).services.prometheus);
    await poll('the cluster in mgrd', 90_000, async () => (await (await fetch(`${url}metrics`)).text()).includes('ceph_pg_active{pool_id="4"}'), 1000);
    console.error('warming up 20 s');
    await sleep(20_000);
    const withSource = await measureAgent(agent.pid!);
    const round = await perfDumpRound(c);

    // /metrics: cached as deployed, then uncached on both managers.
    const realUrl = `http://127.0.0.1:${c.promPort}/metrics`;
    const mgrdCached = await scrapeTimes(`${url}metrics`, SCRAPES, 100);
    const realCached = await scrapeTimes(realUrl, SCRAPES, 100);
    // Ceph 16's module reads `cache` once, when it starts (serve()): set at run time it is only
    // taken by a restart of the module. mgrd takes it at once.
    await c.cli('ceph', 'config', 'set', 'mgr', 'mgr/prometheus/cache', 'false');
    await c.cli('ceph', 'mgr', 'module', 'disable', 'prometheus');
    await c.cli('ceph', 'mgr', 'module', 'enable', 'prometheus');
    await poll('the real prometheus module to collect per scrape', 60_000, () => readFileSync(join(c.work, 'log', 'mgr.x.log'), 'utf8').includes('Cache disabled'), 500);
    const run = (words: string[]): Promise<unknown> => new Promise((res, rej) => spawn(process.execPath, [MGRD_BIN, 'tell', '--data-dir', dir, 'mgr', ...words], { stdio: 'ignore' }).on('exit', (code) => (code === 0 ? res(undefined) : rej(new Error(`tell ${words.join(' ')}: ${code}`)))));
    await run(['config', 'set', 'mgr', 'mgr/prometheus/cache', 'false']);
    // Warm-up: a cached exporter collects every scrape_interval only, so mgrd's collection code
    // is still cold (not yet optimised by V8); Python's first collections fill its caches.
    await poll('both /metrics to answer uncached', 60_000, async () => (await timeScrape(realUrl)) > 0, 500);
    for (let i = 0; i < WARMUP_SCRAPES; i++) await Promise.all([timeScrape(`${url}metrics`), timeScrape(realUrl)]);
    const mgrdUncached = await scrapeTimes(`${url}metrics`, SCRAPES, 250);
    const realUncached = await scrapeTimes(realUrl, SCRAPES, 250);
    const mgrdRss = sampleProc(mgrd.pid!).rssBytes;
    const realRss = sampleProc(c.pid('mgr.x')).rssBytes;

    // The per-host agent: daemons only (its helper fetched the metadata, then stopped when idle).
    await stopChild(agent);
    const perHost = await (async () => {
      const a = startAgent([]);
      await sleep(45_000);
      return measureAgent(a.pid!);
    })();
    const load1 = loadavg();

    const row = (what: string, f: AgentFigures): string[] => [
      `| ${what}: mgrd agent ceph (node) | ${f.agentCpuPct.toFixed(2)} % | ${mib(f.agentRss)} |`,
      `| ${what}: its librados helper (python3) | ${f.helperRss ? `${f.helperCpuPct.toFixed(2)} %` : '(stopped when idle)'} | ${f.helperRss ? mib(f.helperRss) : '-'} |`,
      `| ${what}: both | ${(f.agentCpuPct + f.helperCpuPct).toFixed(2)} % | ${mib(f.agentRss + f.helperRss)} |`,
    ];
    const lines = [
      `bench:ceph ${new Date().toISOString()} — load before ${load0.map((x) => x.toFixed(2)).join(' ')}, after ${load1.map((x) => x.toFixed(2)).join(' ')}`,
      '',
      `| agent, 4 OSDs + 1 mon, 5 s period, ${WINDOW_S} s window | CPU (of one core) | RSS (max in window) |`,
      '| --- | --- | --- |',
      ...row('--cluster-stats', withSource),
      ...row('daemons only', perHost),
      '',
      `One perf dump round over ${round.daemons} daemons (admin socket + parse, concurrent): wall p50 ${pct(round.ms, 0.5).toFixed(1)} ms, p90 ${pct(round.ms, 0.9).toFixed(1)} ms; CPU p50 ${pct(round.cpuMs, 0.5).toFixed(1)} ms`,
      '',
      `| /metrics (${SCRAPES} scrapes each, after ${WARMUP_SCRAPES} uncached to warm up) | uncached p50 | uncached p90 | cached p50 | RSS |`,
      '| --- | --- | --- | --- | --- |',
      `| mgrd (prometheus module, cache=false) | ${pct(mgrdUncached, 0.5).toFixed(1)} ms | ${pct(mgrdUncached, 0.9).toFixed(1)} ms | ${pct(mgrdCached, 0.5).toFixed(1)} ms | ${mib(mgrdRss)} |`,
      `| ceph-mgr 16.2.15 (prometheus module, cache false, module restarted) | ${pct(realUncached, 0.5).toFixed(1)} ms | ${pct(realUncached, 0.9).toFixed(1)} ms | ${pct(realCached, 0.5).toFixed(1)} ms | ${mib(realRss)} |`,
    ];
    const text = lines.join('\n') + '\n';
    process.stdout.write(text);
    writeFileSync(join(packageRoot(), 'bench', 'results', `ceph-${new Date().toISOString().slice(0, 10)}.md`), text);
  } finally {
    for (const ch of children.reverse()) await stopChild(ch);
    await c.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
