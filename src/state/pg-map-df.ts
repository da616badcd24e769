// Space accounting views of a PGMap: get('df') / `df [detail]`
// (dump_cluster_stats + dump_pool_stats_full) and `osd df`
// (OSDUtilizationDumper). Ceph computes several of these values in float32;
// Math.fround reproduces its rounding, so the numbers match to the byte.

import { STAT_SUM_INDEX as S } from '../protocol/messages.js';
import type { OsdMap, OsdMapPool } from '../mgr-module/map-types.js';
import type { PGMap } from './pg-map.js';
import type { CrushTopology } from './crush-topology.js';
import { kbOf, kbRoundUp } from './ceph-format.js';
import { fullRatioOf, ruleAvailScratch, ruleOsds, type DfSums } from './df-index.js';
import { OSD_COL, STATFS_COL as F, STATFS_W, addInto, type PoolStatSum } from './stat-vectors.js';

const f32 = Math.fround;

/** Ceph's OSDMap::pool_raw_used_rate: replicas, or (k+m)/k for erasure-coded pools. */
export function poolRawUsedRate(osdMap: OsdMap | undefined, pool: OsdMapPool): number {
  if (pool.type === 3) {
    const profile = osdMap?.erasure_code_profiles?.[pool.erasure_code_profile] ?? {};
    const k = parseInt(profile.k ?? '', 10);
    const m = parseInt(profile.m ?? '', 10);
    return Number.isFinite(k) && Number.isFinite(m) && k !== 0 ? f32((k + m) / k) : 0;
  }
  return pool.size;
}

/**
 * Ceph's PGMap::get_rule_avail: raw bytes the rule's OSDs can still take
 * before the fullest one (relative to its weight) hits full_ratio.
 */
export function ruleAvail(m: PGMap, osdMap: OsdMap | undefined, topo: CrushTopology | undefined, ruleId: number): number {
  return ruleAvailScratch(ruleOsds(osdMap, topo, ruleId), fullRatioOf(osdMap), (id) => m.osdStat(id)?.vec);
}

/** df's per-OSD sums read from every OSD now (what DfIndex keeps as reports arrive). */
export function scratchDfSums(m: PGMap, osdMap: OsdMap | undefined, topo: CrushTopology | undefined): DfSums {
  return {
    // Per class, its OSDs with an osd_stat summed in id order (the order Ceph's osd_stat map gives).
    classSums: () => {
      const out: Array<[string, Float64Array]> = [];
      for (const [cls, ids] of topo?.osdsByClass() ?? []) {
        let v: Float64Array | undefined;
        for (const id of ids) {
          const e = m.osdStat(id);
          if (!e) continue;
          v ??= new Float64Array(STATFS_W);
          addInto(v, 0, e.vec, 0, STATFS_W, 1);
        }
        if (v) out.push([cls, v]);
      }
      return out;
    },
    ruleAvail: (ruleId) => ruleAvail(m, osdMap, topo, ruleId),
  };
}

function statsOf(v: Float64Array, off: number): Record<string, number> {
  const total = v[off + F.total]!;
  const avail = v[off + F.available]!;
  const usedRaw = total - avail;
  return {
    total_bytes: total,
    total_avail_bytes: avail,
    total_used_bytes: usedRaw - v[off + F.internally_reserved]!,
    total_used_raw_bytes: usedRaw,
    total_used_raw_ratio: total ? f32(f32(usedRaw) / f32(total)) : 0,
  };
}

/**
 * get('df') (detail) and `df [detail] -f json`. `sums`: what visits every OSD,
 * read from scratch unless an up-to-date DfIndex is given.
 */
