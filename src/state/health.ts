// Ceph's standard health checks, computed from the osd map, the CRUSH
// hierarchy and the PGMap with Ceph's names and wording: the OSDMap ones
// (OSDMap::check_health: OSD_DOWN, OSD_HOST_DOWN, OSD_*FULL, OSDMAP_FLAGS,
// POOL_FULL...) here, the PGMap ones (PGMap::get_health_checks) in
// health-pg.ts. A pure function: same input, same checks.

import { STAT_SUM_INDEX as S } from '../protocol/messages.js';
import type { HealthCheckMap, HealthSeverity } from './health-types.js';
import { healthCheck } from './health-types.js';
import type { OsdMap, OsdMapOsd, OsdMapTree } from './map-types.js';
import type { PGMap } from './pg-map.js';
import { CrushTopology, type CrushDump } from './crush-topology.js';
import { cppFloat } from './ceph-format.js';
import { STATFS_COL } from './stat-vectors.js';
import { pgHealthChecks } from './health-pg.js';

/** Ceph options the checks read, with Ceph 16's defaults. */
export interface HealthConfig {
  /** mon_pg_stuck_threshold: seconds before inactive/peering/stale/undersized PGs are reported. */
  monPgStuckThresholdS: number;
  /** mon_health_max_detail. */
  monHealthMaxDetail: number;
  /** mon_warn_on_misplaced (OBJECT_MISPLACED). */
  monWarnOnMisplaced: boolean;
  /** mon_pool_quota_warn_threshold, percent of quota (0 = off). */
  monPoolQuotaWarnThresholdPct: number;
  /** mon_pool_quota_crit_threshold, percent of quota (0 = off). */
  monPoolQuotaCritThresholdPct: number;
  /** mon_warn_pg_not_scrubbed_ratio (0 = off). */
  monWarnPgNotScrubbedRatio: number;
  /** mon_warn_pg_not_deep_scrubbed_ratio (0 = off). */
  monWarnPgNotDeepScrubbedRatio: number;
  /** osd_scrub_max_interval, seconds. */
  osdScrubMaxIntervalS: number;
  /** osd_deep_scrub_interval, seconds. */
  osdDeepScrubIntervalS: number;
  /** mon_osd_warn_num_repaired (OSD_TOO_MANY_REPAIRS). */
  monOsdWarnNumRepaired: number;
  /** osd_failsafe_full_ratio (OSD_OUT_OF_ORDER_FULL). */
  osdFailsafeFullRatio: number;
}

export const DEFAULT_HEALTH_CONFIG: Readonly<HealthConfig> = Object.freeze({
  monPgStuckThresholdS: 60,
  monHealthMaxDetail: 50,
  monWarnOnMisplaced: false,
  monPoolQuotaWarnThresholdPct: 0,
  monPoolQuotaCritThresholdPct: 0,
  monWarnPgNotScrubbedRatio: 0.5,
  monWarnPgNotDeepScrubbedRatio: 0.75,
  osdScrubMaxIntervalS: 7 * 86400,
  osdDeepScrubIntervalS: 7 * 86400,
  monOsdWarnNumRepaired: 10,
  osdFailsafeFullRatio: 0.97,
});

export interface HealthInput {
  /** The osd map (`osd dump` shape). */
  osdMap: OsdMap;
  /** CRUSH hierarchy for locations and host-down checks: `osd tree` JSON... */
  osdTree?: OsdMapTree;
  /** ...or a crush dump... */
  osdCrush?: CrushDump;
  /** ...or just a hostname per OSD (from OSD metadata): root=default > host > osd. */
  hostByOsd?: ReadonlyMap<number, string> | Record<string, string>;
  /** A topology already built from one of the above (takes precedence). */
  topology?: CrushTopology;
  pgMap?: PGMap;
  /** "Now" for stuck/scrub ages, Unix seconds; defaults to the newest time the PGMap has seen. */
  nowS?: number;
  config?: Partial<HealthConfig>;
}

/** Adds a check, merging into an existing one of the same code as Ceph's health_check_map_t::merge. */
export type AddCheck = (code: string, severity: HealthSeverity, message: string, count: number, detail?: string[]) => void;

export function computeHealth(input: HealthInput): HealthCheckMap {
  const cfg: HealthConfig = { ...DEFAULT_HEALTH_CONFIG, ...input.config };
  const topo = input.topology ?? topologyOf(input);
  const checks: HealthCheckMap = {};
  const add: AddCheck = (code, severity, message, count, detail = []) => {
    const prev = checks[code];
    if (prev) {
      prev.detail.push(...detail.map((m) => ({ message: m })));
      prev.summary.count += count;
    } else checks[code] = healthCheck(severity, message, count, detail);
  };
  const osds = [...(input.osdMap.osds ?? [])].sort((a, b) => a.osd - b.osd);
  osdDownChecks(osds, topo, add);
  fullChecks(input.osdMap, osds, input.pgMap, cfg, add);
  flagChecks(input.osdMap, input.pgMap, add);
  // ceph-mgr reports PG health only once every up OSD has reported (pgmap_ready).
  if (input.pgMap?.isPgReady()) pgHealthChecks(input.pgMap, input.osdMap, input.nowS ?? input.pgMap.nowS, cfg, add);
  return checks;
}

