// Items as the bytes they are sent as, a chunk at a time: the JSON objects of
// a "sender data" request (sender-protocol.ts), comma-separated, written once
// when an interval is built and handed to the socket as they are. An interval
// of a 10,000-OSD cluster is 60,000 items; kept as objects (key, value, host,
// clock) and serialised at send time they were ~60,000 objects and their
// strings living across turns in the push queue — what the garbage collector
// promotes and then has to mark — and a second pass over every item per send.
// As chunks they are ~240 small objects over Buffers (outside the JS heap).
// Pure: no sockets, no timers.

import type { ZabbixClock, ZabbixItem } from './sender-protocol.js';

/** One interval's items share this: the Zabbix host, the collection time, how many there are. */
export interface Interval {
  readonly seq: number;
  readonly host: string;
  readonly clock: ZabbixClock;
  /** Items emitted so far; final once `produced`. */
  total: number;
  produced: boolean;
  /** False for one-off sends (`zabbix discovery`): their answers are not an interval's. */
  readonly tally: boolean;
}

export interface ItemChunk {
  readonly interval: Interval;
  /** The items' JSON objects, comma-separated (UTF-8). */
  readonly data: Buffer;
  /** Where each item ends in `data` (item i starts one byte after item i-1 ends: the comma). */
  readonly ends: Uint32Array;
  /**
   * Servers that took items of it (only when some did and others not, or a
   * server's items went in several requests): true for all of them, else a
   * flag per item.
   */
  sentTo?: Map<string, true | Uint8Array>;
}

/** An item of a chunk, with its key read back from its bytes (the refused-key search handles items one by one). */
export interface ChunkItem {
  readonly chunk: ItemChunk;
  readonly index: number;
  readonly key: string;
}

/** JSON strings that are printable ASCII with nothing to escape are written as they are (keys, numbers). */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

const jsonString = (s: string): string => (PLAIN.test(s) ? `"${s}"` : JSON.stringify(s));

/** Writes one interval's items as chunks (the same bytes as senderRequest writes for them). */
export class ChunkWriter {
  private readonly head: string;
  private readonly tail: string;
  private readonly asciiHost: boolean;
  private text = '';
  private bytes = 0;
  private ends: number[] = [];

  constructor(private readonly interval: Interval) {
    this.head = `{"host":${JSON.stringify(interval.host)},"key":`;
    this.tail = `,"clock":${interval.clock.clock},"ns":${interval.clock.ns}}`;
    this.asciiHost = PLAIN.test(interval.host);
  }

  add(key: string, value: string): void {
    const plain = this.asciiHost && PLAIN.test(key) && PLAIN.test(value);
    const item = `${this.head}${plain ? `"${key}"` : jsonString(key)},"value":${plain ? `"${value}"` : jsonString(value)}${this.tail}`;
    if (this.ends.length > 0) {
      this.text += ',';
      this.bytes++;
    }
    this.text += item;
    this.bytes += plain ? item.length : Buffer.byteLength(item, 'utf8');
    this.ends.push(this.bytes);
  }

  get count(): number {
    return this.ends.length;
  }

  /** The chunk of the items added since the last take (undefined if none); counts them in the interval's total. */
  take(): ItemChunk | undefined {
    if (this.ends.length === 0) return undefined;
    const chunk = { interval: this.interval, data: Buffer.from(this.text, 'utf8'), ends: Uint32Array.from(this.ends) };
    this.interval.total += this.ends.length;
    this.text = '';
    this.bytes = 0;
    this.ends = [];
    return chunk;
  }
}

/** `items` as one chunk of `interval` (undefined if there are none). */
export function chunkOf(items: readonly ZabbixItem[], interval: Interval): ItemChunk | undefined {
  const w = new ChunkWriter(interval);
  for (const it of items) w.add(it.key, it.value);
  return w.take();
}

export const itemCount = (c: ItemChunk): number => c.ends.length;

