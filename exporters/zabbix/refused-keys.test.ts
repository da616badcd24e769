import { describe, expect, it } from 'vitest';
import { NORMAL, REFUSED, RefusedKeyFinder } from './refused-keys.js';

/** A server that refuses `bad`: runs one interval of `keys` through the finder, each value sent once. */
function interval(f: RefusedKeyFinder, keys: string[], bad: Set<string>): { requests: number; sent: string[] } {
  const sent: string[] = [];
  const plan = f.plan(keys.map((key) => ({ key })));
  for (const req of plan) {
    const ks = req.items.map((i) => i.key);
    sent.push(...ks);
    f.record(ks, req.group, ks.filter((k) => bad.has(k)).length);
  }
  return { requests: plan.length, sent };
}

const KEYS = Array.from({ length: 96 }, (_, i) => `ceph.k${i}`);

describe('refused key finder', () => {
  it('sends everything in one request while nothing is refused', () => {
    const f = new RefusedKeyFinder();
    expect(f.plan(KEYS.map((key) => ({ key })))).toEqual([{ items: KEYS.map((key) => ({ key })), group: NORMAL }]);
  });

  it('narrows one refused key down in three intervals, sending each value once per interval', () => {
    const f = new RefusedKeyFinder(16);
    const bad = new Set(['ceph.k37']);
    const rounds = [1, 2, 3].map(() => interval(f, KEYS, bad));
    for (const r of rounds) expect([...r.sent].sort()).toEqual([...KEYS].sort());
    expect(rounds[1]!.requests).toBe(16); // the failing request's 96 keys in 16 groups of 6
    expect(f.refusedKeys()).toEqual(['ceph.k37']);
    expect(f.suspectCount).toBe(0);
    // from then on: the refused key alone, the rest together
    expect(f.plan(KEYS.map((key) => ({ key }))).map((r) => [r.group, r.items.length])).toEqual([[NORMAL, 95], [REFUSED, 1]]);
  });

  it('names every key at once when a whole request is refused, and forgets them when they are taken', () => {
    const f = new RefusedKeyFinder();
    interval(f, KEYS.slice(0, 10), new Set(KEYS));
    expect(f.refusedKeys(3)).toEqual(['ceph.k0', 'ceph.k1', 'ceph.k2']);
    expect(f.refusedCount).toBe(10);
    interval(f, KEYS.slice(0, 10), new Set()); // the host got its items
    expect(f.refusedCount).toBe(0);
  });

  it('narrows down again when only some refused keys are taken', () => {
    const f = new RefusedKeyFinder(2);
    interval(f, ['a', 'b', 'c', 'd'], new Set(['a', 'b', 'c', 'd']));
    interval(f, ['a', 'b', 'c', 'd'], new Set(['c']));
    expect(f.refusedCount).toBe(0);
    expect(f.suspectCount).toBe(4);
    interval(f, ['a', 'b', 'c', 'd'], new Set(['c'])); // {a,b} fine, {c,d} fails -> c, d apart
    interval(f, ['a', 'b', 'c', 'd'], new Set(['c']));
    expect(f.refusedKeys()).toEqual(['c']);
  });

  it('keeps at most maxSuspects keys under investigation', () => {
    const f = new RefusedKeyFinder(16, 10);
    interval(f, KEYS, new Set(['ceph.k1']));
    expect(f.suspectCount).toBe(10);
  });
});