function topologyOf(input: HealthInput): CrushTopology | undefined {
  if (input.osdTree) return CrushTopology.fromTree(input.osdTree, input.osdCrush);
  if (input.osdCrush) return CrushTopology.fromCrush(input.osdCrush);
  if (input.hostByOsd) return CrushTopology.fromHosts(input.hostByOsd);
  return undefined;
}

const exists = (o: OsdMapOsd): boolean => !Array.isArray(o.state) || o.state.includes('exists');
const isUp = (o: OsdMapOsd | undefined): boolean => o !== undefined && exists(o) && o.up === 1;

/** OSD_DOWN, OSD_<TYPE>_DOWN (a CRUSH subtree whose OSDs are all down) and OSD_ORPHAN. */
function osdDownChecks(osds: OsdMapOsd[], topo: CrushTopology | undefined, add: AddCheck): void {
  const byId = new Map(osds.map((o) => [o.osd, o]));
  const downIn: number[] = [];
  const subtreeDown = new Map<number, Set<number>>(); // type id -> bucket ids
  const memo = new Map<number, boolean>();
  // Ceph's subtree_type_is_down: a bucket is down when every child is (an empty one counts as down).
  const isDown = (id: number): boolean => {
    if (id >= 0) return !isUp(byId.get(id));
    const hit = memo.get(id);
    if (hit !== undefined) return hit;
    memo.set(id, false); // guards against a cyclic tree
    const down = (topo?.node(id)?.children ?? []).every(isDown);
    memo.set(id, down);
    return down;
  };
  for (const o of osds) {
    if (!exists(o) || o.in !== 1 || (Array.isArray(o.state) && o.state.includes('new'))) continue;
    if (o.up === 1) continue;
    downIn.push(o.osd);
    for (let cur: number | undefined = topo?.node(o.osd)?.parent; cur !== undefined; cur = topo?.node(cur)?.parent) {
      if (!isDown(cur)) break;
      const type = topo!.node(cur)!.typeId;
      let set = subtreeDown.get(type);
      if (!set) subtreeDown.set(type, (set = new Set()));
      set.add(cur);
    }
  }
  if (downIn.length > 0 && topo) {
    const maxType = topo.maxTypeId;
    for (const type of [...subtreeDown.keys()].sort((a, b) => b - a)) {
      if (type <= 0) continue;
      const buckets = [...subtreeDown.get(type)!].sort((a, b) => b - a);
      const typeName = topo.node(buckets[0]!)!.type;
      const numOsds = (id: number): number => topo.osdsUnder(id).length;
      const total = buckets.reduce((n, b) => n + numOsds(b), 0);
      const detail = buckets.map((b) => {
        const where = type !== maxType ? ` (${topo.locationString(b)})` : '';
        return `${typeName} ${topo.node(b)!.name}${where} (${numOsds(b)} osds) is down`;
      });
      const plural = buckets.length > 1 ? 's' : '';
      add(`OSD_${typeName.toUpperCase()}_DOWN`, 'HEALTH_WARN', `${buckets.length} ${typeName}${plural} (${total} osds) down`, buckets.length, detail);
    }
  }
  if (downIn.length > 0) {
    const detail = downIn.map((id) => `osd.${id} (${topo?.locationString(id) ?? ''}) is down`);
    add('OSD_DOWN', 'HEALTH_WARN', `${downIn.length} osds down`, downIn.length, detail);
  }
  // A hierarchy made up from OSD metadata hostnames is no crush map: orphans only exist in a real one.
  if (topo && topo.source !== 'hosts') {
    const orphans = orphanOsds(topo, byId);
    if (orphans.length > 0) {
      add('OSD_ORPHAN', 'HEALTH_WARN', `${orphans.length} osds exist in the crush map but not in the osdmap`, orphans.length,
        orphans.map((id) => `osd.${id} exists in crush map but not in osdmap`));
    }
  }
}

function orphanOsds(topo: CrushTopology, byId: Map<number, OsdMapOsd>): number[] {
  return topo.osdsInTreeOrder().map((n) => n.id).filter((id) => { const o = byId.get(id); return !o || !exists(o); }).sort((a, b) => a - b);
}

