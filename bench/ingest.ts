// npm run bench:ingest — the simulator in its own process reports to one mgrd
// over loopback; we measure counter values ingested per second, mgrd CPU, RSS
// and per-report processing latency. Both processes are the real CLI (dist/).
//
//   node bench/out/bench/ingest.js [case ...] [--window S] [--warmup S]
//   cases: a-5s a-fast b-5s b-fast a-prom t0-prom (default: the first four)

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MgrClient } from '../src/client/mgr-client.js';
import { Keyring } from '../src/protocol/keyring.js';
import { sampleProc } from './lib/proc.js';
import { BENCH_OBJECTSTORE } from './lib/bench-objectstore.js';
import { stopChildrenOnSignal } from './lib/reap.js';

interface Case {
  name: string;
  osds: number;
  threshold: number;
  periodS: number;
  what: string;
  /** The prometheus module stays on and is scraped through the window (issue 17 item 5: RSS with the cached bodies). */
  prometheus?: boolean;
}

const CASES: Case[] = [
  { name: 'a-5s', osds: 10_000, threshold: 5, periodS: 5, what: '(a) 10,000 OSDs, default threshold 5, Ceph period 5 s' },
  { name: 'a-fast', osds: 10_000, threshold: 5, periodS: 0.25, what: '(a) 10,000 OSDs, threshold 5, period 0.25 s (throughput)' },
  { name: 'b-5s', osds: 1_000, threshold: 0, periodS: 5, what: '(b) 1,000 OSDs, threshold 0 (all 414 counters), period 5 s' },
  { name: 'b-fast', osds: 1_000, threshold: 0, periodS: 0.25, what: '(b) 1,000 OSDs, threshold 0, period 0.25 s (throughput)' },
  { name: 'a-prom', osds: 10_000, threshold: 5, periodS: 5, prometheus: true, what: '(a) with the prometheus module on, scraped (text, OpenMetrics, gzip of each) every 2 s' },
  { name: 't0-prom', osds: 10_000, threshold: 0, periodS: 5, prometheus: true, what: '10,000 OSDs, threshold 0 (every counter), prometheus on and scraped every 2 s' },
];
const SCRAPES: ReadonlyArray<{ accept: string; gzip: boolean }> = [
  { accept: 'application/openmetrics-text; version=1.0.0', gzip: true },
  { accept: 'text/plain', gzip: false },
  { accept: 'text/plain', gzip: true },
  { accept: 'application/openmetrics-text; version=1.0.0', gzip: false },
];

const ROOT = new URL('../../../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/mgrd.js');
/** The node flags mgrd ships with (the shebang of bin/mgrd.js): the benchmark runs mgrd as `mgrd run` does. */
const NODE_FLAGS = /^#!.*\bnode\b(.*)$/m.exec(readFileSync(BIN, 'utf8').split('\n', 1)[0]!)?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function start(args: string[], label: string): ChildProcess {
  const child = spawn(process.execPath, [...NODE_FLAGS, BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr.on('data', (d: Buffer) => {
    const text = d.toString();
    if (/error|Error/.test(text)) process.stderr.write(`[${label}] ${text}`);
  });
  return child;
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const done = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await done;
  clearTimeout(t);
  return code;
}

interface Stats {
  sessions: number;
  reports: number;
  valuesIngested: number;
  bytesIngested: number;
  reportTimeSumMs: number;
  reportTimeMaxMs: number;
  reportTimeP50Ms: number;
  reportTimeP99Ms: number;
  daemons: number;
  reportTimeBuckets: { bounds_us: number[]; counts: number[] };
  memory: { rss: number; heap_used: number; heap_total: number; external: number; array_buffers: number };
}

/** Quantile (ms, bucket upper bound) of the reports processed between two snapshots. */
function windowQuantile(a: Stats, b: Stats, q: number): number {
  const counts = b.reportTimeBuckets.counts.map((c, i) => c - (a.reportTimeBuckets.counts[i] ?? 0));
  const total = counts.reduce((x, y) => x + y, 0);
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i]!;
    if (seen >= q * total) return i < b.reportTimeBuckets.bounds_us.length ? b.reportTimeBuckets.bounds_us[i]! / 1000 : b.reportTimeMaxMs;
  }
  return b.reportTimeMaxMs;
}

