// The Zabbix protocol frame ("ZBXD" header), pure: no sockets, no timers.
//
//   "ZBXD" | flags (1) | data length | reserved
//   flags 0x01 Zabbix protocol, 0x02 zlib-compressed data, 0x04 large packet
//   data length and reserved: u32 little-endian, or u64 with the large flag
//   reserved: the uncompressed length when 0x02 is set, else 0
//
// Requests are sent uncompressed unless asked (zabbix_sender compresses nothing
// either); a server answers in the variant it was asked in, and may compress,
// so reading accepts 0x02 and 0x04.
// Every length read from a peer is checked against a caller's bound before
// anything is buffered or inflated. Reference: framing.txt of the capture.

import { deflateSync, inflateSync } from 'node:zlib';

export const ZBX_MAGIC = Buffer.from('ZBXD', 'latin1');
export const FLAG_PROTOCOL = 0x01;
export const FLAG_COMPRESSED = 0x02;
export const FLAG_LARGE = 0x04;
const KNOWN_FLAGS = FLAG_PROTOCOL | FLAG_COMPRESSED | FLAG_LARGE;

export const HEADER_LEN = 13;
export const LARGE_HEADER_LEN = 21;
/** Above this a data length no longer fits the 32-bit field: the large-packet header is required. */
export const MAX_SMALL_DATA_LEN = 0xffff_ffff;

export class FrameError extends Error {
  override readonly name = 'FrameError';
}

export interface FrameHeader {
  readonly flags: number;
  /** Bytes of data that follow the header (compressed size when compressed). */
  readonly dataLength: number;
  /** The uncompressed size for compressed data; 0 otherwise. */
  readonly reserved: number;
  readonly headerLength: number;
}

export interface EncodeOptions {
  /** The 64-bit header; chosen anyway when the data does not fit 32 bits. */
  large?: boolean;
  /** zlib-compress the data (flag 0x02; reserved = the uncompressed length). */
  compress?: boolean;
}

/** Header and data of one request. */
export function encodeFrame(data: Buffer | string, opts: EncodeOptions = {}): Buffer {
  return Buffer.concat(encodeFrameChunks([typeof data === 'string' ? Buffer.from(data, 'utf8') : data], opts));
}

/**
 * The frame of data given in pieces: the header, then the pieces as they are
 * (nothing copied, for a socket to write in turn); compressed, one piece.
 */
export function encodeFrameChunks(pieces: readonly Buffer[], opts: EncodeOptions = {}): Buffer[] {
  const compress = opts.compress === true;
  const body = compress ? [deflateSync(Buffer.concat(pieces))] : pieces;
  let length = 0;
  for (const b of body) length += b.length;
  let reserved = 0;
  if (compress) for (const b of pieces) reserved += b.length;
  const large = opts.large === true || length > MAX_SMALL_DATA_LEN || reserved > MAX_SMALL_DATA_LEN;
  const header = Buffer.allocUnsafe(large ? LARGE_HEADER_LEN : HEADER_LEN);
  ZBX_MAGIC.copy(header, 0);
  header[4] = FLAG_PROTOCOL | (large ? FLAG_LARGE : 0) | (compress ? FLAG_COMPRESSED : 0);
  if (large) {
    header.writeBigUInt64LE(BigInt(length), 5);
    header.writeBigUInt64LE(BigInt(reserved), 13);
  } else {
    header.writeUInt32LE(length, 5);
    header.writeUInt32LE(reserved, 9);
  }
  return [header, ...body];
}

/**
 * The header at the start of `buf`: undefined while fewer bytes than a header
 * have arrived; throws FrameError for anything that is not a Zabbix frame or
 * announces more than `maxDataLen` bytes (before they are buffered).
 */
export function decodeHeader(buf: Buffer, maxDataLen: number): FrameHeader | undefined {
  const magicBytes = Math.min(buf.length, 4);
  if (buf.subarray(0, magicBytes).compare(ZBX_MAGIC, 0, magicBytes) !== 0) {
    throw new FrameError(`not a Zabbix frame: starts with ${JSON.stringify(buf.subarray(0, magicBytes).toString('latin1'))}, expected "ZBXD"`);
  }
  if (buf.length < 5) return undefined;
  const flags = buf[4]!;
  if ((flags & FLAG_PROTOCOL) === 0 || (flags & ~KNOWN_FLAGS) !== 0) {
    throw new FrameError(`unsupported Zabbix frame flags 0x${flags.toString(16).padStart(2, '0')}`);
  }
  const large = (flags & FLAG_LARGE) !== 0;
  const headerLength = large ? LARGE_HEADER_LEN : HEADER_LEN;
  if (buf.length < headerLength) return undefined;
  const dataLength = large ? u64(buf, 5, 'data length') : buf.readUInt32LE(5);
  const reserved = large ? u64(buf, 13, 'reserved length') : buf.readUInt32LE(9);
  if (dataLength > maxDataLen) throw new FrameError(`Zabbix frame of ${dataLength} bytes exceeds the ${maxDataLen}-byte limit`);
  if ((flags & FLAG_COMPRESSED) !== 0 && reserved > maxDataLen) {
    throw new FrameError(`compressed Zabbix frame would inflate to ${reserved} bytes, over the ${maxDataLen}-byte limit`);
  }
  return { flags, dataLength, reserved, headerLength };
}

function u64(buf: Buffer, offset: number, what: string): number {
  const v = buf.readBigUInt64LE(offset);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new FrameError(`Zabbix frame ${what} ${v} is out of range`);
  return Number(v);
}

/** The data of a complete frame (header + dataLength bytes), inflated when compressed. */
export function frameData(header: FrameHeader, frame: Buffer): Buffer {
  const data = frame.subarray(header.headerLength, header.headerLength + header.dataLength);
  if (data.length !== header.dataLength) throw new FrameError(`Zabbix frame truncated: ${data.length} of ${header.dataLength} data bytes`);
  if ((header.flags & FLAG_COMPRESSED) === 0) return data;
  let inflated: Buffer;
  try {
    inflated = inflateSync(data, { maxOutputLength: Math.max(header.reserved, 1) });
  } catch (err) {
    throw new FrameError(`compressed Zabbix frame does not inflate to its announced ${header.reserved} bytes: ${(err as Error).message}`, { cause: err });
  }
  if (inflated.length !== header.reserved) {
    throw new FrameError(`compressed Zabbix frame inflated to ${inflated.length} bytes, announced ${header.reserved}`);
  }
  return inflated;
}

/**
 * Collects one frame from a byte stream (a response). `push` returns the
 * frame's data once complete; bytes past the frame are an error (a server
 * answers once per connection).
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private size = 0;
  private header: FrameHeader | undefined;

  constructor(private readonly maxDataLen: number) {}

  push(chunk: Buffer): Buffer | undefined {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.header === undefined) {
      const head = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
      this.header = decodeHeader(head, this.maxDataLen);
      if (this.header === undefined) return undefined;
    }
    const total = this.header.headerLength + this.header.dataLength;
    if (this.size < total) return undefined;
    if (this.size > total) throw new FrameError(`${this.size - total} unexpected bytes after the Zabbix frame`);
    return frameData(this.header, Buffer.concat(this.chunks, this.size));
  }

  /** Bytes received so far (to tell "nothing" from "part of a frame" when the peer closes). */
  get received(): number {
    return this.size;
  }
}
