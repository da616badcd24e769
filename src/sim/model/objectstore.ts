// Which objectstore each simulated OSD runs. It decides the OSD's perf schema
// (memstore: osd.0's 414 counters; bluestore: osd.3's 624, with bluestore.*,
// bluefs.*, bluestore-pricache*, rocksdb.* and the bluestore throttles) and its
// metadata keys, as on the reference cluster (osd.0-2 memstore, osd.3 bluestore).
// Bluestore is the default: production clusters run it on block devices.

/** What an OSD runs. */
export type OsdObjectstore = 'memstore' | 'bluestore';

/** `SimOptions.objectstore`: one store for all OSDs (default bluestore), or `mixed` as the reference cluster (every 4th OSD bluestore). */
export type ObjectstoreMode = OsdObjectstore | 'mixed';

export const OBJECTSTORE_MODES: readonly ObjectstoreMode[] = ['memstore', 'bluestore', 'mixed'];

/** What production clusters run (Ceph's default objectstore since Luminous). */
export const DEFAULT_OBJECTSTORE: ObjectstoreMode = 'bluestore';

export function checkObjectstoreMode(v: unknown): ObjectstoreMode {
  const x = v ?? DEFAULT_OBJECTSTORE;
  if (typeof x !== 'string' || !(OBJECTSTORE_MODES as readonly string[]).includes(x)) {
    throw new Error(`SimOptions.objectstore must be one of ${OBJECTSTORE_MODES.join(', ')}, got ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`);
  }
  return x as ObjectstoreMode;
}

/** The store of OSD `id`: `mixed` makes ids 3, 7, 11... bluestore (osd.3 of every four, as the reference). */
export function objectstoreOf(mode: ObjectstoreMode, id: number): OsdObjectstore {
  if (mode === 'mixed') return id % 4 === 3 ? 'bluestore' : 'memstore';
  return mode;
}

/** 1 where an OSD runs bluestore, 0 for memstore; indexed by OSD id. */
export function bluestoreFlags(mode: ObjectstoreMode, osds: number): Uint8Array {
  const out = new Uint8Array(osds);
  for (let i = 0; i < osds; i++) out[i] = objectstoreOf(mode, i) === 'bluestore' ? 1 : 0;
  return out;
}
