// Frame layer of the mgrd wire protocol (docs/protocol.md): every frame is
//   u32 big-endian length | u8 type | payload (length - 1 bytes)
// The decoder is incremental and never buffers more than one frame's worth.

export const PROTOCOL_MAGIC = 'mgrd';
/**
 * 2: PG_STATS_BIN carries the heartbeat ping times in a binary section after
 * the PG records (docs/protocol.md), no longer as JSON in its head. A peer
 * that negotiated 1 sends and gets version 1's layout.
 */
export const PROTOCOL_VERSION = 2;
export const MIN_PROTOCOL_VERSION = 1;
/** The first version whose PG_STATS_BIN has the ping section. */
export const PING_SECTION_VERSION = 2;

export const FrameType = {
  HELLO: 1,
  CHALLENGE: 2,
  AUTH: 3,
  AUTH_OK: 4,
  OPEN: 5,
  CONFIGURE: 6,
  REPORT: 7,
  PG_STATS: 8,
  MAP: 9,
  COMMAND: 10,
  COMMAND_REPLY: 11,
  ERROR: 12,
  CLOSE: 13,
  REDIRECT: 14,
  /** PG_STATS as a JSON head and fixed-layout binary records (pg-stats-codec.ts). */
  PG_STATS_BIN: 15,
  /** A command the cluster source answers, forwarded by the manager (server → mon-profile client). */
  MON_COMMAND: 16,
  /** The cluster source's answer to a MON_COMMAND (client → server). */
  MON_COMMAND_REPLY: 17,
} as const;

export type FrameTypeName = keyof typeof FrameType;
export type FrameTypeCode = (typeof FrameType)[FrameTypeName];

const TYPE_NAMES: string[] = [];
for (const [name, code] of Object.entries(FrameType)) TYPE_NAMES[code] = name;

export function frameTypeName(code: number): string {
  return TYPE_NAMES[code] ?? `UNKNOWN(${code})`;
}

/** Default largest frame accepted (a full osd_map of 10,000 OSDs is ~15 MiB of JSON). */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;

export const FRAME_HEADER_BYTES = 5;

/** Encodes one frame around a binary payload. */
export function encodeFrame(type: FrameTypeCode, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  out.writeUInt32BE(payload.length + 1, 0);
  out[4] = type;
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/** Encodes one frame whose payload is a JSON document. */
export function encodeJsonFrame(type: FrameTypeCode, body: unknown): Buffer {
  const json = JSON.stringify(body);
  const len = Buffer.byteLength(json);
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + len);
  out.writeUInt32BE(len + 1, 0);
  out[4] = type;
  out.write(json, FRAME_HEADER_BYTES, 'utf8');
  return out;
}

export class FrameError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

export type FrameHandler = (type: number, payload: Buffer) => void;

/**
 * Checks a frame header as soon as its 5 bytes are in: throws (FrameError,
 * or the caller's own error) to refuse the frame before any of its payload
 * is buffered. `len` counts the type byte and the payload.
 */
export type FrameHeaderCheck = (type: number, len: number) => void;

/** Below this, a partial frame left over from a chunk is copied instead of keeping the whole chunk alive. */
const COPY_REST_BELOW = 64 * 1024;