const startOf = (c: ItemChunk, i: number): number => (i === 0 ? 0 : c.ends[i - 1]! + 1);

/** The push queue's split: the first `n` items and the rest, sharing the bytes. */
export function splitChunk(c: ItemChunk, n: number): readonly [ItemChunk, ItemChunk] {
  const cut = c.ends[n - 1]!;
  const sentTo = (from: number, to: number): Map<string, true | Uint8Array> | undefined => (c.sentTo === undefined
    ? undefined
    : new Map([...c.sentTo].map(([k, v]) => [k, v === true ? true : v.slice(from, to)])));
  return [
    { interval: c.interval, data: c.data.subarray(0, cut), ends: c.ends.slice(0, n), sentTo: sentTo(0, n) },
    { interval: c.interval, data: c.data.subarray(cut + 1), ends: c.ends.slice(n).map((e) => e - cut - 1), sentTo: sentTo(n, c.ends.length) },
  ];
}

/** Whether `server` has yet to take some items of the chunk. */
export function pendingFor(c: ItemChunk, server: string): boolean {
  const s = c.sentTo?.get(server);
  return s === undefined || (s !== true && s.includes(0));
}

/** Whether `server` took some of the chunk's items but not all (so it must go item by item). */
export function partlySent(c: ItemChunk, server: string): boolean {
  const s = c.sentTo?.get(server);
  return s !== undefined && s !== true;
}

const VALUE_FIELD = Buffer.from(',"value":', 'latin1');
const BACKSLASH = 0x5c;

/**
 * The key of the item at [start, end): its JSON string follows `"key":` and
 * ends right before `,"value":` (inside a JSON string every quote is escaped,
 * so that text cannot occur in the key); decoded as JSON only when escaped.
 */
function keyIn(data: Buffer, start: number, end: number): string {
  const from = data.indexOf('"key":', start, 'latin1') + 6;
  const to = data.indexOf(VALUE_FIELD, from);
  if (from < 6 || to < 0 || to > end) throw new Error('not an item written by ChunkWriter');
  const slash = data.indexOf(BACKSLASH, from);
  return slash !== -1 && slash < to ? (JSON.parse(data.toString('utf8', from, to)) as string) : data.toString('utf8', from + 1, to - 1);
}

/** The chunk's items `server` has yet to take, each with its key (read back from its bytes). */
export function chunkItems(c: ItemChunk, server: string): ChunkItem[] {
  const s = c.sentTo?.get(server);
  const out: ChunkItem[] = [];
  for (let i = 0; i < c.ends.length; i++) {
    if (s === true || (s !== undefined && s[i] === 1)) continue;
    out.push({ chunk: c, index: i, key: keyIn(c.data, startOf(c, i), c.ends[i]!) });
  }
  return out;
}

/** The bytes of `items` for a request: one piece per run of neighbours in a chunk (not one per item). */
export function itemsData(items: readonly ChunkItem[]): Buffer[] {
  const out: Buffer[] = [];
  let run: { c: ItemChunk; from: number; to: number } | undefined;
  const flush = (): void => {
    if (run !== undefined) out.push(run.c.data.subarray(startOf(run.c, run.from), run.c.ends[run.to]));
  };
  for (const it of items) {
    if (run !== undefined && run.c === it.chunk && it.index === run.to + 1) {
      run.to = it.index;
      continue;
    }
    flush();
    run = { c: it.chunk, from: it.index, to: it.index };
  }
  flush();
  return out;
}

/** Records that `server` took the whole chunk. */
export function markSent(c: ItemChunk, server: string): void {
  (c.sentTo ??= new Map()).set(server, true);
}

/** Records that `server` took one item of its chunk. */
export function markItemSent(it: ChunkItem, server: string): void {
  const sentTo = (it.chunk.sentTo ??= new Map());
  let s = sentTo.get(server);
  if (s === true) return;
  if (s === undefined) sentTo.set(server, (s = new Uint8Array(it.chunk.ends.length)));
  s[it.index] = 1;
}
