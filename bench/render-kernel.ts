// The prometheus render worker's kernel alone (exporters/prometheus/render-kernel.ts):
// renderPerfJob on N simulated memstore OSDs' rows (the simulator's own counter
// values, the plan Ceph's naming gives them), in this thread, timed by CPU time
// so that a loaded machine still compares two trees. Rendering into the last
// render's arena, as the exporter does once a body is retired (RECYCLE=0: a
// fresh arena each time); `frac` adds 0.37 ns to every TIME sum (what the
// simulator sent before session 8: the String() path).
//
// Run: npx tsc -p tsconfig.json --outDir bench/out && node bench/out/bench/render-kernel.js [osds=10000] [runs=20] [frac]

import { loadavg } from 'node:os';
import { buildPlan } from '../exporters/prometheus/perf-plan.js';
import { renderPerfJob, type KernelState, type PerfJob } from '../exporters/prometheus/render-kernel.js';
import type { CounterColumn } from '../src/mgr-module/index.js';
import { valueWidth } from '../src/mgr-module/perf-types.js';
import { SimCluster } from '../src/sim/model/sim-cluster.js';

const osds = Number(process.argv[2] ?? 10_000);
const runs = Number(process.argv[3] ?? 20);
const frac = process.argv[4] === 'frac';
const recycle = process.env.RECYCLE !== '0';

const START_S = 1_700_000_000;
const sim = new SimCluster({ osds, seed: 1, objectstore: 'memstore', startS: START_S });
const schema = sim.counterSchema('osd');
// What a daemon declares at mgr_stats_threshold 5, in its order.
let col = 0;
const columns: CounterColumn[] = [];
const from: number[] = [];
let full = 0;
for (const d of schema) {
  const w = valueWidth(d.type);
  if (d.priority >= 5 && w > 0) {
    columns.push({ ...d, col, width: w });
    for (let k = 0; k < w; k++) from.push(full + k);
    col += w;
  }
  full += w;
}
const width = col;
const plan = buildPlan('osd', columns, { minPriority: 5, reserved: new Set() });
const values = new Float64Array(osds * width);
const nowS = START_S + 3600;
for (let i = 0; i < osds; i++) {
  const row = sim.sampleCounters(`osd.${i}`, nowS);
  for (let k = 0; k < width; k++) values[i * width + k] = row[from[k]!]!;
}
if (frac) for (const e of plan.entries) if (e.nanos) for (let i = 0; i < osds; i++) values[i * width + e.col] = values[i * width + e.col]! + 0.37;

const labels = Uint32Array.from({ length: osds }, (_, i) => i);
const labelText = Array.from({ length: osds }, (_, i) => `{ceph_daemon="osd.${i}"}`).join('\n');
const state: KernelState = { plans: new Map(), labels: new Map(), names: new Map() };
let sizeHint = 0;
let spare: ArrayBuffer | undefined;
const cpu: number[] = [];
let lines = 0;
for (let r = 0; r < runs; r++) {
  const job: PerfJob = {
    seq: r, plans: r === 0 ? [{ id: 1, entries: plan.entries }] : [], keepPlans: [1],
    labelIds: r === 0 ? labels : new Uint32Array(0), labelText: r === 0 ? labelText : '', dropLabels: [],
    groups: [{ plan: 1, labels, start: 0, width }], values, sizeHint, arena: recycle ? spare : undefined,
  };
  const c0 = process.cpuUsage();
  const out = renderPerfJob(state, job);
  const c = process.cpuUsage(c0);
  if (r > 0) cpu.push((c.user + c.system) / 1000); // the first is the JIT's
  sizeHint = out.used;
  spare = out.buffer;
  lines = out.samples;
}
cpu.sort((a, b) => a - b);
const f1 = (x: number): string => x.toFixed(1);
console.log(
  `render kernel, ${osds} OSDs, ${lines} lines${frac ? ', fractional TIME sums' : ''}, ${recycle ? 'recycled arena' : 'fresh arena'}: ` +
  `CPU per render min ${f1(cpu[0]!)} / median ${f1(cpu[cpu.length >> 1]!)} / max ${f1(cpu[cpu.length - 1]!)} ms over ${cpu.length} runs; load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`,
);
