// bench:zabbix (issue 11): the zabbix module at scale against a real Zabbix
// server 6.0 (test/helpers/zabbix-server.ts). A manager in this process fed by
// the simulator (N OSDs, its own process) with the zabbix module on; the
// template imported and a host linked; discovery sent and its items created
// by the server. Then `zabbix send` a few times: items per interval, time from
// the command to every answer in (build + send), what the server answered,
// and the longest event-loop stall in that window next to a window of the
// same length without a send; beside them what explains a stall or a slow
// send: the longest GC pause, this process's CPU time and the Zabbix server's
// (zabbix_server and PostgreSQL), the server's own "seconds spent", and the
// window's start on the monotonic clock (to find it in a --cpu-prof profile).
// Build alone (items, request JSON) is timed in process. Baseline, in its own process: Ceph's way, the `zabbix_sender`
// binary (Debian zabbix-agent) fed the same items on stdin.
// Targets: one interval in <= 2 s; no stall over 50 ms.
//
// Each stall over 50 ms is listed with this thread's CPU over it and its wait
// for a CPU (bench/lib/stall-cpu.ts), and the CPU the servers, the simulator
// and mgrd's other threads took meanwhile: work of ours, or the CPUs taken by
// the Zabbix server and PostgreSQL on the same machine. With a --cpu-prof
// profile of the run, bench/zabbix-profile.ts tells what ran in each.
//
// --nice N: every send is made twice, in turn: as by default, then with the
// Zabbix server, PostgreSQL and the simulator at nice N (mgrd at 0), as on a
// deployment where neither the server nor the OSDs share the manager's cores;
// a table for each condition, with the reports/s the manager applied in each
// (the simulator niced must still report at its nominal rate, or the figures
// are not comparable). Before each send of that run, the server is given time
// to finish writing the last one's history (its CPU under 5 % for 1 s, at most
// 30 s). bench/lib/procs-nice.ts: why every thread, and the
// servers' autogroups (session 9's --nice-server reniced the servers' process
// groups only, which the scheduler's autogroups made of no effect on mgrd).
//
// Run: npm run bench:zabbix -- [osds=10000] [sends=5] [--nice N]

import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance, PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import { discover, discoveryItems } from '../exporters/zabbix/discovery.js';
import { buildItems, itemSlices } from '../exporters/zabbix/items.js';
import type { Module as ZabbixModule } from '../exporters/zabbix/module.js';
import { ChunkWriter } from '../exporters/zabbix/item-chunk.js';
import { senderRequest, zabbixClock } from '../exporters/zabbix/sender-protocol.js';
import { TEMPLATE_NAME } from '../exporters/zabbix/template.js';
import { startZabbixServer } from '../test/helpers/zabbix-server.js';
import { startBenchMgr } from './lib/bench-mgr.js';
import { sampleProc } from './lib/proc.js';
import { niceOfThreads, niceProcess } from './lib/procs-nice.js';
import { StallCpuWatch, stallText, threadsOf, type CpuStall, type ProcGroup } from './lib/stall-cpu.js';
import { startSim, stopChild, waitForCluster } from './lib/children.js';
import { stopChildrenOnSignal } from './lib/reap.js';

const HOST = 'ceph-bench';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const f1 = (x: number): string => x.toFixed(1);
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

const CLK_TCK = 100;

/** The processes in the given process groups (the servers run each in its own), and the CPU ms they used so far. */
function groupProcs(groups: ReadonlySet<number>): { pids: number[]; cpuMs: number } {
  let ticks = 0;
  const pids: number[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    } catch {
      continue; // gone
    }
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
    if (!groups.has(Number(f[2]))) continue;
    pids.push(Number(pid));
    ticks += Number(f[11]) + Number(f[12]); // utime + stime
  }
  return { pids, cpuMs: (ticks * 1000) / CLK_TCK };
}

const groupCpuMs = (groups: ReadonlySet<number>): number => groupProcs(groups).cpuMs;

/** Stalls over this long are listed one by one, with the CPU each process took over them. */
const STALL_LIST_MS = 50;

const pidIn = (file: string): number => Number(readFileSync(file, 'latin1').split('\n')[0]);

