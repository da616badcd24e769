// Ceph-shaped JSON built from a PGMap: what ceph-mgr's get() returns for
// pg_summary, pg_status, pg_dump, pg_stats, pool_stats, osd_stats, io_rate and
// osd_pool_stats, and the `pg stat` / `pg dump` / `osd perf` / `osd pool stats`
// command forms. Pure functions of the PGMap; nothing here mutates it.

import { STAT_SUM_INDEX as S } from '../protocol/messages.js';
import type { OsdMap } from '../mgr-module/map-types.js';
import type { PGMap, PgRecord } from './pg-map.js';
import { CRUSH_ITEM_NONE, utimeString } from './ceph-format.js';
import { PG_STATE_WORDS } from './pg-states.js';
import type { DeltaWindow } from './stat-delta.js';
import { PoolStatSum, osdStatBriefJson, osdStatJson, perfStatJson, statSumJson, statfsJson, OSD_COL, STATFS_COL as F } from './stat-vectors.js';

export type PgDumpWhat = 'all' | 'summary' | 'sum' | 'delta' | 'pools' | 'osds' | 'pgs' | 'pgs_brief';

/** pg_stat_t::dump of one PG. */
export function pgStatJson(m: PGMap, r: PgRecord, ecPools?: ReadonlySet<number>): Record<string, unknown> {
  const row = m.pgStatRow(r);
  const logStart = r.logStart;
  const stateId = r.stateId;
  const words = m.states.info(stateId).words;
  // Ceph lists where a PG's objects are while it is active but not clean (recovering,
  // backfilling, undersized). The compact report does not say; the acting set holds
  // every object as far as mgrd knows.
  const locating = words.has('active') && !words.has('clean');
  const acting = r.acting;
  const shards = locating ? shardNames(acting, ecPools?.has(r.pool) ?? false) : [];
  const objects = row.data[row.offset + S.num_objects]!;
  return {
    pgid: r.pgid,
    version: r.version,
    reported_seq: r.reportedSeq,
    reported_epoch: r.reportedEpoch,
    state: m.states.name(stateId),
    last_fresh: utimeString(r.lastFresh),
    last_change: utimeString(r.lastChange),
    last_active: utimeString(r.lastActive),
    last_peered: utimeString(r.lastPeered),
    last_clean: utimeString(r.lastClean),
    last_became_active: utimeString(r.lastBecameActive),
    last_became_peered: utimeString(r.lastBecamePeered),
    last_unstale: utimeString(r.lastUnstale),
    last_undegraded: utimeString(r.lastUndegraded),
    last_fullsized: utimeString(r.lastFullsized),
    mapping_epoch: r.mappingEpoch,
    log_start: logStart,
    ondisk_log_start: logStart,
    created: r.created,
    last_epoch_clean: r.lastEpochClean,
    parent: '0.0',
    parent_split_bits: 0,
    // The compact report carries scrub stamps, not the log versions scrubbed at.
    last_scrub: "0'0",
    last_scrub_stamp: utimeString(r.lastScrubStamp),
    last_deep_scrub: "0'0",
    last_deep_scrub_stamp: utimeString(r.lastDeepScrubStamp),
    last_clean_scrub_stamp: utimeString(r.lastScrubStamp),
    log_size: r.logSize,
    ondisk_log_size: r.ondiskLogSize,
    stats_invalid: false,
    dirty_stats_invalid: false,
    omap_stats_invalid: false,
    hitset_stats_invalid: false,
    hitset_bytes_stats_invalid: false,
    pin_stats_invalid: false,
    manifest_stats_invalid: false,
    snaptrimq_len: 0,
    stat_sum: statSumJson(row.data, row.offset),
    up: r.up,
    acting,
    avail_no_missing: shards,
    object_location_counts: locating && objects > 0 ? [{ shards: shards.join(','), objects }] : [],
    blocked_by: r.blockedBy,
    up_primary: r.upPrimary,
    acting_primary: r.actingPrimary,
    purged_snaps: [],
  };
}

