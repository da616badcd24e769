// The OSDMap's health checks (OSDMap::check_health): OSD_DOWN and
// OSD_<TYPE>_DOWN, OSD_ORPHAN, OSD_OUT_OF_ORDER_FULL, OSD_FULL /
// OSD_BACKFILLFULL / OSD_NEARFULL, OSDMAP_FLAGS, POOL_FULL /
// POOL_BACKFILLFULL / POOL_NEARFULL. What depends on the maps alone is worked
// out once per map (OsdMapHealth); usage (OsdUsageJudge, one OSD at a time) and
// pool sums are read per report.

import { STAT_SUM_INDEX as S } from '../protocol/messages.js';
import { checkRecorder, type AddCheck, type RecordedCheck } from './health-types.js';
import type { HealthConfig } from './health.js';
import type { OsdMap, OsdMapOsd } from '../mgr-module/map-types.js';
import type { PGMap } from './pg-map.js';
import type { CrushTopology } from './crush-topology.js';
import { cppFloat } from './ceph-format.js';
import { STATFS_COL } from './stat-vectors.js';

/** What health reads from the osd map and the CRUSH hierarchy alone: one per map (maps are replaced whole). */
export interface OsdMapHealth {
  readonly osdMap: OsdMap;
  readonly topology: CrushTopology | undefined;
  /** OSD_<TYPE>_DOWN, OSD_DOWN, OSD_ORPHAN, OSD_OUT_OF_ORDER_FULL, OSDMAP_FLAGS. */
  readonly checks: readonly RecordedCheck[];
  /** The OSDs that are up and in, by id, and the fullness flags the map gives each (FLAG_*). */
  readonly upIn: Int32Array;
  readonly upInFlags: Uint8Array;
  /** nearfull, backfillfull and full ratios, raised where out of order as Ceph does. */
  readonly ratios: { readonly near: number; readonly backfill: number; readonly full: number };
}

const FLAG_FULL = 1;
const FLAG_BACKFILLFULL = 2;
const FLAG_NEARFULL = 4;

const exists = (o: OsdMapOsd): boolean => !Array.isArray(o.state) || o.state.includes('exists');
const isUp = (o: OsdMapOsd | undefined): boolean => o !== undefined && exists(o) && o.up === 1;

export function osdMapHealth(osdMap: OsdMap, topology: CrushTopology | undefined, cfg: HealthConfig): OsdMapHealth {
  const raw = osdMap.osds ?? [];
  let sorted = true;
  for (let i = 1; i < raw.length && sorted; i++) sorted = raw[i - 1]!.osd < raw[i]!.osd;
  const osds = sorted ? raw : [...raw].sort((a, b) => a.osd - b.osd);
  const byId = new Map(osds.map((o) => [o.osd, o]));
  const { add, checks } = checkRecorder();
  osdDownChecks(osds, byId, topology, add);
  const ratios = fullRatios(osdMap, cfg, add);
  mapFlagCheck(osdMap, add);
  const ids: number[] = [];
  const flags: number[] = [];
  for (const o of osds) {
    if (!isUp(o) || o.in !== 1) continue;
    const st = Array.isArray(o.state) ? o.state : [];
    ids.push(o.osd);
    flags.push((st.includes('full') ? FLAG_FULL : 0) | (st.includes('backfillfull') ? FLAG_BACKFILLFULL : 0) | (st.includes('nearfull') ? FLAG_NEARFULL : 0));
  }
  return { osdMap, topology, checks, upIn: Int32Array.from(ids), upInFlags: Uint8Array.from(flags), ratios };
}

/** OSD_DOWN, OSD_<TYPE>_DOWN (a CRUSH subtree whose OSDs are all down) and OSD_ORPHAN. */
function osdDownChecks(osds: readonly OsdMapOsd[], byId: ReadonlyMap<number, OsdMapOsd>, topo: CrushTopology | undefined, add: AddCheck): void {
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

function orphanOsds(topo: CrushTopology, byId: ReadonlyMap<number, OsdMapOsd>): number[] {
  return topo.treeOsdIds().filter((id) => { const o = byId.get(id); return !o || !exists(o); });
}

/** OSD_OUT_OF_ORDER_FULL; returns the ratios as Ceph goes on to use them. */
function fullRatios(osdMap: OsdMap, cfg: HealthConfig, add: AddCheck): OsdMapHealth['ratios'] {
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
  return { near: nr, backfill: br, full: fr };
}

/**
 * OSD_FULL / OSD_BACKFILLFULL / OSD_NEARFULL: the map's flags, or usage past
 * the ratios; fed the up and in OSDs one at a time (by index in `upIn`).
 */
export class OsdUsageJudge {
  private readonly full: number[] = [];
  private readonly backfill: number[] = [];
  private readonly near: number[] = [];

  constructor(private readonly h: OsdMapHealth) {}

  /** The number of up and in OSDs to visit. */
  get size(): number {
    return this.h.upIn.length;
  }

  /** Judges the i-th up and in OSD from its osd_stat (none yet: the map's flags alone). */
  visit(i: number, pgMap: PGMap | undefined): void {
    const { near: nr, backfill: br, full: fr } = this.h.ratios;
    const osd = this.h.upIn[i]!;
    const f = this.h.upInFlags[i]!;
    // The OSDs set these flags from their own usage; mgrd derives them from osd_stat as the OSD would.
    const v = pgMap?.osdStat(osd)?.vec;
    const total = v?.[STATFS_COL.total] ?? 0;
    const ratio = total > 0 ? (total - v![STATFS_COL.available]!) / total : 0;
    if (ratio > fr || (f & FLAG_FULL) !== 0) this.full.push(osd);
    else if (ratio > br || (f & FLAG_BACKFILLFULL) !== 0) this.backfill.push(osd);
    else if (ratio > nr || (f & FLAG_NEARFULL) !== 0) this.near.push(osd);
  }

  report(add: AddCheck): void {
    const { full, backfill, near } = this;
    if (full.length) add('OSD_FULL', 'HEALTH_ERR', `${full.length} full osd(s)`, full.length, full.map((i) => `osd.${i} is full`));
    if (backfill.length) add('OSD_BACKFILLFULL', 'HEALTH_WARN', `${backfill.length} backfillfull osd(s)`, backfill.length, backfill.map((i) => `osd.${i} is backfill full`));
    if (near.length) add('OSD_NEARFULL', 'HEALTH_WARN', `${near.length} nearfull osd(s)`, near.length, near.map((i) => `osd.${i} is near full`));
  }
}

/** The osd map flags an operator is warned about, in get_flag_string's order. */
const WARN_FLAGS = ['pauserd', 'pausewr', 'pauserec', 'noup', 'nodown', 'noout', 'noin', 'nobackfill', 'norebalance', 'norecover', 'noscrub', 'nodeep-scrub', 'notieragent', 'nosnaptrim'];

/** OSDMAP_FLAGS. */
function mapFlagCheck(osdMap: OsdMap, add: AddCheck): void {
  const set = new Set(typeof osdMap.flags === 'string' ? osdMap.flags.split(',') : []);
  const s = WARN_FLAGS.filter((f) => set.has(f)).join(',');
  // Ceph passes the string's length as the count ("kludgey but sufficient", says its source).
  if (s) add('OSDMAP_FLAGS', 'HEALTH_WARN', `${s} flag(s) set`, s.length);
}

/** POOL_FULL / POOL_BACKFILLFULL / POOL_NEARFULL from pool flags, and quotas reached. */
export function poolFlagChecks(osdMap: OsdMap, pgMap: PGMap | undefined, add: AddCheck): void {
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
