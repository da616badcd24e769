// The OSD map, the CRUSH tree and the CRUSH map in the JSON shapes Ceph 16.2.15
// dumps (`osd dump`, `osd tree`, `osd crush dump`; see mgr_internals/get.osd_map*.json).
// Per-OSD entries are cached and rebuilt only for OSDs that changed, so a
// 10,000-OSD map costs little to produce again after one OSD goes down.

import type { PoolSpec } from './pools.js';
import { EC_K, EC_M, EC_PROFILE, poolFlagNames } from './pools.js';
import type { Topology } from './topology.js';
import { addrvec, cephStamp, legacyAddr } from './format.js';
import { FULLNESS_BACKFILLFULL, FULLNESS_FULL, FULLNESS_NEARFULL } from './pg-engine.js';

/** The per-OSD state the OSD map shows. */
export interface OsdMapState {
  isUp: Uint8Array;
  isIn: Uint8Array;
  /** `osd reweight` (0..1, 16.16 fixed point as Ceph keeps it); 0 while out. */
  reweight: Float64Array;
  fullness: Uint8Array;
  autoout: Uint8Array;
  upFrom: Int32Array;
  upThru: Int32Array;
  downAt: Int32Array;
  lastCleanBegin: Int32Array;
  lastCleanEnd: Int32Array;
  nonce: Int32Array;
  downStampS: Float64Array;
}

export interface OsdMapHeader {
  fsid: string;
  epoch: number;
  createdS: number;
  modifiedS: number;
  lastUpChangeS: number;
  lastInChangeS: number;
  poolLastChange: number[];
  /** The highest pool id ever used (a deleted pool's id is not reused). */
  poolMax: number;
  pgTemp: Array<{ pgid: string; osds: number[] }>;
  /** The cluster flags as dumped (osdmap-flags.ts). */
  flags: { flags: string; flags_num: number; flags_set: string[] };
}

// 0x3f01cfbdfffdffff: above 2^53, so JSON consumers see the nearest double, as with a real dump.
const FEATURES = Number(0x3f01cfbdfffdffffn);

export class OsdMapBuilder {
  private readonly osdCache: Array<Record<string, unknown> | undefined>;
  private readonly xinfoCache: Array<Record<string, unknown> | undefined>;
  private readonly treeCache: Array<Record<string, unknown> | undefined>;
  private crushCache: Record<string, unknown> | undefined;

  constructor(
    private readonly topo: Topology,
    private readonly pools: PoolSpec[],
    private readonly s: OsdMapState,
  ) {
    const n = topo.osds.length;
    this.osdCache = new Array<Record<string, unknown> | undefined>(n);
    this.xinfoCache = new Array<Record<string, unknown> | undefined>(n);
    this.treeCache = new Array<Record<string, unknown> | undefined>(n);
  }

  /** Forget the cached entries of one OSD (its state changed). */
  dirty(osd: number): void {
    this.osdCache[osd] = undefined;
    this.xinfoCache[osd] = undefined;
    this.treeCache[osd] = undefined;
  }

