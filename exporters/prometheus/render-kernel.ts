// The per-daemon perf counter render, run in a worker thread (perf-worker.ts):
// from an immutable snapshot (values copied out of the rings, plans and label
// fragments sent once), every sample line written straight into one byte
// arena that is then handed to the main thread without a copy. At 10,000 OSDs
// these are ~90 % of the body's lines; rendering them off the event loop keeps
// a collection from stalling ingest and commands (docs/decisions.md,
// "Prometheus").
//
// Every function here is self-contained: the worker is started from their
// source text (Function#toString, see KERNEL_FUNCTIONS), so they may refer
// only to each other, their arguments and JavaScript/Node globals — no
// imports, no module-level constants. The main thread uses the same functions
// (formatValue, writeInt for the byte writer) so both paths write the same bytes.

/** What one family takes from a daemon's values row (built by perf-plan.ts's buildPlan). */
export interface PlanEntry {
  readonly family: string;
  readonly type: 'gauge' | 'counter';
  readonly help: string;
  /** Index into the daemon's values row. */
  readonly col: number;
  /** TIME counters are nanoseconds; Ceph divides by 1e9 (sums only, counts stay). */
  readonly nanos: boolean;
  /** Extra labels after the daemon's own, `,pool="p",…` without the closing brace (rbd-mirror images, rgw sync zones), or ''. */
  readonly labelSuffix: string;
}

export interface KernelPlan {
  readonly id: number;
  /** What each family takes from a row. */
  readonly entries: readonly PlanEntry[];
}

/** The daemons of one plan: rows of `width` values in `values` from `start`, one label id each. */
export interface KernelGroup {
  readonly plan: number;
  readonly labels: Uint32Array;
  readonly start: number;
  readonly width: number;
}

/** One render: what the worker does not know yet, then the snapshot. */
export interface PerfJob {
  readonly seq: number;
  /** Plans not sent before (by id). */
  readonly plans: readonly KernelPlan[];
  /** Plans the worker keeps after this job (the others are dropped). */
  readonly keepPlans: readonly number[];
  /** New label fragments: ids, and the fragments joined by '\n' (a fragment never holds a raw newline). */
  readonly labelIds: Uint32Array;
  readonly labelText: string;
  /** Label ids forgotten (daemons gone). */
  readonly dropLabels: readonly number[];
  readonly groups: readonly KernelGroup[];
  readonly values: Float64Array;
  /** Bytes of lines the last render wrote (PerfRender.used): an arena at least this large is rendered into, a fresh one made a little larger. */
  readonly sizeHint: number;
  /** A retired body's arena to render into (its bytes are no longer read by anyone). */
  readonly arena?: ArrayBuffer;
}

export interface KernelFamily {
  readonly name: string;
  readonly type: 'gauge' | 'counter';
  readonly help: string;
  /** Byte range of its sample lines in the result's buffer. */
  readonly start: number;
  readonly end: number;
  readonly samples: number;
}

export interface PerfRender {
  readonly seq: number;
  readonly buffer: ArrayBuffer;
  /** In first-opened order; each family's lines are contiguous. */
  readonly families: readonly KernelFamily[];
  readonly samples: number;
  /** Bytes of lines written (the buffer may be larger). */
  readonly used: number;
  /** Whether the job's arena was rendered into (false: a fresh buffer was made). */
  readonly arenaReused: boolean;
  /** Families left out (a type clash between daemon types), in the words PerfCollector logs. */
  readonly warnings: readonly string[];
  readonly renderMs: number;
}

/** What the worker keeps between jobs. */
export interface KernelState {
  readonly plans: Map<number, KernelPlan>;
  readonly labels: Map<number, Uint8Array>;
  readonly names: Map<string, Uint8Array>;
}

/**
 * A sample value as both formats spell it: `NaN`, `+Inf`, `-Inf`, otherwise
 * ECMAScript's shortest round-trip decimal (Number#toString): integers below
 * 1e21 without exponent or fraction (`1`, `1024`), `0.1`, `1e+21`, `1e-7`.
 * prom-client writes the same except NaN (it writes `Nan`); Ceph's module writes
 * Python's repr (`1.0`, `1e-07`). Prometheus parses all of them to the same
 * float64, so we keep the shorter form. -0 is written `0`.
 */
export function formatValue(v: number): string {
  if (Number.isFinite(v)) return String(v);
  if (Number.isNaN(v)) return 'NaN';
  return v > 0 ? '+Inf' : '-Inf';
}

/**
 * Writes `v` as formatValue does at `off` (room for 24 bytes or the formatted
 * length must be there), returns the new offset. Integers below 2^53 (counters,
 * bytes) are written digit by digit, without a string.
 */
export function writeValue(buf: Uint8Array, off: number, v: number): number {
  if (Number.isInteger(v) && v < 9007199254740992 && v > -9007199254740992) return writeInt(buf, off, v);
  const s = formatValue(v);
  for (let i = 0; i < s.length; i++) buf[off++] = s.charCodeAt(i);
  return off;
}

