// Line protocol written as bytes (line-chunks.ts) against the text path
// (line-protocol.ts, what the servers were checked with): the same bytes for
// every value and name, chunks of at most batch_size lines, buffers reused.

import { describe, expect, it } from 'vitest';
import { BufferPool, ChunkWriter, chunkLines, linesChunk, splitChunk, writeValue, type LineChunk } from './line-chunks.js';
import { escapeName, fieldValue, line, type Dialect } from './line-protocol.js';
import type { Series, TypeInstance } from './points.js';

const STAMP = 1795714826346;

function series(measurement: string, tags: Array<[string, string]>, dialect: Dialect): Series {
  let prefix = measurement;
  for (const [k, v] of tags) if (v !== '') prefix += `,${k}=${escapeName(v, dialect)}`;
  return { measurement: { name: measurement, tagKeys: tags.map(([k]) => k) }, tagValues: tags.map(([, v]) => v), prefix: Buffer.from(`${prefix},type_instance=`, 'utf8') };
}

const key = (name: string, dialect: Dialect): TypeInstance => ({ name, bytes: Buffer.from(`${escapeName(name, dialect)} value=`, 'utf8') });

/** Values of every size and sign, the rounding edges, and what int64 cannot hold. */
function values(): number[] {
  const out = [0, -0, 0.4, 0.5, -0.5, 1.5, -1.5, 2.5, 9, 10, 99, 100, 99_999_999, 99_999_999.5, 1e8, 1e8 + 1, 123_456_789_012, 2 ** 31, 2 ** 32 + 7,
    Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, 2 ** 53 + 2, 2 ** 62, 2 ** 63, -(2 ** 63), 1e300, -1e300, 752924722539006.9];
  let x = 0x9e3779b9;
  const next = (): number => ((x = (Math.imul(x ^ (x >>> 15), 0x85ebca6b) + 0x6b) >>> 0) / 2 ** 32);
  for (let i = 0; i < 20_000; i++) {
    const digits = Math.floor(next() * 17);
    const v = Math.floor(next() * 10 ** digits);
    out.push(v, -v, v + next());
  }
  return out;
}

describe('writeValue', () => {
  it('writes what fieldValue spells for every finite value', () => {
    const buf = Buffer.alloc(32);
    for (const v of values()) {
      const end = writeValue(buf, 3, v);
      expect(buf.toString('latin1', 3, end), String(v)).toBe(fieldValue(v));
    }
  });
});

