// Mon map, mon status, FS map, service map and the mon-side health checks, in
// the JSON shapes Ceph 16.2.15 dumps (mgr_internals/get.mon_map.json, get.mon_status.json,
// get.fs_map.json / cli/fs_dump_json.txt with a filesystem, get.service_map.json).

import type { HealthCheckMap } from '../../mgr-module/health.js';
import { healthCheck } from '../../mgr-module/health.js';
import type { PoolSpec } from './pools.js';
import type { SimHost, SimMon, SimServiceDaemon } from './topology.js';
import { addrvec, cephStamp, cephStampZ } from './format.js';
import { rgwMetadata } from './metadata.js';
import type { SimFaults } from './faults.js';

const MON_FEATURES = ['kraken', 'luminous', 'mimic', 'osdmap-prune', 'nautilus', 'octopus', 'pacific', 'elector-pinging'];
// 0x3f01cfbdfffdffff: above 2^53, so JSON consumers see the nearest double, as with a real dump.
const FEATURES = Number(0x3f01cfbdfffdffffn);

function monEntry(m: SimMon): Record<string, unknown> {
  return {
    addr: `${m.ip}:6789/0`,
    crush_location: '{}',
    name: m.name,
    priority: 0,
    public_addr: `${m.ip}:6789/0`,
    public_addrs: addrvec(m.ip, 3300, 6789, 0),
    rank: m.rank,
    weight: 0,
  };
}

function monAddrs(m: SimMon): string {
  return `[v2:${m.ip}:3300/0,v1:${m.ip}:6789/0]`;
}

export function monMap(mons: SimMon[], fsid: string, createdS: number): Record<string, unknown> {
  return {
    created: cephStampZ(createdS),
    'disallowed_leaders: ': '',
    election_strategy: 1,
    epoch: mons.length,
    features: { optional: [], persistent: MON_FEATURES },
    fsid,
    min_mon_release: 16,
    min_mon_release_name: 'pacific',
    modified: cephStampZ(createdS + 20 * (mons.length - 1)),
    mons: mons.map(monEntry),
    'removed_ranks: ': '',
    stretch_mode: false,
    tiebreaker_mon: '',
  };
}

export interface MonQuorum {
  up: boolean[];
  electionEpoch: number;
  quorumSinceS: number;
}

/** The mon's `mon_status`, sent plain in MAP (the manager wraps it as {json} for get('mon_status'), as ceph-mgr does). */
export function monStatus(mons: SimMon[], q: MonQuorum, fsid: string, createdS: number, nowS: number, clients: Record<string, number>): Record<string, unknown> {
  const quorum = mons.filter((m) => q.up[m.rank]).map((m) => m.rank);
  const leader = mons.find((m) => q.up[m.rank]) ?? mons[0]!;
  const raw = monMap(mons, fsid, createdS);
  const featureMap: Record<string, unknown> = {};
  for (const [kind, num] of Object.entries(clients)) {
    if (num > 0) featureMap[kind] = [{ features: '0x3f01cfbdfffdffff', release: 'luminous', num }];
  }
  const status = {
    name: leader.name,
    rank: leader.rank,
    state: 'leader',
    election_epoch: q.electionEpoch,
    quorum,
    quorum_age: Math.max(0, Math.floor(nowS - q.quorumSinceS)),
    features: {
      required_con: '2449958747317026820',
      required_mon: MON_FEATURES,
      quorum_con: String(FEATURES),
      quorum_mon: MON_FEATURES,
    },
    outside_quorum: [],
    extra_probe_peers: [],
    sync_provider: [],
    monmap: {
      epoch: raw.epoch, fsid, modified: raw.modified, created: raw.created, min_mon_release: 16, min_mon_release_name: 'pacific',
      election_strategy: 1, 'disallowed_leaders: ': '', stretch_mode: false, tiebreaker_mon: '', 'removed_ranks: ': '',
      features: { persistent: MON_FEATURES, optional: [] },
      mons: mons.map((m) => ({ rank: m.rank, name: m.name, public_addrs: addrvec(m.ip, 3300, 6789, 0), addr: `${m.ip}:6789/0`, public_addr: `${m.ip}:6789/0`, priority: 0, weight: 0, crush_location: '{}' })),
    },
    feature_map: featureMap,
    stretch_mode: false,
  };
  return status;
}

