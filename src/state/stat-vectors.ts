// The numeric vectors the PGMap sums (object_stat_sum_t, store_statfs_t,
// osd_stat_t) and their Ceph JSON dumps. Sums live in Float64Arrays: every
// value is an integer below 2^53, so adding and subtracting stays exact.

import { STAT_SUM_FIELDS, type StoreStatfs } from '../protocol/messages.js';
import { unpackPingTimes } from '../protocol/ping-times.js';
import { kbOf } from './ceph-format.js';

/** Width of a stat_sum row. */
export const STAT_W = STAT_SUM_FIELDS.length;

/** store_statfs_t fields in Ceph's dump order. */
export const STATFS_FIELDS = [
  'total',
  'available',
  'internally_reserved',
  'allocated',
  'data_stored',
  'data_compressed',
  'data_compressed_allocated',
  'data_compressed_original',
  'omap_allocated',
  'internal_metadata',
] as const satisfies ReadonlyArray<keyof StoreStatfs>;

export const STATFS_W = STATFS_FIELDS.length;

/** Column of each osd_stat_t value in an OSD vector (statfs first, then these). */
export const OSD_COL = {
  numPgs: STATFS_W,
  numOsds: STATFS_W + 1,
  numPerPoolOsds: STATFS_W + 2,
  numPerPoolOmapOsds: STATFS_W + 3,
  snapTrimQueueLen: STATFS_W + 4,
  numSnapTrimming: STATFS_W + 5,
  numShardsRepaired: STATFS_W + 6,
  commitNs: STATFS_W + 7,
  applyNs: STATFS_W + 8,
} as const;

export const OSD_W = STATFS_W + 9;

/** Index of each statfs field in a statfs (or OSD) vector. */
export const STATFS_COL = Object.fromEntries(STATFS_FIELDS.map((f, i) => [f, i])) as Record<(typeof STATFS_FIELDS)[number], number>;

/** dst[dOff..] += sign * src[sOff..] over `width` values. */
export function addInto(dst: Float64Array, dOff: number, src: ArrayLike<number>, sOff: number, width: number, sign: number): void {
  for (let i = 0; i < width; i++) dst[dOff + i]! += sign * src[sOff + i]!;
}

export function isZero(v: Float64Array): boolean {
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) return false;
  return true;
}

export function statSumJson(v: ArrayLike<number>, off = 0): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < STAT_W; i++) out[STAT_SUM_FIELDS[i]!] = v[off + i]!;
  return out;
}

export function statfsJson(v: ArrayLike<number>, off = 0): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < STATFS_W; i++) out[STATFS_FIELDS[i]!] = v[off + i]!;
  return out;
}

/**
 * A statfs report as a vector (missing or non-numeric fields count as 0), in
 * STATFS_FIELDS order. Each field by name, not `s[STATFS_FIELDS[i]]`: a parsed
 * report keeps byte counts past 2^31 as double fields, and a keyed load of one
 * boxes a new number each time. Per OSD report (statfs and each pool_statfs)
 * that was ~0.8 KB of garbage of the 6.5 KB a report made (bench:ingest-alloc).
 */
export function statfsVector(s: Partial<StoreStatfs> | undefined, into: Float64Array = new Float64Array(STATFS_W), off = 0): Float64Array {
  if (s === undefined || s === null) {
    into.fill(0, off, off + STATFS_W);
    return into;
  }
  into[off] = finite(s.total);
  into[off + 1] = finite(s.available);
  into[off + 2] = finite(s.internally_reserved);
  into[off + 3] = finite(s.allocated);
  into[off + 4] = finite(s.data_stored);
  into[off + 5] = finite(s.data_compressed);
  into[off + 6] = finite(s.data_compressed_allocated);
  into[off + 7] = finite(s.data_compressed_original);
  into[off + 8] = finite(s.omap_allocated);
  into[off + 9] = finite(s.internal_metadata);
  return into;
}

function finite(x: unknown): number {
  return typeof x === 'number' && Number.isFinite(x) ? x : 0;
}

/** Ceph's pool_stat_t: what is summed per pool and over the cluster. */
export class PoolStatSum {
  readonly stats = new Float64Array(STAT_W);
  logSize = 0;
  ondiskLogSize = 0;
  up = 0;
  acting = 0;
  numPg = 0;

