// One collection: every cluster-level family, the per-daemon perf counters and
// whatever the caller appends (mgrd's own metrics), rendered in one pass into
// both exposition formats. The perf counters (most of a large body) are read
// first, as a snapshot, and rendered by a worker thread while the cluster
// steps run here in slices; their lines join the body in the same place as
// before. Each step is timed (Ceph's ceph_prometheus_collect_duration_seconds_*)
// and isolated: a failing step leaves its families empty and is reported, the
// rest of the body is served.

import { performance } from 'node:perf_hooks';
import { getAllDaemonHealthMetrics, getDf, getHealth, getNumObjects, getOsdStats, getPgStatus, getPoolRepairedObjects, getPoolStats } from './collect-cluster.js';
import { LabelCaches, StepContext, type ClusterSource, type SlowestRead } from './collect-context.js';
import { getFs, getMetadataAndOsdStatus, getMgrStatus, getQuorumStatus } from './collect-daemons.js';
import { PerfCollector, type PerfGroups } from './collect-perf.js';
import { ByteCache, ByteExpositionWriter, type MetricWriter } from './exposition-bytes.js';
import { ExpositionWriter } from './exposition.js';
import { LABELS, STATIC_FAMILIES, STATIC_FAMILY_NAMES } from './families.js';
import type { PlanRules } from './perf-plan.js';
import type { HealthHistory } from './health-history.js';
import { PerfRenderer, type PerfRendererOptions } from './perf-worker.js';
import type { PerfRender } from './render-kernel.js';
import { Slicer, type SliceClock } from '../../src/mgr-module/index.js';

type Step = (ctx: StepContext) => void | Promise<void>;

/** In Ceph's order; the names are Ceph's method names (labels of the duration families). */
const STEPS: ReadonlyArray<readonly [string, Step]> = [
  ['get_health', getHealth],
  ['get_df', getDf],
  ['get_pool_stats', getPoolStats],
  ['get_fs', getFs],
  ['get_osd_stats', getOsdStats],
  ['get_quorum_status', getQuorumStatus],
  ['get_mgr_status', getMgrStatus],
  ['get_metadata_and_osd_status', getMetadataAndOsdStatus],
  ['get_pg_status', getPgStatus],
  ['get_pool_repaired_objects', getPoolRepairedObjects],
  ['get_num_objects', getNumObjects],
  ['get_all_daemon_health_metrics', getAllDaemonHealthMetrics],
];

const PERF_STEP = 'get_perf_counters';

export interface CollectRequest {
  /** Leave the per-daemon perf counters out (option exclude_perf_counters). */
  readonly excludePerfCounters: boolean;
  /** Lowest perf counter priority exported. */
  readonly minPriority: number;
  /** Longest synchronous slice wanted. */
  readonly sliceMs: number;
  /** Aborts the collection at its next slice boundary. */
  readonly signal?: AbortSignal;
  /** The clock slices are measured on (tests: a fake one, to check slicing without timing). */
  readonly clock?: SliceClock;
  /** Writes more families at the end (mgrd_*); returns how many samples. */
  readonly append?: (w: MetricWriter) => number;
}

export interface StepError {
  readonly method: string;
  readonly message: string;
}

export interface Collection {
  readonly parts: ReturnType<MetricWriter['finishBoth']>;
  /** Samples of the Ceph families (appended ones excluded). */
  readonly series: number;
  readonly families: number;
  readonly perfDaemons: number;
  readonly durationMs: number;
  readonly longestSliceMs: number;
  readonly slices: number;
  readonly errors: readonly StepError[];
  /** The slowest cluster read (a snapshot the core rebuilt on this read). */
  readonly slowestRead: SlowestRead;
  /** The slicer, to keep slicing the encoding with the same stall accounting. */
  readonly slicer: Slicer;
  /** The health checks exported (healthDetailKey); undefined when get_health failed. */
  readonly healthKey: string | undefined;
  /** Time the worker thread took to render the perf counters (0: rendered in this thread). */
  readonly perfRenderMs: number;
  /** The worker rendered into a recycled arena (false: it made a fresh buffer, or there was no worker render). */
  readonly perfArenaReused: boolean;
  /** The worker's arena the perf lines are views of (give it back with recycle() once the body is no longer served). */
  readonly arena: ArrayBuffer | undefined;
  /** Samples the byte writer had to look label bytes up for (0 with the string writer): small families only, never per daemon. */
  readonly labelLookups: number;
}

