// Heap bytes the manager allocates per OSD report on its side (issue 17 item 2: what the core
// allocates per report feeds the GC pauses bench:stall finds). PG_STATS_BIN payloads are
// written by the simulator as its daemons send them, then decoded and applied to a
// ClusterState as DaemonServer does; with a young generation larger than a round's garbage
// no GC runs inside the measured loop, so the heap's growth over it is what was allocated.
// Deterministic (seeded simulator); the machine's load does not enter.
//
// Run: npm run bench:ingest-alloc -- [osds=1000] [objectstore=bluestore]

import { ClusterState } from '../src/state/cluster-state.js';
import { PgStatsDecoder } from '../src/protocol/pg-stats-codec.js';
import { PgStatsBinWriter } from '../src/protocol/pg-stats-writer.js';
import { PROTOCOL_VERSION } from '../src/protocol/frames.js';
import { SimCluster } from '../src/sim/model/sim-cluster.js';
import { SimPgRecord } from '../src/sim/model/pg-report.js';
import type { ObjectstoreMode } from '../src/sim/model/objectstore.js';

const gc = (): void => {
  const g = (globalThis as { gc?: () => void }).gc;
  if (!g) throw new Error('run with node --expose-gc');
  g();
  g();
};
const heap = (): number => process.memoryUsage().heapUsed;

function main(): void {
  const osds = Number(process.argv[2] ?? 1000);
  const objectstore = (process.argv[3] ?? 'bluestore') as ObjectstoreMode;
  const sim = new SimCluster({ osds, seed: 1, startS: 1_800_000_000, objectstore });
  const cs = new ClusterState();
  cs.applyMap(sim.maps());
  cs.settle();
  const writer = new PgStatsBinWriter();
  const rec = new SimPgRecord();
  const decoder = new PgStatsDecoder();
  let now = sim.startS;
  const lines = [`## bench:ingest-alloc (${new Date().toISOString()}, Node ${process.version}, ${osds} ${objectstore} OSDs)`, '', '| round | reports | head bytes (first) | allocated per report: decode only | decode + apply |', '| --- | --- | --- | --- | --- |'];
  for (let round = 0; round < 5; round++) {
    now += 5;
    sim.advance(now);
    const payloads: Buffer[] = [];
    for (let o = 0; o < osds; o++) {
      const b = sim.pgStatsBin(o, now, writer, rec, PROTOCOL_VERSION);
      if (b) payloads.push(Buffer.from(b));
    }
    gc();
    let h0 = heap();
    for (const p of payloads) decoder.decode(p, PROTOCOL_VERSION);
    const decodeOnly = heap() - h0;
    gc();
    h0 = heap();
    for (const p of payloads) cs.applyPgStats(decoder.decode(p, PROTOCOL_VERSION), now);
    const all = heap() - h0;
    cs.tick(now);
    const per = (x: number): string => `${Math.round(x / payloads.length)} B`;
    lines.push(`| ${round} | ${payloads.length} | ${payloads[0]?.readUInt32LE(0) ?? 0} | ${per(decodeOnly)} | ${per(all)} |`);
  }
  cs.dispose();
  lines.push('', 'Rounds 0-1 include first-report growth (tables sized, OSD records made); later rounds are the steady state.');
  console.log(lines.join('\n'));
}

main();
