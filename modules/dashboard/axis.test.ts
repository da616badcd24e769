// The charts' y-axis helpers (pure): tick labels in one unit, each exact and
// distinct (so they read in order), byte ticks in binary steps, and the axis as
// wide as its widest label.

import { describe, expect, it } from 'vitest';
import { AXIS_GAP_PX, AXIS_TICK_PX, axisWidth, BYTE_INCRS, tickLabels } from './frontend/axis.js';

const KiB = 1024;
const MiB = 1024 ** 2;
const steps = (step: number, from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i * step);

describe('chart y axis', () => {
  it('labels byte-rate ticks in the largest unit that shows each exactly', () => {
    expect(tickLabels('bytes/s', steps(8 * MiB, 0, 5))).toEqual(['0 B/s', '8 MiB/s', '16 MiB/s', '24 MiB/s', '32 MiB/s']);
    expect(tickLabels('bytes/s', steps(512 * KiB, 0, 4))).toEqual(['0 B/s', '0.5 MiB/s', '1.0 MiB/s', '1.5 MiB/s']);
    // Seen in the UI test: a narrow range around 1 MiB/s had read "992 KiB/s < 1 MiB/s < 1 MiB/s".
    expect(tickLabels('bytes/s', steps(32 * KiB, 992 * KiB, 3))).toEqual(['992 KiB/s', '1024 KiB/s', '1056 KiB/s']);
    expect(tickLabels('bytes/s', [0, 32, 64, 96])).toEqual(['0 B/s', '32 B/s', '64 B/s', '96 B/s']);
  });

  it('labels counts per second and milliseconds the same way', () => {
    expect(tickLabels('per-s', [0, 50, 100, 150])).toEqual(['0/s', '50/s', '100/s', '150/s']);
    expect(tickLabels('per-s', steps(10, 10_000, 3))).toEqual(['10.00 k/s', '10.01 k/s', '10.02 k/s']);
    expect(tickLabels('per-s', steps(2.5, 0, 4))).toEqual(['0/s', '2.5/s', '5.0/s', '7.5/s']);
    expect(tickLabels('ms', steps(0.005, 0.01, 3))).toEqual(['0.010 ms', '0.015 ms', '0.020 ms']);
  });

  it('never gives two ticks the same label, and labels rise with the ticks', () => {
    const parse = (l: string): number => {
      const m = /^([\d.]+) (B|KiB|MiB|GiB|TiB|PiB)\/s$/.exec(l);
      if (!m) throw new Error(`label ${l}`);
      return Number(m[1]) * 1024 ** ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'].indexOf(m[2]!);
    };
    for (const incr of BYTE_INCRS.slice(0, 40)) {
      for (const from of [0, incr * 7, incr * 1000]) {
        const ticks = steps(incr, from, 5);
        const labels = tickLabels('bytes/s', ticks);
        expect(new Set(labels).size, labels.join(' ')).toBe(labels.length);
        expect(labels.map(parse)).toEqual(ticks);
      }
    }
  });

  it('steps byte axes by powers of two', () => {
    expect(BYTE_INCRS).toContain(MiB);
    expect(BYTE_INCRS.every((x, i) => i === 0 || x === 2 * BYTE_INCRS[i - 1]!)).toBe(true);
  });

  it('is as wide as the widest label plus tick and gap', () => {
    const measure = (s: string): number => s.length * 7;
    // The labels that were cut to "9.1 MiB/s" and "8.1 MiB/s" in the 70 px axis.
    expect(axisWidth(['0 B/s', '19.1 MiB/s', '38.1 MiB/s'], measure)).toBeGreaterThan(70);
    expect(axisWidth(['1 B/s', null, '1.5 GiB/s'], measure)).toBe(Math.ceil(AXIS_TICK_PX + AXIS_GAP_PX + 9 * 7 + 4));
    expect(axisWidth(['0', '5'], measure)).toBe(40);
    expect(axisWidth(null, measure)).toBe(40);
  });
});
