// The OSD table's op rates (read/write ops per second from osd.op_r/osd.op_w),
// with a plain reader: on the table's first build, and after nobody watched it
// for a while, a rate comes from the daemon's own last two samples (the table
// showed 0 ops/s for every OSD when a page first opened it); in between, from
// the builder's previous sample.

import { describe, expect, it } from 'vitest';
import type { CounterColumn, DaemonCounters } from '../../src/mgr-module/index.js';
import type { ClusterReader } from './server/reader.js';
import { OsdTableBuilder } from './server/views-osds.js';

const col = (path: string, c: number): CounterColumn => ({ path, description: '', nick: '', type: 10, priority: 5, unit: 'none', col: c, width: 1 });
const COLUMNS = [col('osd.op_w', 0), col('osd.op_r', 1)];

/** Two OSDs; each has a ring of [stamp, op_w, op_r] samples (oldest first); osd.1 has reported once only. */
function cluster(): { reader: ClusterReader; report: (id: number, t: number, w: number, r: number) => void } {
  const rings = new Map<number, number[][]>([
    [0, [[100, 500, 1000], [105, 550, 1100]]],
    [1, [[104, 10, 20]]],
  ]);
  const reader = {
    get: (name: string): unknown => {
      switch (name) {
        case 'osd_map': return { osds: [{ osd: 0, up: 1, in: 1 }, { osd: 1, up: 1, in: 1 }] };
        case 'osd_stats_brief': return { osd_stats: [] };
        default: throw new Error(`unexpected get('${name}')`);
      }
    },
    listServers: () => [
      { hostname: 'node-a', ceph_version: '', services: [{ type: 'mon', id: 'a', ceph_version: '' }, { type: 'osd', id: '0', ceph_version: '' }] },
      { hostname: 'node-b', ceph_version: '', services: [{ type: 'osd', id: '1', ceph_version: '' }] },
    ],
    forEachDaemonCounters: (visit: (c: DaemonCounters) => void): void => {
      for (const [id, ring] of rings) {
        const last = ring[ring.length - 1]!;
        visit({ daemon: `osd.${id}`, type: 'osd', id: String(id), schemaVersion: 1, columns: COLUMNS, values: Float64Array.from(last.slice(1)), stamp: last[0]! });
      }
    },
    getCounter: (_type: string, id: string, path: string): Record<string, number[][]> => {
      const c = COLUMNS.find((x) => x.path === path)!;
      return { [path]: (rings.get(Number(id)) ?? []).map((s) => [s[0]!, s[1 + c.col]!]) };
    },
  } as unknown as ClusterReader;
  return { reader, report: (id, t, w, r) => rings.get(id)!.push([t, w, r]) };
}

describe('OSD table op rates', () => {
  it('first build: from the ring\'s last two samples; then from the previous build; after a long gap, from the ring again', () => {
    const c = cluster();
    const b = new OsdTableBuilder();
    const t1 = b.build(c.reader);
    // osd.0: (1100 - 1000) / 5 s reads, (550 - 500) / 5 s writes; osd.1 has one sample: no rate yet.
    expect([t1.rdOps, t1.wrOps]).toEqual([[20, 0], [10, 0]]);
    expect(t1.id.map((_, i) => t1.hosts[t1.host[i]!])).toEqual(['node-a', 'node-b']);

    c.report(0, 110, 600, 1130);
    c.report(1, 106, 16, 40);
    const t2 = b.build(c.reader);
    expect([t2.rdOps, t2.wrOps]).toEqual([[6, 10], [10, 3]]);

    // No new sample: the rates stay.
    expect(b.build(c.reader).rdOps).toEqual([6, 10]);

    // 90 s later (nobody watched the table): not the average over the gap but the latest two samples.
    c.report(0, 195, 600, 1130);
    c.report(0, 200, 640, 1180);
    const t3 = b.build(c.reader);
    expect([t3.rdOps[0], t3.wrOps[0]]).toEqual([10, 8]);
  });
});
