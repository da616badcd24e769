// The OSD views: the table (columnar, so 10,000 rows are one compact JSON
// message) and one OSD's detail with perf-counter series from its sample ring.

import { PERFCOUNTER_LONGRUNAVG, type CounterColumn } from '../../../src/mgr-module/index.js';
import type { OsdDetail, OsdTable, SeriesPoint } from '../view-types.js';
import { num, type ClusterReader } from './reader.js';

export type { OsdDetail, OsdTable, SeriesPoint };

interface OpsColumns {
  schemaVersion: number;
  opR: number;
  opW: number;
}

const colIndex = (cols: readonly CounterColumn[], path: string): number => cols.find((c) => c.path === path)?.col ?? -1;

/**
 * Builds the OSD table each interval. Keeps the previous op counters per OSD
 * to turn them into rates: one instance per module (the live hub's), so the
 * rates are computed once per interval however many pages are open.
 */
export class OsdTableBuilder {
  private prev = new Map<number, OpsSample>();
  private cols = new Map<string, OpsColumns>();

  build(r: ClusterReader): OsdTable {
    const osdMap = r.get('osd_map');
    // Hosts from the servers list, not get('osd_metadata'): that copies and freezes 10,000 metadata objects
    // (~45 fields each) per call, a third of the table's time at 10,000 OSDs (CPU profile, bench/RESULTS.md).
    const hostOf = new Map<number, string>();
    for (const s of r.listServers()) for (const d of s.services) if (d.type === 'osd') hostOf.set(Number(d.id), s.hostname);
    // The brief rows (what the table shows of osd_stat): the full osd_stats at 10,000 OSDs is ~100,000
    // pool_statfs rows and the peers, hundreds of ms of the manager's thread each interval.
    const stats = new Map(r.get('osd_stats_brief').osd_stats.map((s) => [s.osd, s]));
    const ops = this.opsRates(r);
    const hostIdx = new Map<string, number>();
    const t: OsdTable = { hosts: [], id: [], host: [], up: [], in: [], util: [], pgs: [], commitMs: [], applyMs: [], rdOps: [], wrOps: [] };
    for (const o of osdMap.osds) {
      const hostname = hostOf.get(o.osd) ?? '';
      let h = hostIdx.get(hostname);
      if (h === undefined) {
        h = t.hosts.length;
        hostIdx.set(hostname, h);
        t.hosts.push(hostname);
      }
      const s = stats.get(o.osd);
      const kb = num(s?.kb);
      const rate = ops.get(o.osd);
      t.id.push(o.osd);
      t.host.push(h);
      t.up.push(o.up ? 1 : 0);
      t.in.push(o.in ? 1 : 0);
      t.util.push(kb > 0 ? Math.round((num(s?.kb_used) / kb) * 10_000) / 10_000 : 0);
      t.pgs.push(num(s?.num_pgs));
      t.commitMs.push(num(s?.perf_stat.commit_latency_ms));
      t.applyMs.push(num(s?.perf_stat.apply_latency_ms));
      t.rdOps.push(rate ? Math.round(rate.r * 10) / 10 : 0);
      t.wrOps.push(rate ? Math.round(rate.w * 10) / 10 : 0);
    }
    return t;
  }

  /**
   * Client read/write op rates per OSD from osd.op_r / osd.op_w between the
   * daemon's latest sample and the one before it; a daemon that has not
   * reported since keeps its last rate.
   */
  private opsRates(r: ClusterReader): Map<number, { r: number; w: number }> {
    const next = new Map<number, OpsSample>();
    r.forEachDaemonCounters((d) => {
      if (d.stamp === 0) return;
      let c = this.cols.get(d.daemon);
      if (!c || c.schemaVersion !== d.schemaVersion) {
        c = { schemaVersion: d.schemaVersion, opR: colIndex(d.columns, 'osd.op_r'), opW: colIndex(d.columns, 'osd.op_w') };
        this.cols.set(d.daemon, c);
      }
      const id = Number(d.id);
      const p = this.prev.get(id);
      if (p && p.t === d.stamp) {
        next.set(id, p);
        return;
      }
      const cur: OpsSample = { t: d.stamp, r: c.opR >= 0 ? d.values[c.opR]! : 0, w: c.opW >= 0 ? d.values[c.opW]! : 0, rate: { r: 0, w: 0 } };
      if (p && cur.t > p.t && cur.t - p.t <= MAX_GAP_S) {
        cur.rate = { r: Math.max(0, (cur.r - p.r) / (cur.t - p.t)), w: Math.max(0, (cur.w - p.w) / (cur.t - p.t)) };
      } else {
        // Not seen by this builder lately (the table's first build, or nobody watched it for a while):
        // the rate between the daemon's own last two samples, not 0 (nor an average over the gap).
        cur.rate = { r: c.opR >= 0 ? ringRate(r, d.id, 'osd.op_r') : 0, w: c.opW >= 0 ? ringRate(r, d.id, 'osd.op_w') : 0 };
      }
      next.set(id, cur);
    }, 'osd');
    this.prev = next;
    return new Map([...next].map(([id, v]) => [id, v.rate]));
  }
}