  osdMap(h: OsdMapHeader): Record<string, unknown> {
    const n = this.topo.osds.length;
    const osds: Array<Record<string, unknown>> = new Array<Record<string, unknown>>(n);
    const xinfo: Array<Record<string, unknown>> = new Array<Record<string, unknown>>(n);
    for (let i = 0; i < n; i++) {
      osds[i] = this.osdCache[i] ??= this.osdEntry(i);
      xinfo[i] = this.xinfoCache[i] ??= this.xinfoEntry(i, h.createdS);
    }
    return {
      backfillfull_ratio: 0.8999999761581421,
      blocklist: {},
      cluster_snapshot: '',
      created: cephStamp(h.createdS),
      crush_node_flags: {},
      crush_version: 2 * this.topo.hosts.length + this.topo.osds.length + 4,
      device_class_flags: {},
      epoch: h.epoch,
      erasure_code_profiles: {
        [EC_PROFILE]: {
          'crush-device-class': '', 'crush-failure-domain': 'host', 'crush-root': 'default', 'jerasure-per-chunk-alignment': 'false',
          k: String(EC_K), m: String(EC_M), plugin: 'jerasure', technique: 'reed_sol_van', w: '8',
        },
        default: { k: '2', m: '2', plugin: 'jerasure', technique: 'reed_sol_van' },
      },
      flags: h.flags.flags,
      flags_num: h.flags.flags_num,
      flags_set: h.flags.flags_set,
      fsid: h.fsid,
      full_ratio: 0.949999988079071,
      last_in_change: cephStamp(h.lastInChangeS),
      last_up_change: cephStamp(h.lastUpChangeS),
      max_osd: n,
      min_compat_client: 'luminous',
      modified: cephStamp(h.modifiedS),
      nearfull_ratio: 0.8500000238418579,
      new_purged_snaps: [],
      new_removed_snaps: [],
      osd_xinfo: xinfo,
      osds,
      pg_temp: h.pgTemp,
      pg_upmap: [],
      pg_upmap_items: [],
      pool_max: h.poolMax,
      pools: this.pools.map((p, i) => poolEntry(p, h.poolLastChange[i] ?? 1)),
      primary_temp: [],
      range_blocklist: {},
      removed_snaps_queue: [],
      require_min_compat_client: 'luminous',
      require_osd_release: 'pacific',
      stretch_mode: { degraded_stretch_mode: 0, recovering_stretch_mode: 0, stretch_bucket_count: 0, stretch_mode_bucket: 0, stretch_mode_enabled: false },
    };
  }

  private osdEntry(i: number): Record<string, unknown> {
    const o = this.topo.osds[i]!;
    const host = this.topo.hosts[o.host]!;
    const s = this.s;
    const nonce = s.nonce[i] as number;
    const p = o.portBase;
    const up = s.isUp[i] === 1;
    const state = ['exists'];
    if (up) state.push('up');
    if (s.autoout[i] === 1) state.push('autoout');
    const full = s.fullness[i] as number;
    if (full >= FULLNESS_FULL) state.push('full');
    else if (full >= FULLNESS_BACKFILLFULL) state.push('backfillfull');
    else if (full >= FULLNESS_NEARFULL) state.push('nearfull');
    return {
      cluster_addr: legacyAddr(host.clusterIp, p + 3, nonce),
      cluster_addrs: addrvec(host.clusterIp, p + 2, p + 3, nonce),
      down_at: s.downAt[i],
      heartbeat_back_addr: legacyAddr(host.clusterIp, p + 5, nonce),
      heartbeat_back_addrs: addrvec(host.clusterIp, p + 4, p + 5, nonce),
      heartbeat_front_addr: legacyAddr(host.ip, p + 7, nonce),
      heartbeat_front_addrs: addrvec(host.ip, p + 6, p + 7, nonce),
      in: s.isIn[i],
      last_clean_begin: s.lastCleanBegin[i],
      last_clean_end: s.lastCleanEnd[i],
      lost_at: 0,
      osd: i,
      primary_affinity: 1.0,
      public_addr: legacyAddr(host.ip, p + 1, nonce),
      public_addrs: addrvec(host.ip, p, p + 1, nonce),
      state,
      up: s.isUp[i],
      up_from: s.upFrom[i],
      up_thru: s.upThru[i],
      uuid: o.uuid,
      weight: s.reweight[i],
    };
  }

  private xinfoEntry(i: number, createdS: number): Record<string, unknown> {
    const down = this.s.downStampS[i] as number;
    return {
      dead_epoch: this.s.isUp[i] === 1 ? 0 : this.s.downAt[i],
      down_stamp: down > 0 ? cephStamp(down) : '0.000000',
      features: FEATURES,
      laggy_interval: 0,
      laggy_probability: 0.0,
      last_purged_snaps_scrub: cephStamp(createdS + 120 + i),
      old_weight: this.s.autoout[i] === 1 ? 65536 : 0,
      osd: i,
    };
  }

