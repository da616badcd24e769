import { describe, expect, it } from 'vitest';
import { PerfRing } from '../../src/state/perf-ring.js';
import { Rng } from '../../src/sim/model/rng.js';

/** What the ring must give back: the last `capacity` rows, as pushed. */
class Plain {
  readonly rows: Array<{ stamp: number; values: number[] }> = [];
  constructor(readonly capacity: number) {}
  push(stamp: number, values: number[]): void {
    this.rows.push({ stamp, values: [...values] });
    if (this.rows.length > this.capacity) this.rows.shift();
  }
}

/** A value as a counter or gauge of a daemon moves: mostly unchanged, small steps, sometimes anything at all. */
function nextValue(rng: Rng, prev: number): number {
  const r = rng.next() % 100;
  if (r < 40) return prev;
  if (r < 70) return prev + (rng.next() % 5000);
  if (r < 80) return prev + (rng.next() / 2 ** 32) * 1e-3;
  if (r < 85) return (rng.next() * 2 ** 21 + rng.next()) * (rng.next() % 2 === 0 ? 1 : -1); // up to 2^53
  if (r < 88) return [NaN, Infinity, -Infinity, -0, 0, Number.MIN_VALUE, Number.MAX_VALUE][rng.next() % 7]!;
  return (rng.next() / 2 ** 32) * 10 ** (rng.next() % 30) - 5;
}

function bytesOf(values: number[]): Uint8Array {
  return new Uint8Array(Float64Array.from(values).buffer);
}

/** Equal as stored bits (NaN equals NaN, -0 is not 0). */
function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  const x = new Uint8Array(Float64Array.from(a).buffer);
  const y = new Uint8Array(Float64Array.from(b).buffer);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

describe('PerfRing (latest row and XOR deltas)', () => {
  for (const [width, capacity] of [[1, 20], [3, 2], [45, 20], [485, 20], [7, 1], [9, 5], [64, 3]] as const) {
    it(`gives back the last ${capacity} rows bit for bit (width ${width}), through 200 pushes`, () => {
      const rng = new Rng(width * 1000 + capacity);
      const ring = new PerfRing(width, capacity);
      const plain = new Plain(capacity);
      let cur = Array.from({ length: width }, () => nextValue(rng, 0));
      // Pushed through a buffer at an odd offset, as a REPORT frame carries them.
      for (let i = 0; i < 200; i++) {
        const stamp = 1_700_000_000 + i * 5 + (rng.next() % 1000) / 1000;
        if (i % 3 === 0) {
          const frame = new Uint8Array(width * 8 + 13);
          frame.set(bytesOf(cur), 13);
          ring.pushBytes(stamp, frame, 13);
        } else {
          ring.pushValues(stamp, cur);
        }
        plain.push(stamp, cur);
        expect(ring.size).toBe(plain.rows.length);
        expect(ring.latestStamp()).toBe(stamp);
        expect(sameBits(ring.latestValues()!, cur)).toBe(true);
        if (i % 17 === 0 || i > 190) {
          const rows = ring.rows();
          expect(rows.map((r) => r.stamp)).toEqual(plain.rows.map((r) => r.stamp));
          rows.forEach((r, k) => expect(sameBits(r.values, plain.rows[k]!.values)).toBe(true));
          const col = rng.next() % width;
          const h = ring.history(col, false);
          expect(h.map((x) => x[0])).toEqual(plain.rows.map((r) => r.stamp));
          expect(sameBits(h.map((x) => x[1]!), plain.rows.map((r) => r.values[col]!))).toBe(true);
          if (width > 1) {
            const c = Math.min(col, width - 2);
            const p = ring.history(c, true);
            expect(sameBits(p.flatMap((x) => [x[1]!, x[2]!]), plain.rows.flatMap((r) => [r.values[c]!, r.values[c + 1]!]))).toBe(true);
          }
        }
        cur = cur.map((v) => nextValue(rng, v));
      }
    });
  }

  it('holds far less than 20 raw rows when most counters do not move (threshold 0: most of them)', () => {
    const width = 485;
    const ring = new PerfRing(width, 20);
    const rng = new Rng(7);
    const cur = Array.from({ length: width }, (_, i) => (i < 40 ? rng.next() * 1000 : i % 3));
    for (let i = 0; i < 100; i++) {
      for (let c = 0; c < 40; c++) cur[c] = cur[c]! + (rng.next() % 100_000); // 40 busy counters, the rest still
      ring.pushValues(1000 + i * 5, cur);
    }
    const raw = 20 * width * 8;
    expect(ring.bytesHeld).toBeLessThan(raw / 4);
    expect(ring.history(3, false)).toHaveLength(20);
  });

  it('an empty ring reads as nothing reported', () => {
    const ring = new PerfRing(4);
    expect(ring.size).toBe(0);
    expect(ring.latestValues()).toBeUndefined();
    expect(ring.latest(0)).toBeUndefined();
    expect(ring.latestStamp()).toBe(0);
    expect(ring.history(0, false)).toEqual([]);
    expect(ring.rows()).toEqual([]);
  });

  it('copyColumnsFrom keeps the mapped columns of every kept row (schema change)', () => {
    const old = new PerfRing(3, 4);
    for (let i = 0; i < 6; i++) old.pushValues(i, [i, 10 * i, 100 * i]);
    const next = new PerfRing(2, 4);
    next.copyColumnsFrom(old, [[2, 0], [0, 1]]);
    expect(next.rows().map((r) => [r.stamp, ...r.values])).toEqual([[2, 200, 2], [3, 300, 3], [4, 400, 4], [5, 500, 5]]);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new PerfRing(3, 0)).toThrow(/capacity/);
  });
});
