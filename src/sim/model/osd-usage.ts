// What an OSD stores and which PGs it hosts, derived from the PG table: the
// basis of osd_stat (statfs, num_pgs, hb_peers), pool_statfs, and the OSD's
// numpg / stat_bytes counters. Cached per OSD until the cluster changes.

import type { StoreStatfs } from '../../protocol/messages.js';
import { JOB_BACKFILLING, JOB_BACKFILL_WAIT, MAX_SIZE, type MemberIndex, type PgTable } from './pg-table.js';
import { GIB } from './format.js';
import { poolCompression } from './pools.js';

/** What BlueStore's compression did to some stored bytes (store_statfs_t's data_compressed*). */
export interface CompressedBytes {
  /** Bytes before compression of what sits in compressed blobs (data_compressed_original). */
  original: number;
  /** Their size after compression (data_compressed) and on disk (data_compressed_allocated). */
  compressed: number;
  allocated: number;
}

export interface PoolUsage {
  stored: number;
  omap: number;
  /** Zero unless the OSD runs bluestore and the pool compresses. */
  comp: CompressedBytes;
}

export interface OsdUsage {
  /** Bytes of object data this OSD holds (complete copies plus backfill in progress). */
  dataBytes: number;
  omapBytes: number;
  /** Summed over its pools. */
  comp: CompressedBytes;
  numPgs: number;
  numPrimary: number;
  numReplica: number;
  /** Pool index -> usage on this OSD. */
  pools: Map<number, PoolUsage>;
  hbPeers: number[];
}

const MAX_HB_PEERS = 32;

export class OsdUsageCache {
  private gen = 1;
  private readonly genOf: Int32Array;
  private readonly cache: Array<OsdUsage | undefined>;

  constructor(
    private readonly t: PgTable,
    private readonly members: MemberIndex,
    /** 1 where the OSD runs bluestore (which compresses; memstore does not), by OSD id. */
    private readonly isBluestore: Uint8Array,
  ) {
    this.genOf = new Int32Array(isBluestore.length);
    this.cache = new Array<OsdUsage | undefined>(isBluestore.length);
  }

  /** Called when PGs moved, progressed or changed state. */
  invalidate(): void {
    this.gen++;
  }

  get(osd: number): OsdUsage {
    const hit = this.cache[osd];
    if (hit !== undefined && this.genOf[osd] === this.gen) return hit;
    const u = this.compute(osd);
    this.cache[osd] = u;
    this.genOf[osd] = this.gen;
    return u;
  }

  private compute(osd: number): OsdUsage {
    const t = this.t;
    const u: OsdUsage = { dataBytes: 0, omapBytes: 0, comp: noCompression(), numPgs: 0, numPrimary: 0, numReplica: 0, pools: new Map(), hbPeers: [] };
    const peers = new Set<number>();
    for (const pg of this.members.of(osd)) {
      const holds = t.holds(pg, osd);
      const inRaw = t.inRaw(pg, osd);
      if (!holds && !inRaw) continue;
      const p = t.poolOf(pg);
      let frac = holds ? 1 : 0;
      if (!holds) {
        const w = t.work.get(pg);
        const O = t.objects[pg] as number;
        if (w !== undefined && (w.job === JOB_BACKFILLING || w.job === JOB_BACKFILL_WAIT) && O > 0) frac = Math.min(1, w.progress / O);
      }
      u.numPgs++;
      if (t.primary[pg] === osd) u.numPrimary++;
      else u.numReplica++;
      const stored = (frac * (t.bytes[pg] as number)) / p.k;
      const omap = frac * (t.objects[pg] as number) * p.omapKeysPerObject * p.omapBytesPerKey;
      u.dataBytes += stored;
      u.omapBytes += omap;
      let pu = u.pools.get(p.index);
      if (pu === undefined) {
        pu = { stored: 0, omap: 0, comp: noCompression() };
        u.pools.set(p.index, pu);
      }
      pu.stored += stored;
      pu.omap += omap;
      if (peers.size < MAX_HB_PEERS) {
        const at = pg * MAX_SIZE;
        for (let r = 0; r < MAX_SIZE; r++) {
          const o = t.raw[at + r] as number;
          if (o >= 0 && o !== osd) peers.add(o);
        }
      }
    }
    u.hbPeers = Array.from(peers).sort((x, y) => x - y);
    if (this.isBluestore[osd] === 1) {
      for (const [index, pu] of u.pools) {
        const c = poolCompression(t.bySlot[index]!);
        if (c.share === 0) continue;
        // Blobs of at least bluestore_min_alloc_size (4 KiB) round up: ~4 % over the compressed size on disk.
        const original = Math.round(pu.stored * c.share);
        const compressed = Math.round(original * c.ratio);
        pu.comp = { original, compressed, allocated: Math.round(compressed * 1.04) };
        u.comp.original += pu.comp.original;
        u.comp.compressed += pu.comp.compressed;
        u.comp.allocated += pu.comp.allocated;
      }
    }
    return u;
  }
}

function noCompression(): CompressedBytes {
  return { original: 0, compressed: 0, allocated: 0 };
}

/** BlueStore's `allocated` for `stored` bytes of which `comp` sit in compressed blobs (uncompressed ones take 1.5 % more). */
export function allocatedBytes(stored: number, comp: CompressedBytes): number {
  return Math.round((stored - comp.original) * 1.015) + comp.allocated;
}

/** store_statfs_t of an OSD holding `u`, plus `extraBytes` of fill (near-full scenarios). */
export function osdStatfs(sizeBytes: number, u: OsdUsage, extraBytes: number): StoreStatfs {
  const data = u.dataBytes + extraBytes;
  const allocated = allocatedBytes(data, u.comp);
  const omap = Math.round(u.omapBytes);
  // BlueFS/RocksDB on the shared device: ~0.6% of data plus a fixed base.
  const internal = Math.round(1.5 * GIB + data * 0.006 + omap * 0.5);
  const available = Math.max(0, sizeBytes - allocated - omap - internal);
  return {
    total: sizeBytes,
    available,
    internally_reserved: 0,
    allocated,
    data_stored: Math.round(data),
    data_compressed: u.comp.compressed,
    data_compressed_allocated: u.comp.allocated,
    data_compressed_original: u.comp.original,
    omap_allocated: omap,
    internal_metadata: internal,
  };
}

/** Used fraction of an OSD as the mon compares it with nearfull_ratio. */
export function usedRatio(s: StoreStatfs): number {
  return s.total > 0 ? (s.total - s.available) / s.total : 0;
}
