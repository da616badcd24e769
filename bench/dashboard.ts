// The dashboard's performance figures (issue 15): time to first meaningful
// paint of the overview in a real Chromium on loopback, the manager's CPU with
// 0, 1 and N open dashboards at 10,000 OSDs, and the bundle size.
//
// The manager is a real `mgrd run` (its own process, measured from /proc) fed
// by `mgrd sim` in another process; the baseline is the same process with the dashboard on and no page
// open, so the figures show what pages cost. An open page is what a browser on
// the OSD view holds: two event streams (overview on the page, osds in the
// OSD table's worker), read to the end by this process. Chromium is closed
// before the CPU windows so it does not compete for the cores.
//
// Run: npm run bench:dashboard -- [osds=10000] [pages=20] [windowS=30]

import type { ClientRequest, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { launchChromium, startDashboardMgrd, type DashboardMgrd } from '../test/helpers/browser.js';
import { MGRD_BIN, poll, ROOT, spawnLogged, stopChild } from '../test/helpers/procs.js';
import { sampleProc } from './lib/proc.js';
import { BENCH_OBJECTSTORE } from './lib/bench-objectstore.js';
import { stopChildrenOnSignal } from './lib/reap.js';

const USER = ['bench', 'bench-password-1'] as const;
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');
const f1 = (x: number): string => x.toFixed(1);

function request(url: URL, method: string, path: string, headers: Record<string, string>, body?: string): ClientRequest {
  return httpsRequest({ host: url.hostname, port: Number(url.port), method, path, headers, agent: false, rejectUnauthorized: false }).end(body);
}

const answer = (req: ClientRequest): Promise<{ res: IncomingMessage; body: string }> => new Promise((resolve, reject) => {
  req.on('error', reject);
  req.on('response', (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => (body += c));
    res.on('end', () => resolve({ res, body }));
  });
});

async function login(url: URL): Promise<string> {
  const { res } = await answer(request(url, 'POST', '/api/auth', { 'content-type': 'application/json' }, JSON.stringify({ username: USER[0], password: USER[1] })));
  if (res.statusCode !== 201) throw new Error(`login: ${res.statusCode}`);
  return String(res.headers['set-cookie']?.[0]).split(';')[0]!;
}

/** Time from navigation to the first frame showing the overview's health and OSD count, over `runs` fresh pages. */
async function firstPaint(d: DashboardMgrd, osds: number, runs: number): Promise<{ ms: number[]; fcp: number[] }> {
  const browser = await launchChromium();
  try {
    // bypassCSP: waitForFunction evaluates its string predicate with eval, which the page's CSP (script-src 'self') refuses.
    const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 }, bypassCSP: true });
    const r = await ctx.request.post(`${d.url}api/auth`, { data: { username: USER[0], password: USER[1] }, timeout: 120_000 });
    if (r.status() !== 201) throw new Error(`login: ${r.status()}`);
    const ms: number[] = [];
    const fcp: number[] = [];
    for (let i = 0; i < runs; i++) {
      const page = await ctx.newPage();
      await page.goto(`${d.url}#/overview`, { waitUntil: 'commit', timeout: 60_000 });
      const painted = await page.waitForFunction(`(() => {
        const n = document.querySelector('[data-testid=osd-count]');
        const h = document.querySelector('[data-testid=health-status]');
        return n && h && n.textContent === '${osds} total' ? performance.now() : 0;
      })()`, undefined, { polling: 'raf', timeout: 120_000 });
      ms.push(Number(await painted.jsonValue()));
      fcp.push(await page.evaluate<number>('performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? -1'));
      await page.close();
    }
    return { ms, fcp };
  } finally {
    await browser.close();
  }
}

interface Stream { req: ClientRequest; bytes: number; events: number }

function openPage(url: URL, cookie: string): Stream[] {
  return ['overview', 'osds'].map((topic) => {
    const s: Stream = { req: request(url, 'GET', `/api/live?topics=${topic}`, { cookie }), bytes: 0, events: 0 };
    s.req.on('error', () => undefined);
    s.req.on('response', (res) => res.on('data', (c: Buffer) => {
      s.bytes += c.length;
      for (let i = c.indexOf('\nevent: '); i >= 0; i = c.indexOf('\nevent: ', i + 1)) s.events++;
      if (c.subarray(0, 7).toString() === 'event: ') s.events++;
    }));
    return s;
  });
}

interface CpuWindow { pages: number; loadBefore: string; cpuPct: number; mibPerPageS: number; eventsPerPageS: number }

async function cpuWindow(d: DashboardMgrd, url: URL, cookie: string, pages: number, seconds: number): Promise<CpuWindow> {
  const streams = Array.from({ length: pages }, () => openPage(url, cookie)).flat();
  // Let them connect and get their first state before measuring.
  await poll(`${pages} pages to get their first update`, 120_000, () => streams.every((s) => s.events > 0), 200);
  const loadBefore = load();
  const b0 = streams.reduce((a, s) => a + s.bytes, 0);
  const e0 = streams.reduce((a, s) => a + s.events, 0);
  const p0 = sampleProc(d.mgrd.child.pid!).cpuS;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpuS = sampleProc(d.mgrd.child.pid!).cpuS - p0;
  const s = (performance.now() - t0) / 1000;
  const bytes = streams.reduce((a, x) => a + x.bytes, 0) - b0;
  const events = streams.reduce((a, x) => a + x.events, 0) - e0;
  for (const x of streams) x.req.destroy();
  return { pages, loadBefore, cpuPct: (cpuS / s) * 100, mibPerPageS: pages ? bytes / pages / s / 1024 / 1024 : 0, eventsPerPageS: pages ? events / pages / s : 0 };
}

