// Cuts a long synchronous job into slices of at most `budgetMs`, yielding to
// the event loop (setImmediate) between them so scrapes, ingest and other
// modules keep running while a large cluster is collected. Records the longest
// slice: that is the stall this job caused.
//
// Shared mode (Slicer.shared): one budget per turn of the event loop, in units
// of work and milliseconds, that several tasks of a module draw from with
// take() (the zabbix module's producer and its senders). Yielding each on its
// own would let their slices line up in the same turn (all immediates queued
// before a check phase run in it, back to back); with one budget, once it is
// spent every task waits for the same next turn, where it starts afresh.

import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** How many work items a hot loop does between two clock reads. */
export const CHECK_EVERY = 512;

/** Milliseconds from some fixed point (performance.now by default; tests pass a clock they move themselves). */
export type SliceClock = () => number;

/** The budget of a shared Slicer, per turn of the event loop. */
export interface TurnBudget {
  /** Most units of work (say, an item built or serialised) taken in one turn. */
  readonly unitsPerTurn: number;
  /** Most milliseconds of work in one turn, from its first take(). */
  readonly msPerTurn: number;
  /** The clock msPerTurn is measured on (default performance.now; tests move their own). */
  readonly now?: SliceClock;
}

export class Slicer {
  private sliceStart: number;
  /** Shared mode: units per turn (undefined: a per-job slicer), units taken in this turn, and the turn's end once booked. */
  private unitsPerTurn: number | undefined;
  private units = 0;
  private turnOver: Promise<void> | undefined;
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

  /**
   * A slicer whose budget per turn several tasks share (see the top of this
   * file): each asks take(units) before a chunk of work. Its slices are the
   * turns work was taken in, each from its first take() to the turn's end (an
   * upper bound of the work: other code of that turn runs inside it); `slices`
   * counts them.
   */
  static shared(b: TurnBudget): Slicer {
    const s = new Slicer(b.msPerTurn, undefined, undefined, b.now);
    s.unitsPerTurn = Math.max(1, b.unitsPerTurn);
    s.count = 0;
    return s;
  }

  /** Whether the current slice has used its budget. Reads the clock: call it every CHECK_EVERY items, not per item. */
  due(): boolean {
    if (this.unitsPerTurn !== undefined && this.turnOver === undefined) return false; // shared: no work taken this turn yet
    return (this.unitsPerTurn !== undefined && this.units >= this.unitsPerTurn) || this.now() - this.sliceStart >= this.budgetMs;
  }

  /**
   * Shared mode: room for a chunk of `units` of work (at most unitsPerTurn, so
   * it always fits a fresh turn). Resolves at once while this turn's budget
   * lasts (units and milliseconds), else in the next turn with room; every task
   * waiting at once resumes in the same turn, whose budget is reset once.
   * A per-job slicer yields when its slice is due (as maybeYield).
   */
  async take(units: number): Promise<void> {
    if (this.unitsPerTurn === undefined) return this.maybeYield();
    const n = Math.min(Math.max(0, units), this.unitsPerTurn);
    while (this.full(n)) await this.turnOver;
    void this.open();
    this.units += n;
  }

  /** Shared mode: whether `n` more units must wait for the next turn (this turn's units or milliseconds are spent). */
  private full(n: number): boolean {
    return this.turnOver !== undefined && (this.units + n > this.unitsPerTurn! || (this.units > 0 && this.due()));
  }

  /** Shared mode: the first work of a turn starts its slice and books the turn's end (the reset of the budget). */
  private open(): Promise<void> {
    if (this.turnOver !== undefined) return this.turnOver;
    this.sliceStart = this.now();
    this.turnOver = nextTurn().then(() => {
      this.endSlice();
      this.count++;
      this.units = 0;
      this.turnOver = undefined;
    });
    return this.turnOver;
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
    const shared = this.unitsPerTurn !== undefined;
    if (shared) await this.take(every); // shared: each stretch of `every` items is `every` units, taken before it
    for (;;) {
      const r = items.next();
      if (r.done === true) {
        opts.read?.(this.now() - t0);
        return n;
      }
      visit(r.value);
      if (++n % every !== 0) continue;
      if (shared ? this.full(every) : this.due()) {
        opts.read?.(this.now() - t0);
        await (shared ? this.take(every) : this.yield());
        t0 = this.now();
      } else if (shared) {
        this.units += every;
      }
    }
  }

  /**
   * Ends the slice and yields; throws the signal's reason if the job was aborted meanwhile.
   * Shared mode: waits for the end of this turn (its budget is everyone's; no other task is held up).
   */
  async yield(): Promise<void> {
    if (this.unitsPerTurn !== undefined) return this.open();
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
    if (this.unitsPerTurn !== undefined) return p; // shared: the turn's budget is not this job's to end
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

  /** Closes the last slice (call once at the end of the job). Shared mode: nothing (a turn closes itself). */
  finish(): void {
    if (this.unitsPerTurn !== undefined) return;
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