export function df(m: PGMap, osdMap: OsdMap | undefined, topo: CrushTopology | undefined, detail: boolean, sums = scratchDfSums(m, osdMap, topo)): Record<string, unknown> {
  const osd = m.osdTable.sum;
  const stats = {
    ...statsOf(osd, 0),
    num_osds: osd[OSD_COL.numOsds],
    num_per_pool_osds: osd[OSD_COL.numPerPoolOsds],
    num_per_pool_omap_osds: osd[OSD_COL.numPerPoolOmapOsds],
  };
  const statsByClass: Record<string, unknown> = {};
  for (const [cls, v] of sums.classSums()) statsByClass[cls] = statsOf(v, 0);

  // Ceph trusts per-pool store stats only when every OSD reports them.
  const perPool = osd[OSD_COL.numOsds] === osd[OSD_COL.numPerPoolOsds];
  const perPoolOmap = osd[OSD_COL.numOsds] === osd[OSD_COL.numPerPoolOmapOsds];
  const availByRule = new Map<number, number>();
  const pools: Array<Record<string, unknown>> = [];
  for (const p of osdMap?.pools ?? []) {
    const sum = m.poolSum(p.pool);
    if (!sum) continue;
    let avail = availByRule.get(p.crush_rule);
    if (avail === undefined) availByRule.set(p.crush_rule, (avail = sums.ruleAvail(p.crush_rule)));
    const rate = poolRawUsedRate(osdMap, p);
    pools.push({ name: p.pool_name, id: p.pool, stats: objectStatSum(sum, m.poolStore(p.pool)?.v, avail, rate, { detail, perPool, perPoolOmap, pool: p }) });
  }
  return { stats, stats_by_class: statsByClass, pools };
}

interface StatSumOpts {
  detail: boolean;
  perPool: boolean;
  perPoolOmap: boolean;
  pool: OsdMapPool;
}

/** PGMapDigest::dump_object_stat_sum, float32 where Ceph uses float. */
function objectStatSum(ps: PoolStatSum, store: Float64Array | undefined, avail: number, rawUsedRate: number, o: StatSumOpts): Record<string, number> {
  const s = ps.stats;
  const st = (col: number): number => store?.[col] ?? 0;
  let rate = f32(rawUsedRate);
  const copies = s[S.num_object_copies]!;
  // Degraded copies take no space yet: the raw use factor shrinks with them.
  if (copies > 0) rate = f32(rate * f32(f32(copies - s[S.num_objects_degraded]!) / copies));
  const usedData = o.perPool ? st(F.allocated) : s[S.num_bytes]! + s[S.num_bytes_hit_set_archive]!;
  const usedOmap = o.perPoolOmap ? st(F.omap_allocated) : s[S.num_omap_bytes]!;
  const used = usedData + usedOmap;
  let pct = 0;
  if (avail) pct = f32(f32(used) / f32(f32(used) + f32(avail)));
  else if (used) pct = 1;
  const maxAvail = rate ? Math.trunc(f32(f32(avail) / rate)) : 0;
  const storedData = o.perPool ? (rate ? Math.trunc(f32(st(F.data_stored) / rate)) : 0) : s[S.num_bytes]! + s[S.num_bytes_hit_set_archive]!;
  const storedOmap = o.perPoolOmap ? (rate ? Math.trunc(f32(st(F.omap_allocated) / rate)) : 0) : s[S.num_omap_bytes]!;
  const stored = storedData + storedOmap;
  if (!o.detail) return { stored, objects: s[S.num_objects]!, kb_used: kbRoundUp(used), bytes_used: used, percent_used: pct, max_avail: maxAvail };
  const isTier = typeof o.pool.tier_of === 'number' && o.pool.tier_of >= 0;
  return {
    stored,
    stored_data: storedData,
    stored_omap: storedOmap,
    objects: s[S.num_objects]!,
    kb_used: kbRoundUp(used),
    bytes_used: used,
    data_bytes_used: usedData,
    omap_bytes_used: usedOmap,
    percent_used: pct,
    max_avail: maxAvail,
    quota_objects: o.pool.quota_max_objects ?? 0,
    quota_bytes: o.pool.quota_max_bytes ?? 0,
    dirty: isTier ? s[S.num_objects_dirty]! : 0,
    rd: s[S.num_read]!,
    rd_bytes: s[S.num_read_kb]! * 1024,
    wr: s[S.num_write]!,
    wr_bytes: s[S.num_write_kb]! * 1024,
    compress_bytes_used: st(F.data_compressed_allocated),
    compress_under_bytes: st(F.data_compressed_original),
    stored_raw: Math.trunc(f32(f32(stored) * rate)),
    avail_raw: avail,
  };
}