  /** `osd tree` (get.osd_map_tree): root, then each host followed by its OSDs. */
  tree(): Record<string, unknown> {
    const ids = this.bucketIds();
    const nodes: Array<Record<string, unknown>> = [];
    nodes.push({ children: this.topo.hosts.map((h) => ids.host[h.index] as number).reverse(), id: -1, name: 'default', type: 'root', type_id: 11 });
    for (const h of this.topo.hosts) {
      const children: number[] = [];
      for (let i = h.osdCount - 1; i >= 0; i--) children.push(h.osdStart + i);
      nodes.push({ children, id: ids.host[h.index], name: h.name, pool_weights: {}, type: 'host', type_id: 1 });
      for (let i = 0; i < h.osdCount; i++) nodes.push((this.treeCache[h.osdStart + i] ??= this.treeNode(h.osdStart + i)));
    }
    return { nodes, stray: [] };
  }

  private treeNode(i: number): Record<string, unknown> {
    const o = this.topo.osds[i]!;
    return {
      crush_weight: o.crushWeightFixed / 0x10000,
      depth: 2,
      device_class: o.deviceClass,
      exists: 1,
      id: i,
      name: `osd.${i}`,
      pool_weights: {},
      primary_affinity: 1.0,
      reweight: this.s.reweight[i],
      status: this.s.isUp[i] === 1 ? 'up' : 'down',
      type: 'osd',
      type_id: 0,
    };
  }

  private bucketIds(): { host: number[]; rootShadow: number[]; hostShadow: number[][] } {
    const nc = this.topo.classes.length;
    let next = -2;
    const rootShadow: number[] = [];
    for (let c = 0; c < nc; c++) rootShadow.push(next--);
    const host: number[] = [];
    const hostShadow: number[][] = [];
    for (let h = 0; h < this.topo.hosts.length; h++) {
      host.push(next--);
      const sh: number[] = [];
      for (let c = 0; c < nc; c++) sh.push(next--);
      hostShadow.push(sh);
    }
    return { host, rootShadow, hostShadow };
  }

  /** `osd crush dump` (get.osd_map_crush); static for the life of the cluster. */
  crush(): Record<string, unknown> {
    if (this.crushCache !== undefined) return this.crushCache;
    const ids = this.bucketIds();
    const topo = this.topo;
    const bucket = (id: number, name: string, typeId: number, typeName: string, items: Array<{ id: number; weight: number }>): Record<string, unknown> => ({
      alg: 'straw2',
      hash: 'rjenkins1',
      id,
      items: items.map((it, pos) => ({ id: it.id, pos, weight: it.weight })),
      name,
      type_id: typeId,
      type_name: typeName,
      weight: items.reduce((s, it) => s + it.weight, 0),
    });
    const hostItems = (h: number, cls?: string): Array<{ id: number; weight: number }> => {
      const host = topo.hosts[h]!;
      const out: Array<{ id: number; weight: number }> = [];
      for (let i = 0; i < host.osdCount; i++) {
        const o = topo.osds[host.osdStart + i]!;
        if (cls === undefined || o.deviceClass === cls) out.push({ id: o.id, weight: o.crushWeightFixed });
      }
      return out;
    };
    const hostWeight = (h: number, cls?: string): number => hostItems(h, cls).reduce((s, it) => s + it.weight, 0);
    const buckets: Array<Record<string, unknown>> = [];
    buckets.push(bucket(-1, 'default', 11, 'root', topo.hosts.map((h) => ({ id: ids.host[h.index] as number, weight: hostWeight(h.index) }))));
    topo.classes.forEach((cls, c) => {
      buckets.push(bucket(ids.rootShadow[c] as number, `default~${cls}`, 11, 'root',
        topo.hosts.map((h) => ({ id: ids.hostShadow[h.index]![c] as number, weight: hostWeight(h.index, cls) }))));
    });
    for (const h of topo.hosts) {
      buckets.push(bucket(ids.host[h.index] as number, h.name, 1, 'host', hostItems(h.index)));
      topo.classes.forEach((cls, c) => buckets.push(bucket(ids.hostShadow[h.index]![c] as number, `${h.name}~${cls}`, 1, 'host', hostItems(h.index, cls))));
    }
    buckets.sort((a, b) => (b.id as number) - (a.id as number));
    this.crushCache = {
      buckets,
      choose_args: {},
      devices: topo.osds.map((o) => ({ class: o.deviceClass, id: o.id, name: `osd.${o.id}` })),
      rules: [
        {
          max_size: 10, min_size: 1, rule_id: 0, rule_name: 'replicated_rule', ruleset: 0,
          steps: [{ item: -1, item_name: 'default', op: 'take' }, { num: 0, op: 'chooseleaf_firstn', type: 'host' }, { op: 'emit' }],
          type: 1,
        },
        {
          max_size: EC_K + EC_M, min_size: EC_K + EC_M, rule_id: 1, rule_name: 'cephfs.cephfs.data', ruleset: 1,
          steps: [
            { num: 5, op: 'set_chooseleaf_tries' }, { num: 100, op: 'set_choose_tries' }, { item: -1, item_name: 'default', op: 'take' },
            { num: 0, op: 'chooseleaf_indep', type: 'host' }, { op: 'emit' },
          ],
          type: 3,
        },
      ],
      tunables: {
        allowed_bucket_algs: 54, choose_local_fallback_tries: 0, choose_local_tries: 0, choose_total_tries: 50, chooseleaf_descend_once: 1,
        chooseleaf_stable: 1, chooseleaf_vary_r: 1, has_v2_rules: 1, has_v3_rules: 0, has_v4_buckets: 1, has_v5_rules: 0, legacy_tunables: 0,
        minimum_required_version: 'jewel', optimal_tunables: 1, profile: 'jewel', require_feature_tunables: 1, require_feature_tunables2: 1,
        require_feature_tunables3: 1, require_feature_tunables5: 1, straw_calc_version: 1,
      },
      types: ['osd', 'host', 'chassis', 'rack', 'row', 'pdu', 'pod', 'room', 'datacenter', 'zone', 'region', 'root'].map((name, type_id) => ({ name, type_id })),
    };
    return this.crushCache;
  }
}

