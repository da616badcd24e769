// The OSD table's filter and sort (run in the browser's worker; pure, so tested here).

import { describe, expect, it } from 'vitest';
import { orderRows, rowAt } from './frontend/osd-order.js';
import type { OsdTable } from './view-types.js';

// Six OSDs on three hosts, listed out of id order as a map may list them.
const T: OsdTable = {
  hosts: ['node-b', 'node-a', 'Node-C'],
  id: [4, 0, 2, 1, 5, 3],
  host: [0, 1, 0, 1, 2, 2],
  up: [1, 1, 0, 1, 1, 1],
  in: [1, 1, 1, 0, 1, 1],
  util: [0.5, 0.9, 0.5, 0.1, 0.7, 0.5],
  pgs: [10, 20, 30, 40, 50, 60],
  commitMs: [1, 2, 3, 4, 5, 6],
  applyMs: [1, 2, 3, 4, 5, 6],
  rdOps: [0, 0, 0, 0, 0, 0],
  wrOps: [9, 8, 7, 6, 5, 4],
};
const ids = (filter: string, key: string, desc = false): number[] => [...orderRows(T, filter, { key, desc })].map((i) => T.id[i]!);

describe('OSD table order', () => {
  it('sorts by id, by a numeric column with ties by id, by host name (case-insensitive), by status', () => {
    expect(ids('', 'id')).toEqual([0, 1, 2, 3, 4, 5]);
    expect(ids('', 'id', true)).toEqual([5, 4, 3, 2, 1, 0]);
    expect(ids('', 'util')).toEqual([1, 2, 3, 4, 5, 0]);
    expect(ids('', 'util', true)).toEqual([0, 5, 4, 3, 2, 1]);
    expect(ids('', 'host')).toEqual([0, 1, 2, 4, 3, 5]);
    // down (2) first, then up+out (1), then up+in.
    expect(ids('', 'status')).toEqual([2, 1, 0, 3, 4, 5]);
    expect(ids('', 'no-such-column')).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('filters by id (12 or osd.12), host part, and state words, all words together', () => {
    expect(ids('osd.3', 'id')).toEqual([3]);
    expect(ids(' 3 ', 'id')).toEqual([3]);
    expect(ids('node-a', 'id')).toEqual([0, 1]);
    expect(ids('node-c up', 'id')).toEqual([3, 5]);
    expect(ids('down', 'id')).toEqual([2]);
    expect(ids('OUT', 'id')).toEqual([1]);
    expect(ids('in up node-b', 'id')).toEqual([4]);
    expect(ids('nothing-like-it', 'id')).toEqual([]);
  });

  it('gives a row as the page renders it', () => {
    expect(rowAt(T, 3)).toEqual({ id: 1, host: 'node-a', up: true, in: false, util: 0.1, pgs: 40, commitMs: 4, applyMs: 4, rdOps: 0, wrOps: 6 });
  });
});