/** `osd df -f json`: per-OSD utilisation in crush order, and the summary with variance. */
export function osdDf(m: PGMap, osdMap: OsdMap | undefined, topo: CrushTopology | undefined): Record<string, unknown> {
  const mapOsds = new Map((osdMap?.osds ?? []).map((o) => [o.osd, o]));
  const inTree = topo ? topo.osdsInTreeOrder().filter((n) => mapOsds.has(n.id)) : [];
  const treeIds = new Set(inTree.map((n) => n.id));
  const stray = [...mapOsds.keys()].filter((id) => !treeIds.has(id)).sort((a, b) => a - b);
  const util = (id: number): { kb: number; used: number } | undefined => {
    const v = m.osdStat(id)?.vec;
    if (!v || kbOf(v[F.total]!) <= 0) return undefined;
    return { kb: kbOf(v[F.total]!), used: kbOf(v[F.total]! - v[F.available]!) };
  };
  // Ceph's average_utilization: over existing OSDs with a non-zero weight.
  let kbSum = 0;
  let usedSum = 0;
  for (const [id, o] of mapOsds) {
    const u = o.weight !== 0 ? util(id) : undefined;
    if (u) {
      kbSum += u.kb;
      usedSum += u.used;
    }
  }
  const average = kbSum > 0 ? (100 * usedSum) / kbSum : 0;
  let minVar = -1;
  let maxVar = -1;
  let devSum = 0;
  let weightSum = 0;
  const dumped = new Float64Array(STATFS_W);
  const item = (id: number, depth: number, topoNode: ReturnType<CrushTopology['node']>): Record<string, unknown> => {
    const o = mapOsds.get(id);
    const reweight = o?.weight ?? 0;
    const v = m.osdStat(id)?.vec;
    if (v) addInto(dumped, 0, v, 0, STATFS_W, 1);
    const u = util(id);
    const utilization = u && u.used ? (100 * u.used) / u.kb : 0;
    const variance = average ? utilization / average : 1;
    if (reweight > 0) {
      if (minVar < 0 || variance < minVar) minVar = variance;
      if (maxVar < 0 || variance > maxVar) maxVar = variance;
      devSum += reweight * (utilization - average) ** 2;
      weightSum += reweight;
    }
    const out: Record<string, unknown> = { id };
    if (topoNode?.deviceClass) out.device_class = topoNode.deviceClass;
    Object.assign(out, {
      name: `osd.${id}`,
      type: 'osd',
      type_id: 0,
      crush_weight: topoNode?.crushWeight ?? 0,
      depth,
      pool_weights: {},
      reweight,
      kb: v ? kbOf(v[F.total]!) : 0,
      kb_used: v ? kbOf(v[F.total]! - v[F.available]!) : 0,
      kb_used_data: v ? kbOf(v[F.allocated]!) : 0,
      kb_used_omap: v ? kbOf(v[F.omap_allocated]!) : 0,
      kb_used_meta: v ? kbOf(v[F.internal_metadata]!) : 0,
      kb_avail: v ? kbOf(v[F.available]!) : 0,
      utilization,
      var: variance,
      pgs: m.numPgByOsd(id),
      status: o?.up === 1 ? 'up' : 'down',
    });
    return out;
  };
  const nodes = inTree.map((n) => item(n.id, n.depth, n));
  // Without a hierarchy every OSD is listed as a node; with one, OSDs outside it are stray.
  const strayItems = stray.map((id) => item(id, 0, undefined));
  return {
    nodes: topo ? nodes : strayItems,
    stray: topo ? strayItems : [],
    summary: {
      total_kb: kbOf(dumped[F.total]!),
      total_kb_used: kbOf(dumped[F.total]! - dumped[F.available]!),
      total_kb_used_data: kbOf(dumped[F.allocated]!),
      total_kb_used_omap: kbOf(dumped[F.omap_allocated]!),
      total_kb_used_meta: kbOf(dumped[F.internal_metadata]!),
      total_kb_avail: kbOf(dumped[F.available]!),
      average_utilization: average,
      min_var: minVar,
      max_var: maxVar,
      dev: weightSum > 0 ? Math.sqrt(devSum / weightSum) : 0,
    },
  };
}
