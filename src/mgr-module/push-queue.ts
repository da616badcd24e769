// The push loop's queue: items in arrival order, taken from the head in
// batches, a failed batch put back at the head, the oldest dropped first.
// O(1) amortised per item; slots are cleared as items leave so the garbage
// collector can have them.
//
// An item may carry several units (a chunk of encoded lines carries its
// points): `length`, batches and drops count units. Batches take whole items
// up to their size. Given a `split`, a drop that ends inside an item cuts it
// there (exact), and so does a batch whose first item alone is too large;
// without one, whole items go (a drop may then take a little more than asked).
// Given `bytes`, the queue also keeps the sum of its items' bytes, so the loop
// can bound the memory waiting, not only the count.

/**
 * How many units an item carries (default 1), how to cut one in two after `n` units (0 < n < its weight),
 * and how many bytes of memory it holds (for a bound in bytes; pieces of a cut item add up to it).
 */
export interface QueueUnits<T> {
  readonly weight: (item: T) => number;
  readonly split?: (item: T, n: number) => readonly [T, T];
  readonly bytes?: (item: T) => number;
}

export class PushQueue<T> {
  private buf: Array<T | undefined> = [];
  private head = 0;
  private units = 0;
  private held = 0;

  constructor(private readonly u?: QueueUnits<T>) {}

  /** Units waiting. */
  get length(): number {
    return this.units;
  }

  /** Bytes of the items waiting (0 without `bytes`). */
  get bytes(): number {
    return this.held;
  }

  /** Bytes some items hold (0 without `bytes`). */
  bytesOf(items: readonly T[]): number {
    const b = this.u?.bytes;
    if (!b) return 0;
    let n = 0;
    for (const it of items) n += b(it);
    return n;
  }

  /** Units of some items (what a batch carries). */
  weigh(items: readonly T[]): number {
    if (!this.u) return items.length;
    let n = 0;
    for (const it of items) n += this.u.weight(it);
    return n;
  }

  push(items: readonly T[]): void {
    for (const it of items) this.buf.push(it);
    this.units += this.weigh(items);
    this.held += this.bytesOf(items);
  }

  /** Items from the head carrying up to n units (at least one item; a first item over n is cut when it can be). */
  take(n: number): T[] {
    if (!this.u) {
      const end = Math.min(this.buf.length, this.head + Math.max(0, n));
      const out = this.buf.slice(this.head, end) as T[];
      this.forget(end, end - this.head, 0);
      return out;
    }
    const out: T[] = [];
    let got = 0;
    while (this.head < this.buf.length) {
      const it = this.buf[this.head] as T;
      const w = this.u.weight(it);
      if (got + w <= n || out.length === 0) {
        if (got + w > n && this.cut(n - got)) continue; // the head is now exactly what fits
        out.push(it);
        got += w;
        this.forget(this.head + 1, w, this.u.bytes?.(it) ?? 0);
        if (got >= n) break;
      } else {
        break;
      }
    }
    return out;
  }

  /** Puts a batch back at the head, in its order (a failed send to retry first). */
  unshift(batch: readonly T[]): void {
    if (batch.length <= this.head) {
      this.head -= batch.length;
      for (let i = 0; i < batch.length; i++) this.buf[this.head + i] = batch[i];
    } else {
      this.buf = [...batch, ...this.buf.slice(this.head)];
      this.head = 0;
    }
    this.units += this.weigh(batch);
    this.held += this.bytesOf(batch);
  }

  /** Drops n units of the oldest (whole items, the last one cut when it can be); returns how many went. */
  dropOldest(n: number): number {
    let dropped = 0;
    while (dropped < n && this.head < this.buf.length) {
      const w = this.u ? this.u.weight(this.buf[this.head] as T) : 1;
      if (dropped + w > n && this.cut(n - dropped)) continue;
      dropped += w;
      this.forget(this.head + 1, w, this.u?.bytes?.(this.buf[this.head] as T) ?? 0);
    }
    return dropped;
  }

  /** Drops whole items, the oldest first, until at most maxBytes are held; returns how many units went. */
  dropOldestToBytes(maxBytes: number): number {
    const u = this.u;
    const b = u?.bytes;
    if (!u || !b) return 0;
    let dropped = 0;
    while (this.held > maxBytes && this.head < this.buf.length) {
      const it = this.buf[this.head] as T;
      const w = u.weight(it);
      dropped += w;
      this.forget(this.head + 1, w, b(it));
    }
    return dropped;
  }

  /** Empties the queue; returns how many units it held. */
  clear(): number {
    const n = this.units;
    this.buf = [];
    this.head = 0;
    this.units = 0;
    this.held = 0;
    return n;
  }

  /** Cuts the head item after `n` units into two items (the head, then the rest); false when items cannot be cut. */
  private cut(n: number): boolean {
    const split = this.u?.split;
    if (!split || n <= 0) return false;
    const [first, rest] = split(this.buf[this.head] as T, n);
    this.buf[this.head] = rest;
    if (this.head > 0) {
      this.buf[--this.head] = first;
    } else {
      this.buf.unshift(first);
    }
    return true;
  }

  private forget(end: number, units: number, bytes: number): void {
    this.units -= units;
    this.held -= bytes;
    this.buf.fill(undefined, this.head, end);
    this.head = end;
    if (this.head === this.buf.length) {
      this.buf = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.buf.length) {
      this.buf = this.buf.slice(this.head);
      this.head = 0;
    }
  }
}
