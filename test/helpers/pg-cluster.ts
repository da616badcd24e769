// A small programmable cluster for PGMap and health tests: builds osd maps
// (from the reference get.osd_map.json, mutated), osd trees, and the
// PG_STATS messages primary OSDs would send. Nothing here is a recorded output.

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { STAT_SUM_FIELDS, STAT_SUM_INDEX as S, type PgStatReport, type PgStatsMsg } from '../../src/protocol/messages.js';
import type { OsdMap, OsdMapOsd, OsdMapPool, OsdMapTree, OsdTreeNode } from '../../src/mgr-module/map-types.js';

const REF = new URL('../fixtures/ceph-reference/', import.meta.url);

export function refJson<T = Record<string, unknown>>(rel: string): T {
  const buf = readFileSync(new URL(rel, REF));
  return JSON.parse((rel.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8')) as T;
}

/** A cli/ capture: the command line that produced it, the JSON, then "[rc=N]" (and perhaps a status line). */
export function refCli<T = unknown>(rel: string): T {
  let text = readFileSync(new URL(rel, REF), 'utf8');
  if (text.startsWith('$ ')) text = text.slice(text.indexOf('\n') + 1);
  text = text.replace(/\[rc=-?\d+\]\s*$/, '');
  const end = Math.max(text.lastIndexOf('}'), text.lastIndexOf(']'));
  return JSON.parse(text.slice(0, end + 1)) as T;
}

export interface PoolSpec {
  id: number;
  name: string;
  size: number;
  pgNum: number;
  minSize?: number;
  quotaMaxBytes?: number;
  quotaMaxObjects?: number;
}

export interface ClusterSpec {
  numOsds: number;
  osdsPerHost: number;
  pools: PoolSpec[];
  /** Raw capacity of each OSD. */
  osdBytes?: number;
  /** OSDs that send pool_statfs (BlueStore-like). */
  perPoolOsds?: number[];
  deviceClass?: string;
}

export interface SimPg {
  pgid: string;
  pool: number;
  ps: number;
  state: string;
  up: number[];
  acting: number[];
  stat: number[];
  lastChange: number;
  lastScrub: number;
  lastClean?: number;
  blockedBy?: number[];
  /** Bumped when the PG's primary changes (a new interval): its reports supersede the old primary's. */
  epochBump: number;
}

export const hostOf = (spec: ClusterSpec, osd: number): string => `h${Math.floor(osd / spec.osdsPerHost)}`;

/** get.osd_map.json with the spec's OSDs and pools (each entry cloned from the reference's first). */
export function makeOsdMap(spec: ClusterSpec, epoch: number, o: { down?: number[]; out?: number[]; flags?: string } = {}): OsdMap {
  const base = refJson<OsdMap>('mgr_internals/get.osd_map.json');
  const osdTpl = base.osds[0]!;
  const poolTpl = base.pools[0]!;
  const osds: OsdMapOsd[] = [];
  for (let i = 0; i < spec.numOsds; i++) {
    const up = o.down?.includes(i) ? 0 : 1;
    const isIn = o.out?.includes(i) ? 0 : 1;
    osds.push({ ...structuredClone(osdTpl), osd: i, up, in: isIn, weight: isIn ? 1 : 0, state: up ? ['exists', 'up'] : ['exists'] });
  }
  const pools: OsdMapPool[] = spec.pools.map((p) => ({
    ...structuredClone(poolTpl),
    pool: p.id,
    pool_name: p.name,
    size: p.size,
    min_size: p.minSize ?? 1,
    pg_num: p.pgNum,
    pg_placement_num: p.pgNum,
    quota_max_bytes: p.quotaMaxBytes ?? 0,
    quota_max_objects: p.quotaMaxObjects ?? 0,
  }));
  return { ...base, epoch, osds, pools, max_osd: spec.numOsds, pool_max: Math.max(...spec.pools.map((p) => p.id)), flags: o.flags ?? base.flags };
}

/** get.osd_map_tree.json for root default > hosts h0.. > osds. */
export function makeOsdTree(spec: ClusterSpec): OsdMapTree {
  const nodes: OsdTreeNode[] = [];
  const numHosts = Math.ceil(spec.numOsds / spec.osdsPerHost);
  nodes.push({ id: -1, name: 'default', type: 'root', type_id: 11, children: Array.from({ length: numHosts }, (_, h) => -2 - h).reverse() });
  for (let h = 0; h < numHosts; h++) {
    const osds = Array.from({ length: spec.osdsPerHost }, (_, i) => h * spec.osdsPerHost + i).filter((i) => i < spec.numOsds);
    nodes.push({ id: -2 - h, name: `h${h}`, type: 'host', type_id: 1, pool_weights: {}, children: [...osds].reverse() });
  }
  for (let i = 0; i < spec.numOsds; i++) {
    nodes.push({ id: i, name: `osd.${i}`, type: 'osd', type_id: 0, crush_weight: 0.0019989013671875, depth: 2, device_class: spec.deviceClass ?? 'hdd', exists: 1, pool_weights: {}, primary_affinity: 1, reweight: 1, status: 'up' });
  }
  return { nodes, stray: [] };
}

const MIB = 1024 * 1024;

export class SimCluster {
  readonly pgs: SimPg[] = [];
  readonly down = new Set<number>();
  epoch = 10;
  /** Stamps are relative to when the cluster was built, so health (which reads the real clock) never finds them old. */
  readonly createdS = Math.floor(Date.now() / 1000);
  private seq = 0;
  private readonly byId = new Map<string, SimPg>();

  constructor(readonly spec: ClusterSpec) {
    for (const p of spec.pools) {
      for (let ps = 0; ps < p.pgNum; ps++) {
        const start = (ps + p.id * 7) % spec.numOsds;
        const set = Array.from({ length: p.size }, (_, i) => (start + i * spec.osdsPerHost + i) % spec.numOsds);
        const objects = 2 + ((ps * 7 + p.id) % 11);
        const stat = new Array<number>(STAT_SUM_FIELDS.length).fill(0);
        stat[S.num_objects] = objects;
        stat[S.num_bytes] = objects * 4 * MIB;
        stat[S.num_object_copies] = objects * p.size;
        stat[S.num_objects_dirty] = objects;
        stat[S.num_write] = objects;
        stat[S.num_write_kb] = objects * 4096;
        const pg: SimPg = { pgid: `${p.id}.${ps.toString(16)}`, pool: p.id, ps, state: 'active+clean', up: [...new Set(set)], acting: [...new Set(set)], stat, lastChange: this.createdS - 3600, lastScrub: this.createdS - 3600, epochBump: 0 };
        this.pgs.push(pg);
        this.byId.set(pg.pgid, pg);
      }
    }
  }

  pg(pgid: string): SimPg {
    const p = this.byId.get(pgid);
    if (!p) throw new Error(`no pg ${pgid}`);
    return p;
  }

  /** One PG_STATS per OSD that is not down: its primary PGs, osd_stat, and pool_statfs when per-pool. */
  messages(stampS: number): PgStatsMsg[] {
    this.seq++;
    const byOsd = new Map<number, PgStatReport[]>();
    const used = new Map<number, number>();
    const poolUse = new Map<number, Map<number, number>>();
    for (const p of this.pgs) {
      for (const o of p.acting) {
        used.set(o, (used.get(o) ?? 0) + p.stat[S.num_bytes]!);
        let m = poolUse.get(o);
        if (!m) poolUse.set(o, (m = new Map()));
        m.set(p.pool, (m.get(p.pool) ?? 0) + p.stat[S.num_bytes]!);
      }
      const primary = p.acting[0];
      if (primary === undefined || this.down.has(primary)) continue;
      let list = byOsd.get(primary);
      if (!list) byOsd.set(primary, (list = []));
      list.push(this.report(p));
    }
    const total = this.spec.osdBytes ?? 2 * 1024 * MIB;
    const out: PgStatsMsg[] = [];
    for (let osd = 0; osd < this.spec.numOsds; osd++) {
      if (this.down.has(osd)) continue;
      const u = (used.get(osd) ?? 0) + 64 * MIB;
      const perPool = this.spec.perPoolOsds?.includes(osd);
      const msg: PgStatsMsg = {
        osd,
        epoch: this.epoch,
        stamp: stampS,
        osd_stat: {
          statfs: { total, available: Math.max(0, total - u), internally_reserved: 0, allocated: perPool ? u : 0, data_stored: perPool ? u : 0, data_compressed: 0, data_compressed_allocated: 0, data_compressed_original: 0, omap_allocated: 0, internal_metadata: perPool ? 64 * MIB : 0 },
          hb_peers: Array.from({ length: this.spec.numOsds }, (_, i) => i).filter((i) => i !== osd),
          num_pgs: this.pgs.filter((p) => p.acting.includes(osd)).length,
          apply_latency_ms: 1.5,
          commit_latency_ms: 2.25,
          up_from: 5,
          seq: this.seq,
        },
        pg_stats: byOsd.get(osd) ?? [],
      };
      if (perPool) {
        msg.pool_statfs = this.spec.pools.map((p) => {
          const b = poolUse.get(osd)?.get(p.id) ?? 0;
          return { poolid: p.id, total: 0, available: 0, internally_reserved: 0, allocated: b, data_stored: b, data_compressed: 0, data_compressed_allocated: 0, data_compressed_original: 0, omap_allocated: 0, internal_metadata: 0 };
        });
      }
      out.push(msg);
    }
    return out;
  }

  private report(p: SimPg): PgStatReport {
    const objects = p.stat[S.num_objects]!;
    return {
      pgid: p.pgid,
      state: p.state,
      up: [...p.up],
      acting: [...p.acting],
      up_primary: p.up[0] ?? -1,
      acting_primary: p.acting[0] ?? -1,
      version: `${this.epoch}'${objects}`,
      reported_epoch: this.epoch + p.epochBump,
      reported_seq: this.seq,
      log_size: objects,
      ondisk_log_size: objects,
      last_scrub_stamp: p.lastScrub,
      last_deep_scrub_stamp: p.lastScrub,
      last_change: p.lastChange,
      ...(p.lastClean !== undefined ? { last_clean: p.lastClean } : {}),
      stat_sum: [...p.stat],
      ...(p.blockedBy ? { blocked_by: p.blockedBy } : {}),
    };
  }
}