/**
 * Writes `ns / 1e9` (a TIME counter, nanoseconds, in seconds) as writeValue
 * would, without a string for the common case: a whole number of nanoseconds
 * from 1,000 (1e-6 s, below which String() switches to exponent notation) up
 * to 1e15 is written as its digits with the decimal point put in. That is
 * what String(ns / 1e9) gives: the quotient is correctly rounded, so the
 * double is the one nearest that decimal, which has at most 15 significant
 * digits; two such decimals never share a double, so it is also the shortest
 * that reads back to it. Anything else goes through writeValue.
 */
export function writeSeconds(buf: Uint8Array, off: number, ns: number): number {
  if (!(ns >= 1000 && ns < 1e15) || !Number.isInteger(ns)) return writeValue(buf, off, ns / 1e9);
  const whole = Math.floor(ns / 1e9);
  let frac = (ns - whole * 1e9) | 0; // < 1e9: an int32, so the loop below divides integers
  off = writeInt(buf, off, whole);
  if (frac === 0) return off;
  let digits = 9;
  while (frac % 10 === 0) {
    frac = (frac / 10) | 0;
    digits--;
  }
  buf[off++] = 0x2e;
  return writeDigits(buf, off, frac, digits);
}

/** Writes an integer |n| < 2^53 in decimal as String(n) does (-0 as 0), returns the new offset. */
export function writeInt(buf: Uint8Array, off: number, n: number): number {
  if (n < 0) {
    buf[off++] = 0x2d;
    n = -n;
  }
  if (n < 1e9) return writeDigits(buf, off, n | 0, 0);
  const high = Math.floor(n / 1e9); // < 2^53 / 1e9 ≈ 9e6
  off = writeDigits(buf, off, high, 0);
  return writeDigits(buf, off, n - high * 1e9, 9);
}

/** n < 1e9 in decimal, left-padded with zeros to `width` digits. */
export function writeDigits(buf: Uint8Array, off: number, n: number, width: number): number {
  // Compares, not a loop of multiplications: the power would leave int32 at 1e10 and make every step a double.
  let digits = n < 1e4 ? (n < 10 ? 1 : n < 100 ? 2 : n < 1e3 ? 3 : 4) : n < 1e6 ? (n < 1e5 ? 5 : 6) : n < 1e7 ? 7 : n < 1e8 ? 8 : 9;
  if (digits < width) digits = width;
  const next = off + digits;
  let end = next;
  do {
    buf[--end] = 0x30 + (n % 10);
    n = (n / 10) | 0;
  } while (end > off);
  return next;
}

/** Copies `src` into `dst` at `off`; short runs by hand (TypedArray#set costs more than a 30-byte copy). */
export function putBytes(dst: Uint8Array, off: number, src: Uint8Array): number {
  const n = src.length;
  if (n > 48) {
    dst.set(src, off);
    return off + n;
  }
  for (let i = 0; i < n; i++) dst[off + i] = src[i]!;
  return off + n;
}

/** Takes in what a job says the worker should now know (plans, labels) and forget. */
export function applyJobState(state: KernelState, job: PerfJob): void {
  for (const p of job.plans) state.plans.set(p.id, p);
  const keep = new Set(job.keepPlans);
  for (const id of state.plans.keys()) if (!keep.has(id)) state.plans.delete(id);
  for (const id of job.dropLabels) state.labels.delete(id);
  if (job.labelIds.length > 0) {
    const texts = job.labelText.split('\n');
    if (texts.length !== job.labelIds.length) throw new Error(`perf render: ${job.labelIds.length} label ids but ${texts.length} fragments`);
    for (let i = 0; i < texts.length; i++) state.labels.set(job.labelIds[i]!, Buffer.from(texts[i]!, 'utf8'));
  }
  if (state.names.size > 65536) state.names.clear();
}

/**
 * Renders a job: families in the order their first plan entry comes (groups
 * in order, entries in plan order), each family's samples group by group,
 * daemon by daemon — the order PerfCollector's writer path produces.
 */
