// OSD_SLOW_PING_TIME_BACK / _FRONT keep only the ten slowest pings of each
// interface (SlowPingJudge), not every slow one: a cluster whose links are all
// slow has ~600,000 at 10,000 OSDs. The report must be what Ceph's full sort
// by (pingtime, from, to) gives, ties included: checked here against that sort,
// written out as Ceph does it, on many OSDs with many equal ping times.

import { describe, expect, test } from 'vitest';
import { PING, PING_FIELDS, PING_IFACE } from '../../src/protocol/ping-times.js';
import { SlowPingJudge } from '../../src/state/health-osd-stat.js';
import { DEFAULT_HEALTH_CONFIG } from '../../src/state/health.js';
import { checkRecorder, type RecordedCheck } from '../../src/state/health-types.js';
import type { OsdMap } from '../../src/mgr-module/map-types.js';
import type { OsdStatEntry } from '../../src/state/osd-stat-table.js';

const NOW = 1_800_000_000;
/** The default threshold: osd_heartbeat_grace 20 s x mon_warn_on_slow_ping_ratio 0.05, in µs. */
const THRESHOLD = 1_000_000;

interface Row { to: number; back: [number, number, number]; front: [number, number, number] }

function entry(osd: number, rows: Row[]): OsdStatEntry {
  const p = new Uint32Array(rows.length * PING_FIELDS);
  rows.forEach((r, i) => {
    const o = i * PING_FIELDS;
    p[o + PING.osd] = r.to;
    p[o + PING.lastUpdate] = NOW;
    p.set(r.back, o + PING.back + PING_IFACE.average);
    p.set(r.front, o + PING.front + PING_IFACE.average);
  });
  return { osd, ping: p } as unknown as OsdStatEntry;
}

/** Ceph's way: every slow ping kept, a stable sort, the last ten reported. */
function cephReport(entries: Array<[number, Row[]]>, iface: 'back' | 'front'): RecordedCheck | undefined {
  const items: Array<{ t: number; from: number; to: number; improving: boolean }> = [];
  for (const [from, rows] of entries) {
    for (const r of rows) {
      const w = r[iface];
      const t = Math.max(...w);
      // Ceph's front check reads the back 15-minute average for "improving".
      if (t > THRESHOLD) items.push({ t, from, to: r.to, improving: w[0] < w[1] && w[1] < (iface === 'back' ? w[2] : r.back[2]) });
    }
  }
  if (items.length === 0) return undefined;
  items.sort((a, b) => a.t - b.t || a.from - b.from || a.to - b.to);
  const ms = (us: number): string => `${Math.floor(us / 1000)}.${String(us % 1000).padStart(3, '0')}`;
  const detail: string[] = [];
  for (let i = items.length - 1; i >= 0; i--) {
    if (detail.length === 10) {
      detail.push('Truncated long network list.  Use ceph daemon mgr.# dump_osd_network for more information');
      break;
    }
    const it = items[i]!;
    detail.push(`Slow OSD heartbeats on ${iface} from osd.${it.from} [] to osd.${it.to} [] ${ms(it.t)} msec${it.improving ? ' possibly improving' : ''}`);
  }
  return {
    code: `OSD_SLOW_PING_TIME_${iface.toUpperCase()}`, severity: 'HEALTH_WARN',
    message: `Slow OSD heartbeats on ${iface} (longest ${ms(items[items.length - 1]!.t)}ms)`, count: items.length, detail,
  };
}

function judged(entries: Array<[number, Row[]]>): RecordedCheck[] {
  const j = new SlowPingJudge(NOW, DEFAULT_HEALTH_CONFIG);
  for (const [osd, rows] of entries) j.visit(entry(osd, rows));
  const { add, checks } = checkRecorder();
  j.report({ osds: [] } as unknown as OsdMap, undefined, add);
  return checks;
}

/** A small deterministic generator (no dependence on the run). */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

describe('slow heartbeats: the ten slowest, as a full sort gives them', () => {
  for (const [name, osds, seed] of [['few', 3, 1], ['many, with ties', 300, 2], ['many, with ties (another draw)', 300, 3]] as const) {
    test(name, () => {
      const rnd = lcg(seed);
      // Few distinct times and peers: equal (pingtime, from, to) keys, with different "improving", are common.
      const t = (): number => (rnd() < 0.4 ? 900_000 : 1_000_001 + 1000 * Math.floor(rnd() * 4));
      const entries: Array<[number, Row[]]> = [];
      for (let osd = 0; osd < osds; osd++) {
        const rows: Row[] = [];
        for (let k = 0; k < 6; k++) rows.push({ to: Math.floor(rnd() * 3), back: [t(), t(), t()], front: [t(), t(), t()] });
        entries.push([osd % 7, rows]);
      }
      const want = [cephReport(entries, 'back'), cephReport(entries, 'front')].filter((c) => c !== undefined);
      expect(want.length).toBe(2);
      if (osds > 10) expect(want[0]!.count).toBeGreaterThan(100);
      expect(judged(entries)).toEqual(want);
    });
  }

  test('none over the threshold: no check', () => {
    expect(judged([[0, [{ to: 1, back: [10, 20, 30], front: [THRESHOLD, THRESHOLD, THRESHOLD] }]]])).toEqual([]);
  });
});
