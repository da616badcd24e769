// Log lines an attacker can cause, at most one per key per interval: a
// flood of bad connections costs a counter, not a line each.

/** Keys remembered at most; the oldest is forgotten first (its next line is written at once). */
const MAX_KEYS = 10_000;

export class RateLimitedLog {
  private readonly last = new Map<string, { atMs: number; suppressed: number }>();

  constructor(private readonly intervalMs: number, private readonly now: () => number = Date.now) {}

  /** Calls write(suppressed since the last line) unless a line for `key` was written less than intervalMs ago. */
  maybe(key: string, write: (suppressed: number) => void): void {
    const t = this.now();
    const e = this.last.get(key);
    if (e && t - e.atMs < this.intervalMs) {
      e.suppressed++;
      return;
    }
    if (!e && this.last.size >= MAX_KEYS) this.last.delete(this.last.keys().next().value!);
    this.last.set(key, { atMs: t, suppressed: 0 });
    write(e?.suppressed ?? 0);
  }
}