export function renderPerfJob(state: KernelState, job: PerfJob): PerfRender {
  const t0 = performance.now();
  applyJobState(state, job);
  const warnings: string[] = [];
  const order: Array<{ name: string; type: 'gauge' | 'counter'; help: string; parts: Array<[KernelGroup, PlanEntry]> }> = [];
  const byName = new Map<string, (typeof order)[number]>();
  for (const g of job.groups) {
    const plan = state.plans.get(g.plan);
    if (plan === undefined) throw new Error(`perf render: unknown plan ${g.plan}`);
    for (const e of plan.entries) {
      let fam = byName.get(e.family);
      if (fam === undefined) {
        fam = { name: e.family, type: e.type, help: e.help, parts: [] };
        byName.set(e.family, fam);
        order.push(fam);
      } else if (fam.type !== e.type) {
        warnings.push(`perf counter family ${e.family} not exported for every daemon: metric family ${e.family} was opened as ${fam.type} and cannot be reopened as ${e.type}`);
        continue;
      }
      fam.parts.push([g, e]);
    }
  }
  const want = Math.max(65536, job.sizeHint + (job.sizeHint >> 5));
  const arenaReused = job.arena !== undefined && job.arena.byteLength >= job.sizeHint;
  let buf = arenaReused ? new Uint8Array(job.arena) : new Uint8Array(want);
  let off = 0;
  let samples = 0;
  const values = job.values;
  const families: KernelFamily[] = [];
  // Each group's label bytes, looked up once (not once per family), and the longest of them.
  const groupLabels = new Map<KernelGroup, { bytes: Uint8Array[]; longest: number }>();
  for (const g of job.groups) {
    const bytes: Uint8Array[] = new Array<Uint8Array>(g.labels.length);
    let longest = 0;
    for (let i = 0; i < g.labels.length; i++) {
      const label = state.labels.get(g.labels[i]!);
      if (label === undefined) throw new Error(`perf render: unknown label ${g.labels[i]}`);
      bytes[i] = label;
      if (label.length > longest) longest = label.length;
    }
    groupLabels.set(g, { bytes, longest });
  }
  for (const fam of order) {
    let name = state.names.get(fam.name);
    if (name === undefined) state.names.set(fam.name, (name = Buffer.from(fam.name, 'utf8')));
    const start = off;
    let n = 0;
    for (const [g, e] of fam.parts) {
      const suffix = e.labelSuffix === '' ? undefined : Buffer.from(e.labelSuffix + '}', 'utf8');
      const { bytes: labels, longest } = groupLabels.get(g)!;
      const rows = labels.length;
      // Room is checked once per run of up to 256 lines: name, the longest label, suffix, a value (≤ 24 bytes), blank, newline.
      const line = name.length + longest + (suffix === undefined ? 0 : suffix.length) + 32;
      const col = g.start + e.col;
      const width = g.width;
      for (let from = 0; from < rows; from += 256) {
        const to = Math.min(rows, from + 256);
        if (off + (to - from) * line > buf.length) {
          const bigger = new Uint8Array(Math.max(off + (to - from) * line, buf.length + (buf.length >> 1)));
          bigger.set(buf.subarray(0, off));
          buf = bigger;
        }
        for (let i = from; i < to; i++) {
          const label = labels[i]!;
          const raw = values[col + i * width]!;
          off = putBytes(buf, off, name);
          if (suffix === undefined) {
            off = putBytes(buf, off, label);
          } else {
            off = putBytes(buf, off, label.subarray(0, label.length - 1));
            off = putBytes(buf, off, suffix);
          }
          buf[off++] = 0x20;
          off = e.nanos ? writeSeconds(buf, off, raw) : writeValue(buf, off, raw);
          buf[off++] = 0x0a;
        }
      }
      n += rows;
    }
    families.push({ name: fam.name, type: fam.type, help: fam.help, start, end: off, samples: n });
    samples += n;
  }
  // Slack over an eighth is copied away (the main thread keeps this buffer as long as the body), down to the
  // 1/32 a fresh buffer gets: cut to the exact size, it would be refused as the arena of a slightly larger body.
  const out = buf.length - off > buf.length >> 3 ? buf.slice(0, off + (off >> 5)) : buf;
  return { seq: job.seq, buffer: out.buffer, families, samples, used: off, arenaReused, warnings, renderMs: performance.now() - t0 };
}

/** The worker's entry point: one job per message, the answer (or the error) back with the arena transferred. */
export function workerMain(wt: typeof import('node:worker_threads')): void {
  const port = wt.parentPort;
  if (port === null) throw new Error('perf render kernel: not in a worker thread');
  const state: KernelState = { plans: new Map(), labels: new Map(), names: new Map() };
  port.on('message', (job: PerfJob) => {
    let out: PerfRender;
    try {
      out = renderPerfJob(state, job);
    } catch (err) {
      port.postMessage({ seq: job.seq, error: err instanceof Error ? err.message : String(err) });
      return;
    }
    port.postMessage(out, [out.buffer]);
  });
}

/** The kernel's functions, in an order where each is defined before it runs. */
export const KERNEL_FUNCTIONS: ReadonlyArray<(...args: never[]) => unknown> = [
  formatValue, writeValue, writeSeconds, writeInt, writeDigits, putBytes, applyJobState, renderPerfJob, workerMain,
];

/** Source of the worker thread: the kernel functions as written above, then workerMain. */
export function kernelSource(): string {
  // __name: esbuild's keepNames helper, in case a transform (the test runner's) put calls to it in the functions.
  return `'use strict';\nconst __name = (f) => f;\n${KERNEL_FUNCTIONS.map((f) => f.toString()).join('\n')}\nworkerMain(require('node:worker_threads'));\n`;
}
