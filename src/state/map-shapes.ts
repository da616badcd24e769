// The shapes of the cluster source's maps that mgrd relies on (issue 8 item 9).
// Ceph's manager decodes maps into fixed C++ structures, so a reader never
// meets a null monitor or a missing mdsmap; mgrd gets JSON, and checks it here
// once, whole, before it stores anything. What is required is what every
// reader needs (and every Ceph dump has); fields readers can do without are
// optional but, when present, of their kind. Other fields pass unchecked.

import { anyObj, arr, bool, int, num, obj, opt, rec, ShapeMismatch, str, type Shape } from '../common/shape.js';

const OSD_MAP: Shape = obj({
  epoch: int,
  fsid: opt(str),
  flags: opt(str),
  osds: arr(obj({
    osd: int, up: num, in: num, weight: opt(num), primary_affinity: opt(num), state: opt(arr(str)),
    public_addr: opt(str), cluster_addr: opt(str), up_from: opt(num), down_at: opt(num), uuid: opt(str),
  })),
  pools: arr(obj({
    pool: int, pool_name: str, type: opt(num), size: opt(num), min_size: opt(num), crush_rule: opt(int),
    pg_num: opt(int), pg_placement_num: opt(int), erasure_code_profile: opt(str), application_metadata: opt(anyObj),
    quota_max_bytes: opt(num), quota_max_objects: opt(num), tier_of: opt(num), options: opt(anyObj),
  })),
  erasure_code_profiles: opt(rec(anyObj)),
  pg_temp: opt(arr(obj({ pgid: str, osds: arr(int) }))),
  full_ratio: opt(num), backfillfull_ratio: opt(num), nearfull_ratio: opt(num),
  last_up_change: opt(str), last_in_change: opt(str),
});

const TREE_NODE: Shape = obj({
  id: int, name: str, type: str, type_id: opt(num), children: opt(arr(int)), crush_weight: opt(num), device_class: opt(str),
  depth: opt(num), exists: opt(num), status: opt(str), reweight: opt(num), primary_affinity: opt(num),
});

const OSD_MAP_TREE: Shape = obj({ nodes: arr(TREE_NODE), stray: opt(arr(TREE_NODE)) });

const OSD_MAP_CRUSH: Shape = obj({
  devices: opt(arr(obj({ id: int, name: str, class: opt(str) }))),
  types: opt(arr(obj({ type_id: int, name: opt(str) }))),
  buckets: opt(arr(obj({ id: int, name: str, type_id: opt(num), type_name: opt(str), items: arr(obj({ id: int, weight: num })) }))),
  rules: opt(arr(obj({ rule_id: int, steps: opt(arr(obj({ op: str, item: opt(int), item_name: opt(str) }))) }))),
});

const MON: Shape = obj({ name: str, rank: int, addr: opt(str), public_addr: opt(str), public_addrs: opt(anyObj) });
const MON_MAP: Shape = obj({ epoch: opt(int), fsid: opt(str), mons: arr(MON) });

/** mon_status after its optional `{json: "..."}` wrapper is taken off. */
const MON_STATUS: Shape = obj({
  name: opt(str), rank: opt(num), state: opt(str), election_epoch: opt(num), quorum: opt(arr(int)), quorum_age: opt(num),
  monmap: opt(obj({ mons: opt(arr(obj({ name: str, rank: int, public_addr: str }))) })),
});

const MDS_INFO: Shape = obj({ gid: opt(num), name: opt(str), rank: opt(num), state: opt(str), addr: opt(str) });
const FS_MAP: Shape = obj({
  epoch: opt(int),
  filesystems: arr(obj({
    id: int,
    mdsmap: obj({
      fs_name: str, info: rec(MDS_INFO), data_pools: arr(int), metadata_pool: int, max_mds: opt(num),
      up: opt(rec(num)), in: opt(arr(num)), failed: opt(arr(num)), damaged: opt(arr(num)), stopped: opt(arr(num)),
    }),
  })),
  standbys: arr(obj({ name: opt(str), rank: opt(num), addr: opt(str) })),
});

const SERVICE_MAP: Shape = obj({
  epoch: opt(int),
  services: rec(obj({
    summary: opt(str),
    // A dumped service map carries the service's summary as daemons.summary too.
    daemons: rec(obj({ metadata: opt(rec(str)) }), { summary: str }),
  })),
});

const CHECK: Shape = obj({ severity: str, summary: obj({ message: str, count: num }), detail: arr(obj({ message: str })), muted: opt(bool) });
const HEALTH_CHECKS: Shape = rec((v, path) => {
  CHECK(v, path);
  const severity = (v as { severity: string }).severity;
  if (severity !== 'HEALTH_WARN' && severity !== 'HEALTH_ERR') throw new ShapeMismatch(`${path}.severity is "${severity}", expected HEALTH_WARN or HEALTH_ERR`);
});

/** The check of each MAP field; `mon_status` gets the unwrapped object. */
export const MAP_SHAPES = {
  osd_map: OSD_MAP,
  osd_map_tree: OSD_MAP_TREE,
  osd_map_crush: OSD_MAP_CRUSH,
  mon_map: MON_MAP,
  mon_status: MON_STATUS,
  fs_map: FS_MAP,
  service_map: SERVICE_MAP,
  health_checks: HEALTH_CHECKS,
} as const;
