// The views' number formats (pure).

import { describe, expect, it } from 'vitest';
import { bytes, opsRate } from './frontend/format.js';

describe('dashboard number formats', () => {
  it('gives an ops/s column one decimal below 10,000, then k/M', () => {
    expect([46, 53.2, 0, 9999.94].map(opsRate)).toEqual(['46.0', '53.2', '0.0', '9999.9']);
    expect(opsRate(12_345)).toBe('12.3 k');
    expect(opsRate(2.5e6)).toBe('2.5 M');
  });

  it('shows bytes in binary units', () => {
    expect([0, 1023, 1024, 1536, 100 * 1024 ** 2].map(bytes)).toEqual(['0 B', '1023 B', '1.0 KiB', '1.5 KiB', '100 MiB']);
  });
});
