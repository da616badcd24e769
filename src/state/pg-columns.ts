// Growable typed-array storage for the PGMap's per-PG fields: integer fields
// in Int32 rows with a side map for the rare value that does not fit, and OSD
// sets (up, acting) in a few inline Int32 slots, a shared 16-wide slab for
// longer (erasure-coded) sets, and a map beyond that. No object per PG.

/** Marks an Int32 slot whose value lives in the side map. */
const WIDE = -2147483648;

/** Is v stored exactly in an Int32 slot (and not the marker)? */
const fitsInt32 = (v: number): boolean => (v | 0) === v && v !== WIDE && !Object.is(v, -0);

/** Grows an array type-preservingly to `cap` elements (never shrinks). */
export function grown<T extends Int32Array | Uint32Array | Uint8Array | Float64Array>(a: T, cap: number): T {
  if (a.length >= cap) return a;
  const b = new (a.constructor as new (n: number) => T)(cap);
  b.set(a);
  return b;
}

/**
 * Overflow rows of `width` values with a free list: the extra storage of the
 * few rows that need it (EC sets, unwell PGs' stamps, long stat_sums).
 */
export class SlabRows<T extends Int32Array | Float64Array> {
  data: T;
  private next = 0;
  private readonly free: number[] = [];

  constructor(
    readonly width: number,
    empty: T,
  ) {
    this.data = empty;
  }

  alloc(): number {
    const r = this.free.pop();
    if (r !== undefined) return r;
    if ((this.next + 1) * this.width > this.data.length) this.data = grown(this.data, Math.max(64, Math.ceil(this.next * 1.5) + 1) * this.width);
    return this.next++;
  }

  release(i: number): void {
    this.free.push(i);
  }
}

/**
 * `width` integer fields per row in one Int32Array. Reported values are
 * numbers, usually small integers; a fraction, -0, or anything beyond ±2^31
 * is kept exactly in a side map instead, so nothing is lost.
 */
export class IntRows {
  data: Int32Array;
  private readonly wide = new Map<number, number>();

  constructor(
    readonly width: number,
    cap: number,
  ) {
    this.data = new Int32Array(cap * width);
  }

  get(row: number, field: number): number {
    const i = row * this.width + field;
    const x = this.data[i]!;
    return x === WIDE ? this.wide.get(i)! : x;
  }

  set(row: number, field: number, v: number): void {
    const i = row * this.width + field;
    if (this.data[i] === WIDE) this.wide.delete(i);
    if (fitsInt32(v)) this.data[i] = v;
    else {
      this.data[i] = WIDE;
      this.wide.set(i, v);
    }
  }

  /** Sets a row's fields to `init` (a freed row is reused). */
  reset(row: number, init: readonly number[]): void {
    for (let f = 0; f < this.width; f++) this.set(row, f, init[f]!);
  }

  grow(cap: number): void {
    this.data = grown(this.data, cap * this.width);
  }
}

/** Ids inline per row; sets up to SLAB_W go to the slab, longer ones to a map. */
const INLINE = 3;
const SLAB_W = 16;
const IN_MAP = 255;

/**
 * One OSD set per row (up or acting). A replicated PG's set sits in the row;
 * an erasure-coded one (up to 16 shards) in a slab row whose index the row
 * keeps; anything longer, or with ids beyond int32, is copied into a map.
 */
export class OsdSetColumn {
  private len: Uint8Array;
  private inline: Int32Array;
  private readonly slab = new SlabRows(SLAB_W, new Int32Array(0));
  private readonly big = new Map<number, number[]>();

  constructor(cap: number) {
    this.len = new Uint8Array(cap);
    this.inline = new Int32Array(cap * INLINE);
  }

  grow(cap: number): void {
    this.len = grown(this.len, cap);
    this.inline = grown(this.inline, cap * INLINE);
  }

  length(row: number): number {
    const n = this.len[row]!;
    return n === IN_MAP ? this.big.get(row)!.length : n;
  }

  /** Id i of the set (i < length). */
  at(row: number, i: number): number {
    const n = this.len[row]!;
    if (n === IN_MAP) return this.big.get(row)![i]!;
    return n <= INLINE ? this.inline[row * INLINE + i]! : this.slab.data[this.inline[row * INLINE]! * SLAB_W + i]!;
  }

  /** The set as a new array. */
  toArray(row: number): number[] {
    const n = this.len[row]!;
    if (n === IN_MAP) return [...this.big.get(row)!];
    const out = new Array<number>(n);
    if (n <= INLINE) for (let i = 0; i < n; i++) out[i] = this.inline[row * INLINE + i]!;
    else {
      const o = this.inline[row * INLINE]! * SLAB_W;
      for (let i = 0; i < n; i++) out[i] = this.slab.data[o + i]!;
    }
    return out;
  }

  /** Same ids in the same order as ids[0..count), without allocating. */
  equals(row: number, ids: ArrayLike<number>, count = ids.length): boolean {
    const n = this.len[row]!;
    if (n === IN_MAP) {
      const b = this.big.get(row)!;
      if (b.length !== count) return false;
      for (let i = 0; i < b.length; i++) if (b[i] !== ids[i]) return false;
      return true;
    }
    if (n !== count) return false;
    const arr = n <= INLINE ? this.inline : this.slab.data;
    const o = n <= INLINE ? row * INLINE : this.inline[row * INLINE]! * SLAB_W;
    for (let i = 0; i < n; i++) if (arr[o + i] !== ids[i]) return false;
    return true;
  }

  /** Copies ids[0..count) in (the caller's array is not kept). */
  set(row: number, ids: ArrayLike<number>, count = ids.length): void {
    const n = count;
    let fits = n <= SLAB_W;
    for (let i = 0; fits && i < n; i++) fits = fitsInt32(ids[i]!);
    const was = this.len[row]!;
    if (!fits) {
      this.release(row, was);
      this.big.set(row, Array.prototype.slice.call(ids, 0, n) as number[]);
      this.len[row] = IN_MAP;
      return;
    }
    if (n <= INLINE) {
      this.release(row, was);
      for (let i = 0; i < n; i++) this.inline[row * INLINE + i] = ids[i]!;
    } else {
      let s: number;
      if (was > INLINE && was !== IN_MAP) s = this.inline[row * INLINE]!;
      else {
        this.release(row, was);
        s = this.slab.alloc();
        this.inline[row * INLINE] = s;
      }
      for (let i = 0; i < n; i++) this.slab.data[s * SLAB_W + i] = ids[i]!;
    }
    this.len[row] = n;
  }

  /** Empties a row's set. */
  clear(row: number): void {
    this.release(row, this.len[row]!);
    this.len[row] = 0;
  }

  private release(row: number, n: number): void {
    if (n === IN_MAP) this.big.delete(row);
    else if (n > INLINE) this.slab.release(this.inline[row * INLINE]!);
  }
}
