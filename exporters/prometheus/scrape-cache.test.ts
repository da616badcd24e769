// A cached body's bytes are handed back to the render worker only once no
// response and no gzip reads them any more.

import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CachedBody, type EncodedBody } from './scrape-cache.js';

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
