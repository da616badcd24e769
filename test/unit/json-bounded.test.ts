// The bounded JSON parsers of wire frame bodies: the sliced one accepts exactly
// what JSON.parse accepts and builds the same value, yields between slices,
// and both refuse nesting beyond the bound.

import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/sim/model/rng.js';
import { checkDepth, JsonBodyError, parseJsonBounded, parseJsonSliced } from '../../src/protocol/json-bounded.js';

/** The simulator's seeded PRNG: the same documents on every run, so a failure replays. */
function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next() / 4294967296;
}

const STRINGS = ['', 'a', 'osd.3', 'x"y', 'back\\slash', 'tab\there', 'ünïcødé ✓', '__proto__', '{[,:]}', 'line\nbreak'];

function randomValue(r: () => number, depth: number): unknown {
  const k = r();
  if (depth > 4 || k < 0.35) {
    const s = r();
    if (s < 0.3) return Math.floor(r() * 1e6) - 5e5;
    if (s < 0.45) return r() * 1e3;
    if (s < 0.55) return r() < 0.5;
    if (s < 0.6) return null;
    return STRINGS[Math.floor(r() * STRINGS.length)]!;
  }
  const n = Math.floor(r() * 8);
  if (k < 0.65) return Array.from({ length: n }, () => randomValue(r, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) o[STRINGS[Math.floor(r() * STRINGS.length)]! + String(i % 3)] = randomValue(r, depth + 1);
  return o;
}

/** JSON text with random whitespace between tokens (outside strings). */
function withSpaces(text: string, r: () => number): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    out += c;
    if (inString) {
      if (c === '\\') out += text[++i]!;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (',:[]{}'.includes(c) && r() < 0.3) out += [' ', '\n', '\t', '\r\n  '][Math.floor(r() * 4)]!;
  }
  return out;
}

const noWait = (): Promise<void> => Promise.resolve();

async function same(text: string, leafBytes: number): Promise<void> {
  const buf = Buffer.from(text);
  let expected: unknown;
  let expectedError = false;
  try {
    expected = JSON.parse(text);
  } catch {
    expectedError = true;
  }
  let got: unknown;
  let gotError: unknown;
  try {
    got = await parseJsonSliced(buf, { maxDepth: 1000, leafBytes, yieldNow: noWait });
  } catch (err) {
    gotError = err;
  }
  if (expectedError) {
    expect(gotError, `accepted invalid JSON: ${JSON.stringify(text)}`).toBeInstanceOf(JsonBodyError);
  } else {
    expect(gotError, `refused valid JSON: ${JSON.stringify(text)}`).toBeUndefined();
    expect(got).toStrictEqual(expected);
    expect(JSON.stringify(got)).toBe(JSON.stringify(expected)); // same key order
  }
}

describe('parseJsonSliced', () => {
  it('builds what JSON.parse builds for random documents, at every leaf size', async () => {
    const r = rng(7);
    for (let i = 0; i < 400; i++) {
      const text = withSpaces(JSON.stringify(randomValue(r, 0)), r);
      for (const leaf of [1, 4, 16, 64, 1 << 20]) await same(text, leaf);
    }
  });

  it('refuses what JSON.parse refuses: random byte edits of valid documents', async () => {
    const r = rng(11);
    const edits = ['', ',', ':', ']', '}', '[', '{', '"', '\\', 'x', ' ', '0', '-', 'e', 'tru'];
    let refused = 0;
    for (let i = 0; i < 1500; i++) {
      const text = JSON.stringify(randomValue(r, 0));
      const at = Math.floor(r() * (text.length + 1));
      const cut = r() < 0.5 ? 1 : 0;
      const mutated = text.slice(0, at) + edits[Math.floor(r() * edits.length)]! + text.slice(at + cut);
      for (const leaf of [1, 8, 1 << 20]) await same(mutated, leaf);
      try {
        JSON.parse(mutated);
      } catch {
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(300); // the edits do produce invalid documents
  });

  it('keeps "__proto__" an own property, as JSON.parse does', async () => {
    const text = '{"__proto__": {"polluted": 1}, "a": [{"__proto__": 2}]}';
    const v = (await parseJsonSliced(Buffer.from(text), { maxDepth: 10, leafBytes: 1, yieldNow: noWait })) as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('yields to the event loop while it parses a large body', async () => {
    const doc = { osds: Array.from({ length: 20_000 }, (_, i) => ({ osd: i, up: 1, in: 1, uuid: `uuid-${i}`, public_addr: `10.0.${i >> 8}.${i & 255}:6800/1` })) };
    const buf = Buffer.from(JSON.stringify(doc));
    let turns = 0;
    const v = await parseJsonSliced(buf, { maxDepth: 8, sliceMs: 0, yieldNow: () => new Promise((r) => setImmediate(() => r(void turns++))) });
    expect(v).toStrictEqual(doc);
    expect(turns).toBeGreaterThan(10);
  });

  it('refuses nesting beyond the bound, in a small leaf or in the walked structure', async () => {
    const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);
    await expect(parseJsonSliced(Buffer.from(deep(11)), { maxDepth: 10, yieldNow: noWait })).rejects.toThrow('nested deeper than 10 levels');
    await expect(parseJsonSliced(Buffer.from(deep(11)), { maxDepth: 10, leafBytes: 2, yieldNow: noWait })).rejects.toThrow('nested deeper than 10 levels');
    await expect(parseJsonSliced(Buffer.from(deep(10)), { maxDepth: 10, leafBytes: 2, yieldNow: noWait })).resolves.toBeDefined();
  });
});

describe('parseJsonBounded', () => {
  it('parses within the bound and refuses deeper nesting before parsing', () => {
    expect(parseJsonBounded(Buffer.from('{"a":[1,{"b":"[[[["}]}'), 3)).toEqual({ a: [1, { b: '[[[[' }] });
    expect(() => parseJsonBounded(Buffer.from('{"a":[[1]]}'), 2)).toThrow('nested deeper than 2 levels');
    expect(() => checkDepth(Buffer.from('['.repeat(1_000_000)), 64)).toThrow(JsonBodyError);
  });

  it('names the JSON error', () => {
    expect(() => parseJsonBounded(Buffer.from('{"a":'), 4)).toThrow(JsonBodyError);
  });
});