/** pg_shard_t strings: "3" for a replica, "3(1)" for shard 1 of an erasure-coded PG. */
function shardNames(acting: readonly number[], ec: boolean): string[] {
  const out: string[] = [];
  acting.forEach((osd, i) => {
    if (osd >= 0 && osd !== CRUSH_ITEM_NONE) out.push(ec ? `${osd}(${i})` : String(osd));
  });
  return out;
}

/** Pools whose PGs are erasure-coded (type 3), from the PGMap's osd map. */
function ecPoolsOf(m: PGMap): Set<number> {
  return new Set((m.osdMap?.pools ?? []).filter((p) => p.type === 3).map((p) => p.pool));
}

export function dumpPgStats(m: PGMap): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const ec = ecPoolsOf(m);
  for (const r of m.pgs()) out.push(pgStatJson(m, r, ec));
  return out;
}

function dumpPgStatsBrief(m: PGMap): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const r of m.pgs()) {
    out.push({ pgid: r.pgid, state: m.states.name(r.stateId), up: r.up, acting: r.acting, up_primary: r.upPrimary, acting_primary: r.actingPrimary });
  }
  return out;
}

export function dumpPoolStats(m: PGMap): Array<Record<string, unknown>> {
  return m.poolIds().map((id) => {
    const s = m.poolSum(id)!;
    return { poolid: id, num_pg: s.numPg, ...s.dump(m.poolStore(id)) };
  });
}

export function dumpOsdStats(m: PGMap, withNet: boolean): Array<Record<string, unknown>> {
  return m.osdIds().map((osd) => {
    const e = m.osdStat(osd)!;
    return osdStatJson(e.vec, { osd, upFrom: e.upFrom, seq: e.seq, hbPeers: e.hbPeers, ping: e.ping, alerts: e.alerts }, withNet);
  });
}

/** get('osd_stats_brief'): per OSD, ascending, what exporters read of its osd_stat (no statfs, peers, alerts, pool_statfs). */
export function osdStatsBrief(m: PGMap): Record<string, unknown> {
  return { osd_stats: m.osdIds().map((osd) => osdStatBriefJson(osd, m.osdStat(osd)!.vec)) };
}

export function dumpPoolStatfs(m: PGMap): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const osd of m.osdIds()) {
    for (const [pool, v] of m.osdTable.poolStatfsOf(osd)) out.push({ poolid: pool, osd, ...statfsJson(v) });
  }
  return out;
}

/** get('osd_ping_times'): each OSD's network_ping_times. */
export function osdPingTimes(m: PGMap): Record<string, unknown> {
  return { osd_ping_times: m.osdIds().map((osd) => ({ osd, network_ping_times: m.osdStat(osd)!.pingTimes })) };
}

function osdStatsSum(m: PGMap): Record<string, unknown> {
  return osdStatJson(m.osdTable.sum, { upFrom: 0, seq: 0, hbPeers: [] }, true);
}

/** pg_sum_delta with its stamp_delta (dump_delta). */
export function pgStatsDelta(m: PGMap): Record<string, unknown> {
  const d = new PoolStatSum();
  d.stats.set(m.delta.sum);
  return { ...d.dump(), stamp_delta: utimeString(m.delta.stampDelta) };
}

/** PGMap::dump_basic. last_osdmap_epoch and last_pg_scan are 0 in ceph-mgr's PGMap, and here. */
function dumpBasic(m: PGMap): Record<string, unknown> {
  return {
    version: m.version,
    stamp: utimeString(m.stampS),
    last_osdmap_epoch: 0,
    last_pg_scan: 0,
    pg_stats_sum: m.clusterSum.dump(),
    osd_stats_sum: osdStatsSum(m),
    pg_stats_delta: pgStatsDelta(m),
  };
}