/** A builder's previous sample older than this (seconds before the latest) is not used for a rate. */
const MAX_GAP_S = 60;

/** A counter's rate between the daemon's last two samples in its ring (0 with fewer than two). */
function ringRate(r: ClusterReader, id: string, path: string): number {
  const h = r.getCounter('osd', id, path)[path] ?? [];
  const a = h[h.length - 2];
  const b = h[h.length - 1];
  if (!a || !b || !(b[0]! > a[0]!)) return 0;
  return Math.max(0, (b[1]! - a[1]!) / (b[0]! - a[0]!));
}

interface OpsSample {
  t: number;
  r: number;
  w: number;
  rate: { r: number; w: number };
}

/** The counters charted on an OSD's page, with what they are. */
export const OSD_CHARTS: ReadonlyArray<{ path: string; label: string; unit: string }> = [
  { path: 'osd.op_r', label: 'Read ops', unit: 'ops/s' },
  { path: 'osd.op_w', label: 'Write ops', unit: 'ops/s' },
  { path: 'osd.op_out_bytes', label: 'Read throughput', unit: 'B/s' },
  { path: 'osd.op_in_bytes', label: 'Write throughput', unit: 'B/s' },
  { path: 'osd.op_r_latency', label: 'Read latency', unit: 'ms' },
  { path: 'osd.op_w_latency', label: 'Write latency', unit: 'ms' },
];

/** Rates (or mean latency, for long-running averages in ns) between consecutive samples. */
export function seriesFromRing(samples: number[][], avg: boolean): SeriesPoint[] {
  const out: SeriesPoint[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    const dt = b[0]! - a[0]!;
    if (dt <= 0) continue;
    if (avg) {
      const dCount = b[2]! - a[2]!;
      out.push({ t: b[0]!, v: dCount > 0 ? (b[1]! - a[1]!) / dCount / 1e6 : 0 });
    } else {
      out.push({ t: b[0]!, v: Math.max(0, (b[1]! - a[1]!) / dt) });
    }
  }
  return out;
}

export function osdDetail(r: ClusterReader, id: number): OsdDetail | undefined {
  const o = r.get('osd_map').osds.find((x) => x.osd === id);
  if (!o) return undefined;
  const s = r.get('osd_stats_brief').osd_stats.find((x) => x.osd === id);
  const metadata = r.getMetadata('osd', String(id)) ?? {};
  const schema = r.getPerfSchema('osd', String(id))[`osd.${id}`] ?? {};
  const series = OSD_CHARTS.filter((c) => schema[c.path] !== undefined).map((c) => {
    const avg = (schema[c.path]!.type & PERFCOUNTER_LONGRUNAVG) !== 0;
    const ring = r.getCounter('osd', String(id), c.path)[c.path] ?? [];
    return { ...c, points: seriesFromRing(ring, avg) };
  });
  return {
    id, up: Boolean(o.up), in: Boolean(o.in), weight: num(o.weight), host: metadata.hostname ?? '', metadata,
    stats: {
      kb: num(s?.kb), kbUsed: num(s?.kb_used), kbAvail: num(s?.kb_avail), pgs: num(s?.num_pgs),
      commitMs: num(s?.perf_stat.commit_latency_ms), applyMs: num(s?.perf_stat.apply_latency_ms),
    },
    series,
  };
}
