// The recent samples of one daemon's counters: Ceph keeps 20 data points per
// counter. All counters of a daemon share one timestamp per REPORT, so a sample
// is one row of `width` f64 values.
//
// The latest row is kept as it is (what the exporters read, every collection);
// the older ones as XOR deltas, newest to oldest: delta k is row k XOR row k+1,
// stored as a bitmap of the columns that changed and, for each, the bytes of
// the XOR between its zero bytes at both ends (doubles that move a little share
// sign, exponent and top mantissa bits; integer counts end in zero bits). A
// column that did not change costs one bit. At 10,000 OSDs reporting every
// counter (threshold 0: 485 values each) 20 raw samples are ~780 MB; most of
// those counters never move, and the history costs a small part of that
// (bench/RESULTS.md, "Memory"). Reading the history (get_counter) walks the
// deltas back from the latest row: rare, and at most 19 steps.

export const DEFAULT_RING_SAMPLES = 20;

/** Least bytes of a delta store (it grows as deltas need). */
const MIN_LOG_BYTES = 64;

export class PerfRing {
  /** The latest row (valid when size > 0). */
  private readonly row: Float64Array;
  private readonly rowBytes: Uint8Array;
  private stamp = 0;
  private count = 0;
  /** Deltas, oldest first: bytes [logStart, logEnd) of `log`; deltaAt[i] the start of the i-th (ring of capacity - 1). */
  private log: Uint8Array = EMPTY;
  private logStart = 0;
  private logEnd = 0;
  private readonly deltaAt: Uint32Array;
  /** Index in deltaAt of the oldest delta. */
  private firstDelta = 0;
  private readonly bitmapBytes: number;