interface Window<T> {
  value: T;
  ms: number;
  maxStallMs: number;
  /** Longest GC pause, how many major (mark-compact) and minor GCs ran, and their pauses summed. */
  gcMaxMs: number;
  majorGcs: number;
  minorGcs: number;
  gcTotalMs: number;
  cpuMs: number;
  serverCpuMs: number;
  /** Start on the monotonic clock a --cpu-prof profile's timestamps use (µs). */
  startUs: bigint;
  /** The simulator's CPU ms (its own process). */
  simCpuMs: number;
  /** Stalls over STALL_LIST_MS, each with this thread's CPU and wait and the others' CPU over it. */
  stalls: CpuStall[];
}

/** The longest event-loop delay (ms) while `fn` runs, from a 1 ms-resolution histogram, and what else ran meanwhile. */
async function withStall<T>(fn: () => Promise<T>, serverGroups: ReadonlySet<number>, simPid: number): Promise<Window<T>> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  let gcMaxMs = 0;
  let majorGcs = 0;
  let minorGcs = 0;
  let gcTotalMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcMaxMs = Math.max(gcMaxMs, e.duration);
      gcTotalMs += e.duration;
      const kind = ((e as { detail?: unknown }).detail as { kind?: number } | undefined)?.kind;
      if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) majorGcs++;
      if (kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) minorGcs++;
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  const server = groupProcs(serverGroups);
  const groups: ProcGroup[] = [
    { name: 'zabbix_server+postgres', pids: server.pids },
    { name: 'simulator', pids: threadsOf(simPid) },
    { name: 'mgrd other threads', pids: threadsOf(process.pid).filter((t) => t !== process.pid) },
  ];
  const watch = new StallCpuWatch(STALL_LIST_MS, groups);
  watch.start();
  h.enable();
  const startUs = process.hrtime.bigint() / 1000n;
  const cpu0 = process.cpuUsage();
  const sim0 = sampleProc(simPid).cpuS;
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  h.disable();
  const cpu = process.cpuUsage(cpu0);
  const serverCpuMs = groupCpuMs(serverGroups) - server.cpuMs;
  const simCpuMs = (sampleProc(simPid).cpuS - sim0) * 1000;
  await new Promise((r) => setImmediate(r)); // the observers' last entries
  gc.disconnect();
  const stalls = watch.stop();
  return { value, ms, maxStallMs: h.max / 1e6, gcMaxMs, majorGcs, minorGcs, gcTotalMs, cpuMs: (cpu.user + cpu.system) / 1000, serverCpuMs, startUs, simCpuMs, stalls };
}