  /** Moves the scalar sums (a PG added, removed, or re-reported with other sizes). */
  move(logSize: number, ondiskLogSize: number, up: number, acting: number, numPg: number): void {
    this.logSize += logSize;
    this.ondiskLogSize += ondiskLogSize;
    this.up += up;
    this.acting += acting;
    this.numPg += numPg;
  }

  /** pool_stat_t::dump. Store stats are summed per pool from pool_statfs; the cluster sum has none. */
  dump(store?: { v: Float64Array; n: number }): Record<string, unknown> {
    return {
      stat_sum: statSumJson(this.stats),
      store_stats: statfsJson(store?.v ?? ZERO_STATFS),
      log_size: this.logSize,
      ondisk_log_size: this.ondiskLogSize,
      up: this.up,
      acting: this.acting,
      num_store_stats: store?.n ?? 0,
    };
  }
}

const ZERO_STATFS = new Float64Array(STATFS_W);

/** Per-OSD extras that are reported, not summed. */
export interface OsdStatExtras {
  osd?: number;
  upFrom: number;
  seq: number;
  hbPeers: readonly number[];
  /** Packed ping times (protocol/ping-times.ts), shown as network_ping_times when asked for. */
  ping?: Uint32Array;
  alerts?: Readonly<Record<string, string>>;
}

/** osd_stat_t::dump from an OSD vector. `osd` leads when given (dump_osd_stats adds it). */
export function osdStatJson(v: Float64Array, x: OsdStatExtras, withNet: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (x.osd !== undefined) out.osd = x.osd;
  const total = v[STATFS_COL.total]!;
  const avail = v[STATFS_COL.available]!;
  const commitNs = v[OSD_COL.commitNs]!;
  const applyNs = v[OSD_COL.applyNs]!;
  Object.assign(out, {
    up_from: x.upFrom,
    seq: x.seq,
    num_pgs: v[OSD_COL.numPgs],
    num_osds: v[OSD_COL.numOsds],
    num_per_pool_osds: v[OSD_COL.numPerPoolOsds],
    num_per_pool_omap_osds: v[OSD_COL.numPerPoolOmapOsds],
    kb: kbOf(total),
    kb_used: kbOf(total - avail),
    kb_used_data: kbOf(v[STATFS_COL.allocated]!),
    kb_used_omap: kbOf(v[STATFS_COL.omap_allocated]!),
    kb_used_meta: kbOf(v[STATFS_COL.internal_metadata]!),
    kb_avail: kbOf(avail),
    statfs: statfsJson(v),
    hb_peers: [...x.hbPeers],
    snap_trim_queue_len: v[OSD_COL.snapTrimQueueLen],
    num_snap_trimming: v[OSD_COL.numSnapTrimming],
    num_shards_repaired: v[OSD_COL.numShardsRepaired],
    op_queue_age_hist: { histogram: [], upper_bound: 1 },
    perf_stat: perfStatJson(commitNs, applyNs),
    // os_alerts: one {alert, message} per alert (docs/state.md).
    alerts: Object.entries(x.alerts ?? {}).map(([alert, message]) => ({ alert, message })),
  });
  if (withNet) out.network_ping_times = x.ping !== undefined ? unpackPingTimes(x.ping) : [];
  return out;
}

/**
 * get('osd_stats_brief'): the osd_stat_t figures exporters read, a subset of
 * osdStatJson's with the same values, for one OSD.
 */
export function osdStatBriefJson(osd: number, v: Float64Array): Record<string, unknown> {
  const total = v[STATFS_COL.total]!;
  const avail = v[STATFS_COL.available]!;
  return {
    osd,
    num_pgs: v[OSD_COL.numPgs],
    kb: kbOf(total),
    kb_used: kbOf(total - avail),
    kb_avail: kbOf(avail),
    perf_stat: perfStatJson(v[OSD_COL.commitNs]!, v[OSD_COL.applyNs]!),
  };
}

/** objectstore_perf_stat_t::dump. */
export function perfStatJson(commitNs: number, applyNs: number): Record<string, number> {
  return {
    commit_latency_ms: commitNs / 1e6,
    apply_latency_ms: applyNs / 1e6,
    commit_latency_ns: commitNs,
    apply_latency_ns: applyNs,
  };
}
