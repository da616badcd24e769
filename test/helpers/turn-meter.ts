// Counts what happens in each turn of the event loop, for tests that bound how
// much work code does between two turns without timing it: a ticker
// re-arms itself with setImmediate, so it runs once per loop iteration, and
// everything counted between two of its runs belongs to one turn. The bound
// then holds on a loaded machine too (load makes turns slower, not fuller).

export class TurnMeter {
  /** Turns so far (ticker runs). */
  turn = 0;
  private running = false;
  private readonly perTurn = new Map<string, Map<number, number>>();

  start(): void {
    if (this.running) return;
    this.running = true;
    const tick = (): void => {
      this.turn++;
      if (this.running) setImmediate(tick);
    };
    setImmediate(tick);
  }

  stop(): void {
    this.running = false;
  }

  /** Counts `n` of `kind` in the current turn. */
  count(kind: string, n = 1): void {
    let m = this.perTurn.get(kind);
    if (m === undefined) this.perTurn.set(kind, (m = new Map()));
    m.set(this.turn, (m.get(this.turn) ?? 0) + n);
  }

  /** The most of `kind` counted in one turn. */
  max(kind: string): number {
    return Math.max(0, ...(this.perTurn.get(kind)?.values() ?? []));
  }

  total(kind: string): number {
    let t = 0;
    for (const n of this.perTurn.get(kind)?.values() ?? []) t += n;
    return t;
  }

  /** Turns in which `kind` was counted at all. */
  turnsWith(kind: string): number {
    return this.perTurn.get(kind)?.size ?? 0;
  }
}
