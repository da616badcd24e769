// Timed spans for the stall benchmark: wrappers record (name, start, length,
// nesting depth) of the core's synchronous steps into typed arrays, so that a
// stall found by a 1 ms timer can be put down to what ran inside it.

import { openSync, readSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export interface SpanStat {
  name: string;
  count: number;
  /** Most main-thread CPU ms any one span took (NaN when not measured). */
  maxCpuMs: number;
  sumMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface StallCause {
  /** Spans at depth 0 inside the stall, grouped by name, largest total first. */
  top: Array<{ name: string; count: number; sumMs: number; maxMs: number }>;
  /** The longest single top-level span inside the stall. */
  longest: { name: string; ms: number; cpuMs: number } | undefined;
  /** Stall time no top-level span (nor GC) accounts for. */
  otherMs: number;
}

const CAP = 1 << 21;

const schedstat = ((): number | undefined => {
  try {
    return openSync('/proc/thread-self/schedstat', 'r');
  } catch {
    return undefined;
  }
})();
const statBuf = Buffer.alloc(128);

/**
 * CPU time of the calling (main) thread, ms: Linux's schedstat, ns-exact and
 * ~2 µs a read. Far below the wall time of a step, the thread waited for a
 * CPU. Elsewhere: the whole process's (GC helper threads too).
 */
export function cpuMs(): number {
  if (schedstat !== undefined) {
    const n = readSync(schedstat, statBuf, 0, statBuf.length, 0);
    const s = statBuf.toString('latin1', 0, n);
    return Number(s.slice(0, s.indexOf(' '))) / 1e6;
  }
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
}

export class Spans {
  private readonly names: string[] = [];
  private readonly ids = new Map<string, number>();
  private readonly start = new Float64Array(CAP);
  private readonly dur = new Float64Array(CAP);
  private readonly name = new Uint16Array(CAP);
  private readonly depthOf = new Uint8Array(CAP);
  /** Main-thread CPU ms over the span, NaN when not measured. */
  private readonly cpu = new Float64Array(CAP);
  private n = 0;
  private depth = 0;

  private id(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.ids.set(name, id);
    }
    return id;
  }

  /** Records a span that happened outside a wrapper (GC entries). */
  add(name: string, startMs: number, ms: number, depth = 0, cpuMs = NaN): void {
    if (this.n >= CAP) return;
    const i = this.n++;
    this.start[i] = startMs;
    this.dur[i] = ms;
    this.name[i] = this.id(name);
    this.depthOf[i] = depth;
    this.cpu[i] = cpuMs;
  }

  /** Times fn; with `cpu`, also the process CPU time it took (a getrusage call each side: not for tiny steps). */
  time<R>(name: string, fn: () => R, cpu = false): R {
    const d = this.depth++;
    const c0 = cpu ? cpuMs() : NaN;
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      this.depth--;
      const ms = performance.now() - t0;
      this.add(name, t0, ms, d, cpu ? cpuMs() - c0 : NaN);
    }
  }

  /** Replaces obj[method] (on the object itself, or a prototype) with a timed call of the original; `name` may depend on the arguments. */
  wrap(obj: object, method: string, name: string | ((args: unknown[]) => string), cpu = false): void {
    const o = obj as Record<string, (...args: unknown[]) => unknown>;
    const orig = o[method];
    if (typeof orig !== 'function') throw new Error(`no method ${method} to wrap`);
    const time = (args: unknown[], fn: () => unknown): unknown => this.time(typeof name === 'string' ? name : name(args), fn, cpu);
    o[method] = function (this: unknown, ...args: unknown[]) {
      return time(args, () => orig.apply(this, args));
    };
  }

  clear(): void {
    this.n = 0;
  }

  /** Per name, over spans that started in [fromMs, toMs). */
  stats(fromMs = 0, toMs = Infinity): SpanStat[] {
    const by = new Map<number, number[]>();
    const maxCpu = new Map<number, number>();
    for (let i = 0; i < this.n; i++) {
      if (this.start[i]! < fromMs || this.start[i]! >= toMs) continue;
      const id = this.name[i]!;
      let l = by.get(id);
      if (!l) by.set(id, (l = []));
      l.push(this.dur[i]!);
      const c = this.cpu[i]!;
      const mc = maxCpu.get(id);
      if (mc === undefined || c > mc) maxCpu.set(id, c);
    }
    const out: SpanStat[] = [];
    for (const [id, l] of by) {
      l.sort((a, b) => a - b);
      const q = (p: number): number => l[Math.min(l.length - 1, Math.floor(p * l.length))]!;
      out.push({ name: this.names[id]!, count: l.length, maxCpuMs: maxCpu.get(id)!, sumMs: l.reduce((a, b) => a + b, 0), p50Ms: q(0.5), p99Ms: q(0.99), maxMs: l[l.length - 1]! });
    }
    return out.sort((a, b) => b.maxMs - a.maxMs);
  }

  /** What ran in [fromMs, toMs] (a stall): top-level spans and GC by name. */
  cause(fromMs: number, toMs: number): StallCause {
    const by = new Map<number, { count: number; sumMs: number; maxMs: number }>();
    let covered = 0;
    let longest: StallCause['longest'];
    for (let i = 0; i < this.n; i++) {
      const s = this.start[i]!;
      const e = s + this.dur[i]!;
      if (e < fromMs || s > toMs) continue;
      const ms = Math.min(e, toMs) - Math.max(s, fromMs);
      const nm = this.names[this.name[i]!]!;
      // GC entries overlap the spans they interrupt: listed, not added to the covered time.
      const gc = nm.startsWith('gc');
      if (this.depthOf[i] !== 0 && !gc) continue;
      let g = by.get(this.name[i]!);
      if (!g) by.set(this.name[i]!, (g = { count: 0, sumMs: 0, maxMs: 0 }));
      g.count++;
      g.sumMs += ms;
      g.maxMs = Math.max(g.maxMs, ms);
      if (!gc) {
        covered += ms;
        if (!longest || ms > longest.ms) longest = { name: nm, ms, cpuMs: this.cpu[i]! };
      }
    }
    const top = [...by].map(([id, g]) => ({ name: this.names[id]!, ...g })).sort((a, b) => b.sumMs - a.sumMs);
    return { top, longest, otherMs: Math.max(0, toMs - fromMs - covered) };
  }
}