/** OSD_OUT_OF_ORDER_FULL and OSD_FULL / OSD_BACKFILLFULL / OSD_NEARFULL. */
function fullChecks(osdMap: OsdMap, osds: OsdMapOsd[], pgMap: PGMap | undefined, cfg: HealthConfig, add: AddCheck): void {
  const nr = Math.fround(osdMap.nearfull_ratio ?? 0.85);
  let br = Math.fround(osdMap.backfillfull_ratio ?? 0.9);
  let fr = Math.fround(osdMap.full_ratio ?? 0.95);
  const fsr = Math.fround(cfg.osdFailsafeFullRatio > 1 ? cfg.osdFailsafeFullRatio / 100 : cfg.osdFailsafeFullRatio);
  const order: string[] = [];
  if (br < nr) {
    order.push(`backfillfull_ratio (${cppFloat(br)}) < nearfull_ratio (${cppFloat(nr)}), increased`);
    br = nr;
  }
  if (fr < br) {
    order.push(`full_ratio (${cppFloat(fr)}) < backfillfull_ratio (${cppFloat(br)}), increased`);
    fr = br;
  }
  if (fsr < fr) order.push(`osd_failsafe_full_ratio (${cppFloat(fsr)}) < full_ratio (${cppFloat(fr)}), increased`);
  if (order.length > 0) add('OSD_OUT_OF_ORDER_FULL', 'HEALTH_ERR', 'full ratio(s) out of order', 0, order);

  const full: number[] = [];
  const backfill: number[] = [];
  const near: number[] = [];
  for (const o of osds) {
    if (!isUp(o) || o.in !== 1) continue;
    const flags = new Set(Array.isArray(o.state) ? o.state : []);
    // The OSDs set these flags from their own usage; mgrd derives them from osd_stat as the OSD would.
    const v = pgMap?.osdStat(o.osd)?.vec;
    const total = v?.[STATFS_COL.total] ?? 0;
    const ratio = total > 0 ? (total - v![STATFS_COL.available]!) / total : 0;
    if (flags.has('full') || ratio > fr) full.push(o.osd);
    else if (flags.has('backfillfull') || ratio > br) backfill.push(o.osd);
    else if (flags.has('nearfull') || ratio > nr) near.push(o.osd);
  }
  if (full.length) add('OSD_FULL', 'HEALTH_ERR', `${full.length} full osd(s)`, full.length, full.map((i) => `osd.${i} is full`));
  if (backfill.length) add('OSD_BACKFILLFULL', 'HEALTH_WARN', `${backfill.length} backfillfull osd(s)`, backfill.length, backfill.map((i) => `osd.${i} is backfill full`));
  if (near.length) add('OSD_NEARFULL', 'HEALTH_WARN', `${near.length} nearfull osd(s)`, near.length, near.map((i) => `osd.${i} is near full`));
}

/** The osd map flags an operator is warned about, in get_flag_string's order. */
const WARN_FLAGS = ['pauserd', 'pausewr', 'pauserec', 'noup', 'nodown', 'noout', 'noin', 'nobackfill', 'norebalance', 'norecover', 'noscrub', 'nodeep-scrub', 'notieragent', 'nosnaptrim'];

/** OSDMAP_FLAGS, and POOL_FULL / POOL_BACKFILLFULL / POOL_NEARFULL from pool flags and quotas. */
function flagChecks(osdMap: OsdMap, pgMap: PGMap | undefined, add: AddCheck): void {
  const set = new Set(typeof osdMap.flags === 'string' ? osdMap.flags.split(',') : []);
  const s = WARN_FLAGS.filter((f) => set.has(f)).join(',');
  // Ceph passes the string's length as the count ("kludgey but sufficient", says its source).
  if (s) add('OSDMAP_FLAGS', 'HEALTH_WARN', `${s} flag(s) set`, s.length);

  const full: string[] = [];
  const backfill: string[] = [];
  const near: string[] = [];
  for (const p of osdMap.pools ?? []) {
    const flags = new Set(typeof p.flags_names === 'string' ? p.flags_names.split(',') : []);
    const sum = pgMap?.poolSum(p.pool)?.stats;
    // The mon flags a pool full_quota once it reaches a quota; mgrd has no mon doing that, so it checks here.
    const quota = sum !== undefined && ((p.quota_max_bytes > 0 && sum[S.num_bytes]! >= p.quota_max_bytes) || (p.quota_max_objects > 0 && sum[S.num_objects]! >= p.quota_max_objects));
    if (flags.has('full') || flags.has('full_quota') || quota) {
      full.push(`pool '${p.pool_name}' is full (${quota || flags.has('full_quota') ? 'running out of quota' : 'no space'})`);
    } else if (flags.has('backfillfull')) backfill.push(`pool '${p.pool_name}' is backfillfull`);
    else if (flags.has('nearfull')) near.push(`pool '${p.pool_name}' is nearfull`);
  }
  if (full.length) add('POOL_FULL', 'HEALTH_WARN', `${full.length} pool(s) full`, full.length, full);
  if (backfill.length) add('POOL_BACKFILLFULL', 'HEALTH_WARN', `${backfill.length} pool(s) backfillfull`, backfill.length, backfill);
  if (near.length) add('POOL_NEARFULL', 'HEALTH_WARN', `${near.length} pool(s) nearfull`, near.length, near);
}
