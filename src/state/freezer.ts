// Deep-freezes large objects (a 10,000-OSD osd map) in slices between other
// work, so a new map never stalls the event loop; small ones freeze at once.

const SLICE_MS = 3;

export class Freezer {
  private stack: unknown[] = [];
  private scheduled: NodeJS.Immediate | undefined;

  /** Freezes `v` and everything under it, a slice at a time. */
  freeze(v: unknown): void {
    if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return;
    this.stack.push(v);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = setImmediate(() => {
      this.scheduled = undefined;
      this.run(SLICE_MS);
    });
  }

  /** Works for up to `budgetMs`; reschedules itself while anything is left. */
  run(budgetMs: number): void {
    const end = performance.now() + budgetMs;
    let n = 0;
    while (this.stack.length > 0) {
      const o = this.stack.pop() as Record<string, unknown>;
      if (Object.isFrozen(o)) continue;
      Object.freeze(o);
      for (const k in o) {
        const c = o[k];
        if (typeof c === 'object' && c !== null && !ArrayBuffer.isView(c) && !Object.isFrozen(c)) this.stack.push(c);
      }
      if ((++n & 255) === 0 && performance.now() > end) break;
    }
    if (this.stack.length > 0) this.schedule();
  }

  /** Finishes all pending work now (tests, shutdown). */
  drain(): void {
    this.run(Infinity);
  }

  dispose(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    this.stack = [];
  }
}
