// A cached body's bytes are handed back to the render worker only once no
// response and no gzip reads them any more; gzips, and which one a scrape gets.

import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CachedBody, earlierGzip, gzipSegments, type EncodedBody } from './scrape-cache.js';

function body(text: string): EncodedBody {
  const b = Buffer.from(text);
  return { segments: { text: [b], openmetrics: [b, Buffer.from('# EOF\n')] }, bytes: { text: b.length, openmetrics: b.length + 6 } };
}

describe('CachedBody hold and retire', () => {
  it('frees a retired body at once when nothing holds it, else when the last holder lets go', () => {
    const freed: string[] = [];
    const a = new CachedBody(body('a 1\n'), 0, 1);
    a.retire(() => freed.push('a'));
    expect(freed).toEqual(['a']);

    const b = new CachedBody(body('b 1\n'), 0, 1);
    const r1 = b.hold();
    const r2 = b.hold();
    b.retire(() => freed.push('b'));
    b.retire(() => freed.push('b twice'));
    r1();
    r1(); // twice is once
    expect(freed).toEqual(['a']);
    r2();
    expect(freed).toEqual(['a', 'b']);
  });

  it('holds the body while it is gzipped, and refuses to gzip a freed one', async () => {
    const freed: string[] = [];
    const c = new CachedBody(body('x{a="1"} 2\n'.repeat(1000)), 0, 1);
    const gz = c.gzip('openmetrics');
    c.retire(() => freed.push('c'));
    expect(freed).toEqual([]);
    expect(gunzipSync(await gz).toString()).toBe(`${'x{a="1"} 2\n'.repeat(1000)}# EOF\n`);
    expect(freed).toEqual(['c']);
    await expect(c.gzip('text')).rejects.toThrow('already freed');
  });
});

describe('gzip', () => {
  it('gzipSegments: small segments joined, large ones as they are, the same bytes back', async () => {
    const big = Buffer.alloc(200_000, 'y');
    const parts = [Buffer.from('# HELP a x\n'), big, Buffer.from('a 1\n'), Buffer.alloc(70_000, 'z'), Buffer.from('b 2\n'), big];
    expect(gunzipSync(await gzipSegments(parts, 1)).equals(Buffer.concat(parts))).toBe(true);
  });

  it('gzipReady() is the gzip once made, undefined before', async () => {
    const c = new CachedBody(body('x 1\n'), 0, 1);
    expect(c.gzipReady('text')).toBeUndefined();
    const gz = await c.gzip('text');
    expect(c.gzipReady('text')).toBe(gz);
  });

  it('earlierGzip: an older body\'s gzip stands in only with the same health checks, not stale, and not newer', () => {
    const gz = Buffer.from('gz');
    const made = { gz, healthKey: 'HEALTH_OK', collectedAtMs: 10_000, durationMs: 300 };
    const body = { healthKey: 'HEALTH_OK', collectedAtMs: 25_000 };
    expect(earlierGzip(body, made, 26_000, 15)).toBe(gz);
    expect(earlierGzip(body, undefined, 26_000, 15)).toBeUndefined();
    expect(earlierGzip({ ...body, healthKey: 'HEALTH_WARN OSD_DOWN' }, made, 26_000, 15)).toBeUndefined();
    expect(earlierGzip({ ...body, healthKey: undefined }, { ...made, healthKey: undefined }, 26_000, 15)).toBeUndefined();
    // Older than twice the interval: stale, so the scrape waits for the new one.
    expect(earlierGzip(body, made, 10_000 + 30_001, 15)).toBeUndefined();
    expect(earlierGzip(body, { ...made, durationMs: 15_000 }, 26_000, 15)).toBeUndefined();
    expect(earlierGzip({ ...body, collectedAtMs: 5_000 }, made, 26_000, 15)).toBeUndefined();
  });
});