/** MON_DOWN, as the mon raises it. */
export function monHealth(mons: SimMon[], up: boolean[]): HealthCheckMap {
  const down = mons.filter((m) => !up[m.rank]);
  if (down.length === 0) return {};
  const quorum = mons.filter((m) => up[m.rank]).map((m) => m.name).join(',');
  return {
    MON_DOWN: healthCheck(
      'HEALTH_WARN',
      `${down.length}/${mons.length} mons down, quorum ${quorum}`,
      down.length,
      down.map((m) => `mon.${m.name} (rank ${m.rank}) addr ${monAddrs(m)} is down (out of quorum)`),
    ),
  };
}

const MDS_COMPAT = {
  compat: {},
  ro_compat: {},
  incompat: {
    feature_1: 'base v0.20', feature_2: 'client writeable ranges', feature_3: 'default file layouts on dirs',
    feature_4: 'dir inode in separate object', feature_5: 'mds uses versioned encoding', feature_6: 'dirfrag is stored in omap',
    feature_8: 'no anchor table', feature_9: 'file layout v2', feature_10: 'snaprealm v2',
  },
};

/**
 * `fs dump` with one filesystem "cephfs" and one MDS: active; or, once it
 * failed (or marked its rank damaged) with no standby to take over, rank 0
 * in `failed` (or `damaged`) and nobody up, as the MDSMonitor leaves it.
 */
export function fsMap(mds: SimServiceDaemon, host: SimHost, metaPool: PoolSpec, dataPool: PoolSpec, createdS: number, faults: SimFaults): Record<string, unknown> {
  const epoch = 8 + faults.fsEpochs;
  const up = faults.mdsUp;
  const info = {
    gid: mds.gid,
    name: mds.id,
    rank: 0,
    incarnation: 4,
    state: 'up:active',
    state_seq: 5,
    addr: `${host.ip}:6801/${mds.nonce}`,
    addrs: addrvec(host.ip, 6800, 6801, mds.nonce),
    join_fscid: -1,
    export_targets: [],
    features: FEATURES,
    flags: 0,
    compat: MDS_COMPAT,
  };
  const mdsmap = {
    epoch,
    flags: 18,
    flags_state: { joinable: true, allow_snaps: true, allow_multimds_snaps: true, allow_standby_replay: false },
    ever_allowed_features: 0,
    explicitly_allowed_features: 0,
    created: cephStamp(createdS + 40),
    modified: cephStamp(createdS + 60),
    tableserver: 0,
    root: 0,
    session_timeout: 60,
    session_autoclose: 300,
    required_client_features: {},
    max_file_size: 1099511627776,
    last_failure: 0,
    last_failure_osd_epoch: 0,
    compat: MDS_COMPAT,
    max_mds: faults.maxMds,
    in: [0],
    up: up ? { mds_0: mds.gid } : {},
    failed: faults.mdsState === 'failed' ? [0] : [],
    damaged: faults.mdsState === 'damaged' ? [0] : [],
    stopped: [],
    info: up ? { [`gid_${mds.gid}`]: info } : {},
    data_pools: [dataPool.id],
    metadata_pool: metaPool.id,
    enabled: true,
    fs_name: 'cephfs',
    balancer: '',
    standby_count_wanted: faults.standbyCountWanted,
  };
  return {
    epoch,
    default_fscid: 1,
    compat: MDS_COMPAT,
    feature_flags: { enable_multiple: true, ever_enabled_multiple: true },
    standbys: [],
    filesystems: [{ mdsmap, id: 1 }],
  };
}

/** `service dump`: rgw daemons keyed by gid (Pacific), their name in metadata "id". */
export function serviceMap(rgws: SimServiceDaemon[], hosts: SimHost[], epoch: number, createdS: number, zoneIds: { realm: string; zonegroup: string; zone: string }): Record<string, unknown> {
  const services: Record<string, unknown> = {};
  if (rgws.length > 0) {
    const daemons: Record<string, unknown> = { summary: '' };
    for (const r of rgws) {
      const host = hosts[r.host]!;
      daemons[String(r.gid)] = {
        start_epoch: 2,
        start_stamp: cephStamp(createdS + 90),
        gid: r.gid,
        addr: `${host.ip}:0/${r.nonce}`,
        metadata: rgwMetadata(r, host, zoneIds),
        task_status: {},
      };
    }
    services.rgw = { daemons };
  }
  return { epoch, modified: cephStamp(createdS + 90), services };
}
