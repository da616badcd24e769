// What the read endpoints answer, built from the manager's snapshots as Ceph's
// restful module builds them (module.py get_mons/get_osds/get_osd_pools, api/*.py).
// Pure functions over a narrow reader; snapshots are frozen, so every answer
// is a fresh object.

import type { GetName, PerfCounterEntry, ServerInfo, Snapshot } from '../../src/mgr-module/index.js';
import { crushRuleOsds, type CrushBucket, type CrushRule } from './crush.js';

/** The calls the views make (MgrModule has them all). */
export interface ClusterReader {
  get<N extends GetName>(name: N): Snapshot<N>;
  getMetadata(svcType: string, svcId: string): Record<string, string> | undefined;
  listServers(): ServerInfo[];
  getServer(hostname: string): ServerInfo | undefined;
  getAllPerfCounters(prioLimit?: number): Record<string, Record<string, PerfCounterEntry>>;
}

type Json = Record<string, unknown>;

/** Commands POST /osd/<id>/command runs on an up OSD (Ceph's OSD_IMPLEMENTED_COMMANDS). */
export const OSD_IMPLEMENTED_COMMANDS: readonly string[] = ['scrub', 'deep-scrub', 'repair'];

/** GET /mon: the mon map's mons with in_quorum, leader and server (the mon's host). */
export function mons(c: ClusterReader): Json[] {
  const quorum = monQuorum(c);
  return c.get('mon_map').mons.map((m) => ({
    ...m,
    in_quorum: quorum.includes(m.rank),
    server: c.getMetadata('mon', m.name)?.hostname ?? null,
    leader: quorum.length > 0 && m.rank === quorum[0],
  }));
}

function monQuorum(c: ClusterReader): number[] {
  try {
    const status = JSON.parse(c.get('mon_status').json) as { quorum?: unknown };
    return Array.isArray(status.quorum) ? status.quorum.filter((r): r is number => typeof r === 'number') : [];
  } catch {
    return [];
  }
}

/** Pools each OSD serves, by OSD id: the OSDs each pool's CRUSH rule reaches. */
export function osdPools(c: ClusterReader): Map<number, number[]> {
  const osdMap = c.get('osd_map');
  const crush = c.get('osd_map_crush') as { buckets?: CrushBucket[]; rules?: Array<CrushRule & { rule_id: number; min_size?: number; max_size?: number }> };
  const out = new Map<number, number[]>(osdMap.osds.map((o) => [o.osd, []]));
  for (const pool of osdMap.pools) {
    const rule = (crush.rules ?? []).find((r) => r.rule_id === pool.crush_rule
      && (r.min_size === undefined || r.min_size <= pool.size) && (r.max_size === undefined || pool.size <= r.max_size));
    if (rule === undefined) continue;
    for (const osd of crushRuleOsds(crush.buckets ?? [], rule)) out.get(osd)?.push(pool.pool);
  }
  return out;
}

/** GET /osd (and /osd/<id>): the OSD map's OSDs with pools, server, reweight and valid_commands. */
export function osds(c: ClusterReader, filter: { poolId?: number; ids?: readonly number[] } = {}): Json[] {
  const osdMap = c.get('osd_map');
  const metadata = c.get('osd_metadata');
  const pools = osdPools(c);
  const reweight = new Map(c.get('osd_map_tree').nodes.map((n) => [n.id, n.reweight]));
  let list = osdMap.osds;
  if (filter.ids !== undefined) list = list.filter((o) => filter.ids!.includes(o.osd));
  const out = list.map((o) => ({
    ...o,
    pools: pools.get(o.osd) ?? [],
    server: metadata[String(o.osd)]?.hostname ?? null,
    reweight: reweight.get(o.osd) ?? 0,
    valid_commands: o.up ? OSD_IMPLEMENTED_COMMANDS : [],
  }));
  return filter.poolId === undefined ? out : out.filter((o) => o.pools.includes(filter.poolId!));
}

/** A pool as the restful API shows it: Ceph's pg_placement_num is its pgp_num. */
function poolView(p: Readonly<Json>): Json {
  const { pg_placement_num: pgp, ...rest } = p;
  return pgp === undefined ? { ...rest } : { ...rest, pgp_num: pgp };
}

/** GET /pool. */
export function pools(c: ClusterReader): Json[] {
  return c.get('osd_map').pools.map(poolView);
}

/** GET /pool/<id>, or undefined. */
export function pool(c: ClusterReader, id: number): Json | undefined {
  const p = c.get('osd_map').pools.find((x) => x.pool === id);
  return p === undefined ? undefined : poolView(p);
}

/** GET /crush/rule: the CRUSH rules, each with the number of OSDs it reaches. */
export function crushRules(c: ClusterReader): Json[] {
  const crush = c.get('osd_map_crush') as { buckets?: CrushBucket[]; rules?: Array<CrushRule & Json> };
  return (crush.rules ?? []).map((r) => ({ ...r, osd_count: crushRuleOsds(crush.buckets ?? [], r).size }));
}

/** GET /config/osd: the OSD map's flags, pauserd+pausewr shown as the settable 'pause'. */
export function osdFlags(c: ClusterReader): string[] {
  return (c.get('osd_map').flags ?? '').replace('pauserd,pausewr', 'pause').split(',');
}

/** GET /perf?daemon=<regex>: all perf counters (priority >= useful), of daemons whose name the regex matches at its start. */
export function perf(c: ClusterReader, daemon: ((name: string) => boolean) | undefined): Record<string, Record<string, PerfCounterEntry>> {
  const all = c.getAllPerfCounters();
  if (daemon === undefined) return all;
  return Object.fromEntries(Object.entries(all).filter(([name]) => daemon(name)));
}