/**
 * Incremental decoder: push() socket chunks; it calls onFrame for each whole frame
 * (payload is a view, valid until the handler returns unless copied) and throws
 * FrameError on a length of 0 or above the maximum, as soon as the 5-byte
 * header is in. The maximum is a number, or a check of (type, length) that
 * throws to refuse (a session's bounds per state and frame type). The memory
 * held for an incomplete frame is that frame's bytes: a large frame is
 * assembled in one buffer of its size, a small rest is copied out of its chunk.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Whole frame length (header included) once the header has been seen; 0 before. */
  private need = 0;
  /** A large frame being assembled in place (its whole length), or undefined. */
  private whole: Buffer | undefined;
  private readonly check: FrameHeaderCheck;

  constructor(max: number | FrameHeaderCheck, private readonly onFrame: FrameHandler) {
    this.check = typeof max === 'number' ? (_type, len) => checkMaxLength(len, max) : max;
  }

  /** Bytes held for a frame not yet complete. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): void {
    if (this.buffered === 0) {
      this.parse(chunk);
      return;
    }
    if (this.whole) {
      const take = Math.min(chunk.length, this.need - this.buffered);
      chunk.copy(this.whole, this.buffered, 0, take);
      this.buffered += take;
      if (this.buffered < this.need) return;
      const all = this.whole;
      this.reset();
      this.parse(all);
      if (take < chunk.length) this.push(chunk.subarray(take));
      return;
    }
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.need === 0 && this.buffered >= FRAME_HEADER_BYTES) this.readHeader();
    else if (this.need === 0 && this.buffered >= 4) this.checkZero(Buffer.concat(this.chunks, this.buffered), 0);
    if (this.need === 0 || this.buffered < this.need) return;
    const all = Buffer.concat(this.chunks, this.buffered);
    this.reset();
    this.parse(all);
  }

  private readHeader(): void {
    const head = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    this.need = FRAME_HEADER_BYTES - 1 + this.checkHeader(head, 0);
    if (this.buffered < this.need && this.need > COPY_REST_BELOW) {
      // Assemble in place: one buffer of the frame's size instead of chunks plus their concatenation.
      this.whole = Buffer.allocUnsafe(this.need);
      head.copy(this.whole, 0, 0, this.buffered);
      this.chunks = [];
    } else if (this.chunks.length !== 1) this.chunks = [head];
  }

  /** Checks the header at buf[off..off+5) and returns its length field. */
  private checkHeader(buf: Buffer, off: number): number {
    const len = this.checkZero(buf, off);
    this.check(buf[off + 4]!, len);
    return len;
  }

  /** A zero length is refused from its 4 bytes, without waiting for a type byte. */
  private checkZero(buf: Buffer, off: number): number {
    const len = buf.readUInt32BE(off);
    if (len === 0) throw new FrameError('EBADFRAME', 'frame length 0 (a frame holds at least its type byte)');
    return len;
  }

  private parse(buf: Buffer): void {
    let off = 0;
    const end = buf.length;
    while (end - off >= FRAME_HEADER_BYTES) {
      const len = this.checkHeader(buf, off);
      if (end - off - 4 < len) {
        this.keepRest(buf.subarray(off), 4 + len);
        return;
      }
      const type = buf[off + 4]!;
      const payload = buf.subarray(off + 5, off + 4 + len);
      off += 4 + len;
      this.onFrame(type, payload);
    }
    if (off < end) {
      if (end - off >= 4) this.checkZero(buf, off);
      this.keepRest(buf.subarray(off), 0);
    }
    else this.need = 0;
  }

  /** Keeps an incomplete frame (`need`: its whole length when the header is known, else 0). */
  private keepRest(rest: Buffer, need: number): void {
    if (need > COPY_REST_BELOW) {
      this.whole = Buffer.allocUnsafe(need);
      rest.copy(this.whole);
      this.buffered = rest.length;
      this.need = need;
      return;
    }
    // A view would keep the whole chunk (up to 64 KiB) alive for a few bytes.
    const own = rest.length < COPY_REST_BELOW && rest.buffer.byteLength > rest.length * 2 ? Buffer.from(rest) : rest;
    this.chunks = [own];
    this.buffered = own.length;
    this.need = need;
  }

  reset(): void {
    this.chunks = [];
    this.buffered = 0;
    this.need = 0;
    this.whole = undefined;
  }
}

/** The plain bound: a length above `max` is refused with E2BIG. */
export function checkMaxLength(len: number, max: number): void {
  if (len > max) throw new FrameError('E2BIG', `frame of ${len} bytes exceeds the maximum of ${max}`);
}

/** Parses a JSON payload, naming the frame type in the error. */
export function decodeJson<T>(type: number, payload: Buffer): T {
  try {
    return JSON.parse(payload.toString('utf8')) as T;
  } catch (err) {
    throw new FrameError('EBADMSG', `${frameTypeName(type)} payload is not valid JSON: ${(err as Error).message}`);
  }
}