function poolEntry(p: PoolSpec, lastChange: number): Record<string, unknown> {
  return {
    application_metadata: p.application,
    auid: 0,
    cache_min_evict_age: 0,
    cache_min_flush_age: 0,
    cache_mode: 'none',
    cache_target_dirty_high_ratio_micro: 600000,
    cache_target_dirty_ratio_micro: 400000,
    cache_target_full_ratio_micro: 800000,
    create_time: cephStamp(p.createdS),
    crush_rule: p.crushRule,
    erasure_code_profile: p.ecProfile,
    expected_num_objects: 0,
    fast_read: false,
    flags: p.flags,
    flags_names: poolFlagNames(p.flags),
    grade_table: [],
    hit_set_count: 0,
    hit_set_grade_decay_rate: 0,
    hit_set_params: { type: 'none' },
    hit_set_period: 0,
    hit_set_search_last_n: 0,
    last_change: String(lastChange),
    last_force_op_resend: '0',
    last_force_op_resend_preluminous: '0',
    last_force_op_resend_prenautilus: '0',
    last_pg_merge_meta: {
      last_epoch_clean: 0, last_epoch_started: 0, ready_epoch: 0, source_pgid: '0.0', source_version: "0'0", target_version: "0'0",
    },
    min_read_recency_for_promote: 0,
    min_size: p.minSize,
    min_write_recency_for_promote: 0,
    object_hash: 2,
    options: p.options,
    peering_crush_bucket_barrier: 0,
    peering_crush_bucket_count: 0,
    peering_crush_bucket_mandatory_member: 2147483647,
    peering_crush_bucket_target: 0,
    pg_autoscale_mode: 'on',
    pg_num: p.pgNum,
    pg_num_pending: p.pgNum,
    pg_num_target: p.pgNum,
    pg_placement_num: p.pgpNum,
    pg_placement_num_target: p.pgpNum,
    pool: p.id,
    pool_name: p.name,
    pool_snaps: [],
    quota_max_bytes: p.quotaMaxBytes,
    quota_max_objects: p.quotaMaxObjects,
    read_tier: -1,
    removed_snaps: '[]',
    size: p.size,
    snap_epoch: 0,
    snap_mode: 'selfmanaged',
    snap_seq: 0,
    stripe_width: p.stripeWidth,
    target_max_bytes: 0,
    target_max_objects: 0,
    tier_of: -1,
    tiers: [],
    type: p.erasure ? 3 : 1,
    use_gmt_hitset: true,
    write_tier: -1,
  };
}
