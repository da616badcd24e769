// The pools of a simulated cluster: what a cephadm-deployed Pacific cluster with
// RBD, CephFS and RGW has, with pg_num sized like the autoscaler would (powers
// of two, PG replicas per OSD close to mon_target_pg_per_osd).

import { KIB, MIB } from './format.js';

export interface PoolIoProfile {
  /** Share of the cluster's client ops that hit this pool. */
  share: number;
  /** Fraction of this pool's ops that are reads / read-modify-writes; the rest are writes. */
  readFrac: number;
  rwFrac: number;
  /** Average bytes per read / write op. */
  readBytes: number;
  writeBytes: number;
}

export interface PoolSpec {
  /** Position in the pool list (typed arrays use it). */
  index: number;
  id: number;
  name: string;
  erasure: boolean;
  size: number;
  minSize: number;
  /** Data chunks: 1 for replicated pools, k for erasure pools (a shard holds bytes/k). */
  k: number;
  pgNum: number;
  crushRule: number;
  ecProfile: string;
  application: Record<string, Record<string, string>>;
  /** pool_opts_t: numbers, and strings for `compression_mode` / `compression_algorithm`. */
  options: Record<string, number | string>;
  /** pg_pool_t flags (POOL_FLAG_BITS); dumped with their names by poolFlagNames. */
  flags: number;
  stripeWidth: number;
  /** pgp_num (Ceph's pg_placement_num); the simulator places PGs by pg_num alone. */
  pgpNum: number;
  /** `osd pool set-quota`: 0 is no quota. */
  quotaMaxBytes: number;
  quotaMaxObjects: number;
  /** OSD map epoch of the pool's last change by a command (undefined: before the simulation began). */
  lastChangeEpoch?: number;
  /** Logical bytes stored and objects, before per-PG jitter. */
  storedBytes: number;
  objects: number;
  /** omap keys per object and bytes per key (metadata and index pools). */
  omapKeysPerObject: number;
  omapBytesPerKey: number;
  io: PoolIoProfile;
  createdS: number;
}

interface PoolTemplate {
  name: string;
  erasure?: boolean;
  /** Share of the PG budget (before renormalisation) and the floor for pg_num. */
  pgWeight: number;
  minPgs: number;
  fixedPgs?: number;
  /** Share of the logical data, and object size; or a fixed object count (-1: one per OSD, -2: one index shard per 100k rgw objects, -3: 8% of the cephfs data objects). */
  dataWeight: number;
  objectBytes: number;
  fixedObjects?: number;
  omapKeys?: number;
  omapKeyBytes?: number;
  application: Record<string, Record<string, string>>;
  options?: Record<string, number>;
  io: PoolIoProfile;
}

const CORE: PoolTemplate[] = [
  {
    name: 'device_health_metrics', pgWeight: 0, minPgs: 1, fixedPgs: 1, dataWeight: 0, objectBytes: 0, fixedObjects: -1,
    omapKeys: 60, omapKeyBytes: 900, application: { mgr_devicehealth: {} }, options: { pg_num_max: 32, pg_num_min: 1 },
    io: { share: 0.0005, readFrac: 0.1, rwFrac: 0.5, readBytes: KIB, writeBytes: 4 * KIB },
  },
  {
    name: 'rbd', pgWeight: 0.42, minPgs: 16, dataWeight: 0.5, objectBytes: 3 * MIB, application: { rbd: {} },
    io: { share: 0.55, readFrac: 0.35, rwFrac: 0, readBytes: 64 * KIB, writeBytes: 32 * KIB },
  },
  {
    name: 'cephfs.cephfs.meta', pgWeight: 0.04, minPgs: 16, dataWeight: 0, objectBytes: 4 * KIB, fixedObjects: -3, omapKeys: 200, omapKeyBytes: 220,
    application: { cephfs: { metadata: 'cephfs' } }, options: { pg_autoscale_bias: 4, pg_num_min: 16, recovery_priority: 5 },
    io: { share: 0.07, readFrac: 0.3, rwFrac: 0.3, readBytes: 4 * KIB, writeBytes: 8 * KIB },
  },
  {
    name: 'cephfs.cephfs.data', erasure: true, pgWeight: 0.26, minPgs: 8, dataWeight: 0.28, objectBytes: 1.5 * MIB,
    application: { cephfs: { data: 'cephfs' } },
    io: { share: 0.14, readFrac: 0.5, rwFrac: 0, readBytes: 512 * KIB, writeBytes: 256 * KIB },
  },
];

