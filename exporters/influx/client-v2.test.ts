// The 2.x client's body: a batch of several chunks is gzipped through one
// stream chunk by chunk, never joined into a copy of the raw body first, and
// what arrives is every line of every chunk, in order, as one gzip body.

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { InfluxV2Client, gzipChunks } from './client-v2.js';
import { linesChunk, type LineChunk } from './line-chunks.js';
import { INFLUX_OPTIONS, resolveConfig } from './options.js';

interface Got {
  headers: IncomingHttpHeaders;
  raw: Buffer;
}

let server: Server;
let port = 0;
const got: Got[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, raw: Buffer.concat(parts) });
      res.writeHead(204);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

afterEach(() => {
  vi.restoreAllMocks();
  got.length = 0;
});

function client(): InfluxV2Client {
  const opts: Record<string, string | number | boolean> = Object.fromEntries(INFLUX_OPTIONS.map((o) => [o.name, o.default as string | number | boolean]));
  Object.assign(opts, { api_version: 2, url: `http://127.0.0.1:${port}`, bucket: 'ceph', org: 'o', token: 't' });
  return new InfluxV2Client(resolveConfig(<T>(name: string) => opts[name] as T));
}

/** `n` lines of the daemon stats' shape, numbered from `from`. */
function chunk(from: number, n: number): LineChunk {
  return linesChunk(Array.from({ length: n }, (_, i) =>
    `ceph_daemon_stats,ceph_daemon=osd.${from + i},fsid=433500eb-af2c-4dac-b9f0-03fd67b0928a,host=h${(from + i) % 7},type_instance=osd.op_w value=${(from + i) * 7919}i 1795714901739`));
}

describe('InfluxV2Client body', () => {
  it('gzips a batch of several chunks without joining their raw bytes, and the server gets every line in order', async () => {
    const chunks = [chunk(0, 3000), chunk(3000, 3000), chunk(6000, 3000)];
    const rawBytes = chunks.reduce((n, c) => n + c.bytes.length, 0);
    const joined: number[] = [];
    const concat = Buffer.concat.bind(Buffer);
    vi.spyOn(Buffer, 'concat').mockImplementation((list: readonly Uint8Array[], total?: number) => {
      const b = concat(list, total);
      joined.push(b.length);
      return b;
    });
    await client().write(chunks, new AbortController().signal);
    vi.restoreAllMocks();
    // Joins of compressed pieces only: none as large as a tenth of the raw body (the lines compress ~20x).
    expect(Math.max(0, ...joined)).toBeLessThan(rawBytes / 10);
    expect(got).toHaveLength(1);
    expect(got[0]!.headers['content-encoding']).toBe('gzip');
    expect(Number(got[0]!.headers['content-length'])).toBe(got[0]!.raw.length);
    expect(gunzipSync(got[0]!.raw).equals(Buffer.concat(chunks.map((c) => c.bytes)))).toBe(true);
  });

  it('makes the bytes zlib.gzip makes of the joined chunks', async () => {
    const chunks = [chunk(0, 500), chunk(500, 1), chunk(501, 700)];
    const whole = Buffer.concat(chunks.map((c) => c.bytes));
    expect((await gzipChunks(chunks)).equals(gzipSync(whole))).toBe(true);
  });

  it('sends a body under 1 kB as it is, joined', async () => {
    const chunks = [chunk(0, 2), chunk(2, 2)];
    await client().write(chunks, new AbortController().signal);
    expect(got[0]!.headers['content-encoding']).toBeUndefined();
    expect(got[0]!.raw.equals(Buffer.concat(chunks.map((c) => c.bytes)))).toBe(true);
  });
});
