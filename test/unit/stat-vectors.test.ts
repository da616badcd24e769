// statfsVector reads each field by name (no boxed number per keyed load): the
// vector must be what reading STATFS_FIELDS in order gives, for whole reports,
// partial ones, junk values and none at all.

import { describe, expect, test } from 'vitest';
import { STATFS_FIELDS, STATFS_W, statfsVector } from '../../src/state/stat-vectors.js';
import { mulberry32 } from '../helpers/prng.js';

/** The field-order reading the named one replaced. */
function byFieldList(s: Record<string, unknown> | undefined): number[] {
  return STATFS_FIELDS.map((f) => {
    const x = s?.[f];
    return typeof x === 'number' && Number.isFinite(x) ? x : 0;
  });
}

describe('statfsVector', () => {
  test('gives every field in STATFS_FIELDS order, 0 for missing, non-numeric and non-finite ones', () => {
    const r = mulberry32(17);
    const junk = [NaN, Infinity, -Infinity, '12', null, undefined, {}, true];
    for (let n = 0; n < 300; n++) {
      const s: Record<string, unknown> = {};
      for (const f of STATFS_FIELDS) {
        const k = r();
        if (k < 0.1) continue;
        s[f] = k < 0.2 ? junk[Math.floor(r() * junk.length)] : Math.floor(r() * 2 ** 52) - (k < 0.25 ? 2 ** 51 : 0);
      }
      const into = new Float64Array(STATFS_W * 3).fill(7);
      statfsVector(s, into, STATFS_W);
      expect([...into.subarray(STATFS_W, 2 * STATFS_W)]).toEqual(byFieldList(s));
      // Only its own slice is written.
      expect([...into.subarray(0, STATFS_W), ...into.subarray(2 * STATFS_W)].every((x) => x === 7)).toBe(true);
    }
    const none = new Float64Array(STATFS_W * 2).fill(7);
    statfsVector(undefined, none, STATFS_W);
    expect([...none.subarray(STATFS_W)]).toEqual(byFieldList(undefined));
    expect([...none.subarray(0, STATFS_W)].every((x) => x === 7)).toBe(true);
    expect(STATFS_W).toBe(10); // the named reads cover every field: a new one must be added there too
  });
});
