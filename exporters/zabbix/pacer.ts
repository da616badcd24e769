// Keeps the module's work off the event loop's critical path (issue 11: no
// stall over 50 ms). Everything the module does per item — building the
// items, serialising requests, the discovery JSON — runs in chunks, and before
// each chunk asks the module's one Pacer for room: while this turn's budget
// (units of work and milliseconds) lasts the chunk runs at once; when it is
// spent, every caller waits for the same next turn, where the budget starts
// afresh. One Pacer per module, so the producer and the two senders share one
// budget: yielding each on its own would let their slices line up in the same
// turn (all immediates queued before a check phase run in it, back to back).

import { performance } from 'node:perf_hooks';

/**
 * The zabbix module's budget per turn of the event loop, shared by building
 * the items, the discovery JSON and serialising requests: items (built or
 * serialised) and milliseconds.
 */
export const UNITS_PER_TURN = 1000;
export const MS_PER_TURN = 8;

export interface PacerOptions {
  /** Most units of work (an item built or serialised is one) in one turn. */
  readonly unitsPerTurn: number;
  /** Most milliseconds of work in one turn, measured from its start with now(). */
  readonly msPerTurn: number;
  /** The clock msPerTurn is measured with (default performance.now). */
  readonly now?: () => number;
  /** Resolves in a later turn of the event loop (default: setImmediate, after pending I/O). */
  readonly nextTurn?: () => Promise<void>;
}

const immediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class Pacer {
  private readonly now: () => number;
  private readonly nextTurn: () => Promise<void>;
  private units = 0;
  private since: number;
  private waiting: Promise<void> | undefined;
  /** Turns this pacer made its callers wait for (for tests and benchmarks). */
  yields = 0;

  constructor(private readonly o: PacerOptions) {
    this.now = o.now ?? (() => performance.now());
    this.nextTurn = o.nextTurn ?? immediate;
    this.since = this.now();
  }

  /**
   * Room for a chunk of `units` (at most unitsPerTurn, so it always fits a
   * fresh turn): resolves at once while the budget lasts, else in the next turn.
   */
  async take(units: number): Promise<void> {
    const n = Math.min(Math.max(0, units), this.o.unitsPerTurn);
    while (this.units + n > this.o.unitsPerTurn || (this.units > 0 && this.now() - this.since >= this.o.msPerTurn)) {
      await this.turn();
    }
    if (this.units === 0) this.since = this.now();
    this.units += n;
  }

  /** Waits for the next turn; every caller waiting at once shares it, and the budget is reset once. */
  private turn(): Promise<void> {
    this.waiting ??= this.nextTurn().then(() => {
      this.waiting = undefined;
      this.units = 0;
      this.yields++;
    });
    return this.waiting;
  }
}
