// pg_summary's by_osd (OSD -> PGs per state name) kept as PG states move:
// each OSD's entry is made again only when a PG it holds changed state or
// acting set, and reused, frozen, by every later snapshot until then. At
// 10,000 OSDs the whole rebuild (every OSD's counts named and compared with
// the last snapshot's) took 4-12 ms of a tick's turn; a call now costs one
// entry per changed OSD plus the copy of 10,000 references into the new object.

/** State id -> PGs of one OSD, named (state name -> PGs, names in order). */
export type NameCounts = (counts: ReadonlyMap<number, number>) => Record<string, number>;

export class OsdStateSummary {
  private readonly entries = new Map<number, Readonly<Record<string, number>>>();
  private readonly dirty = new Set<number>();
  /** Ids of `entries`, ascending; undefined when an OSD came or went. */
  private ids: number[] | undefined;

  /** A PG on this OSD's acting set changed state (or the set changed). Called per PG: O(1). */
  touch(osd: number): void {
    this.dirty.add(osd);
  }

  /** OSDs whose entry is made again at the next byOsd() (tests count the work). */
  get pending(): number {
    return this.dirty.size;
  }

  /** by_osd now, frozen: entries of unchanged OSDs are those of the last call. */
  byOsd(counts: ReadonlyMap<number, ReadonlyMap<number, number>>, name: NameCounts): Readonly<Record<string, Readonly<Record<string, number>>>> {
    for (const osd of this.dirty) {
      const c = counts.get(osd);
      if (c === undefined) {
        if (this.entries.delete(osd)) this.ids = undefined;
        continue;
      }
      if (!this.entries.has(osd)) this.ids = undefined;
      this.entries.set(osd, Object.freeze(name(c)));
    }
    this.dirty.clear();
    this.ids ??= [...this.entries.keys()].sort((a, b) => a - b);
    // Ascending integer keys: the object keeps them as dense elements (and lists them in this order anyway).
    const out: Record<string, Readonly<Record<string, number>>> = {};
    for (const id of this.ids) out[id] = this.entries.get(id)!;
    return Object.freeze(out);
  }
}
