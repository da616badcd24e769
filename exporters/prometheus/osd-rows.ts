// What each OSD contributes to the metadata step (ceph_osd_metadata, its
// status, ceph_disk_occupation), kept from one collection to the next with the
// objects it was built from: the OSD map's entry, the OSD's metadata and its
// CRUSH device class. The core replaces a map and a daemon's metadata whole
// on a change and never edits them in place, so while all three are the same
// objects the row is the same, and an unchanged OSD costs a lookup instead of
// two address parses, two label arrays and two cache keys (10,000 a
// collection at 10,000 OSDs).

import type { Label } from './collect-context.js';

/** One OSD's ceph_disk_occupation sample and what ceph_disk_occupation_human groups it by. */
export interface Occupation {
  readonly daemon: string;
  readonly device: string;
  readonly instance: string;
  /** ceph_disk_occupation's label fragment. */
  readonly labels: Label;
}

/** What one OSD contributes, gathered first so that each family is then written in one run. */
export interface OsdRow {
  /** `{ceph_daemon="osd.N"}` */
  readonly labels: Label;
  /** ceph_osd_metadata's label fragment. */
  readonly metadata: Label;
  /** The OSD map's entry (weight, up, in). */
  readonly osd: { readonly weight: number; readonly up: number; readonly in: number };
  /** Undefined when Ceph skips the OSD's disk occupation (no device or host in its metadata). */
  readonly occupation: Occupation | undefined;
}

interface Kept {
  readonly entry: object;
  readonly meta: object | undefined;
  readonly devClass: string | undefined;
  /** null: the OSD is left out (never booted, not in CRUSH, no metadata). */
  readonly row: OsdRow | null;
}

export class OsdRowCache {
  private readonly rows = new Map<number, Kept>();
  private classesOf: object | undefined;
  private classes = new Map<number, string>();
  private human: { occupations: readonly Occupation[]; fragments: readonly Label[] } | undefined;

  /** id → device class of the CRUSH map's devices, rebuilt only when the CRUSH map object changed. */
  deviceClasses(crush: { readonly devices?: ReadonlyArray<{ readonly id: number; readonly class?: string }> }): ReadonlyMap<number, string> {
    if (crush !== this.classesOf) {
      this.classes = new Map();
      for (const d of crush.devices ?? []) this.classes.set(d.id, d.class ?? '');
      this.classesOf = crush;
    }
    return this.classes;
  }

  /** The OSD's row (null: left out) if it was built from these very objects; undefined if it must be built. */
  reuse(id: number, entry: object, meta: object | undefined, devClass: string | undefined): OsdRow | null | undefined {
    const k = this.rows.get(id);
    return k !== undefined && k.entry === entry && k.meta === meta && k.devClass === devClass ? k.row : undefined;
  }

  keep(id: number, entry: object, meta: object | undefined, devClass: string | undefined, row: OsdRow | null): void {
    this.rows.set(id, { entry, meta, devClass, row });
  }

  /** Forgets OSDs no longer in the map, once they are many (`live`: the ids the map has now). */
  prune(osds: number, live: () => ReadonlySet<number>): void {
    if (this.rows.size <= 2 * osds + 64) return;
    const keep = live();
    for (const id of this.rows.keys()) if (!keep.has(id)) this.rows.delete(id);
  }

  /**
   * ceph_disk_occupation_human's label fragments: those of the last collection
   * when the occupations are the very same objects in the same order, else built.
   */
  humanFragments(occupations: readonly Occupation[], build: () => Promise<readonly Label[]>): Promise<readonly Label[]> | readonly Label[] {
    const h = this.human;
    if (h !== undefined && sameItems(h.occupations, occupations)) return h.fragments;
    return build().then((fragments) => {
      this.human = { occupations, fragments };
      return fragments;
    });
  }

  get size(): number {
    return this.rows.size;
  }

  clear(): void {
    this.rows.clear();
    this.classesOf = undefined;
    this.classes = new Map();
    this.human = undefined;
  }
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
