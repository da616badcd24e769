// Ids (OSD ids, bucket ids made non-negative) to dense slots 0..n-1, so what
// is kept per OSD can live in typed arrays indexed by slot instead of Maps.
// OSD ids are below the osd map's max_osd and nearly dense: the look-up is a
// typed array by id, unless the ids are sparse (or not small non-negative
// integers), where it falls back to a Map rather than allocate by the
// largest id.

/** Slots per id at most: beyond this many times the id count (plus slack), a Map. */
const DENSE_FACTOR = 4;
const DENSE_SLACK = 1024;

export class IdSlots {
  readonly size: number;
  private readonly ids: Int32Array | number[];
  private readonly table: Int32Array | undefined;
  private readonly map: Map<number, number> | undefined;

  /** Slot i is ids[i]; an id listed twice gets the slot of its last listing (as Map.set would keep). */
  constructor(ids: ArrayLike<number>) {
    const n = ids.length;
    this.size = n;
    let max = -1;
    let small = true;
    for (let i = 0; i < n; i++) {
      const id = ids[i]!;
      if (!(id >= 0 && id <= 0x7fffffff && Number.isInteger(id))) small = false;
      else if (id > max) max = id;
    }
    if (small && max < DENSE_FACTOR * n + DENSE_SLACK) {
      const t = new Int32Array(max + 1).fill(-1);
      for (let i = 0; i < n; i++) t[ids[i]!] = i;
      this.table = t;
      this.ids = Int32Array.from(ids);
    } else {
      const m = new Map<number, number>();
      for (let i = 0; i < n; i++) m.set(ids[i]!, i);
      this.map = m;
      this.ids = Array.from(ids);
    }
  }

  /** The id's slot, -1 when it has none. */
  slot(id: number): number {
    const t = this.table;
    if (t !== undefined) return id >= 0 && id < t.length ? t[id]! : -1;
    return this.map!.get(id) ?? -1;
  }

  /** The id at a slot. */
  idAt(slot: number): number {
    return this.ids[slot]!;
  }
}
