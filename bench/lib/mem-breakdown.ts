// Where a process's RSS goes, as far as it can be told from inside: /proc/self/status (anonymous vs
// file-backed), V8's heap of this thread (physical), what ArrayBuffers and other external memory
// V8 knows of, and the rest of the anonymous memory (other threads' isolates, malloc's arenas and
// what glibc keeps after a free, code, stacks). A benchmark prints one line per moment it cares about.

import { readFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';

export interface MemBreakdown {
  readonly rss: number;
  readonly anon: number;
  readonly file: number;
  /** V8 heap of this thread, resident. */
  readonly heap: number;
  readonly heapUsed: number;
  /** ArrayBuffers' backing stores (Buffers included) of this thread's isolate. */
  readonly arrayBuffers: number;
  /** Other external memory V8 is told of (zlib's streams, etc.). */
  readonly externalOther: number;
  /** anon - heap - arrayBuffers - externalOther: worker isolates, malloc's arenas and free lists, native state. */
  readonly rest: number;
}

function statusKb(text: string, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
  return m === null ? NaN : Number(m[1]) * 1024;
}

export function memBreakdown(): MemBreakdown {
  const st = readFileSync('/proc/self/status', 'utf8');
  const u = process.memoryUsage();
  const h = getHeapStatistics();
  const anon = statusKb(st, 'RssAnon');
  const heap = h.total_physical_size;
  const externalOther = Math.max(0, u.external - u.arrayBuffers);
  return {
    rss: statusKb(st, 'VmRSS'),
    anon,
    file: statusKb(st, 'RssFile') + statusKb(st, 'RssShmem'),
    heap,
    heapUsed: u.heapUsed,
    arrayBuffers: u.arrayBuffers,
    externalOther,
    rest: anon - heap - u.arrayBuffers - externalOther,
  };
}

const mib = (b: number): string => (b / 1024 / 1024).toFixed(1);

export function formatMem(m: MemBreakdown): string {
  return `RSS ${mib(m.rss)} MiB (anon ${mib(m.anon)}, file ${mib(m.file)}): V8 heap ${mib(m.heap)} (used ${mib(m.heapUsed)}), ArrayBuffers ${mib(m.arrayBuffers)}, other external ${mib(m.externalOther)}, rest of anon ${mib(m.rest)} (worker isolates, malloc-held, native)`;
}

/** Distinct backing stores under a list of buffers, and their sizes together (a shared arena counted once). */
export function backingBytes(...lists: ReadonlyArray<readonly Uint8Array[]>): { stores: number; bytes: number } {
  const seen = new Set<ArrayBufferLike>();
  let bytes = 0;
  for (const l of lists) {
    for (const b of l) {
      if (seen.has(b.buffer)) continue;
      seen.add(b.buffer);
      bytes += b.buffer.byteLength;
    }
  }
  return { stores: seen.size, bytes };
}
