// Low-level discovery: the two LLD rules of Ceph's module, with its macros
// (module.py discovery(); test/fixtures/ceph-reference/zabbix/discovery_*.json):
//   ceph.zabbix.pool.discovery  {"data":[{"{#POOL}":"rbd","{#CRUSH_RULE}":"default"},...]}
//   ceph.zabbix.osd.discovery   {"data":[{"{#OSD}":0,"{#CRUSH_RULE}":"default"},...]}
// {#CRUSH_RULE} is, as in Ceph, the name of the CRUSH root the pool's rule
// takes from (for an OSD: the root it sits under). Two departures, both so
// that every per-pool and per-OSD key we send has an item to land in:
// every pool and every OSD of the OSD map is listed (Ceph's module dropped a
// pool whose rule it could not find and OSDs outside a rule's root), and OSDs
// are found at any depth under the root (Ceph's looked two levels down only,
// listing hosts as OSDs under racks or rows).

import type { Snapshot } from '../../src/mgr-module/index.js';
import type { ZabbixItem } from './sender-protocol.js';

export const POOL_DISCOVERY_KEY = 'ceph.zabbix.pool.discovery';
export const OSD_DISCOVERY_KEY = 'ceph.zabbix.osd.discovery';

export type DiscoverySourceName = 'osd_map' | 'osd_map_crush';

export interface DiscoverySource {
  get<N extends DiscoverySourceName>(name: N): Snapshot<N>;
}

interface CrushStep { op?: string; item?: number; item_name?: string }
interface CrushRule { rule_id?: number; steps?: CrushStep[] }
interface CrushBucket { id?: number; items?: Array<{ id?: number }> }

export interface Discovery {
  pools: Array<{ '{#POOL}': string; '{#CRUSH_RULE}': string }>;
  osds: Array<{ '{#OSD}': number; '{#CRUSH_RULE}': string }>;
}

export function discover(src: DiscoverySource): Discovery {
  const map = src.get('osd_map');
  const crush = src.get('osd_map_crush') as { rules?: CrushRule[]; buckets?: CrushBucket[] };
  const rules = crush.rules ?? [];
  const buckets = new Map<number, CrushBucket>();
  for (const b of crush.buckets ?? []) if (typeof b.id === 'number') buckets.set(b.id, b);

  // The root a rule takes from (its last "take", as Ceph's dict comprehension keeps).
  const takes = (rule: CrushRule): CrushStep[] => (rule.steps ?? []).filter((s) => s.op === 'take');
  const ruleRoot = new Map<number, string>();
  for (const r of rules) {
    const t = takes(r).at(-1);
    if (typeof r.rule_id === 'number' && t?.item_name !== undefined) ruleRoot.set(r.rule_id, t.item_name);
  }
  const pools = map.pools.map((p) => ({ '{#POOL}': p.pool_name, '{#CRUSH_RULE}': ruleRoot.get(p.crush_rule) ?? '' }));

  // Each OSD under each rule's root; a later rule's root wins, as in Ceph.
  const osdRoot = new Map<number, string>();
  for (const r of rules) {
    for (const t of takes(r)) {
      if (typeof t.item !== 'number' || t.item_name === undefined) continue;
      for (const osd of devicesUnder(t.item, buckets)) osdRoot.set(osd, t.item_name);
    }
  }
  const ids = map.osds.map((o) => o.osd).sort((a, b) => a - b);
  const osds = ids.map((id) => ({ '{#OSD}': id, '{#CRUSH_RULE}': osdRoot.get(id) ?? '' }));
  return { pools, osds };
}

/** Device ids (>= 0) anywhere under bucket `root`; each bucket visited once. */
function devicesUnder(root: number, buckets: ReadonlyMap<number, CrushBucket>): number[] {
  const out: number[] = [];
  const seen = new Set<number>();
  const stack = [root];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id >= 0) {
      out.push(id);
      continue;
    }
    if (seen.has(id)) continue;
    seen.add(id);
    const b = buckets.get(id);
    for (const it of b?.items ?? []) if (typeof it.id === 'number') stack.push(it.id);
  }
  return out;
}

/** The two LLD items, values as JSON text. */
export function discoveryItems(d: Discovery): ZabbixItem[] {
  return [
    { key: POOL_DISCOVERY_KEY, value: JSON.stringify({ data: d.pools }) },
    { key: OSD_DISCOVERY_KEY, value: JSON.stringify({ data: d.osds }) },
  ];
}

/** OSD rows of the LLD JSON written per chunk of discoveryItemsPaced. */
export const LLD_CHUNK_ROWS = 500;

/**
 * discoveryItems' text (the same bytes), the OSD list written `chunk` rows at a
 * time once `room(rows)` resolves: 10,000 OSDs are ~420 kB of JSON.
 */
export async function discoveryItemsPaced(d: Discovery, room: (units: number) => Promise<void> | void, chunk = LLD_CHUNK_ROWS): Promise<ZabbixItem[]> {
  const parts: string[] = [];
  const step = Math.max(1, chunk);
  for (let i = 0; i < d.osds.length; i += step) {
    const rows = d.osds.slice(i, i + step);
    await room(rows.length);
    parts.push(rows.map((r) => JSON.stringify(r)).join(','));
  }
  await room(d.pools.length);
  return [
    { key: POOL_DISCOVERY_KEY, value: JSON.stringify({ data: d.pools }) },
    { key: OSD_DISCOVERY_KEY, value: `{"data":[${parts.join(',')}]}` },
  ];
}