describe('ChunkWriter', () => {
  const names = ['plain', 'my pool', 'a,b', 'k=v', 'say "hi"', 'back\\slash', 'trail\\', 'tab\there', 'new\nline', 'pööl ☃ 池', '=lead', ''];

  for (const dialect of ['v1', 'v2'] as const) {
    it(`writes the lines line() writes (${dialect}): names of every kind, every value, NaN and infinities left out and counted`, () => {
      const w = new ChunkWriter(STAMP, 1000, new BufferPool(() => 0));
      const want: string[] = [];
      const vs = [...values().slice(0, 3000), Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
      vs.forEach((v, i) => {
        const pool = names[i % names.length]!;
        const type = names[(i * 7) % names.length] || 'x';
        const s = series('ceph_pool_stats', [['fsid', 'f'], ['pool_name', pool]], dialect);
        w.add(s, key(type, dialect), v);
        const l = line('ceph_pool_stats', [['fsid', 'f'], ['pool_name', pool], ['type_instance', type]], 'value', v, STAMP, dialect);
        if (l !== undefined) want.push(l);
      });
      w.end();
      const chunks = w.take();
      expect(w.skipped).toBe(3);
      expect(chunkLines(chunks)).toEqual(want);
      expect(chunks.map((c) => c.points)).toEqual([1000, 1000, 1000]);
      for (const c of chunks) expect(c.bytes.at(-1)).toBe(0x0a);
    });
  }

  it('closes a chunk early when its buffer is full, never past batch_size lines, and loses no line', () => {
    const pool = new BufferPool(() => 0);
    pool.lineBytes = 0.01; // the first buffers are the smallest (64 KiB) whatever batch_size says
    const w = new ChunkWriter(STAMP, 100_000, pool);
    const s = series('ceph_daemon_stats', [['ceph_daemon', 'osd.1'], ['fsid', 'f'.repeat(36)], ['host', 'h']], 'v1');
    const want: string[] = [];
    for (let i = 0; i < 5000; i++) {
      w.add(s, key(`bluestore.counter_${i}`, 'v1'), i * 1_000_003);
      want.push(line('ceph_daemon_stats', [['ceph_daemon', 'osd.1'], ['fsid', 'f'.repeat(36)], ['host', 'h'], ['type_instance', `bluestore.counter_${i}`]], 'value', i * 1_000_003, STAMP, 'v1')!);
    }
    w.end();
    const chunks = w.take();
    expect(chunks.length).toBeGreaterThanOrEqual(2);
    expect(chunks[0]!.bytes.length).toBeLessThanOrEqual(64 * 1024); // closed when its first (smallest) buffer was full
    expect(chunks[0]!.points).toBeLessThan(1000);
    expect(chunks.reduce((n, c) => n + c.points, 0)).toBe(5000);
    expect(chunkLines(chunks)).toEqual(want);
    // Sized by what it saw: the next interval's first chunk holds the whole of it.
    const again = new ChunkWriter(STAMP, 5000, pool);
    for (let i = 0; i < 5000; i++) again.add(s, key(`bluestore.counter_${i}`, 'v1'), i);
    again.end();
    expect(again.take().map((c) => c.points)).toEqual([5000]);
  });

  it('writes into the buffers handed back to its pool, and keeps no more of them than asked', () => {
    let keep = 2;
    const pool = new BufferPool(() => keep);
    const s = series('m', [['a', 'b']], 'v1');
    const write = (n: number): LineChunk[] => {
      const w = new ChunkWriter(STAMP, 10, pool);
      for (let i = 0; i < n; i++) w.add(s, key('k', 'v1'), i);
      w.end();
      return w.take();
    };
    const first = write(30);
    expect(first).toHaveLength(3);
    for (const c of first) pool.put(c.pooled!);
    expect(pool.size).toBe(2);
    const second = write(20);
    expect(second).toHaveLength(2);
    expect(second[0]!.pooled).toBe(first[1]!.pooled); // the same memory, not a copy
    expect(second[1]!.pooled).toBe(first[0]!.pooled);
    keep = 0;
    for (const c of second) pool.put(c.pooled!);
    expect(pool.size).toBe(0);
  });

  it('makes no new buffer once its buffers are sized, although lines differ in length from chunk to chunk', () => {
    // An interval as the module writes one: 34 counters of 1,000 OSDs (names of 1-3 digits, so each chunk's
    // mean line, which sizes the next buffer, differs a little from the last), then a PG state per OSD;
    // every buffer handed back once delivered. Sized by each request, a free buffer a few bytes short of
    // the estimate was thrown away and a new one made: dozens an interval.
    const pool = new BufferPool(() => 1000);
    const fsid = '433500eb-af2c-4dac-b9f0-03fd67b0928a';
    const osds = Array.from({ length: 1000 }, (_, i) => series('ceph_daemon_stats', [['ceph_daemon', `osd.${i}`], ['fsid', fsid], ['host', `host-${i % 50}`]], 'v1'));
    const pgs = Array.from({ length: 1000 }, (_, i) => series('ceph_pg_summary_osd', [['ceph_daemon', `osd.${i}`], ['host', `host-${i % 50}`]], 'v1'));
    const counters = Array.from({ length: 34 }, (_, j) => key(`osd.counter_${j}`, 'v1'));
    const state = key('active+clean', 'v1');
    const interval = (round: number): number => {
      const w = new ChunkWriter(STAMP, 1000, pool); // ~150 kB buffers: above the smallest size a buffer is given
      for (let i = 0; i < osds.length; i++) for (let j = 0; j < counters.length; j++) w.add(osds[i]!, counters[j]!, (i * 7919 + j * round) % 1e9);
      for (const s of pgs) w.add(s, state, 100 + round);
      w.end();
      const chunks = w.take();
      for (const c of chunks) pool.put(c.pooled!);
      return chunks.reduce((p, c) => p + c.points, 0);
    };
    expect(interval(1)).toBe(35_000);
    const made = pool.made;
    expect(made).toBeGreaterThanOrEqual(35);
    for (let round = 2; round <= 5; round++) expect(interval(round)).toBe(35_000);
    expect(pool.made - made).toBe(0);
  });
});

describe('splitChunk', () => {
  it('cuts after n lines; the pieces share the bytes and belong to no pool', () => {
    const lines = ['a v=1i 1', 'b,x=y\\ z v=2i 1', 'c v=3i 1', 'pööl v=4i 1'];
    const c = linesChunk(lines);
    for (let n = 1; n < lines.length; n++) {
      const [head, rest] = splitChunk(c, n);
      expect(chunkLines([head])).toEqual(lines.slice(0, n));
      expect(chunkLines([rest])).toEqual(lines.slice(n));
      expect([head.points, rest.points]).toEqual([n, lines.length - n]);
      expect([head.pooled, rest.pooled]).toEqual([undefined, undefined]);
      expect(head.bytes.buffer).toBe(c.bytes.buffer);
    }
  });
});
