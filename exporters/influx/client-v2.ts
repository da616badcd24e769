// The 2.x write API (/api/v2/write: InfluxDB 2.x, 1.8+, VictoriaMetrics)
// through @influxdata/influxdb-client, unmodified. The push loop does the
// batching and retrying, so each send is one request through the client's
// transport (its auth header, gzip, timeout and HttpError), with the request
// its WriteApi makes (path, content type, a 204 expected); its HttpError
// becomes a PushError the same way 1.x answers do. The body is the chunks'
// bytes: WriteApi takes only strings, and a 5,000-line chunk turned into one
// (~750 KB) was decoded, joined, measured and encoded again per send, ~1 s of
// CPU an interval at 10,000 OSDs (docs/decisions.md, session 7). It is gzipped
// here, as the transport would (over 1 kB, zlib's defaults, in the thread
// pool), before the transport sees it: the transport copies whatever body it
// gets, and the compressed one is a few percent of the ~0.8 MB batch
// (docs/decisions.md, session 9). A batch of several chunks goes through one
// gzip stream chunk by chunk, never joined first (session 10).

import { createGzip } from 'node:zlib';
import { HttpError, InfluxDB, RequestTimedOutError, setLogger } from '@influxdata/influxdb-client';
import type { Logger } from '../../src/mgr-module/index.js';
import { writeError } from './http-answer.js';
import type { LineChunk } from './line-chunks.js';
import type { InfluxConfig } from './options.js';

/**
 * The client logs write failures itself (to the console by default); the push
 * loop reports them already, so they go to our log at debug. The library keeps
 * one logger for the process: the last module instance to start sets it.
 */
export function routeClientLog(log: Logger): void {
  setLogger({
    error: (message: string, err?: unknown) => log.debug({ err: err instanceof Error ? err.message : undefined }, `influxdb-client: ${message}`),
    warn: (message: string, err?: unknown) => log.debug({ err: err instanceof Error ? err.message : undefined }, `influxdb-client: ${message}`),
  });
}

export class InfluxV2Client {
  private readonly influx: InfluxDB;

  constructor(private readonly c: InfluxConfig) {
    this.influx = new InfluxDB({
      url: c.baseUrl,
      token: c.token === '' ? undefined : c.token,
      timeout: c.sendTimeoutMs,
      transportOptions: { rejectUnauthorized: c.verifySsl },
    });
  }

  /** Writes chunks of lines as one body. Resolves once the server answered 204 (the chunks were compressed and copied by then: their buffers may be reused). */
  async write(chunks: readonly LineChunk[], signal: AbortSignal): Promise<void> {
    let rawBytes = 0;
    for (const c of chunks) rawBytes += c.bytes.length;
    // Over the threshold the chunks go through one gzip stream as they are (no copy of the raw body); under it, they are < 1 kB.
    const zipped = rawBytes > GZIP_THRESHOLD ? await gzipChunks(chunks) : undefined;
    const raw = zipped !== undefined ? undefined : chunks.length === 1 ? chunks[0]!.bytes : Buffer.concat(chunks.map((c) => c.bytes), rawBytes);
    signal.throwIfAborted();
    const path = `/api/v2/write?org=${encodeURIComponent(this.c.org)}&bucket=${encodeURIComponent(this.c.bucket)}&precision=ms`;
    const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
    if (zipped) headers['content-encoding'] = 'gzip';
    try {
      await new Promise<void>((resolve, reject) => {
        let status: number | undefined;
        let answerHeaders: Record<string, string | string[] | undefined> = {};
        // The node transport reads the body with Buffer.from(body, 'utf-8'): a Buffer is copied as it is.
        // No gzipThreshold: the body is compressed already, and the transport sets its content-length.
        this.influx.transport.send(path, (zipped ?? raw!) as unknown as string, { method: 'POST', headers, signal }, {
          responseStarted: (h, code) => {
            answerHeaders = h;
            status = code;
          },
          error: reject,
          complete: () => {
            if (status === undefined || status === 204 || status === 201) resolve();
            else reject(new HttpError(status, `204 HTTP response status code expected, but ${status} returned`, undefined, '0', undefined, undefined, answerHeaders));
          },
        });
      });
    } catch (err) {
      if (err instanceof HttpError) {
        const retryAfter = err.headers?.['retry-after'];
        throw writeError(err.statusCode, err.statusMessage ?? '', err.body ?? '', Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, {
          notFoundRetryable: false, nowMs: Date.now(),
        });
      }
      if (err instanceof RequestTimedOutError) throw new Error(`no answer within ${this.c.sendTimeoutMs} ms`);
      throw err;
    }
  }
}

/** The WriteApi's default: bodies over 1 kB go gzipped (zlib in the thread pool, not on the event loop). */
const GZIP_THRESHOLD = 1000;

/**
 * The chunks' bytes gzipped as one body, as zlib.gzip() of their concatenation would make it (zlib's
 * defaults), each chunk written to the stream as it is: only the compressed pieces are joined.
 */
export function gzipChunks(chunks: readonly LineChunk[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const z = createGzip();
    const out: Buffer[] = [];
    let size = 0;
    z.on('data', (b: Buffer) => {
      out.push(b);
      size += b.length;
    });
    z.on('end', () => resolve(out.length === 1 ? out[0]! : Buffer.concat(out, size)));
    z.on('error', reject);
    for (const c of chunks) z.write(c.bytes);
    z.end();
  });
}
