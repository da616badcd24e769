// The render kernel's number writers must write exactly what formatValue
// (String()) writes: the worker's lines are compared byte for byte with the
// string writer's, and Prometheus reads both.

import { describe, expect, it } from 'vitest';
import { formatValue, writeSeconds, writeValue } from './render-kernel.js';
import { Rng } from '../../src/sim/model/rng.js';

const buf = new Uint8Array(64);
const written = (write: (b: Uint8Array, off: number, v: number) => number, v: number): string => {
  const end = write(buf, 0, v);
  return Buffer.from(buf.subarray(0, end)).toString('latin1');
};

/** Whole nanosecond counts of every magnitude, around the edges of the fast path too. */
function nanosecondCounts(): number[] {
  const rng = new Rng(17);
  const r = (): number => rng.float();
  const out = [0, 1, 999, 1000, 1001, 1e9 - 1, 1e9, 1e9 + 1, 2e9, 1e15 - 1, 1e15, 1e15 + 1, 2 ** 53 - 1, 2 ** 53, 123456789, 100000000, 10, 120000000000];
  for (let digits = 1; digits <= 17; digits++) {
    for (let i = 0; i < 3000; i++) {
      const n = Math.floor(r() * 10 ** digits);
      out.push(n);
      // Runs of trailing zeros (round latencies) and of trailing nines.
      out.push(Math.floor(n / 1000) * 1000, Math.floor(n / 1e6) * 1e6 + 999999);
    }
  }
  return out;
}

describe('render kernel number writers', () => {
  it('writeSeconds(ns) writes formatValue(ns / 1e9) for whole nanosecond counts of every size', () => {
    let checked = 0;
    for (const ns of nanosecondCounts()) {
      expect(written(writeSeconds, ns), `ns=${ns}`).toBe(formatValue(ns / 1e9));
      checked++;
    }
    expect(checked).toBeGreaterThan(100_000);
  });

  it('writeSeconds falls back to formatValue for what is not a whole count in range', () => {
    for (const ns of [-1, -1500, -0, 0.5, 1234.5, 1e-3, NaN, Infinity, -Infinity, 1e21, 1e300, Number.MIN_VALUE]) {
      expect(written(writeSeconds, ns), `ns=${ns}`).toBe(formatValue(ns / 1e9));
    }
  });

  it('writeValue writes formatValue(v) for integers, fractions and the special values', () => {
    const rng = new Rng(5);
    const r = (): number => rng.float();
    const values = [0, -0, 1, -1, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, 1e21, 1e-7, 0.1, NaN, Infinity, -Infinity];
    for (let i = 0; i < 20_000; i++) {
      values.push(Math.floor(r() * 10 ** (1 + (i % 16))), (r() - 0.5) * 10 ** ((i % 40) - 20));
    }
    for (const v of values) expect(written(writeValue, v), `v=${v}`).toBe(formatValue(v));
  });
});
