// What an InfluxDB 1.x server spends on one 10,000-OSD interval, by what the
// client decides (issue 10): the order of the lines, the batch size, how many
// requests are in flight at once. No manager, no cluster: the interval's
// ceph_daemon_stats lines (the 33 counters an OSD of the reference capture
// has, ../shared/ceph-reference/influx/, precision ms, one timestamp per
// interval) are written with the module's 1.x client (exporters/influx/client-v1)
// to a real InfluxDB 1.6 whose series exist (a warm-up interval first), each
// variant once per round, the variants interleaved so that load drifts reach
// them alike. Per interval: wall time to the last answer, the server's CPU
// (/proc/<pid>/stat) until then, and the CPU it used in the next 2 s
// (background work: cache snapshots, compactions).
//
// Run (build first: npx tsc -p tsconfig.json --outDir bench/out):
//   node bench/out/bench/influx-server-cpu.js [--osds 10000] [--rounds 5] \
//     [--variants schema:5000:5,sorted:5000:5,schema:5000:2,...]   (order:batch_size:threads)

import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { InfluxV1Client } from '../exporters/influx/client-v1.js';
import type { LineChunk } from '../exporters/influx/line-chunks.js';
import { INFLUX_OPTIONS, resolveConfig } from '../exporters/influx/options.js';
import { influxCount, startInfluxd, type RealServer } from '../test/helpers/influx-servers.js';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');
const FSID = '433500eb-af2c-4dac-b9f0-03fd67b0928a';

/** An OSD's counters in the order of the simulator's schema (the order the module reads its columns in). */
const SCHEMA_ORDER = [
  'objecter.op_active', 'objecter.op_r', 'objecter.op_w', 'objecter.op_rmw', 'osd.op_wip', 'osd.op', 'osd.op_in_bytes', 'osd.op_out_bytes',
  'osd.op_latency', 'osd.op_process_latency', 'osd.op_prepare_latency', 'osd.op_r', 'osd.op_r_out_bytes', 'osd.op_r_latency',
  'osd.op_r_process_latency', 'osd.op_r_prepare_latency', 'osd.op_w', 'osd.op_w_in_bytes', 'osd.op_w_latency', 'osd.op_w_process_latency',
  'osd.op_w_prepare_latency', 'osd.op_rw', 'osd.op_rw_in_bytes', 'osd.op_rw_out_bytes', 'osd.op_rw_latency', 'osd.op_rw_process_latency',
  'osd.op_rw_prepare_latency', 'osd.recovery_ops', 'osd.recovery_bytes', 'osd.numpg', 'osd.numpg_removing', 'osd.stat_bytes', 'osd.stat_bytes_used',
];

type Order = 'schema' | 'sorted' | 'counter-major';

interface Variant {
  readonly name: string;
  readonly order: Order;
  readonly batch: number;
  readonly threads: number;
}

/**
 * One interval's lines up to the value (`<series>,type_instance=<name> value=`), in an order:
 * 'schema' = the module's (daemons as the core lists them, each one's counters in schema order);
 * 'sorted' = by series key, as the server orders them (daemon names as bytes, then type_instance);
 * 'counter-major' = a counter of every daemon, then the next counter.
 */
function keys(osds: number, order: Order): Buffer[] {
  const daemons = Array.from({ length: osds }, (_, i) => i);
  if (order === 'sorted') daemons.sort((a, b) => (String(a) < String(b) ? -1 : 1));
  const names = order === 'sorted' ? [...SCHEMA_ORDER].sort() : SCHEMA_ORDER;
  const prefix = (i: number): string => `ceph_daemon_stats,ceph_daemon=osd.${i},fsid=${FSID},host=host-${i % 50},type_instance=`;
  const out: Buffer[] = [];
  if (order === 'counter-major') {
    for (const n of names) for (const i of daemons) out.push(Buffer.from(`${prefix(i)}${n} value=`));
  } else {
    for (const i of daemons) for (const n of names) out.push(Buffer.from(`${prefix(i)}${n} value=`));
  }
  return out;
}

/** The interval's chunks of `batch` lines, stamped `stampMs`, values that change with `round`. */
function chunks(lineKeys: readonly Buffer[], batch: number, stampMs: number, round: number): LineChunk[] {
  const tail = ` ${stampMs}\n`;
  const out: LineChunk[] = [];
  for (let at = 0; at < lineKeys.length; at += batch) {
    const part = lineKeys.slice(at, at + batch);
    const bufs: Buffer[] = [];
    part.forEach((k, j) => {
      bufs.push(k, Buffer.from(`${(round * 7919 + (at + j) * 104729) % 1e9}i${tail}`));
    });
    out.push({ bytes: Buffer.concat(bufs), points: part.length, pooled: undefined });
  }
  return out;
}

function cpuMsOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}