const RGW: PoolTemplate[] = [
  { name: '.rgw.root', pgWeight: 0.01, minPgs: 8, dataWeight: 0, objectBytes: 1 * KIB, fixedObjects: 8, application: { rgw: {} },
    io: { share: 0.001, readFrac: 1, rwFrac: 0, readBytes: KIB, writeBytes: KIB } },
  { name: 'default.rgw.log', pgWeight: 0.01, minPgs: 8, dataWeight: 0, objectBytes: 0, fixedObjects: 209, omapKeys: 50, omapKeyBytes: 300,
    application: { rgw: {} }, io: { share: 0.02, readFrac: 0.2, rwFrac: 0.5, readBytes: KIB, writeBytes: 2 * KIB } },
  { name: 'default.rgw.control', pgWeight: 0.01, minPgs: 8, dataWeight: 0, objectBytes: 0, fixedObjects: 8, application: { rgw: {} },
    io: { share: 0.005, readFrac: 0, rwFrac: 0, readBytes: 0, writeBytes: 128 } },
  { name: 'default.rgw.meta', pgWeight: 0.01, minPgs: 8, dataWeight: 0, objectBytes: 400, fixedObjects: 120, omapKeys: 3, omapKeyBytes: 200,
    application: { rgw: {} }, io: { share: 0.02, readFrac: 0.9, rwFrac: 0, readBytes: KIB, writeBytes: KIB } },
  { name: 'default.rgw.buckets.index', pgWeight: 0.04, minPgs: 8, dataWeight: 0, objectBytes: 0, fixedObjects: -2, omapKeys: 100_000, omapKeyBytes: 250,
    application: { rgw: {} }, io: { share: 0.05, readFrac: 0.4, rwFrac: 0.5, readBytes: KIB, writeBytes: KIB } },
  { name: 'default.rgw.buckets.data', pgWeight: 0.2, minPgs: 8, dataWeight: 0.215, objectBytes: 768 * KIB, application: { rgw: {} },
    io: { share: 0.14, readFrac: 0.7, rwFrac: 0, readBytes: MIB, writeBytes: 512 * KIB } },
];

/** pg_pool_t's FLAG_* bits (osd_types.h), in get_flags_string's order. */
export const POOL_FLAG_BITS = {
  hashpspool: 1 << 0,
  full: 1 << 1,
  ec_overwrites: 1 << 2,
  incomplete_clones: 1 << 3,
  nodelete: 1 << 4,
  nopgchange: 1 << 5,
  nosizechange: 1 << 6,
  write_fadvise_dontneed: 1 << 7,
  noscrub: 1 << 8,
  'nodeep-scrub': 1 << 9,
  full_quota: 1 << 10,
  nearfull: 1 << 11,
  backfillfull: 1 << 12,
  selfmanaged_snaps: 1 << 13,
  pool_snaps: 1 << 14,
  creating: 1 << 15,
} as const;

/** pg_pool_t::get_flags_string: the set flags' names, comma-separated. */
export function poolFlagNames(flags: number): string {
  return Object.entries(POOL_FLAG_BITS).filter(([, bit]) => (flags & bit) !== 0).map(([name]) => name).join(',');
}

export const EC_PROFILE = 'cephfs-ec';
export const EC_K = 2;
export const EC_M = 1;

/** Nearest power of two on a log scale, at least 1. */
export function nearestPow2(x: number): number {
  if (x <= 1) return 1;
  return 2 ** Math.round(Math.log2(x));
}

export interface PoolBuildOptions {
  osds: number;
  pgsPerOsd: number;
  rgw: boolean;
  /** Raw capacity (bytes) and the fraction of it in use. */
  rawBytes: number;
  fill: number;
  createdS: number;
  /** Compress the RGW data pool (without RGW, the CephFS data pool): `compression_mode aggressive`, snappy. */
  compressed: boolean;
}

