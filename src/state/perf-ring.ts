// The recent samples of one daemon's counters: Ceph keeps 20 data points per
// counter. All counters of a daemon share one timestamp per REPORT, so a sample
// is one row of `width` f64 values and ingest is a single byte copy.

export const DEFAULT_RING_SAMPLES = 20;

export class PerfRing {
  readonly stamps: Float64Array;
  readonly values: Float64Array;
  private readonly bytes: Uint8Array;
  /** Index of the next row to write. */
  private head = 0;
  private count = 0;

  constructor(readonly width: number, readonly capacity = DEFAULT_RING_SAMPLES) {
    this.stamps = new Float64Array(capacity);
    this.values = new Float64Array(capacity * width);
    this.bytes = new Uint8Array(this.values.buffer);
  }

  get size(): number {
    return this.count;
  }

  /** Appends one row from little-endian f64 bytes (src[off .. off + width*8)). */
  pushBytes(stamp: number, src: Uint8Array, off: number): void {
    const row = this.head;
    this.stamps[row] = stamp;
    const n = this.width * 8;
    this.bytes.set(src.subarray(off, off + n), row * n);
    this.advance();
  }

  /** Appends one row of values (used by tests and by in-process sources). */
  pushValues(stamp: number, row: ArrayLike<number>): void {
    this.stamps[this.head] = stamp;
    this.values.set(row, this.head * this.width);
    this.advance();
  }

  private advance(): void {
    this.head = (this.head + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** Physical row of the i-th oldest sample (0 = oldest). */
  private row(i: number): number {
    return (this.head - this.count + i + this.capacity) % this.capacity;
  }

  latestRow(): number {
    return this.count === 0 ? -1 : (this.head - 1 + this.capacity) % this.capacity;
  }

  latestStamp(): number {
    const r = this.latestRow();
    return r < 0 ? 0 : this.stamps[r]!;
  }

  /** Latest value of column `col`, or undefined when nothing was reported. */
  latest(col: number): number | undefined {
    const r = this.latestRow();
    return r < 0 ? undefined : this.values[r * this.width + col];
  }

  /** Oldest-first [stamp, value] (or [stamp, sum, count] when pair) samples of one column. */
  history(col: number, pair: boolean): number[][] {
    const out: number[][] = [];
    for (let i = 0; i < this.count; i++) {
      const r = this.row(i);
      const base = r * this.width + col;
      out.push(pair ? [this.stamps[r]!, this.values[base]!, this.values[base + 1]!] : [this.stamps[r]!, this.values[base]!]);
    }
    return out;
  }

  /** Copies the samples of `from` columns into this ring's `to` columns (after a schema change). */
  copyColumnsFrom(old: PerfRing, mapping: Array<[from: number, to: number]>): void {
    for (let i = 0; i < old.count; i++) {
      const r = old.row(i);
      this.stamps[this.head] = old.stamps[r]!;
      const dst = this.head * this.width;
      const src = r * old.width;
      for (const [from, to] of mapping) this.values[dst + to] = old.values[src + from]!;
      this.advance();
    }
  }
}