/** PGMap::dump: get('pg_dump') without ping times, `pg dump all` with (empty) ones. */
export function pgDump(m: PGMap, withNet: boolean): Record<string, unknown> {
  return {
    ...dumpBasic(m),
    pg_stats: dumpPgStats(m),
    pool_stats: dumpPoolStats(m),
    osd_stats: dumpOsdStats(m, withNet),
    pool_statfs: dumpPoolStatfs(m),
  };
}

/**
 * get('pg_summary'): state counts by OSD (acting), by pool and overall, and
 * the PG sum. Given the previous summary, an OSD whose counts did not change
 * keeps its previous (frozen) object: at 10,000 OSDs, most of them.
 */
export function pgSummary(m: PGMap): Record<string, unknown> {
  const byPool: Record<string, Record<string, number>> = {};
  for (const [pool, counts] of m.poolStateCounts()) byPool[String(pool)] = namedCounts(m, counts);
  const byOsd = m.pgSummaryByOsd((counts) => namedCounts(m, counts));
  return { by_osd: byOsd, by_pool: byPool, all: namedCounts(m, m.stateCounts()), pg_stats_sum: m.clusterSum.dump() };
}

/** State id -> PGs, named, names in order (one state: no sort). */
export function namedCounts(m: PGMap, counts: ReadonlyMap<number, number>): Record<string, number> {
  // One state (most OSDs, most of the time): no sort.
  if (counts.size === 1) for (const [id, n] of counts) return { [m.states.name(id)]: n };
  const entries = [...counts].map(([id, n]) => [m.states.name(id), n] as const);
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return Object.fromEntries(entries);
}

/** PGs by state, most frequent first (print_summary's pgs_by_state). */
export function pgsByState(m: PGMap): Array<{ state_name: string; count: number }> {
  return sortedStates(m, m.stateCounts()).map(([state_name, count]) => ({ state_name, count }));
}

function sortedStates(m: PGMap, counts: ReadonlyMap<number, number>): Array<[string, number]> {
  const out = [...counts].map(([id, n]): [string, number] => [m.states.name(id), n]);
  out.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return out;
}

/**
 * Per pool, how many PGs carry each state word (the prometheus module's
 * ceph_pg_<word>{pool_id}: a PG "active+clean" counts once for active and once
 * for clean), every Ceph word present (0 when none), plus "total".
 */
export function pgStateWordCountsByPool(m: PGMap): Map<number, Record<string, number>> {
  const out = new Map<number, Record<string, number>>();
  for (const [pool, counts] of [...m.poolStateCounts()].sort((a, b) => a[0] - b[0])) {
    const c: Record<string, number> = Object.fromEntries(PG_STATE_WORDS.map((w) => [w, 0]));
    let total = 0;
    for (const [id, n] of counts) {
      for (const w of m.states.info(id).words) c[w] = (c[w] ?? 0) + n;
      total += n;
    }
    c.total = total;
    out.set(pool, c);
  }
  return out;
}

/** get('pg_status') (print_summary); `byPool: false` gives the pgmap section of `status`. */
export function pgStatus(m: PGMap, byPool = true): Record<string, unknown> {
  const out: Record<string, unknown> = { pgs_by_state: pgsByState(m) };
  if (byPool) {
    out.pgs_by_pool_state = [...m.poolStateCounts()]
      .sort((a, b) => a[0] - b[0])
      .map(([pool_id, counts]) => ({ pool_id, pg_state_counts: sortedStates(m, counts).map(([state_name, count]) => ({ state_name, count })) }));
  }
  const sum = m.clusterSum.stats;
  const osd = m.osdTable.sum;
  Object.assign(out, {
    num_pgs: m.numPgs,
    num_pools: m.poolIds().length,
    num_objects: sum[S.num_objects],
    data_bytes: sum[S.num_bytes],
    bytes_used: osd[F.total]! - osd[F.available]!,
    bytes_avail: osd[F.available],
    bytes_total: osd[F.total],
  });
  Object.assign(out, pgRatios(m), recoverySummary(sum), recoveryRate(m.delta), clientIoRate(m.delta, false), cacheIoRate(m.delta));
  return out;
}

