// The push loop's queue: items in arrival order, taken from the head in
// batches, a failed batch put back at the head, the oldest dropped first.
// O(1) amortised per item; slots are cleared as items leave so the garbage
// collector can have them.

export class PushQueue<T> {
  private buf: Array<T | undefined> = [];
  private head = 0;

  get length(): number {
    return this.buf.length - this.head;
  }

  push(items: readonly T[]): void {
    for (const it of items) this.buf.push(it);
  }

  /** Up to n items from the head. */
  take(n: number): T[] {
    const end = Math.min(this.buf.length, this.head + Math.max(0, n));
    const out = this.buf.slice(this.head, end) as T[];
    this.forget(end);
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
  }

  /** Drops up to n of the oldest items; returns how many went. */
  dropOldest(n: number): number {
    const end = Math.min(this.buf.length, this.head + Math.max(0, n));
    const dropped = end - this.head;
    this.forget(end);
    return dropped;
  }

  /** Empties the queue; returns how many items it held. */
  clear(): number {
    const n = this.length;
    this.buf = [];
    this.head = 0;
    return n;
  }

  private forget(end: number): void {
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
