// Line protocol written straight into byte buffers: one interval's points
// become chunks of at most batch_size lines, each chunk one request body (or
// part of one), with no string or object per point. A series' escaped
// `measurement,tags,type_instance=` and a counter's escaped name are encoded
// once (points.ts keeps them between intervals); a point is three byte copies
// and its digits. Buffers come from a small pool and go back to it once their
// chunk is delivered, so an interval allocates next to nothing and leaves the
// garbage collector nothing to do (docs/decisions.md, "Influx delivery speed").

import { fieldValue } from './line-protocol.js';

/** Encoded lines, each ending in '\n'. */
export interface LineChunk {
  readonly bytes: Buffer;
  readonly points: number;
  /** The pool's buffer the bytes are in, handed back once delivered; undefined for a piece cut off a chunk. */
  readonly pooled: Buffer | undefined;
}

/** A series up to its last tag's `=`: what every point of it starts with. */
export interface EncodedSeries {
  readonly prefix: Buffer;
}

/** A field's key and what follows it: `<escaped type_instance> value=`. */
export interface EncodedKey {
  readonly bytes: Buffer;
}

/** Longest `value` text: `-9223372036854775808i`. */
const VALUE_MAX = 21;
/** A chunk's buffer never grows past this (a batch_size of a million is sent as several chunks in one request). */
const CHUNK_MAX_BYTES = 4 * 1024 * 1024;
const CHUNK_MIN_BYTES = 64 * 1024;
const I = 0x69;
const NL = 0x0a;
const EMPTY = Buffer.alloc(0);

/**
 * Free buffers to write chunks into, up to `keep()` of them. Every buffer it makes is as large as the
 * largest asked for yet: any free one fits the next chunk, so once the first intervals have sized them
 * an interval makes no new buffer (sized by each request, a buffer a few bytes short of the next
 * chunk's estimate was thrown away and a new one made, a few ~0.8 MB allocations an interval).
 */
export class BufferPool {
  private readonly free: Buffer[] = [];
  private largest = 0;
  /** Bytes a line took on average in the last chunk closed (the next buffers are sized by it). */
  lineBytes = 160;
  /** Buffers made since the pool was (tests and benches count them). */
  made = 0;

  constructor(private readonly keep: () => number) {}

  get(min: number): Buffer {
    while (this.free.length > 0) {
      const b = this.free.pop()!;
      if (b.length >= min) return b;
    }
    this.largest = Math.max(this.largest, min);
    this.made++;
    return Buffer.allocUnsafe(this.largest);
  }

  put(b: Buffer): void {
    if (this.free.length < this.keep()) this.free.push(b);
  }

  get size(): number {
    return this.free.length;
  }
}

/**
 * Batches per sender the module lets wait (the push loop's `waitingPerSender`): one. The build outruns
 * the senders, so a sender finishing always finds the next batch; a second one per sender (the loop's
 * default) only kept ~0.85 MB more per sender alive, and in the pool, at 10,000 OSDs.
 */
export const WAITING_PER_SENDER = 1;

/**
 * Most chunk buffers alive at once with `threads` senders, one chunk per batch: the push loop lets up to
 * WAITING_PER_SENDER x threads batches wait and the producer passes that mark by one chunk before it
 * waits, `threads` are in flight, one is being written. A pool keeping fewer throws one away and makes
 * one every interval.
 */
export function chunksInUse(threads: number): number {
  return (WAITING_PER_SENDER + 1) * threads + 2;
}

/** Cuts a chunk after its first `n` lines (0 < n < points); both pieces share its bytes. */
export function splitChunk(c: LineChunk, n: number): readonly [LineChunk, LineChunk] {
  let at = 0;
  for (let i = 0; i < n; i++) at = c.bytes.indexOf(NL, at) + 1;
  return [{ bytes: c.bytes.subarray(0, at), points: n, pooled: undefined }, { bytes: c.bytes.subarray(at), points: c.points - n, pooled: undefined }];
}

/** The lines of a chunk as text, without the last newline (tests, the bench). */
export function chunkText(c: LineChunk): string {
  return c.bytes.toString('utf8', 0, c.bytes.length - 1);
}

/** Writes one interval's points into chunks of at most `batchPoints` lines. */
export class ChunkWriter {
  /** Values line protocol cannot carry (NaN, infinities): left out, counted. */
  skipped = 0;
  private readonly done: LineChunk[] = [];
  private readonly tail: Buffer;
  private buf: Buffer;
  private pos = 0;
  private points = 0;

