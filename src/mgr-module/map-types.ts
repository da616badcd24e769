// TypeScript shapes of the cluster maps, as Ceph dumps them (`ceph osd dump -f
// json` etc., see test/fixtures/ceph-reference/mgr_internals/get.*.json). Only
// the fields mgrd reads are spelled out; the rest passes through unchanged.

export interface AddrVec {
  addrvec: Array<{ type: string; addr: string; nonce: number }>;
}

export interface OsdMapOsd {
  osd: number;
  uuid: string;
  up: number;
  in: number;
  weight: number;
  primary_affinity: number;
  state: string[];
  /** Optional in what mgrd accepts (src/state/map-shapes.ts); every Ceph dump has it. */
  public_addr?: string;
  cluster_addr?: string;
  up_from: number;
  down_at: number;
  [key: string]: unknown;
}

export interface OsdMapPool {
  pool: number;
  pool_name: string;
  type: number;
  size: number;
  min_size: number;
  crush_rule: number;
  pg_num: number;
  pg_placement_num: number;
  erasure_code_profile: string;
  quota_max_bytes: number;
  quota_max_objects: number;
  application_metadata: Record<string, unknown>;
  [key: string]: unknown;
}

export interface OsdMap {
  epoch: number;
  fsid: string;
  created: string;
  modified: string;
  /** Optional in what mgrd accepts (src/state/map-shapes.ts); every Ceph dump has it. */
  flags?: string;
  flags_set: string[];
  full_ratio: number;
  backfillfull_ratio: number;
  nearfull_ratio: number;
  max_osd: number;
  pool_max: number;
  osds: OsdMapOsd[];
  pools: OsdMapPool[];
  erasure_code_profiles?: Record<string, Record<string, string>>;
  [key: string]: unknown;
}

export interface OsdTreeNode {
  id: number;
  name: string;
  type: string;
  type_id: number;
  children?: number[];
  device_class?: string;
  crush_weight?: number;
  depth?: number;
  pool_weights?: Record<string, unknown>;
  exists?: number;
  status?: string;
  reweight?: number;
  primary_affinity?: number;
}

export interface OsdMapTree {
  nodes: OsdTreeNode[];
  stray: OsdTreeNode[];
}

export interface MonMapMon {
  rank: number;
  name: string;
  addr: string;
  public_addr: string;
  public_addrs: AddrVec;
  priority: number;
  weight: number;
  [key: string]: unknown;
}

export interface MonMap {
  epoch: number;
  fsid: string;
  modified: string;
  created: string;
  min_mon_release_name: string;
  mons: MonMapMon[];
  [key: string]: unknown;
}

export interface FsMap {
  epoch: number;
  filesystems: Array<{ id: number; mdsmap: Record<string, unknown> & { fs_name: string; info: Record<string, Record<string, unknown>>; data_pools: number[]; metadata_pool: number; max_mds: number } }>;
  standbys: Array<Record<string, unknown>>;
  [key: string]: unknown;
}

export interface ServiceMap {
  epoch: number;
  modified: string;
  services: Record<string, { daemons: Record<string, unknown>; summary?: string }>;
}

export interface MonStatus {
  name?: string;
  rank?: number;
  state?: string;
  election_epoch?: number;
  quorum?: number[];
  quorum_age?: number;
  [key: string]: unknown;
}
