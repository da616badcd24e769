// Rate-limits repeated log lines per key: the first `burst` lines pass, then one
// per interval carrying how many were suppressed since the last one. A module
// that throws on every notification must not turn the log into the bottleneck
// (pino writes asynchronously: an unbounded burst is an unbounded buffer).

export interface LogDecision {
  /** Whether to write this line. */
  log: boolean;
  /** Lines suppressed since the last written one (to say so in the line). */
  suppressed: number;
}

export class LogLimiter {
  private readonly keys = new Map<string, { count: number; lastMs: number; suppressed: number }>();

  constructor(
    private readonly burst = 3,
    private readonly intervalMs = 60_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  check(key: string): LogDecision {
    const t = this.now();
    let k = this.keys.get(key);
    if (k === undefined) {
      k = { count: 0, lastMs: -Infinity, suppressed: 0 };
      this.keys.set(key, k);
    }
    k.count++;
    if (k.count <= this.burst || t - k.lastMs >= this.intervalMs) {
      const suppressed = k.suppressed;
      k.lastMs = t;
      k.suppressed = 0;
      return { log: true, suppressed };
    }
    k.suppressed++;
    return { log: false, suppressed: k.suppressed };
  }

  /** Forgets a key (its next line passes as a first one). */
  reset(key: string): void {
    this.keys.delete(key);
  }
}