async function runCase(c: Case, windowS: number, warmupS: number): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'mgrd-bench-'));
  const port = await freePort();
  const addr = `127.0.0.1:${port}`;
  const promPort = await freePort();
  const mgrd = start(['run', '--data-dir', dir, '--daemon-addr', addr, '--admin-addr', '127.0.0.1:0', '--id', 'bench',
    '--set', `mgr_stats_period=${c.periodS}`, '--set', `mgr_stats_threshold=${c.threshold}`,
    '--set', 'mgr/prometheus/server_addr=127.0.0.1', '--set', `mgr/prometheus/server_port=${promPort}`, '--log-level', 'warn'], 'mgrd');
  try {
    for (let i = 0; i < 200 && !existsSync(join(dir, 'mgrd.json')); i++) await sleep(100);
    if (!existsSync(join(dir, 'mgrd.json'))) throw new Error('mgrd did not start');
    const ring = Keyring.load(join(dir, 'keyring'));
    const admin = new MgrClient({ addrs: [addr], entity: 'client.admin', secret: ring.lookup('client.admin')!.key, maxAttempts: 5 });
    admin.start();
    await admin.waitReady();
    // Only ingest is measured: no module runs (but prometheus, in the cases that measure it).
    for (const m of c.prometheus === true ? ['hello'] : ['prometheus', 'hello']) await admin.command({ argv: ['mgr', 'module', 'disable', m] });
    const stat = async (): Promise<Stats> => JSON.parse((await admin.command({ argv: ['mgr', 'ingest', 'stat', '--format', 'json'] })).outb) as Stats;

    // PG stats stay at Ceph's 5 s period when the counter period is shortened for throughput.
    const sim = start(['sim', '--mgr', addr, '--keyring', join(dir, 'keyring'), '--osds', String(c.osds), '--objectstore', BENCH_OBJECTSTORE, '--pg-stats-interval', String(Math.max(5, c.periodS)), '--log-level', 'warn'], 'sim');
    try {
      const want = c.osds + 1;
      const t0 = Date.now();
      for (;;) {
        const s = await stat();
        if (s.sessions >= want) break;
        if (Date.now() - t0 > 180_000) throw new Error(`only ${s.sessions} of ${want} sessions after 180 s`);
        await sleep(500);
      }
      const connectS = (Date.now() - t0) / 1000;
      await sleep(warmupS * 1000);
      const s0 = await stat();
      const m0 = sampleProc(mgrd.pid!);
      const x0 = sampleProc(sim.pid!);
      const w0 = Date.now();
      let rssMax = m0.rssBytes;
      const scraped = { n: 0, failed: 0, bodyBytes: 0 };
      let k = 0;
      while (Date.now() - w0 < windowS * 1000) {
        await sleep(1000);
        rssMax = Math.max(rssMax, sampleProc(mgrd.pid!).rssBytes);
        if (c.prometheus === true && k++ % 2 === 0) {
          const sc = SCRAPES[(k >> 1) % SCRAPES.length]!;
          try {
            const res = await fetch(`http://127.0.0.1:${promPort}/metrics`, { headers: { accept: sc.accept, 'accept-encoding': sc.gzip ? 'gzip' : 'identity' } });
            const body = await res.arrayBuffer();
            if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
            scraped.n++;
            scraped.bodyBytes = Math.max(scraped.bodyBytes, body.byteLength);
          } catch (err) {
            scraped.failed++;
            process.stderr.write(`scrape failed: ${(err as Error).message}\n`);
          }
          rssMax = Math.max(rssMax, sampleProc(mgrd.pid!).rssBytes);
        }
      }
      const s1 = await stat();
      const m1 = sampleProc(mgrd.pid!);
      const x1 = sampleProc(sim.pid!);
      const dt = (Date.now() - w0) / 1000;
      const reports = s1.reports - s0.reports;
      const values = s1.valuesIngested - s0.valuesIngested;
      const result = {
        case: c.name,
        what: c.what,
        osds: c.osds,
        threshold: c.threshold,
        period_s: c.periodS,
        sessions: s1.sessions,
        connect_s: Number(connectS.toFixed(1)),
        window_s: Number(dt.toFixed(1)),
        values_per_report: Math.round(values / Math.max(1, reports)),
        offered_values_per_s: Math.round(((values / Math.max(1, reports)) * c.osds) / c.periodS),
        values_per_s: Math.round(values / dt),
        reports_per_s: Math.round(reports / dt),
        mb_per_s: Number(((s1.bytesIngested - s0.bytesIngested) / dt / 1e6).toFixed(1)),
        mgrd_cpu_pct: Number((((m1.cpuS - m0.cpuS) / dt) * 100).toFixed(1)),
        sim_cpu_pct: Number((((x1.cpuS - x0.cpuS) / dt) * 100).toFixed(1)),
        mgrd_rss_mib: Number((rssMax / 2 ** 20).toFixed(0)),
        mgrd_rss_peak_mib: Number((m1.hwmBytes / 2 ** 20).toFixed(0)),
        report_ms_mean: Number(((s1.reportTimeSumMs - s0.reportTimeSumMs) / Math.max(1, reports)).toFixed(4)),
        report_ms_p50: windowQuantile(s0, s1, 0.5),
        report_ms_p99: windowQuantile(s0, s1, 0.99),
        heap_used_mib: Math.round(s1.memory.heap_used / 2 ** 20),
        array_buffers_mib: Math.round(s1.memory.array_buffers / 2 ** 20),
        report_ms_max: Number(s1.reportTimeMaxMs.toFixed(2)),
        scrapes: c.prometheus === true ? `${scraped.n} ok, ${scraped.failed} failed, body ≤ ${(scraped.bodyBytes / 2 ** 20).toFixed(1)} MiB` : '-',
        load: loadavg().map((x) => x.toFixed(2)).join(' '),
      };
      await admin.stop();
      return result;
    } finally {
      await stop(sim);
    }
  } finally {
    const code = await stop(mgrd);
    if (code !== 0) process.stderr.write(`mgrd exited with ${code}\n`);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  stopChildrenOnSignal();
  const args = process.argv.slice(2);
  const opt = (name: string, dflt: number): number => {
    const i = args.indexOf(name);
    if (i < 0) return dflt;
    const v = Number(args[i + 1]);
    args.splice(i, 2);
    return v;
  };
  const windowS = opt('--window', 30);
  const warmupS = opt('--warmup', 10);
  const picked = args.length ? CASES.filter((c) => args.includes(c.name)) : CASES.filter((c) => c.prometheus !== true);
  const results: Array<Record<string, unknown>> = [];
  for (const c of picked) {
    process.stderr.write(`running ${c.what} ...\n`);
    const r = await runCase(c, windowS, warmupS);
    process.stderr.write(JSON.stringify(r) + '\n');
    results.push(r);
  }
  const cols = ['case', 'sessions', 'values_per_report', 'offered_values_per_s', 'values_per_s', 'reports_per_s', 'mb_per_s', 'mgrd_cpu_pct', 'sim_cpu_pct', 'mgrd_rss_mib', 'mgrd_rss_peak_mib', 'heap_used_mib', 'array_buffers_mib', 'report_ms_mean', 'report_ms_p50', 'report_ms_p99', 'report_ms_max', 'scrapes', 'load'];
  const lines = [`| ${cols.join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`, ...results.map((r) => `| ${cols.map((k) => String(r[k])).join(' | ')} |`)];
  process.stdout.write(lines.join('\n') + '\n');
  mkdirSync(join(ROOT, 'bench/out'), { recursive: true });
  const file = join(ROOT, 'bench/out', `ingest-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ node: process.version, results }, null, 1));
  process.stderr.write(`results written to ${file}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:ingest failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
