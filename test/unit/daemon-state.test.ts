import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CounterDecl } from '../../src/protocol/messages.js';
import { DaemonState, SchemaError } from '../../src/state/daemon-state.js';

const decl = (path: string, type: number, priority = 5): CounterDecl => ({ path, description: path, nick: '', type, priority, unit: 'none' });

function row(values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => b.writeDoubleLE(v, i * 8));
  return b;
}

describe('DaemonState', () => {
  it('keeps declared order: undeclared leave, new ones join at the end, samples survive', () => {
    const d = new DaemonState('osd.0');
    d.applySchema([decl('osd.op', 10), decl('osd.op_latency', 5), decl('osd.numpg', 2)], undefined);
    expect(d.width).toBe(4);
    d.ingest(100, row([1, 2, 3, 4]), 0, 4);
    d.applySchema([decl('osd.op_r', 10)], ['osd.op_latency']);
    expect(d.counters.map((c) => [c.path, c.col])).toEqual([['osd.op', 0], ['osd.numpg', 1], ['osd.op_r', 2]]);
    expect(d.ring.history(0, false)).toEqual([[100, 1]]);
    expect(d.ring.history(1, false)).toEqual([[100, 4]]);
  });

  it('keeps 20 samples per counter, oldest first, with sum/count pairs', () => {
    const d = new DaemonState('osd.0');
    d.applySchema([decl('osd.op_w', 10), decl('osd.op_w_latency', 5)], undefined);
    for (let i = 0; i < 25; i++) d.ingest(1000 + i, row([i, i * 10, i * 2]), 0, 3);
    const op = d.ring.history(0, false);
    expect(op).toHaveLength(20);
    expect(op[0]).toEqual([1005, 5]);
    expect(op[19]).toEqual([1024, 24]);
    const lat = d.ring.history(1, true);
    expect(lat[19]).toEqual([1024, 240, 48]);
    // Same shape as what ceph-mgr returns for get_counter on a long-running average.
    const ref = JSON.parse(readFileSync('test/fixtures/ceph-reference/mgr_internals/get_counter.osd.0.osd.op_w_latency.json', 'utf8')) as Record<string, number[][]>;
    expect(lat[0]!.length).toBe(ref['osd.op_w_latency']![0]!.length);
  });

  it('refuses a vector that does not match the schema and bad declarations', () => {
    const d = new DaemonState('osd.0');
    d.applySchema([decl('osd.op', 10)], undefined);
    expect(() => d.ingest(1, row([1, 2]), 0, 2)).toThrow(SchemaError);
    expect(() => d.planSchema([decl('nodots', 10)], undefined)).toThrow(/bad counter path/);
    expect(() => d.planSchema([decl('a.b', 99)], undefined)).toThrow(/bad type/);
    expect(() => d.planSchema([decl('a.b', 2, 11)], undefined)).toThrow(/bad priority/);
    expect(() => d.planSchema([decl('a.b', 2), decl('a.b', 2)], undefined)).toThrow(/declared twice/);
    expect(d.width).toBe(1);
  });

  it('histograms take no values', () => {
    const d = new DaemonState('osd.0');
    d.applySchema([decl('osd.op_r_latency_out_bytes_histogram', 2 | 16), decl('osd.op', 10)], undefined);
    expect(d.width).toBe(1);
  });
});
