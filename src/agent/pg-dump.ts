// `ceph pg dump -f json` (what the cluster's own ceph-mgr has from its OSDs)
// split back into the per-OSD PG_STATS messages the OSDs sent it: each PG under
// its acting primary, each OSD's osd_stat (with its heartbeat ping times,
// packed for PG_STATS_BIN's ping section) and pool_statfs. Pure.

import { STAT_SUM_FIELDS, type OsdStatReport, type PgStatReport, type PgStatsMsg, type StoreStatfs } from '../protocol/messages.js';
import { checkPingTimes, packPingTimes } from '../protocol/ping-times.js';

/** The parts of `pg dump` read here (Ceph 16 shapes: ceph-reference/cli/pg_dump_full.json.gz). */
export interface PgDumpJson {
  pg_ready?: boolean;
  pg_map: {
    stamp?: string;
    pg_stats?: Array<Record<string, unknown>>;
    osd_stats?: Array<Record<string, unknown>>;
    pool_statfs?: Array<Record<string, unknown>>;
  };
}

const STATFS_FIELDS = [
  'total', 'available', 'internally_reserved', 'allocated', 'data_stored', 'data_compressed',
  'data_compressed_allocated', 'data_compressed_original', 'omap_allocated', 'internal_metadata',
] as const;

/** Ceph's utime_t as JSON prints it ("2026-11-26T17:41:28.922816+0000"; "0.000000" for never) in Unix seconds; 0 for anything else. */
export function cephStamp(v: unknown): number {
  if (typeof v !== 'string') return 0;
  const m = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([+-])(\d\d):?(\d\d)|Z)?$/.exec(v);
  if (!m) return 0;
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  const frac = m[7] ? Number(`0.${m[7]}`) : 0;
  const off = m[8] ? (m[8] === '-' ? -1 : 1) * (+m[9]! * 3600 + +m[10]! * 60) : 0;
  return ms / 1000 + frac - off;
}

const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const ints = (v: unknown): number[] => (Array.isArray(v) ? v.filter((x): x is number => Number.isInteger(x)) : []);

function statfs(o: Record<string, unknown> | undefined): StoreStatfs {
  const out = {} as StoreStatfs;
  for (const f of STATFS_FIELDS) out[f] = n(o?.[f]);
  return out;
}

function osdStat(o: Record<string, unknown> | undefined, numPgs: number): OsdStatReport {
  const perf = (o?.perf_stat ?? {}) as Record<string, unknown>;
  return {
    statfs: statfs(o?.statfs as Record<string, unknown> | undefined),
    hb_peers: ints(o?.hb_peers),
    num_pgs: o ? n(o.num_pgs) : numPgs,
    num_snap_trimming: n(o?.num_snap_trimming),
    num_shards_repaired: n(o?.num_shards_repaired),
    snap_trim_queue_len: n(o?.snap_trim_queue_len),
    apply_latency_ms: n(perf.apply_latency_ms),
    commit_latency_ms: n(perf.commit_latency_ms),
    up_from: n(o?.up_from),
    seq: n(o?.seq),
  };
}

/** The cluster's own ping times of an OSD, packed; undefined when absent or not in Ceph's shape (then none are relayed). */
function pingTimes(v: unknown): Uint32Array | undefined {
  if (v === undefined) return undefined;
  try {
    return packPingTimes(checkPingTimes(v));
  } catch {
    return undefined;
  }
}

function pgStat(p: Record<string, unknown>, stampS: number): PgStatReport {
  const sum = (p.stat_sum ?? {}) as Record<string, unknown>;
  const lastClean = cephStamp(p.last_clean);
  const r: PgStatReport = {
    pgid: String(p.pgid),
    state: typeof p.state === 'string' ? p.state : 'unknown',
    up: ints(p.up),
    acting: ints(p.acting),
    up_primary: Number.isInteger(p.up_primary) ? (p.up_primary as number) : -1,
    acting_primary: Number.isInteger(p.acting_primary) ? (p.acting_primary as number) : -1,
    version: typeof p.version === 'string' ? p.version : "0'0",
    reported_epoch: n(p.reported_epoch),
    reported_seq: n(Number(p.reported_seq)),
    log_size: n(p.log_size),
    ondisk_log_size: n(p.ondisk_log_size),
    last_scrub_stamp: cephStamp(p.last_scrub_stamp),
    last_deep_scrub_stamp: cephStamp(p.last_deep_scrub_stamp),
    last_change: cephStamp(p.last_change),
    stat_sum: STAT_SUM_FIELDS.map((f) => n(sum[f])),
  };
  if (lastClean > 0 && stampS > lastClean) r.last_clean = stampS - lastClean;
  const blocked = ints(p.blocked_by);
  if (blocked.length) r.blocked_by = blocked;
  return r;
}

/**
 * One PG_STATS message per OSD: every OSD `pg dump` has stats for (so the
 * manager sees each one reported, as Ceph's pgmap_ready wants), with the PGs
 * it is acting primary for. PGs with no primary (never reported: the manager
 * lists those as unknown from the osd map itself) are left out.
 */
export function splitPgDump(dump: PgDumpJson, osdMapEpoch: number, nowS: number): PgStatsMsg[] {
  const pm = dump.pg_map;
  const stampS = cephStamp(pm.stamp) || nowS;
  const byOsd = new Map<number, PgStatsMsg>();
  const msgFor = (osd: number, stat: Record<string, unknown> | undefined): PgStatsMsg => {
    let m = byOsd.get(osd);
    if (!m) {
      m = { osd, epoch: osdMapEpoch, stamp: stampS, osd_stat: osdStat(stat, 0), pg_stats: [] };
      // An OSD whose store keeps per-pool stats (bluestore; not memstore) says so, and sends pool_statfs:
      // Ceph's df reads per-pool usage only when every OSD does (num_per_pool_osds == num_osds).
      if (n(stat?.num_per_pool_osds) > 0) m.pool_statfs = [];
      const ping = pingTimes(stat?.network_ping_times);
      if (ping !== undefined) m.packedPingTimes = ping;
      byOsd.set(osd, m);
    }
    return m;
  };
  const withStat = new Set<number>();
  for (const o of pm.osd_stats ?? []) {
    if (!Number.isInteger(o.osd)) continue;
    msgFor(o.osd as number, o);
    withStat.add(o.osd as number);
  }
  for (const p of pm.pg_stats ?? []) {
    const primary = p.acting_primary;
    if (!Number.isInteger(primary) || (primary as number) < 0) continue;
    const m = msgFor(primary as number, undefined);
    m.pg_stats.push(pgStat(p, stampS));
  }
  for (const s of pm.pool_statfs ?? []) {
    const m = Number.isInteger(s.osd) ? byOsd.get(s.osd as number) : undefined;
    if (m && Number.isInteger(s.poolid)) (m.pool_statfs ??= []).push({ poolid: s.poolid as number, ...statfs(s) });
  }
  // An OSD with PGs but no osd_stat in the dump (not reported to Ceph's mgr yet): its PG count is what it leads.
  for (const m of byOsd.values()) if (!withStat.has(m.osd)) m.osd_stat.num_pgs = m.pg_stats.length;
  return [...byOsd.values()].sort((a, b) => a.osd - b.osd);
}