export interface CollectorHooks {
  warn(msg: string): void;
  /** The health history changed: persist it. */
  historyChanged(): void;
}

export interface CollectorOptions {
  /**
   * Tests: the string writer, which checks every sample for duplicates and
   * foreign names; perf counters then render in this thread too.
   */
  readonly strict?: boolean;
  /** Render perf counters in a worker thread (default: unless strict). */
  readonly renderWorker?: boolean | PerfRendererOptions;
}

export class Collector {
  private readonly labels = new LabelCaches();
  private readonly bytes = new ByteCache();
  private readonly perf: PerfCollector;
  private readonly renderer: PerfRenderer | undefined;
  private readonly strict: boolean;
  /** Ceph's MetricCounter: cumulative over the module's life. */
  private readonly methodSeconds = new Map<string, number>();
  private readonly methodCalls = new Map<string, number>();
  private readonly warned = new Set<string>();

  constructor(
    private readonly src: ClusterSource,
    private readonly history: HealthHistory,
    private readonly hooks: CollectorHooks,
    opts: CollectorOptions | boolean = {},
  ) {
    const o = typeof opts === 'boolean' ? { strict: opts } : opts;
    this.strict = o.strict ?? false;
    this.perf = new PerfCollector((msg) => hooks.warn(msg));
    const worker = o.renderWorker ?? !this.strict;
    if (worker !== false && !this.strict) this.renderer = new PerfRenderer(worker === true ? {} : worker);
  }

  /** Ends the render worker (a collection in flight renders its perf counters in process). */
  async close(): Promise<void> {
    await this.renderer?.close();
  }

  /** A body's arena no longer in use: the worker renders the next one into it. */
  recycle(arena: ArrayBuffer | undefined): void {
    if (arena !== undefined) this.renderer?.recycle(arena);
  }

  /** The render worker, for tests and the benchmark. */
  get perfRenderer(): PerfRenderer | undefined {
    return this.renderer;
  }