  constructor(timestampMs: number, private readonly batchPoints: number, private readonly pool: BufferPool) {
    this.tail = Buffer.from(` ${Math.trunc(timestampMs)}\n`, 'latin1');
    this.buf = pool.get(this.bufferBytes(0));
  }

  /** Whether finished chunks wait to be taken. */
  get ready(): boolean {
    return this.done.length > 0;
  }

  add(s: EncodedSeries, k: EncodedKey, value: number): void {
    if (!Number.isFinite(value)) {
      this.skipped++;
      return;
    }
    const prefix = s.prefix;
    const key = k.bytes;
    const need = prefix.length + key.length + VALUE_MAX + this.tail.length;
    if (this.points >= this.batchPoints || this.pos + need > this.buf.length) this.close(need);
    const buf = this.buf;
    let p = copy(buf, this.pos, prefix);
    p = copy(buf, p, key);
    p = writeValue(buf, p, value);
    this.pos = copy(buf, p, this.tail);
    this.points++;
  }

  /** The end of the interval: the chunk being written is finished (an empty one's buffer goes back to the pool). */
  end(): void {
    if (this.points > 0) this.done.push({ bytes: this.buf.subarray(0, this.pos), points: this.points, pooled: this.buf });
    else if (this.buf.length > 0) this.pool.put(this.buf);
    this.buf = EMPTY;
    this.pos = 0;
    this.points = 0;
  }

  /** The finished chunks, oldest first. */
  take(): LineChunk[] {
    return this.done.splice(0);
  }

  private close(need: number): void {
    if (this.points > 0) {
      this.done.push({ bytes: this.buf.subarray(0, this.pos), points: this.points, pooled: this.buf });
      this.pool.lineBytes = this.pos / this.points;
    } else {
      this.pool.put(this.buf);
    }
    this.buf = this.pool.get(this.bufferBytes(need));
    this.pos = 0;
    this.points = 0;
  }

  /** A chunk's buffer: batchPoints lines of the last average length and a little, within bounds, and at least `need`. */
  private bufferBytes(need: number): number {
    const want = Math.ceil(this.batchPoints * this.pool.lineBytes * 1.1);
    return Math.max(need, Math.min(CHUNK_MAX_BYTES, Math.max(CHUNK_MIN_BYTES, want)));
  }
}

function copy(dst: Buffer, at: number, src: Buffer): number {
  const n = src.length;
  if (n >= 64) dst.set(src, at);
  else for (let i = 0; i < n; i++) dst[at + i] = src[i]!;
  return at + n;
}

/**
 * The `value` field as fieldValue() spells it (`<integer>i`, rounded), without
 * a string for integers within ±2^53; beyond that (clamped to int64) through
 * fieldValue. `v` is finite.
 */
export function writeValue(buf: Buffer, at: number, v: number): number {
  let r = Math.round(v);
  if (!(r <= Number.MAX_SAFE_INTEGER && r >= -Number.MAX_SAFE_INTEGER)) {
    const text = fieldValue(v)!;
    for (let i = 0; i < text.length; i++) buf[at++] = text.charCodeAt(i);
    return at;
  }
  if (r < 0) {
    buf[at++] = 0x2d;
    r = -r;
  }
  if (r >= 1e8) {
    const high = Math.floor(r / 1e8);
    at = writeUint(buf, at, high);
    let low = r - high * 1e8;
    for (let end = at + 8; end > at; ) {
      buf[--end] = 0x30 + (low % 10);
      low = Math.floor(low / 10);
    }
    at += 8;
  } else {
    at = writeUint(buf, at, r);
  }
  buf[at] = I;
  return at + 1;
}

/** 0 <= n < 1e8, an integer. */
function writeUint(buf: Buffer, at: number, n: number): number {
  if (n < 10) {
    buf[at] = 0x30 + n;
    return at + 1;
  }
  let len = 2;
  while (len < 8 && n >= POW10[len]!) len++;
  for (let i = at + len - 1; i >= at; i--) {
    buf[i] = 0x30 + (n % 10);
    n = (n / 10) | 0;
  }
  return at + len;
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8];

/** The lines of chunks, as text (tests, the bench). */
export function chunkLines(chunks: readonly LineChunk[]): string[] {
  return chunks.flatMap((c) => (c.points === 0 ? [] : chunkText(c).split('\n')));
}

/** Lines already written as text, as one chunk (tests, and callers without a ChunkWriter). */
export function linesChunk(lines: readonly string[]): LineChunk {
  return { bytes: Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8'), points: lines.length, pooled: undefined };
}