async function main(): Promise<void> {
  stopChildrenOnSignal();
  const positional = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
  const osds = Number(positional[0] ?? 10_000);
  const sends = Number(positional[1] ?? 5);
  // --nice N: each send also made with the servers and the simulator at nice N (see the header).
  const niceAt = process.argv.indexOf('--nice');
  const nice = niceAt > 0 ? Number(process.argv[niceAt + 1]) : 0;
  if (!Number.isInteger(nice) || nice < 0 || nice > 19) throw new Error(`--nice: ${process.argv[niceAt + 1]} is not a nice value 0-19`);
  const lines: string[] = [];
  const out = (s: string): void => {
    lines.push(s);
    console.error(s);
  };
  out(`bench:zabbix ${osds} OSDs, ${sends} sends; ${cpus().length} CPUs; load before: ${load()}${nice > 0 ? `; each send also with the Zabbix server, PostgreSQL and the simulator at nice ${nice}` : ''}`);

  const z = await startZabbixServer({ startTrappers: 5, cacheUpdateFrequencyS: 5, extraConfig: ['CacheSize=512M', 'HistoryCacheSize=256M', 'HistoryIndexCacheSize=64M', 'TrendCacheSize=128M', 'ValueCacheSize=256M'] });
  let stopSim: (() => Promise<void>) | undefined;
  let stopMgr: (() => Promise<void>) | undefined;
  try {
    const source = readFileSync(new URL('../../../exporters/zabbix/zabbix_template.yaml', import.meta.url) /* from bench/out/bench/ */, 'utf8');
    await z.api('configuration.import', {
      format: 'yaml', source,
      rules: { groups: { createMissing: true }, templates: { createMissing: true }, items: { createMissing: true }, discoveryRules: { createMissing: true }, triggers: { createMissing: true }, valueMaps: { createMissing: true } },
    });
    const [tpl] = await z.api<Array<{ templateid: string }>>('template.get', { filter: { host: TEMPLATE_NAME } });
    const [group] = await z.api<Array<{ groupid: string }>>('hostgroup.get', { filter: { name: 'Linux servers' } });
    const { hostids: [hostid] } = await z.api<{ hostids: string[] }>('host.create', { host: HOST, groups: [{ groupid: group!.groupid }], templates: [{ templateid: tpl!.templateid }] });

    const m = await startBenchMgr({
      set: { mgr_stats_period: 5 },
      modules: ['zabbix'],
      moduleOptions: { zabbix: { zabbix_host: `127.0.0.1:${z.trapperPort}`, identifier: HOST, interval: '86400', discovery_interval: '100000' } },
    });
    stopMgr = () => m.stop();
    const sim = await startSim(m, osds);
    stopSim = () => stopChild(sim);
    await waitForCluster(m, osds, 15 * 60_000);
    const command = async (...argv: string[]): Promise<{ r: number; outb: string; outs: string }> =>
      m.mgr.runCommand({ entity: 'client.admin', read: true, write: true }, { argv });

    const serverGroups = new Set([pidIn(join(z.dir, 'zabbix_server.pid')), pidIn(join(z.dir, 'pg', 'postmaster.pid'))]);
    // The other processes at nice n (0: the default back): every process of the servers' groups now (the
    // backends PostgreSQL forks later inherit the postmaster's) with their autogroups, and the simulator.
    const setNice = (n: number): string => {
      const pids = groupProcs(serverGroups).pids;
      let threads = 0;
      let autogroups = 0;
      for (const pid of [...pids, sim.pid!]) {
        try {
          const r = niceProcess(pid, n);
          threads += r.threads;
          if (r.autogroup) autogroups++;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // a server process gone meanwhile
        }
      }
      const simNice = [...new Set(niceOfThreads(sim.pid!))].join(',');
      return `nice ${n}: ${pids.length} server processes + the simulator, ${threads} threads, ${autogroups} in autogroups of their own; simulator threads at nice ${simNice}`;
    };
    const reports = (): number => m.mgr.server.stats.reports;
    const nominal = osds / 5; // mgr_stats_period 5 (set above): each OSD reports every 5 s
    // Turns the module's shared budget was drawn from (a build without it, for a before/after profile: 0)
    const zabbix = m.module<Partial<Pick<ZabbixModule, 'budget'>>>('zabbix');
    const yields = (): number => zabbix.budget?.slices ?? 0;
    const detail = (w: Window<unknown>): string =>
      `GC pause max ${f1(w.gcMaxMs)} ms (${w.majorGcs} major, ${w.minorGcs} minor, ${f1(w.gcTotalMs)} ms in all), CPU ms: mgrd ${w.cpuMs.toFixed(0)}, zabbix_server+postgres ${w.serverCpuMs.toFixed(0)}, simulator ${w.simCpuMs.toFixed(0)}; from ${w.startUs.toString()} µs` +
      (w.stalls.length === 0 ? '' : `\n  stalls over ${STALL_LIST_MS} ms: ${w.stalls.map(stallText).join('\n    ')}`);
    // The longest stall over STALL_LIST_MS: this thread's CPU in it / its wait for a CPU (— if none).
    const longestCpu = (w: Window<unknown>): string => {
      const l = w.stalls.reduce<CpuStall | undefined>((a, x) => (a === undefined || x.wallMs > a.wallMs ? x : a), undefined);
      return l === undefined ? '—' : `${l.cpuMs.toFixed(0)} / ${l.waitMs.toFixed(0)}`;
    };
    const simPid = sim.pid!;

    // Discovery, and the server's LLD creating the items (not what we measure: Zabbix's own work).
    const disc = await withStall(() => command('zabbix', 'discovery'), serverGroups, simPid);
    out(`discovery: ${disc.value.outb || disc.value.outs} in ${f1(disc.ms)} ms, longest stall ${f1(disc.maxStallMs)} ms; ${detail(disc)}`);
    // The items one interval sends, counted here: a `zabbix send` before the server's LLD made them would
    // have every item refused, and the module's refused-key search would then split the next intervals.
    const want = buildItems(m.mgr.views).length;
    const t0 = performance.now();
    let have = 0;
    for (let i = 0; i < 240; i++) {
      have = Number(await z.api<string>('item.get', { hostids: hostid, countOutput: true }));
      if (have >= want) break;
      await sleep(5000);
    }
    out(`the server's LLD made ${have} of ${want} items in ${f1((performance.now() - t0) / 1000)} s`);
    await sleep(6000); // its configuration cache takes them (CacheUpdateFrequency=5)

    const rows: string[] = [];
    const nicedRows: string[] = [];
    const rates: number[][] = [[], []];
    const conditions = nice > 0 ? [0, nice] : [0];
    for (let n = 0; n < sends * conditions.length; n++) {
      const i = Math.floor(n / conditions.length);
      const cond = conditions[n % conditions.length]!;
      if (nice > 0) {
        // The server still writing the last send's history would spend that CPU in this send's window, at
        // this send's nice: wait (at most 30 s) until the server's CPU is below 5 % of a core for 1 s.
        const ts = performance.now();
        for (let last = groupCpuMs(serverGroups); performance.now() - ts < 30_000; ) {
          await sleep(1000);
          const now = groupCpuMs(serverGroups);
          if (now - last < 50) break;
          last = now;
        }
        out(`${setNice(cond)}; the server settled in ${f1((performance.now() - ts) / 1000)} s`);
      }
      const r0 = reports();
      const c0 = performance.now();
      const idle = await withStall(() => sleep(2000), serverGroups, simPid);
      const yields0 = yields();
      const s = await withStall(() => command('zabbix', 'send'), serverGroups, simPid);
      const ans = /processed: (\d+); failed: (\d+); total: (\d+)(?:; seconds spent: ([0-9.]+))?/.exec(s.value.outb);
      (cond === 0 ? rows : nicedRows).push(`| ${i + 1} | ${ans?.[3] ?? '?'} | ${f1(s.ms)} | ${ans?.[1] ?? '?'} / ${ans?.[2] ?? '?'} | ${f1(s.maxStallMs)} | ${longestCpu(s)} | ${f1(idle.maxStallMs)} | ${f1(s.gcMaxMs)} | ${s.cpuMs.toFixed(0)} | ${s.serverCpuMs.toFixed(0)} | ${ans?.[4] ?? '?'} | ${load()} |`);
      const tag = cond === 0 ? '' : ` (nice ${cond})`;
      out(`idle before send ${i + 1}${tag}: no send in ${f1(idle.ms)} ms, longest stall ${f1(idle.maxStallMs)} ms; ${detail(idle)}`);
      out(`send ${i + 1}${tag}: ${s.value.r === 0 ? s.value.outb : s.value.outs} in ${f1(s.ms)} ms, longest stall ${f1(s.maxStallMs)} ms, work in ${yields() - yields0} turns; ${detail(s)}`);
      await sleep(3000);
      const rate = ((reports() - r0) * 1000) / (performance.now() - c0);
      rates[n % conditions.length]!.push(rate);
      out(`  reports applied over the 2 s idle + send + 3 s: ${rate.toFixed(0)}/s (nominal ${nominal.toFixed(0)}/s)`);
    }
    if (nice > 0) out(setNice(0));
    const table = '\n| send | items | ms (command to last answer) | processed / failed | longest stall ms | its main-thread CPU / wait for a CPU ms (stalls over 50 ms) | same, 2 s without a send | longest GC pause ms | mgrd CPU ms | zabbix_server+postgres CPU ms | server "seconds spent" (sum) | load |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |';
    const rateText = (xs: number[]): string => `reports applied ${xs.map((x) => x.toFixed(0)).join(' / ')} per s (nominal ${nominal.toFixed(0)})`;
    out(`${nice > 0 ? '\nservers and simulator at the default nice' : ''}${table}`);
    for (const r of rows) out(r);
    out(rateText(rates[0]!));
    if (nice > 0) {
      out(`\nthe Zabbix server, PostgreSQL and the simulator at nice ${nice}, mgrd at 0 (sends interleaved with the above)${table}`);
      for (const r of nicedRows) out(r);
      out(rateText(rates[1]!));
    }

    // Build alone, in process: what each snapshot read costs (the core's), discovery, the items, the request JSON.
    const views = m.mgr.views;
    // osd_stats is what Ceph's module reads; ours reads osd_stats_brief (same values, a fraction of the cost).
    for (const name of ['osd_map', 'osd_map_crush', 'osd_stats_brief', 'osd_stats', 'df', 'pg_status', 'health', 'mon_status'] as const) {
      const t = performance.now();
      views.get(name);
      out(`get('${name}'): ${f1(performance.now() - t)} ms`);
    }
    const td = performance.now();
    const d = discover(views);
    const dItems = discoveryItems(d);
    out(`discovery: ${d.pools.length} pools, ${d.osds.length} OSDs in ${f1(performance.now() - td)} ms (${(dItems[1]!.value.length / 1e3).toFixed(0)} kB of OSD LLD JSON)`);
    let items = 0;
    const tb = performance.now();
    const all = [];
    for (const slice of itemSlices(views, 250)) {
      all.push(...slice);
      items += slice.length;
    }
    const buildMs = performance.now() - tb;
    const clock = zabbixClock(Date.now());
    const sendable = all.map((it) => ({ ...it, host: HOST, clock }));
    const tj = performance.now();
    let bytes = 0;
    for (let i = 0; i < sendable.length; i += 2000) bytes += Buffer.byteLength(senderRequest(sendable.slice(i, i + 2000), clock));
    const jsonMs = performance.now() - tj;
    // What the module does: the items written as request bytes in chunks of 250 (item-chunk.ts).
    const tc = performance.now();
    const writer = new ChunkWriter({ seq: 0, host: HOST, clock, total: 0, produced: false, tally: false });
    let chunkBytes = 0;
    for (let i = 0; i < all.length; i++) {
      writer.add(all[i]!.key, all[i]!.value);
      if (writer.count === 250 || i === all.length - 1) chunkBytes += writer.take()!.data.length;
    }
    const chunkMs = performance.now() - tc;
    out(`\nbuild: ${items} items in ${f1(buildMs)} ms (views cached); as request bytes in chunks (the module's way) ${f1(chunkMs)} ms for ${(chunkBytes / 1e6).toFixed(1)} MB (${((chunkMs * 1000) / items).toFixed(1)} µs per item); requests of item objects (senderRequest) ${f1(jsonMs)} ms for ${(bytes / 1e6).toFixed(1)} MB of JSON (${((jsonMs * 1000) / items).toFixed(1)} µs per item)`);

    // Baseline: zabbix_sender, in its own process, with the same items on stdin (Ceph's module's way).
    const zs = '/usr/bin/zabbix_sender';
    if (!existsSync(zs)) {
      out('baseline: /usr/bin/zabbix_sender not installed (Debian zabbix-agent): skipped');
    } else {
      const stdin = all.map((it) => `${HOST} ${it.key} ${it.value}`).join('\n') + '\n';
      const tz = performance.now();
      const r = await new Promise<{ code: number | null; text: string }>((resolve) => {
        const c = spawn(zs, ['-z', '127.0.0.1', '-p', String(z.trapperPort), '-s', HOST, '-i', '-']);
        let text = '';
        c.stdout.on('data', (d: Buffer) => (text += d.toString()));
        c.stderr.on('data', (d: Buffer) => (text += d.toString()));
        c.on('exit', (code) => resolve({ code, text }));
        c.stdin.on('error', (err) => (text += `stdin: ${err.message}\n`)); // it may exit before reading it all
        c.stdin.end(stdin);
      });
      out(`baseline zabbix_sender: ${all.length} items in ${f1(performance.now() - tz)} ms, exit ${r.code}: ${r.text.trim().split('\n').at(-1)}`);
    }
    out(`load after: ${load()}`);
  } catch (err) {
    out(`failed: ${err instanceof Error ? err.stack : String(err)}`);
    process.exitCode = 1;
  } finally {
    const problems = z.serverLog().split('\n').filter((l) => /error|fail|cannot|crash|terminat|signal|exit/i.test(l) && !/Zabbix agent item/.test(l));
    if (problems.length > 0) out(`zabbix_server log (problems, last 15):\n${problems.slice(-15).join('\n')}`);
    await stopSim?.();
    await stopMgr?.();
    await z.stop();
  }
  console.log(lines.join('\n'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
