// Cuts a long synchronous job into slices of at most `budgetMs`, yielding to
// the event loop (setImmediate) between them so scrapes, ingest and other
// modules keep running while a large cluster is collected. Records the longest
// slice: that is the stall this job caused.

import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** How many work items a hot loop does between two clock reads. */
export const CHECK_EVERY = 512;

/** Milliseconds from some fixed point (performance.now by default; tests pass a clock they move themselves). */
export type SliceClock = () => number;

export class Slicer {
  private sliceStart: number;
  private longest = 0;
  private longestOwn = 0;
  private external = 0;
  private busy = 0;
  private count = 1;

  /**
   * @param budgetMs  longest slice wanted
   * @param onSliceEnd  called before each yield (the writer flushes its pending lines there)
   * @param signal  aborts the job at the next yield (module shutdown)
   * @param now  the clock the budget is measured on (tests: one that a fake source moves, so slicing is checked without timing)
   */
  constructor(
    private readonly budgetMs: number,
    private readonly onSliceEnd: () => void = () => undefined,
    private readonly signal?: AbortSignal,
    private readonly now: SliceClock = () => performance.now(),
  ) {
    this.sliceStart = now();
  }

  /** Whether the current slice has used its budget. Reads the clock: call it every CHECK_EVERY items, not per item. */
  due(): boolean {
    return this.now() - this.sliceStart >= this.budgetMs;
  }

  /**
   * Visits every item of `items` (an iterator that reads as it goes, such as
   * MgrModule.daemonCounters()), checking the budget every `every` items and
   * yielding when it is spent: a long read is never one synchronous stretch.
   * `read` gets the length of each stretch of reading and visiting between two
   * yields (what the read cost this slice). Returns how many items were visited.
   */
  async each<T>(items: Iterator<T, unknown, undefined>, visit: (item: T) => void, opts: { every?: number; read?: (ms: number) => void } = {}): Promise<number> {
    const every = opts.every ?? CHECK_EVERY;
    let n = 0;
    let t0 = this.now();
    for (;;) {
      const r = items.next();
      if (r.done === true) {
        opts.read?.(this.now() - t0);
        return n;
      }
      visit(r.value);
      if (++n % every === 0 && this.due()) {
        opts.read?.(this.now() - t0);
        await this.yield();
        t0 = this.now();
      }
    }
  }

  /** Ends the slice and yields; throws the signal's reason if the job was aborted meanwhile. */
  async yield(): Promise<void> {
    this.onSliceEnd();
    this.endSlice();
    await nextTurn();
    this.signal?.throwIfAborted();
    this.sliceStart = this.now();
    this.count++;
  }

  /**
   * Ends the slice, waits for `p` (time spent waiting is not a stall: the event
   * loop was free), then starts a new slice. For jobs that hand results on and
   * wait for room (a push module's producer).
   */
  async wait<T>(p: Promise<T>): Promise<T> {
    this.onSliceEnd();
    this.endSlice();
    try {
      return await p;
    } finally {
      this.sliceStart = this.now();
      this.count++;
    }
  }

  /** Yields only when the slice is over budget. */
  async maybeYield(): Promise<void> {
    if (this.due()) await this.yield();
  }

  /** Closes the last slice (call once at the end of the job). */
  finish(): void {
    this.endSlice();
  }

  get longestSliceMs(): number {
    return this.longest;
  }

  get slices(): number {
    return this.count;
  }

  /**
   * Records time the current slice spent in work that is not the job's own
   * (reads of cluster state, which the core may rebuild on first read), so
   * that longestOwnSliceMs can tell the two apart.
   */
  addExternal(ms: number): void {
    this.external += ms;
  }

  /** The longest slice less the external work in it: the stall this job's own code caused (GC included). */
  get longestOwnSliceMs(): number {
    return this.longestOwn;
  }

  /** Time spent in slices (the job's own run time, without the turns it yielded to others). */
  get busyMs(): number {
    return this.busy;
  }

  private endSlice(): void {
    const ms = this.now() - this.sliceStart;
    this.busy += ms;
    if (ms > this.longest) this.longest = ms;
    if (ms - this.external > this.longestOwn) this.longestOwn = ms - this.external;
    this.external = 0;
  }
}
