// bench:embedded (issue 17 item 4): `mgrd run --sim --sim-osds N` as an
// operator starts it, the real CLI in its own process, the simulator embedded
// (its daemons on in-process links). Until every OSD reports: how long, and
// the process's descriptors. Then over a window: RSS, CPU, `mgrd tell` round
// trips (the CLI, a new TCP session each) and cached /metrics scrapes. Before
// the links, 10,000 OSDs took the 20,000 descriptors of `ulimit -n` and the
// last daemons never registered. At 20,000 OSDs the one event loop starves
// the prometheus collections (each longer than scrape_interval: /metrics
// answers 503 with the reason, printed below; bench/RESULTS.md, session 10).
//
// Run: npm run bench:embedded -- [osds=20000] [windowS=60]

import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { MGRD_BIN, startMgrd } from '../test/helpers/procs.js';
import { libChild, firstLine } from './lib/children.js';
import { sampleProc } from './lib/proc.js';
import { BENCH_OBJECTSTORE } from './lib/bench-objectstore.js';

const run = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const f1 = (x: number): string => x.toFixed(1);
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
const mib = (b: number): string => (b / 2 ** 20).toFixed(0);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

async function main(): Promise<void> {
  const osds = Number(process.argv[2] ?? 20_000);
  const windowS = Number(process.argv[3] ?? 60);
  const out = (s: string): void => console.log(s);
  out(`bench:embedded ${osds} ${BENCH_OBJECTSTORE} OSDs (${new Date().toISOString()}, Node ${process.version}, ${cpus().length} CPUs); load before: ${load()}`);
  const t0 = performance.now();
  const m = await startMgrd({ args: ['--sim', '--sim-osds', String(osds), '--sim-objectstore', BENCH_OBJECTSTORE, '--log-level', 'warn'], set: { 'mgr/prometheus/scrape_interval': 15 }, timeoutMs: 600_000 });
  const pid = m.child.pid!;
  try {
    // A busy manager may drop an idle keep-alive connection as it is reused (ECONNRESET): ask again.
    const perfCount = async (): Promise<number> => {
      try {
        const r = await m.command({ prefix: 'osd perf', format: 'json' });
        return r.retval === 0 ? (JSON.parse(r.outb) as { osdstats: { osd_perf_infos: unknown[] } }).osdstats.osd_perf_infos.length : 0;
      } catch (err) {
        console.error(`  osd perf: ${(err as Error).message} (asking again)`);
        return -1;
      }
    };
    let n = 0;
    let last = -1;
    while ((n = await perfCount()) < osds) {
      if (n !== last && n >= 0) console.error(`  ${n}/${osds} OSDs reporting PG stats after ${f1((performance.now() - t0) / 1000)} s`);
      last = n;
      if (performance.now() - t0 > 30 * 60_000) throw new Error(`only ${n} of ${osds} OSDs after 30 min`);
      await sleep(2000);
    }
    const ingest = JSON.parse((await m.command({ prefix: 'mgr ingest stat', format: 'json' })).outb) as { sessions: number; daemons: number };
    out(`every OSD reporting ${f1((performance.now() - t0) / 1000)} s after start; ${ingest.daemons} daemons, ${ingest.sessions} sessions; ` +
      `the process holds ${readdirSync(`/proc/${pid}/fd`).length} descriptors; load ${load()}`);

    await sleep(10_000); // settle: the first scrape builds, the first health scan runs
    const s0 = sampleProc(pid);
    const w0 = performance.now();
    const tell: number[] = [];
    let tellFailed = 0;
    const end = w0 + windowS * 1000;
    while (performance.now() < end) {
      const t = performance.now();
      try {
        await run(process.execPath, [MGRD_BIN, 'tell', '--data-dir', m.dataDir, 'mgr', 'status'], { timeout: 60_000 });
        tell.push(performance.now() - t);
      } catch {
        tellFailed++;
      }
      await sleep(1000);
    }
    const s1 = sampleProc(pid);
    const cpu = (s1.cpuS - s0.cpuS) / ((performance.now() - w0) / 1000);
    out(`over ${windowS} s: CPU ${f1(cpu * 100)} % of a core (simulator and manager), RSS ${mib(s1.rssBytes)} MiB (peak ${mib(s1.hwmBytes)} MiB); load ${load()}`);
    out(`mgrd tell mgr status (CLI process, TCP session): ${tell.length} answered, ${tellFailed} failed; p50 ${f1(pct(tell, 50))} ms, max ${f1(Math.max(...tell))} ms`);
    if (m.prometheusUrl) {
      // One GET first: a refusal (503: no body yet, a failed or a stale collection) is printed with the exporter's reason.
      const first = await fetch(`${m.prometheusUrl}metrics`, { signal: AbortSignal.timeout(120_000) });
      const text = await first.text();
      if (first.status !== 200) throw new Error(`/metrics: HTTP ${first.status}: ${text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 400)}`);
      const child = libChild('scrape-client.js', [`${m.prometheusUrl}metrics`, '20', 'plain']);
      const r = JSON.parse(await firstLine(child)) as { ms: number[]; bytes: number };
      out(`/metrics (cached, 20 sequential GETs from another process): p50 ${f1(pct(r.ms, 50))} ms, p99 ${f1(pct(r.ms, 99))} ms, ${(r.bytes / 1e6).toFixed(1)} MB; load ${load()}`);
    }
  } finally {
    await m.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
