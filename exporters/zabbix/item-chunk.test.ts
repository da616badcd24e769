// Items written as chunks of request bytes (item-chunk.ts) make exactly the
// request senderRequest writes for the same items (escaping, UTF-8, numbers),
// whichever way the push queue splits them; the refused-key search reads each
// item's key back from the bytes; what a server took is remembered per chunk,
// or per item when it took a chunk in parts. And the discovery JSON, built in
// chunks of rows, is the same text as written whole.

import { describe, expect, it } from 'vitest';
import { discover, discoveryItems, discoveryItemsPaced } from './discovery.js';
import {
  ChunkWriter, chunkItems, itemsData, markItemSent, markSent, partlySent, pendingFor, splitChunk, type Interval, type ItemChunk,
} from './item-chunk.js';
import { senderRequest, senderRequestPieces, type SenderItem } from './sender-protocol.js';

const clock = { clock: 1_700_000_000, ns: 123_456_789 };
const sent = { clock: 1_700_000_001, ns: 5 };
const interval = (host: string): Interval => ({ seq: 1, host, clock, total: 0, produced: false, tally: true });

/** Keys and values that need every kind of escaping, and plain ones. */
const ODD: Array<[string, string]> = [
  ['ceph.[osd.12,up]', '1'],
  ['ceph.[my "pool",rd_bytes]', '-0.5'],
  ['ceph.[back\\slash,wr_ops]', 'tab\there'],
  ['ceph.[pool-ü-日本,stored_raw]', 'newline\nand \u0001 control'],
  ['ceph.[lone \ud800 surrogate,x]', '😀'],
  ['ceph.zabbix.osd.discovery', '{"data":[{"{#OSD}":0,"{#CRUSH_RULE}":"default"}]}'],
  ['ceph.overall_status', ''],
];

function written(host: string, pairs: ReadonlyArray<[string, string]>, per: number): { chunks: ItemChunk[]; items: SenderItem[] } {
  const iv = interval(host);
  const w = new ChunkWriter(iv);
  const chunks: ItemChunk[] = [];
  pairs.forEach(([key, value], i) => {
    w.add(key, value);
    if ((i + 1) % per === 0) chunks.push(w.take()!);
  });
  const last = w.take();
  if (last) chunks.push(last);
  expect(iv.total).toBe(pairs.length);
  return { chunks, items: pairs.map(([key, value]) => ({ host, key, value, clock })) };
}

const requestOf = (chunks: readonly ItemChunk[]): string => Buffer.concat(senderRequestPieces(chunks.map((c) => c.data), sent)).toString('utf8');

describe('ChunkWriter', () => {
  for (const host of ['ceph-plain', 'ceph "quoted" hôst']) {
    it(`writes the request senderRequest writes, byte for byte (host ${JSON.stringify(host)})`, () => {
      const pairs = [...ODD, ...Array.from({ length: 500 }, (_, i): [string, string] => [`ceph.[osd.${i},osd_latency_apply]`, String(i / 7)])];
      const { chunks, items } = written(host, pairs, 37);
      expect(chunks.length).toBe(Math.ceil(pairs.length / 37));
      const whole = senderRequest(items, sent);
      expect(requestOf(chunks)).toBe(whole);
      expect(JSON.parse(whole).data.map((d: { key: string; value: string }) => [d.key, d.value])).toEqual(pairs);
    });
  }

  it('take() with nothing added is nothing', () => {
    expect(new ChunkWriter(interval('h')).take()).toBeUndefined();
  });

  it('a chunk split anywhere makes the same request, and reads back every key', () => {
    const { chunks: [c], items } = written('h', ODD, 100);
    for (let n = 1; n < ODD.length; n++) {
      const [a, b] = splitChunk(c!, n);
      expect(a.ends.length + b.ends.length).toBe(ODD.length);
      expect(requestOf([a, b])).toBe(senderRequest(items, sent));
      expect([...chunkItems(a, 's'), ...chunkItems(b, 's')].map((i) => i.key)).toEqual(ODD.map(([k]) => k));
    }
  });
});

describe('items read back', () => {
  it('any subset of the items makes the request senderRequest writes for it, in one piece per run of neighbours', () => {
    const { chunks, items } = written('h', ODD, 3); // chunks of 3, 3, 1
    const all = chunks.flatMap((c) => chunkItems(c, 's'));
    expect(all.map((i) => i.key)).toEqual(ODD.map(([k]) => k));
    const pick = [0, 1, 2, 4, 6]; // a run of 3 in the first chunk, one of the second, the third chunk
    const some = pick.map((i) => all[i]!);
    const pieces = itemsData(some);
    expect(pieces).toHaveLength(3);
    expect(Buffer.concat(senderRequestPieces(pieces, sent)).toString('utf8')).toBe(senderRequest(pick.map((i) => items[i]!), sent));
  });
});

describe('what a server took', () => {
  it('whole chunks, or item by item (then only the rest is pending, also across a split)', () => {
    const { chunks: [c] } = written('h', ODD, 100);
    expect(pendingFor(c!, 'a')).toBe(true);
    markSent(c!, 'a');
    expect(pendingFor(c!, 'a')).toBe(false);
    expect(chunkItems(c!, 'a')).toEqual([]);

    const items = chunkItems(c!, 'b');
    markItemSent(items[1]!, 'b');
    markItemSent(items[4]!, 'b');
    expect(partlySent(c!, 'b')).toBe(true);
    expect(chunkItems(c!, 'b').map((i) => i.index)).toEqual([0, 2, 3, 5, 6]);
    const [x, y] = splitChunk(c!, 3);
    expect(chunkItems(x, 'b').map((i) => i.key)).toEqual([ODD[0]![0], ODD[2]![0]]);
    expect(chunkItems(y, 'b').map((i) => i.key)).toEqual([ODD[3]![0], ODD[5]![0], ODD[6]![0]]);
    expect(pendingFor(x, 'a')).toBe(false);
    for (const i of chunkItems(c!, 'b')) markItemSent(i, 'b');
    expect(pendingFor(c!, 'b')).toBe(false);
  });
});

describe('discovery JSON in chunks', () => {
  it('writes the OSD discovery JSON as discoveryItems does, a chunk of rows per room', async () => {
    const osds = Array.from({ length: 1234 }, (_, i) => ({ osd: i }));
    const d = discover({
      get: (name: string) => (name === 'osd_map' ? { pools: [{ pool_name: 'rbd', crush_rule: 0 }], osds } : { rules: [], buckets: [] }),
    } as unknown as Parameters<typeof discover>[0]);
    const rooms: number[] = [];
    const paced = await discoveryItemsPaced(d, (n) => void rooms.push(n), 500);
    expect(paced).toEqual(discoveryItems(d));
    expect(rooms).toEqual([500, 500, 234, 1]);
    expect(JSON.parse(paced[1]!.value).data).toHaveLength(1234);
  });
});
