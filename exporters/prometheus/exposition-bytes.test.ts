// The byte writer must write exactly what the string writer (dual mode) writes.

import { describe, expect, it } from 'vitest';
import { Collector } from './collector.js';
import { ByteCache, ByteExpositionWriter, type MetricWriter } from './exposition-bytes.js';
import { ExpositionWriter, labelFragment } from './exposition.js';
import { HealthHistory } from './health-history.js';
import { ReferenceCluster } from './reference-cluster.js';

function bodies(w: MetricWriter): { text: string; openmetrics: string } {
  const parts = w.finishBoth();
  const join = (xs: ReadonlyArray<string | Buffer>): string => Buffer.concat(xs.map((x) => (typeof x === 'string' ? Buffer.from(x) : x))).toString('utf8');
  return { text: join(parts.text), openmetrics: join(parts.openmetrics) };
}

function script(w: MetricWriter, n: number): void {
  const daemons = Array.from({ length: n }, (_, i) => labelFragment(['ceph_daemon', 'hostname'], [`osd.${i}`, i % 7 === 0 ? 'hôst "x"\\\n' : `node-${i >> 2}`]));
  w.family('ceph_health_status', 'untyped', 'Cluster health status').sample('ceph_health_status', '', 0);
  for (let i = 0; i < n; i++) {
    w.family('ceph_osd_op_w', 'counter', 'Client "write" operations').sample('ceph_osd_op_w', daemons[i]!, i * 1.5);
    w.family('ceph_osd_numpg', 'gauge', 'Placement groups').sample('ceph_osd_numpg', daemons[i]!, i % 3 === 0 ? NaN : -i);
  }
  w.family('mgrd_reports_total', 'counter', 'Reports').sample('mgrd_reports_total', '', 1e21);
  w.family('mgrd_gc_seconds', 'histogram', 'GC');
  w.sample('mgrd_gc_seconds_bucket', '{le="0.1"}', 1);
  w.sample('mgrd_gc_seconds_bucket', '{le="+Inf"}', 2);
  w.sample('mgrd_gc_seconds_sum', '', Infinity);
  w.sample('mgrd_gc_seconds_count', '', 2);
  w.family('ceph_fs_metadata', 'untyped', 'FS Metadata');
}

describe('ByteExpositionWriter', () => {
  it.each([0, 3, 5000])('writes the same bodies as ExpositionWriter in dual mode (%i daemons, blocks growing)', (n) => {
    const a = new ExpositionWriter('text', { dual: true, strict: true });
    const b = new ByteExpositionWriter(new ByteCache());
    script(a, n);
    script(b, n);
    expect([b.sampleCount, b.familyCount]).toEqual([a.sampleCount, a.familyCount]);
    expect(bodies(b)).toEqual(bodies(a));
  });

  it('throws as ExpositionWriter does', () => {
    const w = new ByteExpositionWriter();
    expect(() => w.sample('x', '', 1)).toThrow('sample x: no metric family is open');
    expect(() => w.family('a-b', 'gauge', '')).toThrow('invalid metric family name "a-b"');
    w.family('mgrd_x_total', 'counter', 'x');
    expect(() => w.family('mgrd_x_total', 'gauge', 'x')).toThrow('was opened as counter and cannot be reopened as gauge');
    expect(() => w.family('mgrd_x', 'gauge', 'x')).toThrow('clashes with mgrd_x_total');
    w.finishBoth();
    expect(() => w.finishBoth()).toThrow(/called twice/);
  });

  it('gives the collector the same body as the strict string writer (reference cluster)', async () => {
    const run = async (strict: boolean): Promise<string> => {
      const c = new Collector(new ReferenceCluster(), new HealthHistory(undefined, 100), { warn: () => undefined, historyChanged: () => undefined }, strict);
      const parts = (await c.collect({ excludePerfCounters: false, minPriority: 5, sliceMs: 10 })).parts;
      const all = Buffer.concat(parts.openmetrics.map((x) => (typeof x === 'string' ? Buffer.from(x) : x))).toString();
      return all.split('\n').filter((l) => !l.startsWith('ceph_prometheus_collect_duration')).join('\n'); // timings differ
    };
    expect(await run(false)).toBe(await run(true));
  });

  it('keeps the byte cache bounded by the samples of a body', () => {
    const cache = new ByteCache();
    for (let i = 0; i < 5000; i++) cache.bytes(`{x="${i}"}`);
    cache.trim(10);
    expect(cache.size).toBe(0); // 5000 entries > 2 × 10 samples + 1024
  });
});

describe('ByteExpositionWriter values', () => {
  it('writes every value as formatValue does, the integer fast path included', () => {
    const values = [0, -0, 1, 9, 10, 99, 100, 12345, -1, -10, -2147483647, -2147483648, 2147483647, 2147483648, 1e9, 999999999, 1000000001, 1e15 + 7, 2 ** 53 - 1, 2 ** 53, -(2 ** 53 - 1), 1e21, 0.5, -0.25, NaN, Infinity, -Infinity, 1.5e-7];
    for (let i = 0; i < 2000; i++) values.push(Math.floor((Math.random() - 0.5) * 2 ** (i % 56)));
    const a = new ExpositionWriter('text', { dual: true });
    const b = new ByteExpositionWriter();
    for (const w of [a, b]) {
      w.family('x', 'gauge', 'x');
      values.forEach((v, i) => w.sample('x', `{i="${i}"}`, v));
    }
    expect(bodies(b)).toEqual(bodies(a));
  });
});
