// Delivery of chunks to several servers over real loopback sockets (trappers
// that answer as Zabbix does, or drop the connection when told:
// test/helpers/trapper-stub.ts): a server
// that failed gets the batch again and one that took it does not; when the
// refused-key search sends a server's items in several requests and one of
// them fails, the retry sends only the items it has not taken. No value is
// stored twice.

import { afterEach, describe, expect, it } from 'vitest';
import { Delivery } from './delivery.js';
import { ChunkWriter, type Interval, type ItemChunk } from './item-chunk.js';
import { trapperStub, type TrapperStub } from '../../test/helpers/trapper-stub.js';

const open: TrapperStub[] = [];

async function trapper(): Promise<TrapperStub> {
  const t = await trapperStub();
  open.push(t);
  return t;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

let seq = 0;
function interval(keys: readonly string[], per = 40): { iv: Interval; chunks: ItemChunk[] } {
  const iv: Interval = { seq: ++seq, host: 'ceph-test', clock: { clock: 1_700_000_000, ns: 0 }, total: 0, produced: false, tally: true };
  const w = new ChunkWriter(iv);
  const chunks: ItemChunk[] = [];
  for (const k of keys) {
    w.add(k, '1');
    if (w.count === per) chunks.push(w.take()!);
  }
  const last = w.take();
  if (last) chunks.push(last);
  iv.produced = true;
  return { iv, chunks };
}

const KEYS = Array.from({ length: 100 }, (_, i) => `ceph.[osd.${i},up]`);
const timeouts = { connectMs: 5000, answerMs: 5000 };
const signal = new AbortController().signal;
const flat = (t: TrapperStub): string[] => t.took.flat();

describe('Delivery', () => {
  it('retries a batch for the server that failed only', async () => {
    const [a, b] = [await trapper(), await trapper()];
    const d = new Delivery(() => ({ servers: [{ host: '127.0.0.1', port: a.port }, { host: '127.0.0.1', port: b.port }], timeouts }));
    const { chunks } = interval(KEYS);
    b.answer = () => 'drop';
    await expect(d.send(chunks, signal)).rejects.toThrow(new RegExp(`127.0.0.1:${b.port}`));
    expect(flat(a)).toEqual(KEYS);
    b.answer = () => 0;
    await d.send(chunks, signal); // the push loop's retry of the same batch
    expect(flat(a)).toEqual(KEYS); // not again
    expect(flat(b)).toEqual(KEYS);
  });

  it('while narrowing refused keys down, a retry sends only the items a server has not taken', async () => {
    const t = await trapper();
    const d = new Delivery(() => ({ servers: [{ host: '127.0.0.1', port: t.port }], timeouts }));
    const bad = KEYS[37]!;
    const refuse = (keys: string[]): number => keys.filter((k) => k === bad).length;
    t.answer = refuse;
    await d.send(interval(KEYS).chunks, signal); // failed: 1 -> the keys become suspects
    expect(d.refusals()).toMatchObject([{ failed: 1, of: 100 }]);
    t.took.length = 0;

    // The next interval goes in several requests (the suspect groups); the third one is dropped.
    let requests = 0;
    t.answer = (keys) => (++requests === 3 ? 'drop' : refuse(keys));
    const { chunks } = interval(KEYS);
    await expect(d.send(chunks, signal)).rejects.toThrow(/closed the connection/);
    const first = flat(t);
    expect(t.took.length).toBe(2);
    t.answer = refuse;
    await d.send(chunks, signal);
    const all = flat(t);
    expect(all.slice(0, first.length)).toEqual(first);
    expect([...all].sort()).toEqual([...KEYS].sort()); // every key once
    expect(t.took.length).toBeGreaterThan(3);
  });
});
