// The perf counter render thread: owns one worker (started on first use,
// again after it died), sends it each collection's snapshot — the latest rows
// packed into one Float64Array, plus the plans and label fragments it has not
// seen — and gets the sample lines back as one transferred buffer. The event
// loop only packs values (in slices) and posts; the worker renders.

import { Worker } from 'node:worker_threads';
import { CHECK_EVERY, type Slicer } from '../../src/mgr-module/index.js';
import type { PerfGroups } from './collect-perf.js';
import type { PerfPlan } from './perf-plan.js';
import { kernelSource, type KernelGroup, type KernelPlan, type PerfJob, type PerfRender } from './render-kernel.js';

export interface PerfRendererOptions {
  /** Longest a render may take before the worker is ended and the collection renders in process. */
  readonly timeoutMs?: number;
  /** Tests: another worker source (one that fails). */
  readonly source?: string;
}

interface Pending {
  readonly seq: number;
  readonly resolve: (r: PerfRender) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** A render the worker could not do (it died, timed out, or threw): the caller renders in process. */
export class PerfRenderError extends Error {}

export class PerfRenderer {
  private worker: Worker | undefined;
  private pending: Pending | undefined;
  private seq = 0;
  private readonly planIds = new WeakMap<PerfPlan, number>();
  private nextPlanId = 1;
  /** What the current worker holds. */
  private sentPlans = new Set<number>();
  private sentLabels = new Set<number>();
  private sizeHint = 0;
  /** A retired body's arena, sent with the next job to render into. */
  private spare: ArrayBuffer | undefined;
  private closed = false;
  private readonly timeoutMs: number;

  /** Workers started so far (1 while the first lives). */
  workersStarted = 0;
  /** Renders written into a recycled arena (the others made a fresh buffer). */
  arenasReused = 0;