export function buildPools(o: PoolBuildOptions): PoolSpec[] {
  const templates = o.rgw ? [...CORE, ...RGW] : CORE;
  const pgTotal = templates.reduce((s, t) => s + t.pgWeight, 0);
  const ioTotal = templates.reduce((s, t) => s + t.io.share, 0);
  const budget = o.pgsPerOsd * o.osds;
  const pools: PoolSpec[] = templates.map((t, index) => {
    const erasure = t.erasure === true;
    const size = erasure ? EC_K + EC_M : 3;
    const pgNum = t.fixedPgs ?? Math.max(t.minPgs, nearestPow2((budget * t.pgWeight) / pgTotal / size));
    return {
      index,
      id: index + 1,
      name: t.name,
      erasure,
      size,
      // Ceph: replicated size - size/2; erasure k + min(1, m - 1).
      minSize: erasure ? EC_K + Math.min(1, EC_M - 1) : size - Math.floor(size / 2),
      k: erasure ? EC_K : 1,
      pgNum,
      crushRule: erasure ? 1 : 0,
      ecProfile: erasure ? EC_PROFILE : '',
      application: t.application,
      options: t.options ?? {},
      flags: erasure ? POOL_FLAG_BITS.hashpspool | POOL_FLAG_BITS.ec_overwrites : POOL_FLAG_BITS.hashpspool,
      stripeWidth: erasure ? EC_K * 4096 : 0,
      pgpNum: pgNum,
      quotaMaxBytes: 0,
      quotaMaxObjects: 0,
      storedBytes: 0,
      objects: 0,
      omapKeysPerObject: t.omapKeys ?? 0,
      omapBytesPerKey: t.omapKeyBytes ?? 0,
      io: { ...t.io, share: t.io.share / ioTotal },
      createdS: o.createdS + 30 + index * 2,
    };
  });
  // Spread the used raw bytes over the data pools: stored * rawFactor sums to fill * raw.
  const rawFactor = (p: PoolSpec): number => p.size / p.k;
  let weighted = 0;
  templates.forEach((t, i) => (weighted += t.dataWeight * rawFactor(pools[i] as PoolSpec)));
  const unit = weighted > 0 ? (o.fill * o.rawBytes) / weighted : 0;
  let dataObjects = 0;
  let fsObjects = 0;
  templates.forEach((t, i) => {
    const p = pools[i] as PoolSpec;
    p.storedBytes = t.dataWeight * unit;
    p.objects = t.objectBytes > 0 ? Math.round(p.storedBytes / t.objectBytes) : 0;
    if (p.name === 'default.rgw.buckets.data') dataObjects = p.objects;
    if (p.name === 'cephfs.cephfs.data') fsObjects = p.objects;
  });
  templates.forEach((t, i) => {
    const p = pools[i] as PoolSpec;
    if (t.fixedObjects === -1) p.objects = o.osds;
    else if (t.fixedObjects === -2) p.objects = Math.max(11, Math.ceil(dataObjects / 100_000));
    else if (t.fixedObjects === -3) p.objects = Math.max(32, Math.round(fsObjects * 0.08));
    else if (t.fixedObjects !== undefined) p.objects = t.fixedObjects;
    if (t.fixedObjects !== undefined) p.storedBytes = p.objects * t.objectBytes;
  });
  if (o.compressed) {
    const p = pools.find((x) => x.name === 'default.rgw.buckets.data') ?? pools.find((x) => x.name === 'cephfs.cephfs.data');
    // As `ceph osd pool set <pool> compression_algorithm snappy` and `... compression_mode aggressive`.
    if (p !== undefined) p.options = { ...p.options, compression_algorithm: 'snappy', compression_mode: 'aggressive' };
  }
  return pools;
}

/** What BlueStore makes of a pool's data: the share it compresses, and to what fraction of its size. */
export interface Compression {
  /** Share of the stored bytes in compressed blobs (the rest did not shrink below bluestore_compression_required_ratio, 0.875). */
  share: number;
  /** Compressed / original size of those blobs. */
  ratio: number;
}

const NO_COMPRESSION: Compression = { share: 0, ratio: 1 };

/** Typical ratios on mixed object data (logs, JSON, documents, some media). */
const ALGORITHM_RATIO: Record<string, number> = { snappy: 0.5, lz4: 0.52, zlib: 0.38, zstd: 0.36 };

/**
 * BlueStore compresses writes to a pool whose `compression_mode` is `aggressive`
 * or `force` (`passive` only hinted ones, which the simulated clients never send);
 * the algorithm is the pool's `compression_algorithm`, else bluestore's default snappy.
 */
export function poolCompression(p: PoolSpec): Compression {
  const mode = p.options.compression_mode;
  if (mode !== 'aggressive' && mode !== 'force') return NO_COMPRESSION;
  const algo = typeof p.options.compression_algorithm === 'string' ? p.options.compression_algorithm : 'snappy';
  return { share: 0.8, ratio: ALGORITHM_RATIO[algo] ?? 0.5 };
}
