// The body every scrape gets: both exposition formats encoded once per
// collection into one buffer (the sample runs they share are stored once), a
// gzip of each made on first demand and kept, and the staleness rule of Ceph's
// module. Serving a scrape is then writing prepared buffers.

import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import type { ExpositionFormat } from './exposition.js';
import type { Slicer } from '../../src/mgr-module/index.js';

export interface EncodedBody {
  readonly segments: Readonly<Record<ExpositionFormat, readonly Buffer[]>>;
  readonly bytes: Readonly<Record<ExpositionFormat, number>>;
}

/**
 * Encodes both bodies into a single buffer, yielding between parts. A part the
 * two formats share (every run of samples) is encoded once and appears in both
 * segment lists as the same bytes.
 */
export async function encodeBody(
  parts: { readonly text: ReadonlyArray<string | Buffer>; readonly openmetrics: ReadonlyArray<string | Buffer> },
  s: Slicer,
): Promise<EncodedBody> {
  const { text, openmetrics } = parts;
  // Parts that are bytes already (the byte writer's runs) are used as they are; strings are encoded.
  const size = (x: string | Buffer): number => (typeof x === 'string' ? Buffer.byteLength(x) : 0);
  let total = 0;
  for (let i = 0; i < openmetrics.length; i++) {
    const t = text[i];
    const o = openmetrics[i]!;
    total += size(o);
    if (t !== undefined && t !== o) total += size(t);
    if ((i & 31) === 31) await s.maybeYield();
  }
  const buf = Buffer.allocUnsafeSlow(total);
  let off = 0;
  const put = (str: string | Buffer): Buffer => {
    if (typeof str !== 'string') return str;
    const n = buf.write(str, off, 'utf8');
    const seg = buf.subarray(off, off + n);
    off += n;
    return seg;
  };
  const segText: Buffer[] = [];
  const segOm: Buffer[] = [];
  let bytesText = 0;
  let bytesOm = 0;
  for (let i = 0; i < openmetrics.length; i++) {
    const t = text[i];
    const o = openmetrics[i]!;
    const om = put(o);
    segOm.push(om);
    bytesOm += om.length;
    if (t !== undefined) {
      const tb = t === o ? om : put(t);
      segText.push(tb);
      bytesText += tb.length;
    }
    if ((i & 31) === 31) await s.maybeYield();
  }
  return { segments: { text: segText, openmetrics: segOm }, bytes: { text: bytesText, openmetrics: bytesOm } };
}

/** Input and output pieces of a gzip: ~1 MiB, so a 30 MB body is a few dozen trips to the thread pool, not thousands. */
const GZIP_PIECE = 1 << 20;

/** gzip of a segment list, streamed through zlib's thread pool (the event loop only hands buffers over). */
export async function gzipSegments(segments: readonly Buffer[], level: number): Promise<Buffer> {
  const gz = createGzip({ level, chunkSize: GZIP_PIECE });
  const out: Buffer[] = [];
  gz.on('data', (chunk: Buffer) => out.push(chunk));
  const ended = once(gz, 'end');
  let batch: Buffer[] = [];
  let size = 0;
  const write = async (piece: Buffer): Promise<void> => {
    if (!gz.write(piece)) await once(gz, 'drain');
  };
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const piece = batch.length === 1 ? batch[0]! : Buffer.concat(batch, size);
    batch = [];
    size = 0;
    await write(piece);
  };
  for (const seg of segments) {
    // Large segments (the perf families' lines, the writer's blocks) go as they are: copying
    // 30 MB into pieces would be 30 MB of garbage per gzip. Small ones are joined first.
    if (seg.length >= GZIP_PIECE / 16) {
      await flush();
      await write(seg);
      continue;
    }
    batch.push(seg);
    size += seg.length;
    if (size >= GZIP_PIECE) await flush();
  }
  await flush();
  gz.end();
  await ended;
  return Buffer.concat(out);
}

/** gzip level: level 1 compresses exposition text ~8–10× at a fraction of the default level's CPU. */
export const GZIP_LEVEL = 1;

/** Figures of the collection that made a body (logs, self-metrics, the benchmark). */
export interface CollectionStats {
  readonly series: number;
  readonly families: number;
  readonly perfDaemons: number;
  /** The longest synchronous stretch: what this collection stalled the event loop for. */
  readonly longestSliceMs: number;
  /** The same without the cluster reads in it: the stall of the exporter's own work. */
  readonly longestOwnSliceMs: number;
  readonly slices: number;
  /** Run time of the collection without the turns it yielded to other work. */
  readonly busyMs: number;
  /** The slowest cluster read and how long it took (included in longestSliceMs). */
  readonly slowestRead: { readonly name: string; readonly ms: number };
  /** The perf counters' render in the worker thread (0: rendered in the event loop). */
  readonly perfRenderMs: number;
  /** The worker rendered into a recycled arena (the benchmark shows it: a fresh 30 MB buffer costs the render 2-3x). */
  readonly perfArenaReused?: boolean;
}