  constructor(private readonly opts: PerfRendererOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  /**
   * Packs the snapshot (in slices) and posts it. Resolves once posted, with the
   * render to wait for (wrapped, so that awaiting the post does not wait for it).
   */
  async post(perf: PerfGroups, s: Slicer): Promise<{ readonly result: Promise<PerfRender> }> {
    if (this.closed) throw new PerfRenderError('perf renderer closed');
    if (this.pending !== undefined) throw new PerfRenderError('a perf render is already running');
    const worker = this.ensureWorker();
    const { job, transfer } = await this.pack(perf, s);
    if (this.worker !== worker) throw new PerfRenderError('the render worker exited while the snapshot was packed');
    const result = new Promise<PerfRender>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new PerfRenderError(`the render worker took more than ${this.timeoutMs} ms`)), this.timeoutMs);
      timer.unref();
      this.pending = { seq: job.seq, resolve, reject, timer };
    });
    result.catch(() => undefined); // the caller may stop before it waits (module shutdown)
    worker.postMessage(job, transfer);
    return { result };
  }

  /** Takes back an arena nothing reads any more (its body was replaced and is not being served). */
  recycle(arena: ArrayBuffer): void {
    if (!this.closed && arena.byteLength > 0) this.spare = arena;
  }

  /** Ends the worker (idempotent); a render in flight fails. */
  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    this.fail(new PerfRenderError('perf renderer closed'));
    if (w !== undefined) await w.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker !== undefined) return this.worker;
    const w = new Worker(this.opts.source ?? kernelSource(), {
      eval: true,
      name: 'prometheus-perf-render',
      // Its heap holds plans, label bytes and a family list; the arena and the values are off-heap.
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 128 },
    });
    w.unref();
    w.on('message', (msg: PerfRender | { seq: number; error: string }) => this.answer(w, msg));
    w.on('error', (err) => this.fail(new PerfRenderError(`the render worker failed: ${err.message}`), w));
    w.on('exit', (code) => this.fail(new PerfRenderError(`the render worker exited with code ${code}`), w));
    this.worker = w;
    this.workersStarted++;
    this.sentPlans = new Set();
    this.sentLabels = new Set();
    return w;
  }

  private answer(w: Worker, msg: PerfRender | { seq: number; error: string }): void {
    const p = this.pending;
    if (p === undefined || msg.seq !== p.seq || w !== this.worker) return;
    if ('error' in msg) {
      // Its tables may no longer match ours: start afresh next time.
      this.fail(new PerfRenderError(`the render worker failed: ${msg.error}`), w);
      return;
    }
    clearTimeout(p.timer);
    this.pending = undefined;
    // What was written, not the buffer's size: a fresh buffer is made 1/32 larger than the hint, so taking its
    // size as the next hint refused every recycled arena (each a little smaller than the last fresh one) and
    // rendered into a fresh 30 MB buffer nearly every time (session 9: 2-3x the render's CPU).
    this.sizeHint = msg.used;
    if (msg.arenaReused) this.arenasReused++;
    p.resolve(msg);
  }

  /** Fails the render in flight and drops the worker (`which`: only if it is still the current one). */
  private fail(err: Error, which?: Worker): void {
    if (which !== undefined && which !== this.worker) return;
    const w = this.worker;
    this.worker = undefined;
    w?.terminate().catch(() => undefined);
    const p = this.pending;
    this.pending = undefined;
    if (p !== undefined) {
      clearTimeout(p.timer);
      p.reject(err);
    }
  }

  private planId(plan: PerfPlan): number {
    let id = this.planIds.get(plan);
    if (id === undefined) this.planIds.set(plan, (id = this.nextPlanId++));
    return id;
  }

  /** The job: new plans and labels, each group's rows packed into one array (copied in slices). */
  private async pack(perf: PerfGroups, s: Slicer): Promise<{ job: PerfJob; transfer: ArrayBuffer[] }> {
    const plans: KernelPlan[] = [];
    const keepPlans: number[] = [];
    const newIds: number[] = [];
    const newText: string[] = [];
    let total = 0;
    for (const g of perf.groups) total += g.rows.length * (g.rows[0]?.length ?? 0);
    const values = new Float64Array(total);
    const groups: KernelGroup[] = [];
    let off = 0;
    let n = 0;
    for (const g of perf.groups) {
      const id = this.planId(g.plan);
      keepPlans.push(id);
      if (!this.sentPlans.has(id)) {
        plans.push({ id, entries: g.plan.entries });
        this.sentPlans.add(id);
      }
      const width = g.rows[0]?.length ?? 0;
      const labels = new Uint32Array(g.rows.length);
      const start = off;
      for (let i = 0; i < g.rows.length; i++) {
        const row = g.rows[i]!;
        if (row.length !== width) throw new Error(`perf snapshot: ${g.labels[i]?.full ?? ''} has ${row.length} values, its plan ${width}`);
        values.set(row, off);
        off += width;
        const l = g.labels[i]!;
        labels[i] = l.id;
        if (!this.sentLabels.has(l.id)) {
          this.sentLabels.add(l.id);
          newIds.push(l.id);
          newText.push(l.full);
        }
        if ((++n & (CHECK_EVERY - 1)) === 0 && s.due()) await s.yield();
      }
      groups.push({ plan: id, labels, start, width });
    }
    for (const id of this.sentPlans) if (!keepPlans.includes(id)) this.sentPlans.delete(id);
    const dropLabels = perf.droppedLabels.filter((id) => this.sentLabels.delete(id));
    const labelIds = Uint32Array.from(newIds);
    const arena = this.spare;
    this.spare = undefined;
    const job: PerfJob = {
      seq: ++this.seq, plans, keepPlans, labelIds, labelText: newText.join('\n'), dropLabels, groups, values, sizeHint: this.sizeHint, arena,
    };
    const transfer = [values.buffer, labelIds.buffer, ...groups.map((g) => g.labels.buffer as ArrayBuffer)];
    if (arena !== undefined) transfer.push(arena);
    return { job, transfer };
  }
}