  async collect(req: CollectRequest): Promise<Collection> {
    const started = performance.now();
    // Strict (tests): the string writer, which checks every series; otherwise the byte writer (same output).
    const bytes = this.strict ? undefined : new ByteExpositionWriter(this.bytes);
    const w: MetricWriter = bytes ?? new ExpositionWriter('text', { dual: true, strict: true });
    const s = new Slicer(req.sliceMs, () => w.chunk(), req.signal, req.clock);
    for (const f of STATIC_FAMILIES) w.family(f.name, f.type, f.help);
    const ctx = new StepContext(this.src, w, s, this.labels, this.history, () => this.hooks.historyChanged(), (m) => this.hooks.warn(m), this.warned, Date.now() / 1000);
    const errors: StepError[] = [];

    const run = async (method: string, step: () => void | Promise<void>, extraMs = 0): Promise<void> => {
      // Each step in a fresh slice: most begin with a cluster read that may rebuild a snapshot.
      await s.yield();
      const t0 = performance.now();
      try {
        await step();
      } catch (err) {
        req.signal?.throwIfAborted();
        errors.push({ method, message: err instanceof Error ? err.message : String(err) });
      }
      this.methodSeconds.set(method, (this.methodSeconds.get(method) ?? 0) + (performance.now() - t0 + extraMs) / 1000);
      this.methodCalls.set(method, (this.methodCalls.get(method) ?? 0) + 1);
    };

    const rules = { minPriority: req.minPriority, reserved: STATIC_FAMILY_NAMES };
    const onRead = (ms: number): void => ctx.noteRead('daemonCounters', ms);
    // The worker renders the perf counters while the cluster steps run here.
    let pending: { groups?: PerfGroups; render?: Promise<PerfRender>; error?: Error } | undefined;
    let perfMs = 0;
    if (!req.excludePerfCounters && this.renderer !== undefined && bytes !== undefined) {
      const t0 = performance.now();
      pending = await this.snapshotAndPost(s, rules, onRead, req.signal);
      perfMs = performance.now() - t0;
    }

    for (const [method, step] of STEPS) await run(method, () => step(ctx));
    let perfDaemons = 0;
    let perfRenderMs = 0;
    let perfArenaReused = false;
    let arena: ArrayBuffer | undefined;
    if (!req.excludePerfCounters) {
      await run(PERF_STEP, async () => {
        if (pending?.error !== undefined) throw pending.error;
        const groups = pending?.groups;
        if (groups === undefined || bytes === undefined) {
          perfDaemons = (await this.perf.collect(this.src, w, s, rules, onRead)).daemons;
          return;
        }
        perfDaemons = groups.daemons;
        if (pending?.render !== undefined) {
          try {
            const r = await s.wait(pending.render);
            perfRenderMs = r.renderMs;
            perfArenaReused = r.arenaReused;
            arena = r.buffer;
            this.addRendered(bytes, r);
            return;
          } catch (err) {
            req.signal?.throwIfAborted();
            this.perf.warnOnce(`perf counters rendered in the event loop: ${err instanceof Error ? err.message : String(err)}`);
          }
        }
        await this.perf.write(groups.groups, w, s);
      }, perfMs);
    }
    this.writeDurations(ctx);
    const series = w.sampleCount;
    this.labels.trim(series);
    req.append?.(w);
    await s.maybeYield();
    const families = w.familyCount;
    const parts = w.finishBoth();
    return {
      parts, series, families, perfDaemons, errors, slicer: s, slowestRead: { ...ctx.slowestRead }, healthKey: ctx.healthKey, perfRenderMs, perfArenaReused, arena,
      labelLookups: bytes?.labelLookups ?? 0,
      durationMs: performance.now() - started,
      longestSliceMs: s.longestSliceMs,
      slices: s.slices,
    };
  }

  /** Reads the perf counters and hands them to the worker; a worker that cannot take them leaves the groups to write here. */
  private async snapshotAndPost(s: Slicer, rules: PlanRules, onRead: (ms: number) => void, signal: AbortSignal | undefined): Promise<{ groups?: PerfGroups; render?: Promise<PerfRender>; error?: Error }> {
    let groups: PerfGroups;
    try {
      groups = await this.perf.group(this.src, s, rules, onRead);
    } catch (err) {
      signal?.throwIfAborted();
      return { error: err instanceof Error ? err : new Error(String(err)) };
    }
    try {
      return { groups, render: (await this.renderer!.post(groups, s)).result };
    } catch (err) {
      signal?.throwIfAborted();
      this.perf.warnOnce(`perf counters rendered in the event loop: ${err instanceof Error ? err.message : String(err)}`);
      return { groups };
    }
  }

  /** The worker's lines as families of the body; a family the body refuses (an OpenMetrics name clash) is left out, warned once. */
  private addRendered(w: ByteExpositionWriter, r: PerfRender): void {
    for (const msg of r.warnings) this.perf.warnOnce(msg);
    for (const f of r.families) {
      try {
        w.external(f.name, f.type, f.help, Buffer.from(r.buffer, f.start, f.end - f.start), f.samples);
      } catch (err) {
        this.perf.warnOnce(`perf counter family ${f.name} not exported for every daemon: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  private writeDurations(ctx: StepContext): void {
    ctx.open('ceph_prometheus_collect_duration_seconds_sum');
    for (const [method, sec] of this.methodSeconds) ctx.w.sample('ceph_prometheus_collect_duration_seconds_sum', ctx.labels.of(LABELS.method, [method]), sec);
    ctx.open('ceph_prometheus_collect_duration_seconds_count');
    for (const [method, n] of this.methodCalls) ctx.w.sample('ceph_prometheus_collect_duration_seconds_count', ctx.labels.of(LABELS.method, [method]), n);
  }
}