  constructor(readonly width: number, readonly capacity = DEFAULT_RING_SAMPLES) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity ${capacity}: expected an integer ≥ 1`);
    // One backing store for the latest row and the delta index (10,000 daemons: 10,000 of them, not 20,000).
    const buf = new ArrayBuffer(width * 8 + 4 * Math.max(1, capacity - 1));
    this.row = new Float64Array(buf, 0, width);
    this.rowBytes = new Uint8Array(buf, 0, width * 8);
    this.deltaAt = new Uint32Array(buf, width * 8, Math.max(1, capacity - 1));
    this.bitmapBytes = (width + 7) >> 3;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes this ring holds for its samples (the latest row and the deltas' store). */
  get bytesHeld(): number {
    return this.row.byteLength + this.deltaAt.byteLength + this.log.byteLength;
  }

  /** Appends one row from little-endian f64 bytes (src[off .. off + width*8)). */
  pushBytes(stamp: number, src: Uint8Array, off: number): void {
    if (this.count > 0 && this.capacity > 1) this.appendDelta(src, off);
    this.rowBytes.set(src.subarray(off, off + this.width * 8));
    this.advance(stamp);
  }

  /** Appends one row of values (used by tests and by in-process sources). */
  pushValues(stamp: number, row: ArrayLike<number>): void {
    const f = new Float64Array(this.width);
    f.set(row);
    this.pushBytes(stamp, new Uint8Array(f.buffer), 0);
  }

  private advance(stamp: number): void {
    this.stamp = stamp;
    if (this.count < this.capacity) this.count++;
  }

  /** The latest row (a view: read it before the next push), or undefined when nothing was reported. */
  latestValues(): Float64Array | undefined {
    return this.count === 0 ? undefined : this.row;
  }

  latestStamp(): number {
    return this.count === 0 ? 0 : this.stamp;
  }

  /** Latest value of column `col`, or undefined when nothing was reported. */
  latest(col: number): number | undefined {
    return this.count === 0 ? undefined : this.row[col];
  }

  /** Oldest-first [stamp, value] (or [stamp, sum, count] when pair) samples of one column. */
  history(col: number, pair: boolean): number[][] {
    const out: number[][] = [];
    if (this.count === 0) return out;
    // Walk back from the latest row, one column (or two) at a time.
    const cur = new Float64Array(2);
    const curBytes = new Uint8Array(cur.buffer);
    cur[0] = this.row[col]!;
    if (pair) cur[1] = this.row[col + 1]!;
    out.push(pair ? [this.stamp, Number(cur[0]), Number(cur[1])] : [this.stamp, Number(cur[0])]);
    const deltas = this.count - 1;
    for (let k = deltas - 1; k >= 0; k--) {
      const at = this.deltaAt[(this.firstDelta + k) % this.deltaAt.length]!;
      const stamp = this.undoColumns(at, col, pair ? 2 : 1, curBytes);
      out.push(pair ? [stamp, Number(cur[0]), Number(cur[1])] : [stamp, Number(cur[0])]);
    }
    return out.reverse();
  }

  /** Every row, oldest first, with its stamp (schema changes; tests). */
  rows(): Array<{ stamp: number; values: Float64Array }> {
    const out: Array<{ stamp: number; values: Float64Array }> = [];
    if (this.count === 0) return out;
    const cur = Float64Array.from(this.row);
    out.push({ stamp: this.stamp, values: Float64Array.from(cur) });
    const bytes = new Uint8Array(cur.buffer);
    for (let k = this.count - 2; k >= 0; k--) {
      const at = this.deltaAt[(this.firstDelta + k) % this.deltaAt.length]!;
      const stamp = this.undoColumns(at, 0, this.width, bytes);
      out.push({ stamp, values: Float64Array.from(cur) });
    }
    return out.reverse();
  }

  /** Copies the samples of `from` columns into this ring's `to` columns (after a schema change). */
  copyColumnsFrom(old: PerfRing, mapping: Array<[from: number, to: number]>): void {
    const row = new Float64Array(this.width);
    for (const r of old.rows()) {
      row.fill(0);
      for (const [from, to] of mapping) row[to] = r.values[from]!;
      this.pushBytes(r.stamp, new Uint8Array(row.buffer), 0);
    }
  }

  /**
   * Stores the delta from the latest row to the incoming one (src[off..]),
   * stamped with the latest row's stamp: undoing it on the incoming row gives
   * the latest row back.
   */
  private appendDelta(src: Uint8Array, off: number): void {
    const w = this.width;
    const cur = this.rowBytes;
    // Encoded into a scratch buffer first (worst case: stamp, bitmap, a header and 8 bytes per column), then stored at its size.
    const most = 8 + this.bitmapBytes + 9 * w;
    if (scratch.length < most) scratch = new Uint8Array(Math.max(most, scratch.length * 2));
    const out = scratch;
    writeF64(out, 0, this.stamp);
    const bitmap = 8;
    out.fill(0, bitmap, bitmap + this.bitmapBytes);
    let p = bitmap + this.bitmapBytes;
    for (let c = 0; c < w; c++) {
      const a = c * 8;
      const b = off + a;
      // Trailing and leading zero bytes of cur ^ src over this column's 8 bytes.
      let lo = 0;
      while (lo < 8 && cur[a + lo] === src[b + lo]) lo++;
      if (lo === 8) continue;
      let hi = 7;
      while (cur[a + hi] === src[b + hi]) hi--;
      out[bitmap + (c >> 3)]! |= 1 << (c & 7);
      out[p++] = (lo << 4) | (hi - lo + 1);
      for (let k = lo; k <= hi; k++) out[p++] = cur[a + k]! ^ src[b + k]!;
    }
    if (this.count - 1 === this.deltaAt.length) this.dropOldestDelta();
    this.reserve(p);
    this.log.set(out.subarray(0, p), this.logEnd);
    this.deltaAt[(this.firstDelta + this.count - 1) % this.deltaAt.length] = this.logEnd;
    this.logEnd += p;
  }

  /**
   * Applies the delta at `at` to `n` columns from `col` held in `bytes` (8
   * bytes each, from 0): they become the row before. Returns that row's stamp.
   */
  private undoColumns(at: number, col: number, n: number, bytes: Uint8Array): number {
    const log = this.log;
    const stamp = readF64(log, at);
    const bitmap = at + 8;
    let p = bitmap + this.bitmapBytes;
    const end = col + n;
    for (let c = 0; c < end; c++) {
      if ((log[bitmap + (c >> 3)]! & (1 << (c & 7))) === 0) continue;
      const h = log[p++]!;
      const lo = h >> 4;
      const len = h & 15;
      if (c >= col) {
        const base = (c - col) * 8 + lo;
        for (let k = 0; k < len; k++) bytes[base + k]! ^= log[p + k]!;
      }
      p += len;
    }
    return stamp;
  }

  private dropOldestDelta(): void {
    this.firstDelta = (this.firstDelta + 1) % this.deltaAt.length;
    this.count--;
    this.logStart = this.count > 1 ? this.deltaAt[this.firstDelta]! : this.logEnd;
  }

  /** Room for `n` more bytes at the end of the log: compacts it in place, or moves it to a store of the right size. */
  private reserve(n: number): void {
    if (this.logEnd + n <= this.log.length) return;
    const used = this.logEnd - this.logStart;
    // Room for a few more deltas past this one, so that compaction (a copy of `used` bytes) is not every push.
    const want = Math.max(MIN_LOG_BYTES, used + n + ((used + n) >> 2));
    const shift = this.logStart;
    if (used + n <= this.log.length && this.log.length <= 2 * want) {
      this.log.copyWithin(0, this.logStart, this.logEnd);
    } else {
      const next = new Uint8Array(want);
      next.set(this.log.subarray(this.logStart, this.logEnd), 0);
      this.log = next;
    }
    for (let k = 0; k < this.count - 1; k++) {
      const i = (this.firstDelta + k) % this.deltaAt.length;
      this.deltaAt[i] = this.deltaAt[i]! - shift;
    }
    this.logStart = 0;
    this.logEnd = used;
  }
}

const EMPTY = new Uint8Array(0);
/** Where a delta is encoded before it is stored (one thread, one push at a time). */
let scratch = new Uint8Array(4096);
const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);

function writeF64(buf: Uint8Array, at: number, v: number): void {
  F64[0] = v;
  buf.set(F64_BYTES, at);
}

function readF64(buf: Uint8Array, at: number): number {
  for (let k = 0; k < 8; k++) F64_BYTES[k] = buf[at + k]!;
  return F64[0]!;
}