/** unknown_pgs_ratio / inactive_pgs_ratio, present only when some PGs are so. */
function pgRatios(m: PGMap): Record<string, number> {
  const out: Record<string, number> = {};
  const n = m.numPgs;
  if (n === 0) return out;
  let unknown = 0;
  let active = 0;
  for (const [id, c] of m.stateCounts()) {
    const w = m.states.info(id).words;
    if (w.has('unknown')) unknown += c;
    if (w.has('active')) active += c;
  }
  if (unknown > 0) out.unknown_pgs_ratio = Math.fround(unknown / n);
  if (n - active - unknown > 0) out.inactive_pgs_ratio = Math.fround((n - active - unknown) / n);
  return out;
}

/** recovery_summary: degraded / misplaced / unfound, each present only when non-zero. */
export function recoverySummary(s: Float64Array): Record<string, number> {
  const out: Record<string, number> = {};
  const copies = s[S.num_object_copies]!;
  const degraded = s[S.num_objects_degraded]!;
  const misplaced = s[S.num_objects_misplaced]!;
  const unfound = s[S.num_objects_unfound]!;
  const objects = s[S.num_objects]!;
  if (degraded && copies > 0) Object.assign(out, { degraded_objects: degraded, degraded_total: copies, degraded_ratio: ((degraded / copies) * 100) / 100 });
  if (misplaced && copies > 0) Object.assign(out, { misplaced_objects: misplaced, misplaced_total: copies, misplaced_ratio: ((misplaced / copies) * 100) / 100 });
  if (unfound && objects) Object.assign(out, { unfound_objects: unfound, unfound_total: objects, unfound_ratio: ((unfound / objects) * 100) / 100 });
  return out;
}

/** recovery_rate_summary over a delta window; empty when nothing recovered. */
export function recoveryRate(w: DeltaWindow | undefined): Record<string, number> {
  if (!w) return {};
  const o = w.pos(S.num_objects_recovered);
  const b = w.pos(S.num_bytes_recovered);
  const k = w.pos(S.num_keys_recovered);
  if (!o && !b && !k) return {};
  return {
    recovering_objects_per_sec: Math.trunc(w.rate(S.num_objects_recovered)),
    recovering_bytes_per_sec: Math.trunc(w.rate(S.num_bytes_recovered)),
    recovering_keys_per_sec: Math.trunc(w.rate(S.num_keys_recovered)),
    num_objects_recovered: o,
    num_bytes_recovered: b,
    num_keys_recovered: k,
  };
}

/** client_io_rate_summary; `oneline` gives print_oneline_summary's io_sec instead of per-direction ops. */
export function clientIoRate(w: DeltaWindow | undefined, oneline: boolean): Record<string, number> {
  if (!w) return {};
  const rd = w.pos(S.num_read);
  const wr = w.pos(S.num_write);
  if (!rd && !wr) return {};
  const out: Record<string, number> = {};
  if (rd) out.read_bytes_sec = Math.trunc(w.rate(S.num_read_kb) * 1024);
  if (wr) out.write_bytes_sec = Math.trunc(w.rate(S.num_write_kb) * 1024);
  if (oneline) out.io_sec = w.stampDelta > 0 ? Math.trunc((rd + wr) / w.stampDelta) : 0;
  else Object.assign(out, { read_op_per_sec: Math.trunc(w.rate(S.num_read)), write_op_per_sec: Math.trunc(w.rate(S.num_write)) });
  return out;
}

