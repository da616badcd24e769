// The OSD table's filtering and sorting, and the messages between the page and
// the worker that does them (osd-worker.ts). The whole 10,000-row table lives
// in the worker: it parses each live update, filters and sorts there, and the
// page only ever receives the rows in view, so an update costs the page
// O(rows shown), not O(OSDs).

import type { OsdTable } from '../view-types.js';

export interface SortState {
  key: string;
  desc: boolean;
}

/** One row of the table as the page renders it. */
export interface OsdRow {
  id: number;
  host: string;
  up: boolean;
  in: boolean;
  util: number;
  pgs: number;
  commitMs: number;
  applyMs: number;
  rdOps: number;
  wrOps: number;
}

/** Page → worker. */
export type ToWorker =
  | { kind: 'query'; filter: string; sort: SortState }
  | { kind: 'window'; first: number; last: number };

/** Worker → page: rows [first, first + rows.length) of the filtered, sorted order. */
export interface OsdWindow {
  kind: 'window';
  /** Live updates received so far (1 for the first table). */
  version: number;
  total: number;
  shown: number;
  down: number;
  first: number;
  rows: OsdRow[];
}

export type FromWorker = OsdWindow | { kind: 'conn'; connected: boolean };

/** Rows matching the filter: "osd.12" or "12", a host name part, or a state word (up, down, in, out). */
export function matches(t: OsdTable, i: number, words: readonly string[]): boolean {
  return words.every((w) => {
    if (w === 'up') return t.up[i] === 1;
    if (w === 'down') return t.up[i] === 0;
    if (w === 'in') return t.in[i] === 1;
    if (w === 'out') return t.in[i] === 0;
    const id = /^(?:osd\.)?(\d+)$/.exec(w);
    if (id) return t.id[i] === Number(id[1]);
    return (t.hosts[t.host[i]!] ?? '').toLowerCase().includes(w);
  });
}

const NUMERIC: ReadonlyArray<keyof OsdTable> = ['util', 'pgs', 'commitMs', 'applyMs', 'rdOps', 'wrOps'];

/** Indexes of the rows matching `filter`, in `sort` order (ties by OSD id). */
export function orderRows(t: OsdTable, filter: string, sort: SortState): Int32Array {
  const words = filter.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const idx: number[] = [];
  for (let i = 0; i < t.id.length; i++) if (words.length === 0 || matches(t, i, words)) idx.push(i);
  const dir = sort.desc ? -1 : 1;
  const id = t.id;
  if (sort.key === 'host') {
    const names = t.hosts.map((h) => h.toLowerCase());
    const rank = new Int32Array(names.length);
    [...names.keys()].sort((a, b) => (names[a]! < names[b]! ? -1 : names[a]! > names[b]! ? 1 : 0)).forEach((h, r) => (rank[h] = r));
    idx.sort((a, b) => (rank[t.host[a]!]! - rank[t.host[b]!]! || id[a]! - id[b]!) * dir);
  } else if (sort.key === 'status' || NUMERIC.includes(sort.key as keyof OsdTable)) {
    const key = sort.key === 'status' ? t.up.map((u, i) => u * 2 + t.in[i]!) : (t[sort.key as keyof OsdTable] as number[]);
    idx.sort((a, b) => (key[a]! - key[b]! || id[a]! - id[b]!) * dir);
  } else {
    idx.sort((a, b) => (id[a]! - id[b]!) * dir);
  }
  return Int32Array.from(idx);
}

export function rowAt(t: OsdTable, i: number): OsdRow {
  return {
    id: t.id[i]!, host: t.hosts[t.host[i]!] ?? '', up: t.up[i] === 1, in: t.in[i] === 1, util: t.util[i]!, pgs: t.pgs[i]!,
    commitMs: t.commitMs[i]!, applyMs: t.applyMs[i]!, rdOps: t.rdOps[i]!, wrOps: t.wrOps[i]!,
  };
}

/** Most rows one window message carries (what the page asks for is its view plus a margin). */
export const MAX_WINDOW = 400;
