// The manager under a pre-authentication flood (issue 8 item 7): its worst
// event-loop stall and its RSS. The manager runs in this process (as
// bench:stall) so a 1 ms timer sees every stall, fed by the simulator in a
// child process; the flood (lib/preauth-flood) comes from another child.
// Two windows: the cluster alone (the baseline), then the same with the
// flood. Both with the default limits (docs/limits.md).
//
// Run: npm run bench:preauth -- [osds=1000] [windowS=30]

import { cpus, loadavg } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startBenchMgr, type BenchMgr } from './lib/bench-mgr.js';
import { firstLine, libChild, startSim, stopChild, waitForCluster } from './lib/children.js';

const MiB = 1024 * 1024;
const f1 = (x: number): string => x.toFixed(1);
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

interface Window {
  what: string;
  loadBefore: string;
  maxStallMs: number;
  p99DelayMs: number;
  rssMaxMiB: number;
  rssEndMiB: number;
  reportsPerS: number;
  flood?: { connections: number; bytes: number; answers: Record<string, number> };
}

/** One window: gaps of a 1 ms interval timer (stalls), RSS every 100 ms, reports ingested. */
async function measure(m: BenchMgr, what: string, seconds: number, during?: () => Promise<Window['flood']>): Promise<Window> {
  const loadBefore = load();
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  let maxStallMs = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    maxStallMs = Math.max(maxStallMs, now - last);
    last = now;
  }, 1);
  let rssMax = 0;
  const rssTimer = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage.rss())), 100);
  const reports0 = m.mgr.server.stats.reports;
  const t0 = performance.now();
  const flood = during ? await during() : await new Promise<undefined>((r) => setTimeout(() => r(undefined), seconds * 1000));
  const s = (performance.now() - t0) / 1000;
  clearInterval(timer);
  clearInterval(rssTimer);
  h.disable();
  return {
    what, loadBefore, maxStallMs, p99DelayMs: h.percentile(99) / 1e6, rssMaxMiB: rssMax / MiB, rssEndMiB: process.memoryUsage.rss() / MiB,
    reportsPerS: (m.mgr.server.stats.reports - reports0) / s, flood,
  };
}

async function main(): Promise<void> {
  const [osdsText = '1000', windowText = '30'] = process.argv.slice(2);
  const osds = Number(osdsText);
  const windowS = Number(windowText);
  console.error(`bench:preauth: ${osds} OSDs, windows of ${windowS} s; load before: ${load()}`);
  const m = await startBenchMgr({});
  const sim = await startSim(m, osds);
  try {
    await waitForCluster(m, osds, 300_000);
    (globalThis as { gc?: () => void }).gc?.();
    const windows: Window[] = [];
    windows.push(await measure(m, 'cluster alone (baseline)', windowS));
    windows.push(await measure(m, 'cluster + pre-auth flood', windowS, async () => {
      const flood = libChild('preauth-flood.js', [m.daemonAddr, String(windowS)]);
      const line = await firstLine(flood);
      await stopChild(flood);
      return JSON.parse(line) as Window['flood'];
    }));
    const hits = m.mgr.server.limitHits.totals();
    const lines = [
      `### Pre-auth flood (${osds} OSDs reporting every 5 s, windows of ${windowS} s, ${new Date().toISOString().slice(0, 10)})`,
      '',
      '| window | load before | worst stall ms | p99 loop delay ms | RSS max MiB | RSS end MiB | reports/s |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...windows.map((w) => `| ${w.what} | ${w.loadBefore} | **${f1(w.maxStallMs)}** | ${f1(w.p99DelayMs)} | **${f1(w.rssMaxMiB)}** | ${f1(w.rssEndMiB)} | ${f1(w.reportsPerS)} |`),
      '',
    ];
    const f = windows[1]!.flood!;
    lines.push(
      `Flood: ${f.connections} connections (${f1(f.connections / windowS)}/s), ${f1(f.bytes / MiB)} MiB sent; the manager's first answers: ${Object.entries(f.answers).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
      `Limit hits: ${Object.entries(hits).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}. Machine: ${cpus().length} CPUs, load at the end ${load()}.`,
      '',
    );
    const text = lines.join('\n');
    console.log(text);
    const dir = join(dirname(fileURLToPath(import.meta.url)), '../../results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `preauth-${new Date().toISOString().slice(0, 10)}.md`), text);
  } finally {
    await stopChild(sim);
    await m.stop();
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
