// bench:rings — what the perf counter rings hold per OSD (src/state/perf-ring.ts:
// the latest row raw, 19 older as XOR deltas) against 20 raw rows, for the
// simulator's OSDs (memstore and bluestore schemas, threshold 5 and 0), after
// 30 reports 5 s apart. Deterministic (seeded model, fixed times); no load effect.
//
// Run: npm run bench:rings

import { SimCluster } from '../src/sim/model/sim-cluster.js';
import { PerfRing } from '../src/state/perf-ring.js';
import { valueWidth } from '../src/mgr-module/perf-types.js';

const OSDS = 50;
const START_S = 1_700_000_000;
const mib = (b: number): string => (b / 2 ** 20).toFixed(1);

const lines = ['| OSD schema | threshold | values per report | ring per OSD | 20 raw rows per OSD | ratio | 10,000 OSDs |', '| --- | --- | --- | --- | --- | --- | --- |'];
for (const objectstore of ['memstore', 'bluestore'] as const) {
  const c = new SimCluster({ osds: 200, seed: 1, objectstore, startS: START_S });
  const schema = c.counterSchema('osd', 'osd.0');
  for (const threshold of [5, 0]) {
    // The columns a report carries at this threshold (client/report-encoder.ts).
    const cols: number[] = [];
    let col = 0;
    for (const d of schema) {
      const w = valueWidth(d.type);
      if (d.priority >= threshold) for (let k = 0; k < w; k++) cols.push(col + k);
      col += w;
    }
    const rings = Array.from({ length: OSDS }, () => new PerfRing(cols.length, 20));
    for (let i = 0; i < 30; i++) {
      const now = START_S + 60 + i * 5;
      c.advance(now);
      for (let o = 0; o < OSDS; o++) {
        const s = c.sampleCounters(`osd.${o}`, now);
        rings[o]!.pushValues(now, cols.map((k) => s[k]!));
      }
    }
    const held = rings.reduce((a, r) => a + r.bytesHeld, 0) / OSDS;
    const raw = 20 * (cols.length * 8 + 8);
    lines.push(`| ${objectstore} | ${threshold} | ${cols.length} | ${held.toFixed(0)} B | ${raw} B | ${((100 * held) / raw).toFixed(0)} % | ${mib(held * 1e4)} MiB (raw ${mib(raw * 1e4)} MiB) |`);
  }
}
console.log(lines.join('\n'));
