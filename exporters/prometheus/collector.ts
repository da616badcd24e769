// One collection: every cluster-level family, the per-daemon perf counters and
// whatever the caller appends (mgrd's own metrics), rendered in one pass into
// both exposition formats, in slices. Each step is timed (Ceph's
// ceph_prometheus_collect_duration_seconds_*) and isolated: a failing step
// leaves its families empty and is reported, the rest of the body is served.

import { performance } from 'node:perf_hooks';
import { getAllDaemonHealthMetrics, getDf, getHealth, getNumObjects, getOsdStats, getPgStatus, getPoolRepairedObjects, getPoolStats } from './collect-cluster.js';
import { LabelCaches, StepContext, type ClusterSource, type SlowestRead } from './collect-context.js';
import { getFs, getMetadataAndOsdStatus, getMgrStatus, getQuorumStatus } from './collect-daemons.js';
import { PerfCollector } from './collect-perf.js';
import { ByteCache, ByteExpositionWriter, type MetricWriter } from './exposition-bytes.js';
import { ExpositionWriter } from './exposition.js';
import { LABELS, STATIC_FAMILIES, STATIC_FAMILY_NAMES } from './families.js';
import type { HealthHistory } from './health-history.js';
import { Slicer } from '../../src/mgr-module/index.js';

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
}

export interface CollectorHooks {
  warn(msg: string): void;
  /** The health history changed: persist it. */
  historyChanged(): void;
}

export class Collector {
  private readonly labels = new LabelCaches();
  private readonly bytes = new ByteCache();
  private readonly perf: PerfCollector;
  /** Ceph's MetricCounter: cumulative over the module's life. */
  private readonly methodSeconds = new Map<string, number>();
  private readonly methodCalls = new Map<string, number>();
  private readonly warned = new Set<string>();

  constructor(
    private readonly src: ClusterSource,
    private readonly history: HealthHistory,
    private readonly hooks: CollectorHooks,
    /** Tests: check every sample for duplicates and foreign names. */
    private readonly strict = false,
  ) {
    this.perf = new PerfCollector((msg) => hooks.warn(msg));
  }

  async collect(req: CollectRequest): Promise<Collection> {
    const started = performance.now();
    // Strict (tests): the string writer, which checks every series; otherwise the byte writer (same output).
    const w: MetricWriter = this.strict ? new ExpositionWriter('text', { dual: true, strict: true }) : new ByteExpositionWriter(this.bytes);
    const s = new Slicer(req.sliceMs, () => w.chunk(), req.signal);
    for (const f of STATIC_FAMILIES) w.family(f.name, f.type, f.help);
    const ctx = new StepContext(this.src, w, s, this.labels, this.history, () => this.hooks.historyChanged(), (m) => this.hooks.warn(m), this.warned, Date.now() / 1000);
    const errors: StepError[] = [];

    const run = async (method: string, step: () => void | Promise<void>): Promise<void> => {
      const t0 = performance.now();
      try {
        await step();
      } catch (err) {
        req.signal?.throwIfAborted();
        errors.push({ method, message: err instanceof Error ? err.message : String(err) });
      }
      this.methodSeconds.set(method, (this.methodSeconds.get(method) ?? 0) + (performance.now() - t0) / 1000);
      this.methodCalls.set(method, (this.methodCalls.get(method) ?? 0) + 1);
      await s.maybeYield();
    };

    for (const [method, step] of STEPS) await run(method, () => step(ctx));
    let perfDaemons = 0;
    if (!req.excludePerfCounters) {
      await run(PERF_STEP, async () => {
        const r = await this.perf.collect({ forEachDaemonCounters: (visit) => ctx.timed('forEachDaemonCounters', () => this.src.forEachDaemonCounters(visit)) }, w, s, { minPriority: req.minPriority, reserved: STATIC_FAMILY_NAMES });
        perfDaemons = r.daemons;
      });
    }
    this.writeDurations(ctx);
    const series = w.sampleCount;
    this.labels.trim(series);
    req.append?.(w);
    await s.maybeYield();
    const families = w.familyCount;
    const parts = w.finishBoth();
    return {
      parts, series, families, perfDaemons, errors, slicer: s, slowestRead: { ...ctx.slowestRead }, healthKey: ctx.healthKey,
      durationMs: performance.now() - started,
      longestSliceMs: s.longestSliceMs,
      slices: s.slices,
    };
  }

  private writeDurations(ctx: StepContext): void {
    ctx.open('ceph_prometheus_collect_duration_seconds_sum');
    for (const [method, sec] of this.methodSeconds) ctx.w.sample('ceph_prometheus_collect_duration_seconds_sum', ctx.labels.of(LABELS.method, [method]), sec);
    ctx.open('ceph_prometheus_collect_duration_seconds_count');
    for (const [method, n] of this.methodCalls) ctx.w.sample('ceph_prometheus_collect_duration_seconds_count', ctx.labels.of(LABELS.method, [method]), n);
  }
}
