// The perf counters rendered by the worker thread must be the very bytes the
// strict string writer produces from the same snapshot: every value form,
// rgw's instance_id, rbd-mirror's per-image labels, family type clashes,
// daemons coming and going, plans changing; and a worker that dies, hangs or
// throws costs nothing but the time to render in process.

import { afterEach, describe, expect, it } from 'vitest';
import {
  PERFCOUNTER_COUNTER, PERFCOUNTER_LONGRUNAVG, PERFCOUNTER_TIME, PERFCOUNTER_U64, Slicer,
  type CounterColumn, type DaemonCounters,
} from '../../src/mgr-module/index.js';
import { PerfCollector, type PerfSource } from './collect-perf.js';
import { Collector } from './collector.js';
import { ByteExpositionWriter } from './exposition-bytes.js';
import { ExpositionWriter } from './exposition.js';
import { HealthHistory } from './health-history.js';
import { PerfRenderer } from './perf-worker.js';
import { ReferenceCluster } from './reference-cluster.js';

type Col = [path: string, type: number, priority?: number];

function columns(list: Col[]): CounterColumn[] {
  let col = 0;
  return list.map(([path, type, priority = 5]) => {
    const width = type & PERFCOUNTER_LONGRUNAVG ? 2 : 1;
    const c: CounterColumn = { path, description: `desc "of" ${path}\\`, nick: '', type, priority, unit: 'none', col, width };
    col += width;
    return c;
  });
}

const GAUGE = PERFCOUNTER_U64;
const COUNTER = PERFCOUNTER_U64 | PERFCOUNTER_COUNTER;
const AVG_TIME = PERFCOUNTER_TIME | PERFCOUNTER_LONGRUNAVG;

const OSD_A = columns([['osd.op_wip', GAUGE], ['osd.op', COUNTER], ['osd.op_latency', AVG_TIME], ['osd.low', COUNTER, 1], ['shared.x', COUNTER]]);
const OSD_B = columns([['osd.op_wip', GAUGE], ['osd.op', COUNTER], ['osd.extra', GAUGE]]);
// shared.x is a gauge here, a counter on OSDs: whichever comes first wins, the other is left out.
const MON = columns([['mon.num_sessions', GAUGE], ['shared.x', GAUGE]]);
const RGW = columns([['rgw.req', COUNTER], ['data-sync-from-zone1.fetch_bytes', COUNTER]]);
const RBD = columns([['rbd_mirror_image_pool1/ns/img"1.replay', COUNTER], ['rbd_mirror_image_pool2/img2.replay_bytes', COUNTER]]);

const VALUES = [0, -0, 1, 7, 12345678901, 2 ** 53, -3, 0.5, 1.5e-7, 1e21, NaN, Infinity, -Infinity, 123456789012345680000, 3.3e9];

class Source implements PerfSource {
  daemons: Array<{ daemon: string; type: string; id: string; columns: CounterColumn[] }> = [];
  round = 0;

  *daemonCounters(): Generator<DaemonCounters, void, undefined> {
    this.round++;
    for (const [i, d] of this.daemons.entries()) {
      const width = d.columns.reduce((n, c) => n + c.width, 0);
      const values = new Float64Array(width);
      for (let k = 0; k < width; k++) values[k] = VALUES[(i * 7 + k * 3 + this.round) % VALUES.length]!;
      yield { ...d, schemaVersion: 1, values, stamp: 0 };
    }
  }
}

function cluster(osds: number, firstId = 0): Source['daemons'] {
  const out: Source['daemons'] = [];
  for (let i = firstId; i < firstId + osds; i++) out.push({ daemon: `osd.${i}`, type: 'osd', id: String(i), columns: i % 5 === 4 ? OSD_B : OSD_A });
  out.push({ daemon: 'mon.a', type: 'mon', id: 'a', columns: MON });
  out.push({ daemon: 'rgw.gw1', type: 'rgw', id: '4711', columns: RGW });
  out.push({ daemon: 'rbd-mirror.m', type: 'rbd-mirror', id: 'm', columns: RBD });
  return out;
}

const bodies = (parts: { text: ReadonlyArray<string | Buffer>; openmetrics: ReadonlyArray<string | Buffer> }): { text: string; om: string } => {
  const join = (xs: ReadonlyArray<string | Buffer>): string => Buffer.concat(xs.map((x) => (typeof x === 'string' ? Buffer.from(x) : x))).toString();
  return { text: join(parts.text), om: join(parts.openmetrics) };
};

const renderers: PerfRenderer[] = [];
afterEach(async () => {
  await Promise.all(renderers.splice(0).map((r) => r.close()));
});

