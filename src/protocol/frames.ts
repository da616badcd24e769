// Frame layer of the mgrd wire protocol (docs/protocol.md): every frame is
//   u32 big-endian length | u8 type | payload (length - 1 bytes)
// The decoder is incremental and never buffers more than one frame's worth.

export const PROTOCOL_MAGIC = 'mgrd';
export const PROTOCOL_VERSION = 1;
export const MIN_PROTOCOL_VERSION = 1;

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
} as const;

export type FrameTypeName = keyof typeof FrameType;
export type FrameTypeCode = (typeof FrameType)[FrameTypeName];

const TYPE_NAMES: string[] = [];
for (const [name, code] of Object.entries(FrameType)) TYPE_NAMES[code] = name;

export function frameTypeName(code: number): string {
  return TYPE_NAMES[code] ?? `UNKNOWN(${code})`;
}

export function isKnownFrameType(code: number): code is FrameTypeCode {
  return TYPE_NAMES[code] !== undefined;
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
 * Incremental decoder: push() socket chunks; it calls onFrame for each whole frame
 * (payload is a view, valid until the handler returns unless copied) and throws
 * FrameError on a length of 0 or above maxFrameBytes. Unknown types are the
 * caller's concern (the session decides what is allowed in its state).
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Whole frame length (header included) once the header has been seen; 0 before. */
  private need = 0;

  constructor(private readonly maxFrameBytes: number, private readonly onFrame: FrameHandler) {}

  /** Bytes held for a frame not yet complete. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): void {
    if (this.buffered === 0) {
      this.parse(chunk);
      return;
    }
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.need === 0 && this.buffered >= 4) this.readHeader();
    if (this.need !== 0 && this.buffered < this.need) return;
    if (this.need === 0) return;
    const all = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [];
    this.buffered = 0;
    this.need = 0;
    this.parse(all);
  }

  private readHeader(): void {
    const head = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    if (this.chunks.length !== 1) this.chunks = [head];
    this.need = 4 + this.checkLength(head.readUInt32BE(0));
  }

  private checkLength(len: number): number {
    if (len === 0) throw new FrameError('EBADFRAME', 'frame length 0 (a frame holds at least its type byte)');
    if (len > this.maxFrameBytes) {
      throw new FrameError('E2BIG', `frame of ${len} bytes exceeds the maximum of ${this.maxFrameBytes}`);
    }
    return len;
  }

  private parse(buf: Buffer): void {
    let off = 0;
    const end = buf.length;
    while (end - off >= 4) {
      const len = this.checkLength(buf.readUInt32BE(off));
      if (end - off - 4 < len) {
        this.need = 4 + len;
        break;
      }
      const type = buf[off + 4]!;
      const payload = buf.subarray(off + 5, off + 4 + len);
      off += 4 + len;
      this.onFrame(type, payload);
    }
    if (off < end) {
      const rest = buf.subarray(off);
      this.chunks = [rest];
      this.buffered = rest.length;
      if (this.need === 0 && rest.length >= 4) this.need = 4 + this.checkLength(rest.readUInt32BE(0));
    } else {
      this.need = 0;
    }
  }

  reset(): void {
    this.chunks = [];
    this.buffered = 0;
    this.need = 0;
  }
}

/** Parses a JSON payload, naming the frame type in the error. */
export function decodeJson<T>(type: number, payload: Buffer): T {
  try {
    return JSON.parse(payload.toString('utf8')) as T;
  } catch (err) {
    throw new FrameError('EBADMSG', `${frameTypeName(type)} payload is not valid JSON: ${(err as Error).message}`);
  }
}
