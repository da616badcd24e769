import { describe, expect, it } from 'vitest';
import { encodeFrame, encodeJsonFrame, FrameDecoder, FrameError, FrameType } from '../../src/protocol/frames.js';

function collect(max = 1024): { frames: Array<[number, string]>; dec: FrameDecoder } {
  const frames: Array<[number, string]> = [];
  const dec = new FrameDecoder(max, (t, p) => frames.push([t, p.toString()]));
  return { frames, dec };
}

describe('FrameDecoder', () => {
  it('decodes several frames from one chunk', () => {
    const { frames, dec } = collect();
    dec.push(Buffer.concat([encodeJsonFrame(FrameType.HELLO, { a: 1 }), encodeFrame(FrameType.CLOSE, Buffer.from('x'))]));
    expect(frames).toEqual([[1, '{"a":1}'], [13, 'x']]);
    expect(dec.bufferedBytes).toBe(0);
  });

  it('reassembles a frame split at every byte boundary', () => {
    const whole = Buffer.concat([encodeJsonFrame(FrameType.MAP, { osd_map: { epoch: 3 } }), encodeJsonFrame(FrameType.CLOSE, {})]);
    for (let cut = 1; cut < whole.length; cut++) {
      const { frames, dec } = collect();
      dec.push(whole.subarray(0, cut));
      dec.push(whole.subarray(cut));
      expect(frames.map((f) => f[0])).toEqual([FrameType.MAP, FrameType.CLOSE]);
    }
  });

  it('reassembles a large frame fed one byte at a time', () => {
    const body = 'y'.repeat(5000);
    const whole = encodeFrame(FrameType.REPORT, Buffer.from(body));
    const { frames, dec } = collect(10_000);
    for (let i = 0; i < whole.length; i++) dec.push(whole.subarray(i, i + 1));
    expect(frames).toEqual([[FrameType.REPORT, body]]);
  });

  it('refuses a length above the maximum before reading the payload', () => {
    const { dec } = collect(100);
    const head = Buffer.alloc(5);
    head.writeUInt32BE(101, 0);
    expect(() => dec.push(head)).toThrow(FrameError);
    try {
      collect(100).dec.push(head);
    } catch (err) {
      expect((err as FrameError).code).toBe('E2BIG');
      expect((err as FrameError).message).toBe('frame of 101 bytes exceeds the maximum of 100');
    }
  });

  it('refuses a zero length', () => {
    const { dec } = collect();
    expect(() => dec.push(Buffer.from([0, 0, 0, 0, 1]))).toThrow(/frame length 0/);
  });

  it('refuses an oversized length split across chunks', () => {
    const { dec } = collect(100);
    dec.push(Buffer.from([0, 0]));
    expect(() => dec.push(Buffer.from([1, 0, 7]))).toThrow(/exceeds the maximum/);
  });
});
