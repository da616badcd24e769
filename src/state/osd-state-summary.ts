// pg_summary's by_osd (OSD -> PGs per state name) kept as PG states move:
// each OSD's entry is made again only when a PG it holds changed state or
// acting set, and reused, frozen, by every later snapshot until then. At
// 10,000 OSDs the whole rebuild (every OSD's counts named and compared with
// the last snapshot's) took 4-12 ms of a tick's turn; a call now costs one
// entry per changed OSD plus the copy of 10,000 references into the new object.

/** State id -> PGs of one OSD, named (state name -> PGs, names in order). */
export type NameCounts = (counts: ReadonlyMap<number, number>) => Record<string, number>;

/** Frozen entries shared by every OSD with one state and the same count, at most this many kept. */
const SHARED_MAX = 4096;

export class OsdStateSummary {
  private readonly entries = new Map<number, Readonly<Record<string, number>>>();
  private readonly dirty = new Set<number>();
  /** Ids of `entries`, ascending; undefined when an OSD came or went. */
  private ids: Float64Array | undefined;
  /**
   * (state id, count) -> its frozen entry, for OSDs with PGs in one state (most, most of the time): at
   * 10,000 OSDs a first by_osd makes a few dozen objects instead of 10,000. Equal entries, one object.
   */
  private readonly shared = new Map<number, Readonly<Record<string, number>>>();

  /** A PG on this OSD's acting set changed state (or the set changed). Called per PG: O(1). */
  touch(osd: number): void {
    this.dirty.add(osd);
  }

  /** OSDs whose entry is made again at the next byOsd() (tests count the work). */
  get pending(): number {
    return this.dirty.size;
  }

  /**
   * Makes the entries of changed OSDs now, ahead of the next byOsd(), until `deadline` (performance.now()).
   * Returns true when done (nothing pending).
   */
  refresh(counts: ReadonlyMap<number, ReadonlyMap<number, number>>, name: NameCounts, deadline = Infinity): boolean {
    let n = 0;
    for (const osd of this.dirty) {
      this.dirty.delete(osd);
      const c = counts.get(osd);
      if (c === undefined) {
        if (this.entries.delete(osd)) this.ids = undefined;
      } else {
        if (!this.entries.has(osd)) this.ids = undefined;
        this.entries.set(osd, this.entryOf(c, name));
      }
      if ((++n & 255) === 0 && performance.now() > deadline) return this.dirty.size === 0 && this.sortIds();
    }
    return this.sortIds();
  }

  private sortIds(): boolean {
    // A typed array sorts numbers without a comparator call per pair.
    this.ids ??= Float64Array.from(this.entries.keys()).sort();
    return true;
  }

  private entryOf(c: ReadonlyMap<number, number>, name: NameCounts): Readonly<Record<string, number>> {
    if (c.size !== 1) return Object.freeze(name(c));
    let key = -1;
    for (const [id, k] of c) if (k >= 0 && k < 0x100000 && Number.isInteger(k) && id >= 0 && id < 0x100000) key = id * 0x100000 + k;
    if (key < 0) return Object.freeze(name(c));
    let e = this.shared.get(key);
    if (e === undefined) {
      if (this.shared.size >= SHARED_MAX) this.shared.clear();
      e = Object.freeze(name(c));
      this.shared.set(key, e);
    }
    return e;
  }

  /** by_osd now, frozen: entries of unchanged OSDs are those of the last call. */
  byOsd(counts: ReadonlyMap<number, ReadonlyMap<number, number>>, name: NameCounts): Readonly<Record<string, Readonly<Record<string, number>>>> {
    this.refresh(counts, name);
    const ids = this.ids!;
    // Ascending integer keys: the object keeps them as dense elements (and lists them in this order anyway).
    const out: Record<string, Readonly<Record<string, number>>> = {};
    for (let i = 0; i < ids.length; i++) out[ids[i]!] = this.entries.get(ids[i]!)!;
    return Object.freeze(out);
  }
}
