// Runs a callback at most once per interval: the first request on the next
// timer turn, requests while one is waiting coalesce into it. Used where one
// event source must not be able to drive another without bound (module health
// changes -> 'health' notifications -> modules that change health again).

export class Throttle {
  private timer: NodeJS.Timeout | undefined;
  private lastMs = -Infinity;

  constructor(
    private readonly fn: () => void,
    private readonly intervalMs: () => number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Asks for one run: at once if the last was more than an interval ago, else at the interval's end. */
  request(): void {
    if (this.timer !== undefined) return;
    const wait = Math.max(0, this.lastMs + this.intervalMs() - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lastMs = this.now();
      this.fn();
    }, wait);
  }

  /** Drops a waiting run. */
  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