/** The same source read twice: the strict writer in process, and the worker's lines added to a byte writer. */
async function both(src: Source, minPriority: number, worker: { perf: PerfCollector; renderer: PerfRenderer; warned: string[] }): Promise<void> {
  const rules = { minPriority, reserved: new Set(['ceph_osd_up']) };
  const round = src.round;
  const strictWarned: string[] = [];
  const strict = new ExpositionWriter('text', { dual: true, strict: true });
  await new PerfCollector((m) => strictWarned.push(m)).collect(src, strict, new Slicer(5), rules);

  src.round = round; // the same values again
  const s = new Slicer(5);
  const groups = await worker.perf.group(src, s, rules);
  const r = await s.wait((await worker.renderer.post(groups, s)).result);
  const bytes = new ByteExpositionWriter();
  for (const m of r.warnings) worker.perf.warnOnce(m);
  for (const f of r.families) bytes.external(f.name, f.type, f.help, Buffer.from(r.buffer, f.start, f.end - f.start), f.samples);
  expect(bytes.sampleCount).toBe(strict.sampleCount);
  expect(bodies(bytes.finishBoth())).toEqual(bodies(strict.finishBoth()));
  for (const m of strictWarned) expect(worker.warned).toContain(m);
  worker.renderer.recycle(r.buffer); // the next render writes into this arena
}

describe('perf counters rendered in the worker thread', () => {
  it('writes the bytes the strict writer writes, across collections as daemons, schemas and rules change', async () => {
    const warned: string[] = [];
    const renderer = new PerfRenderer();
    renderers.push(renderer);
    const worker = { perf: new PerfCollector((m) => warned.push(m)), renderer, warned };
    const src = new Source();
    src.daemons = cluster(700);
    await both(src, 5, worker);
    expect(warned.some((m) => m.includes('ceph_shared_x was opened as counter and cannot be reopened as gauge'))).toBe(true);
    await both(src, 5, worker); // nothing new to send: plans and labels known
    src.daemons = cluster(300, 650); // 350 daemons gone (their label ids dropped), 250 new
    await both(src, 5, worker);
    await both(src, 1, worker); // another priority limit: new plans
    src.daemons = [];
    await both(src, 5, worker);
    expect(renderer.workersStarted).toBe(1);
  });

  it('renders into the arena of the body before the last, as the exporter recycles it, while the body grows', async () => {
    const renderer = new PerfRenderer();
    renderers.push(renderer);
    const perf = new PerfCollector(() => undefined);
    const src = new Source();
    src.daemons = cluster(2000);
    const rules = { minPriority: 5, reserved: new Set<string>() };
    let previous: ArrayBuffer | undefined;
    const used: number[] = [];
    const rounds = 8;
    for (let i = 0; i < rounds; i++) {
      // Ten more daemons each round: each body a little larger than the last.
      src.daemons = cluster(2000 + 10 * i);
      const s = new Slicer(5);
      const r = await s.wait((await renderer.post(await perf.group(src, s, rules), s)).result);
      used.push(r.used);
      // The exporter: the new body replaces the current one, and the one it replaced hands its arena back.
      if (previous !== undefined) renderer.recycle(previous);
      previous = r.buffer;
    }
    expect(Math.min(...used)).toBeGreaterThan(0);
    // The first two renders have no arena: every later one reuses (the first's too, sliced with the slack a fresh one gets).
    expect(renderer.arenasReused).toBe(rounds - 2);
  });

  it('renders the reference cluster into the same body as the strict collector', async () => {
    const run = async (strict: boolean): Promise<string> => {
      const c = new Collector(new ReferenceCluster(), new HealthHistory(undefined, 100), { warn: () => undefined, historyChanged: () => undefined }, { strict });
      try {
        const col = await c.collect({ excludePerfCounters: false, minPriority: 5, sliceMs: 5 });
        if (!strict) expect(col.perfRenderMs).toBeGreaterThan(0);
        return bodies(col.parts).om.split('\n').filter((l) => !l.startsWith('ceph_prometheus_collect_duration')).join('\n');
      } finally {
        await c.close();
      }
    };
    expect(await run(false)).toBe(await run(true));
  });

  it.each([
    ['exits', 'process.exit(3)', /exited/, 60_000],
    ['throws', "require('node:worker_threads').parentPort.on('message', () => { throw new Error('boom'); })", /boom/, 60_000],
    ['answers with an error', "const p = require('node:worker_threads').parentPort; p.on('message', (j) => p.postMessage({ seq: j.seq, error: 'bad job' }))", /bad job/, 60_000],
    ['never answers', "require('node:worker_threads').parentPort.on('message', () => undefined)", /took more than 1000 ms/, 1000],
  ])('a worker that %s: the collection renders in process, the body is whole', async (_what, source, why, timeoutMs) => {
    const strict = new Collector(new ReferenceCluster(), new HealthHistory(undefined, 100), { warn: () => undefined, historyChanged: () => undefined }, { strict: true });
    const warned: string[] = [];
    const c = new Collector(new ReferenceCluster(), new HealthHistory(undefined, 100), { warn: (m) => warned.push(m), historyChanged: () => undefined }, { renderWorker: { source, timeoutMs } });
    const body = async (x: Collector): Promise<string> => {
      const col = await x.collect({ excludePerfCounters: false, minPriority: 5, sliceMs: 5 });
      expect(col.errors).toEqual([]);
      return bodies(col.parts).om.split('\n').filter((l) => !l.startsWith('ceph_prometheus_collect_duration')).join('\n');
    };
    try {
      const want = await body(strict);
      expect(await body(c)).toBe(want);
      expect(warned.find((m) => m.startsWith('perf counters rendered in the event loop'))).toMatch(why);
      expect(await body(c)).toBe(want); // and again, with a new worker
      expect(c.perfRenderer?.workersStarted).toBe(2);
    } finally {
      await c.close();
    }
  });
});