function bundle(): { files: string[]; gzTotal: number } {
  const dir = join(ROOT, 'dist/modules/dashboard/static');
  let gzTotal = 0;
  const files = ['app.js', 'app.css', 'osd-worker.js', 'index.html', 'favicon.svg'].map((f) => {
    const raw = readFileSync(join(dir, f));
    const gz = gzipSync(raw, { level: 9 }).length;
    gzTotal += gz;
    return `${f} ${f1(statSync(join(dir, f)).size / 1024)} KB (${f1(gz / 1024)} KB gzipped)`;
  });
  return { files, gzTotal };
}

async function main(): Promise<void> {
  stopChildrenOnSignal();
  const [osdsText = '10000', pagesText = '20', windowText = '30'] = process.argv.slice(2);
  const osds = Number(osdsText);
  const pages = Number(pagesText);
  const windowS = Number(windowText);
  const loadStart = load();
  console.error(`bench:dashboard: ${osds} OSDs, ${pages} pages, windows of ${windowS} s; load before: ${loadStart}`);
  const b = bundle();
  // The simulated daemons in their own process (`mgrd sim`), so mgrd's CPU below is the manager's alone; with
  // `mgrd run --sim` at 10,000 OSDs one event loop carries both, and on a loaded machine its start-up does not finish.
  const d = await startDashboardMgrd({ args: ['--log-level', 'warn'], users: [[...USER, 'read-only']], timeoutMs: 300_000 });
  // The prometheus module off: at 10,000 OSDs its background collection (~20 s of work every 15 s under load) would
  // swamp what the pages cost; the CPU windows measure the dashboard.
  const off = await d.mgrd.command({ prefix: 'mgr module disable', module: 'prometheus' });
  if (off.retval !== 0) throw new Error(`mgr module disable prometheus: ${off.outs}`);
  const sim = spawnLogged(process.execPath, [MGRD_BIN, 'sim', '--mgr', d.mgrd.daemonAddr, '--keyring', join(d.mgrd.dataDir, 'keyring'), '--osds', String(osds), '--objectstore', BENCH_OBJECTSTORE, '--log-level', 'warn'], `${d.mgrd.dataDir}-sim.log`);
  try {
    const url = new URL(d.url);
    const cookie = await login(url);
    await poll(`the overview to show ${osds} OSDs`, 300_000, async () => {
      const { res, body } = await answer(request(url, 'GET', '/api/summary/overview', { cookie }));
      return res.statusCode === 200 && (JSON.parse(body) as { osds: { total: number } }).osds.total === osds;
    }, 1000);
    // Every daemon's session in and reporting: the windows then measure pages, not the cluster's start-up.
    await poll(`the ${osds} OSDs' sessions (sim log: ${d.mgrd.dataDir}-sim.log)`, 1_800_000, async () => {
      const r = await d.mgrd.command({ prefix: 'mgr ingest stat', format: 'json' });
      return (JSON.parse(r.outb || '{}') as { daemons?: number }).daemons! >= osds;
    }, 5000);
    const loadPaint = load();
    const paint = await firstPaint(d, osds, 5);
    const windows: CpuWindow[] = [];
    for (const n of [0, 1, pages]) windows.push(await cpuWindow(d, url, cookie, n, windowS));
    const sorted = [...paint.ms].sort((x, y) => x - y);
    const [w0, w1, wn] = windows as [CpuWindow, CpuWindow, CpuWindow];
    const perPage1 = w1.cpuPct - w0.cpuPct;
    const perPageN = (wn.cpuPct - w0.cpuPct) / pages;
    const lines = [
      `### Dashboard (${osds} OSDs, ${new Date().toISOString().slice(0, 10)}; ${cpus().length} CPUs; load at start ${loadStart})`,
      '',
      `First meaningful paint of the overview (navigation to the frame showing health and the OSD count; HTTPS on loopback, logged in; load ${loadPaint}): ` +
        `median **${f1(sorted[Math.floor(sorted.length / 2)]!)} ms**, runs ${paint.ms.map((x) => f1(x)).join(', ')} ms (first contentful paint ${paint.fcp.map((x) => f1(x)).join(', ')} ms).`,
      '',
      '| open pages (OSD view: overview + osds streams) | load before | mgrd CPU % of a core | per page, MiB/s received | per page, events/s |',
      '| --- | --- | --- | --- | --- |',
      ...windows.map((w) => `| ${w.pages} | ${w.loadBefore} | **${f1(w.cpuPct)}** | ${w.mibPerPageS.toFixed(3)} | ${w.eventsPerPageS.toFixed(2)} |`),
      '',
      `Each page beyond none: ${f1(perPage1)} % of a core for the first, ${f1(perPageN)} % each for ${pages} (one shared computation per interval: what a page adds is its copy of the bytes).`,
      `Bundle: ${b.files.join(', ')}; **${f1(b.gzTotal / 1024)} KB gzipped** in all (budget 300 KB). Load at the end ${load()}.`,
      '',
    ];
    const text = lines.join('\n');
    console.log(text);
    const dir = join(ROOT, 'bench/results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `dashboard-${osds}-${new Date().toISOString().slice(0, 10)}.md`), text);
  } finally {
    await stopChild(sim);
    await d.mgrd.stop();
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
