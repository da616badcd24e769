import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeHeader, encodeFrame, FrameError, FrameReader, frameData } from './zbx-frame.js';

const FRAMING = readFileSync(new URL('../../test/fixtures/ceph-reference/zabbix/framing.txt', import.meta.url), 'utf8');

/** The headers zabbix_sender wrote on the wire (framing.txt): hex and the data length it announced. */
const CAPTURED = [...FRAMING.matchAll(/^([0-9a-f]{26}) flags=(\d+) datalen=(\d+) reserved=(\d+)/gm)].map((m) => ({
  hex: m[1]!, flags: Number(m[2]), datalen: Number(m[3]), reserved: Number(m[4]),
}));

describe('zbx-frame', () => {
  it('writes the header zabbix_sender wrote, for every captured length', () => {
    expect(CAPTURED.length).toBeGreaterThan(5);
    for (const c of CAPTURED) {
      const frame = encodeFrame(Buffer.alloc(c.datalen, 0x20));
      expect(frame.subarray(0, 13).toString('hex')).toBe(c.hex);
      expect(frame.length).toBe(13 + c.datalen);
    }
  });

  it('reads the captured headers back', () => {
    for (const c of CAPTURED) {
      const h = decodeHeader(Buffer.from(c.hex, 'hex'), 1 << 20);
      expect(h).toEqual({ flags: c.flags, dataLength: c.datalen, reserved: c.reserved, headerLength: 13 });
    }
  });

  it('writes and reads the large-packet header (0x04: 64-bit lengths)', () => {
    const frame = encodeFrame('{"a":1}', { large: true });
    expect(frame.subarray(0, 21).toString('hex')).toBe('5a4258440507000000000000000000000000000000');
    const r = new FrameReader(1024);
    expect(r.push(frame)?.toString()).toBe('{"a":1}');
  });

  it('reads a compressed answer (0x02: zlib data, reserved = inflated length)', () => {
    const text = JSON.stringify({ response: 'success', info: 'processed: 2; failed: 0; total: 2; seconds spent: 0.000100' });
    const z = deflateSync(Buffer.from(text));
    const head = Buffer.alloc(13);
    head.write('ZBXD', 'latin1');
    head[4] = 0x03;
    head.writeUInt32LE(z.length, 5);
    head.writeUInt32LE(text.length, 9);
    const r = new FrameReader(1024);
    expect(r.push(Buffer.concat([head, z]))?.toString()).toBe(text);
    // and what encodeFrame compresses reads back the same
    expect(new FrameReader(1024).push(encodeFrame(text, { compress: true }))?.toString()).toBe(text);
    expect(encodeFrame(text, { compress: true })[4]).toBe(0x03);
  });

  it('assembles a frame from bytes arriving one at a time', () => {
    const frame = encodeFrame('hello zabbix');
    const r = new FrameReader(1024);
    let out: Buffer | undefined;
    for (let i = 0; i < frame.length; i++) {
      out = r.push(frame.subarray(i, i + 1));
      if (i < frame.length - 1) expect(out).toBeUndefined();
    }
    expect(out?.toString()).toBe('hello zabbix');
  });

  it('refuses what is not a Zabbix frame, unknown flags, and oversize lengths before buffering', () => {
    expect(() => decodeHeader(Buffer.from('HTTP/1.1 400'), 1024)).toThrow(/not a Zabbix frame.*"HTTP"/);
    expect(() => decodeHeader(Buffer.from('ZBXD\x00'), 1024)).toThrow(/flags 0x00/);
    expect(() => decodeHeader(Buffer.from('ZBXD\x09'), 1024)).toThrow(/flags 0x09/);
    const big = encodeFrame('x').subarray(0, 13);
    big.writeUInt32LE(0xffff_fff0, 5);
    expect(() => new FrameReader(64 * 1024).push(big)).toThrow(/4294967280 bytes exceeds the 65536-byte limit/);
    const bomb = Buffer.from(encodeFrame('x', { compress: true }));
    bomb.writeUInt32LE(10 << 20, 9);
    expect(() => decodeHeader(bomb, 64 * 1024)).toThrow(/would inflate to 10485760 bytes/);
    const huge = encodeFrame('x', { large: true });
    huge.writeBigUInt64LE(1n << 60n, 5);
    expect(() => decodeHeader(huge, 1024)).toThrow(FrameError);
  });

  it('refuses a compressed frame that lies about its size, and bytes after the frame', () => {
    const f = Buffer.from(encodeFrame('{"response":"success"}', { compress: true }));
    f.writeUInt32LE(5, 9); // announces 5 inflated bytes, holds 22
    const h = decodeHeader(f, 1024)!;
    expect(() => frameData(h, f)).toThrow(/does not inflate to its announced 5 bytes/);
    expect(() => new FrameReader(1024).push(Buffer.concat([encodeFrame('a'), Buffer.from('zz')]))).toThrow(/2 unexpected bytes/);
  });
});