/** Writes the chunks with `threads` requests in flight at most; resolves when every one was answered. */
async function deliver(client: InfluxV1Client, all: readonly LineChunk[], threads: number): Promise<void> {
  let next = 0;
  const signal = new AbortController().signal;
  const worker = async (): Promise<void> => {
    while (next < all.length) {
      const c = all[next++]!;
      await client.write([c], signal);
    }
  };
  await Promise.all(Array.from({ length: threads }, () => worker()));
}

async function main(): Promise<void> {
  const osds = Number(arg('osds', '10000'));
  const rounds = Number(arg('rounds', '5'));
  const variants: Variant[] = arg('variants', 'schema:5000:5,sorted:5000:5,schema:5000:2,schema:5000:1,schema:20000:2,sorted:20000:2').split(',').map((v) => {
    const [order, batch, threads] = v.split(':');
    if (order !== 'schema' && order !== 'sorted' && order !== 'counter-major') throw new Error(`order ${order}: schema, sorted or counter-major`);
    return { name: v, order, batch: Number(batch), threads: Number(threads) };
  });
  const out: string[] = [];
  const say = (l: string): void => {
    out.push(l);
    console.error(l);
  };
  say(`# influx server CPU by client choices: ${osds} OSDs x ${SCHEMA_ORDER.length} counters, ${rounds} rounds, ${cpus().length} vCPU, node ${process.version}, load at start ${load()}`);
  let server: RealServer | undefined;
  try {
    server = await startInfluxd();
    const opts: Record<string, string | number | boolean> = Object.fromEntries(INFLUX_OPTIONS.map((o) => [o.name, o.default as string | number | boolean]));
    Object.assign(opts, { hostname: '127.0.0.1', port: server.port, threads: 20 });
    const cfg = resolveConfig(<T>(name: string) => opts[name] as T);
    const client = new InfluxV1Client(cfg);
    await client.createDatabase(cfg.database, new AbortController().signal);
    const byOrder = new Map<Order, Buffer[]>();
    for (const v of variants) if (!byOrder.has(v.order)) byOrder.set(v.order, keys(osds, v.order));
    const points = byOrder.values().next().value!.length;
    let stamp = Date.now() - 3_600_000;
    // Warm-up: the series made, as after the module's first interval.
    const t0 = performance.now();
    const c0 = cpuMsOf(server.pid());
    await deliver(client, chunks(byOrder.values().next().value!, 5000, (stamp += 1000), 0), 5);
    say(`warm-up interval (series created): ${points} points, ${(performance.now() - t0).toFixed(0)} ms, server CPU ${(cpuMsOf(server.pid()) - c0).toFixed(0)} ms`);
    await sleep(3000);
    const results = new Map<string, Array<{ ms: number; cpu: number; after: number }>>(variants.map((v) => [v.name, []]));
    for (let r = 1; r <= rounds; r++) {
      for (const v of variants) {
        const body = chunks(byOrder.get(v.order)!, v.batch, (stamp += 1000), r);
        const cpu0 = cpuMsOf(server.pid());
        const t = performance.now();
        await deliver(client, body, v.threads);
        const ms = performance.now() - t;
        const cpu1 = cpuMsOf(server.pid());
        await sleep(2000);
        const after = cpuMsOf(server.pid()) - cpu1;
        results.get(v.name)!.push({ ms, cpu: cpu1 - cpu0, after });
        console.error(`  round ${r} ${v.name}: ${ms.toFixed(0)} ms, server CPU ${(cpu1 - cpu0).toFixed(0)} ms (+${after.toFixed(0)} ms in the next 2 s), load ${load()}`);
      }
    }
    const held = await influxCount(server.url, cfg.database);
    const want = points * (1 + rounds * variants.length);
    if (held !== want) throw new Error(`the server holds ${held} points of ${want} written`);
    const med = (xs: number[]): number => {
      const s = [...xs].sort((a, b) => a - b);
      return s[Math.floor(s.length / 2)]!;
    };
    say('');
    say(`| order : batch_size : threads | requests | delivered, median (min–max) | server CPU to the last answer, median (min–max) | server CPU in the 2 s after, median |`);
    say('| --- | --- | --- | --- | --- |');
    for (const v of variants) {
      const rs = results.get(v.name)!;
      const ms = rs.map((x) => x.ms);
      const cpu = rs.map((x) => x.cpu);
      say(`| ${v.name} | ${Math.ceil(points / v.batch)} | ${med(ms).toFixed(0)} (${Math.min(...ms).toFixed(0)}–${Math.max(...ms).toFixed(0)}) ms | ${med(cpu).toFixed(0)} (${Math.min(...cpu).toFixed(0)}–${Math.max(...cpu).toFixed(0)}) ms | ${med(rs.map((x) => x.after)).toFixed(0)} ms |`);
    }
    say(`the server holds ${held} points = written; load at end ${load()}`);
    client.close();
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await server?.destroy();
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