/** cache_io_rate_summary: cache-tier flush/evict/promote rates, present only when non-zero. */
function cacheIoRate(w: DeltaWindow | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (!w) return out;
  if (w.pos(S.num_flush)) out.flush_bytes_sec = Math.trunc(w.rate(S.num_flush_kb) * 1024);
  if (w.pos(S.num_evict)) out.evict_bytes_sec = Math.trunc(w.rate(S.num_evict_kb) * 1024);
  if (w.pos(S.num_promote)) out.promote_op_per_sec = Math.trunc(w.rate(S.num_promote));
  for (const f of ['num_flush_mode_low', 'num_flush_mode_high', 'num_evict_mode_some', 'num_evict_mode_full'] as const) {
    if (w.pos(S[f])) out[f] = w.pos(S[f]);
  }
  return out;
}

/** `osd pool stats` / get('osd_pool_stats'): every pool of the osd map, optionally one. */
export function osdPoolStatsList(m: PGMap, osdMap: OsdMap | undefined, poolId?: number): Array<Record<string, unknown>> {
  const pools = (osdMap?.pools ?? []).filter((p) => poolId === undefined || p.pool === poolId);
  return pools.map((p) => {
    const sum = m.poolSum(p.pool);
    const w = m.poolDelta(p.pool);
    const out: Record<string, unknown> = {
      pool_name: p.pool_name,
      pool_id: p.pool,
      recovery: sum ? recoverySummary(sum.stats) : {},
      recovery_rate: recoveryRate(w),
      client_io_rate: clientIoRate(w, false),
    };
    if (typeof p.tier_of === 'number' && p.tier_of >= 0) out.cache_io_rate = cacheIoRate(w);
    return out;
  });
}

/** `pg stat -f json`. */
export function pgStatCommand(m: PGMap): Record<string, unknown> {
  const sum = m.clusterSum.stats;
  const osd = m.osdTable.sum;
  return {
    pg_ready: m.isPgReady(),
    pg_summary: {
      num_pg_by_state: sortedStates(m, m.stateCounts()).map(([name, num]) => ({ name, num })),
      num_pgs: m.numPgs,
      num_bytes: sum[S.num_bytes],
      total_bytes: osd[F.total],
      total_avail_bytes: osd[F.available],
      total_used_bytes: osd[F.total]! - osd[F.available]! - osd[F.internally_reserved]!,
      total_used_raw_bytes: osd[F.total]! - osd[F.available]!,
      ...clientIoRate(m.delta, true),
      ...recoverySummary(sum),
      ...recoveryRate(m.delta),
    },
  };
}

/** `pg dump [what...] -f json`. */
export function pgDumpCommand(m: PGMap, what: PgDumpWhat | readonly PgDumpWhat[]): Record<string, unknown> {
  const w = new Set(typeof what === 'string' ? [what] : what);
  const out: Record<string, unknown> = { pg_ready: m.isPgReady() };
  if (w.size === 0 || w.has('all')) out.pg_map = pgDump(m, true);
  else if (w.has('summary') || w.has('sum')) out.pg_map = dumpBasic(m);
  else {
    if (w.has('pools')) out.pool_stats = dumpPoolStats(m);
    if (w.has('osds')) Object.assign(out, { osd_stats: dumpOsdStats(m, true), pool_statfs: dumpPoolStatfs(m) });
    if (w.has('pgs')) out.pg_stats = dumpPgStats(m);
    if (w.has('pgs_brief')) out.pg_stats = dumpPgStatsBrief(m);
    if (w.has('delta')) out.delta = { pg_stats_delta: pgStatsDelta(m) };
  }
  return out;
}

/** `osd perf -f json`: commit/apply latency per OSD from its osd_stat. */
export function osdPerfCommand(m: PGMap): Record<string, unknown> {
  const infos = m.osdIds().map((id) => {
    const v = m.osdStat(id)!.vec;
    return { id, perf_stats: perfStatJson(v[OSD_COL.commitNs]!, v[OSD_COL.applyNs]!) };
  });
  return { pg_ready: m.isPgReady(), osdstats: { osd_perf_infos: infos } };
}