export class CachedBody {
  private readonly gzipped = new Map<ExpositionFormat, Promise<Buffer>>();
  /** The gzips made so far (what gzip() resolved to). */
  private readonly gzipDone = new Map<ExpositionFormat, Buffer>();
  private users = 0;
  private onFree: (() => void) | undefined;
  private retired = false;

  constructor(
    readonly body: EncodedBody,
    /** Date.now() when the collection finished. */
    readonly collectedAtMs: number,
    /** Wall time from the start of the collection to the encoded body. */
    readonly durationMs: number,
    readonly stats: CollectionStats = { series: 0, families: 0, perfDaemons: 0, longestSliceMs: 0, longestOwnSliceMs: 0, slices: 0, busyMs: 0, slowestRead: { name: '', ms: 0 }, perfRenderMs: 0 },
    /** The health checks the body exports (healthDetailKey); undefined when unknown. */
    readonly healthKey?: string,
    /** The render worker's arena the perf lines are views of: handed back for the next render once the body is free. */
    readonly arena?: ArrayBuffer,
  ) {}

  /**
   * Marks the body's bytes in use (a response being written, a gzip reading
   * them); call the returned function when done (more than once is harmless).
   */
  hold(): () => void {
    this.users++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (--this.users === 0 && this.onFree !== undefined) {
        const free = this.onFree;
        this.onFree = undefined;
        free();
      }
    };
  }

  /** A newer body replaced this one: `free` runs once nothing holds it (at once if nothing does). */
  retire(free: () => void): void {
    if (this.retired) return;
    this.retired = true;
    if (this.users === 0) free();
    else this.onFree = free;
  }

  /** The gzip of one format, made once (concurrent scrapes wait for the same one). */
  gzip(format: ExpositionFormat): Promise<Buffer> {
    let p = this.gzipped.get(format);
    if (p === undefined) {
      if (this.retired && this.users === 0) return Promise.reject(new Error('gzip of a body already freed'));
      const done = this.hold();
      p = gzipSegments(this.body.segments[format], GZIP_LEVEL).finally(done);
      p.then((gz) => this.gzipDone.set(format, gz), () => this.gzipped.delete(format)); // a failed gzip is retried by the next scrape
      this.gzipped.set(format, p);
    }
    return p;
  }

  hasGzip(format: ExpositionFormat): boolean {
    return this.gzipped.has(format);
  }

  /** The gzip of one format if it is made already (no waiting), else undefined. */
  gzipReady(format: ExpositionFormat): Buffer | undefined {
    return this.gzipDone.get(format);
  }
}

/** A gzip made of a body, remembered with what decides whether it may stand in for a newer body's. */
export interface MadeGzip {
  readonly gz: Buffer;
  readonly healthKey: string | undefined;
  readonly collectedAtMs: number;
  readonly durationMs: number;
}

/**
 * The gzip a scrape of `body` may get while body's own is being made: an
 * earlier body's, when it exports the same health checks (a check that came
 * or went is never hidden) and is not stale itself; otherwise undefined (wait).
 */
export function earlierGzip(body: Pick<CachedBody, 'healthKey' | 'collectedAtMs'>, made: MadeGzip | undefined, nowMs: number, scrapeIntervalS: number): Buffer | undefined {
  if (made === undefined || made.collectedAtMs > body.collectedAtMs) return undefined;
  if (made.healthKey === undefined || made.healthKey !== body.healthKey) return undefined;
  return staleness(made, nowMs, scrapeIntervalS).stale ? undefined : made.gz;
}

export interface Staleness {
  readonly stale: boolean;
  /** Why, in words for the log and the 503 body. */
  readonly reason: string;
}

/**
 * Ceph's rule: the cache is stale when gathering it took at least
 * scrape_interval. Ours adds age: collection runs on its own timer, so a cache
 * older than twice the interval means collections stopped or keep failing.
 */
export function staleness(cached: Pick<CachedBody, 'collectedAtMs' | 'durationMs'>, nowMs: number, scrapeIntervalS: number): Staleness {
  const durationS = cached.durationMs / 1000;
  if (durationS >= scrapeIntervalS) {
    return { stale: true, reason: `Gathering data took ${durationS.toFixed(2)} seconds, metrics are stale for ${(durationS - scrapeIntervalS).toFixed(2)} seconds` };
  }
  const ageS = (nowMs - cached.collectedAtMs) / 1000;
  if (ageS > 2 * scrapeIntervalS) {
    return { stale: true, reason: `The last collection finished ${ageS.toFixed(2)} seconds ago (more than twice scrape_interval ${scrapeIntervalS}s)` };
  }
  return { stale: false, reason: '' };
}
