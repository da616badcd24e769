// mgrd's own metrics (mgrd_*): process and Node.js defaults, ingest, sessions,
// module queues and faults, and this exporter's collections and scrapes. Kept in
// a prom-client Registry of their own (never the global one) and written into
// the same body as the Ceph families by the collection's writer, so both
// exposition formats come from one pass and one duplicate check.
//
// prom-client's default collectors start a GC PerformanceObserver and an
// event-loop delay monitor that prom-client gives no way to stop: disabling and
// re-enabling the module leaves the old ones behind (a few KB each).

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { MgrdStats } from '../../src/mgr-module/index.js';
import type { MetricWriter } from './exposition-bytes.js';
import { labelFragment, type ExpositionFormat, type FamilyType } from './exposition.js';

export type SelfSnapshot = MetricObjectWithValues<MetricValue<string>>[];

const SNAPSHOT_MIN_INTERVAL_MS = 1000;

export interface CollectionFigures {
  readonly durationS: number;
  readonly longestSliceS: number;
  readonly series: number;
  readonly result: 'ok' | 'partial' | 'failed';
}

export class SelfMetrics {
  readonly registry = new Registry();
  private readonly collectionDuration: Histogram;
  private readonly longestSlice: Gauge;
  private readonly series: Gauge;
  private readonly bodyBytes: Gauge<'format'>;
  private readonly collections: Counter<'result'>;
  private readonly scrapes: Counter<'format' | 'encoding' | 'code'>;
  /** getMgrdStats() once per snapshot: the first collect() hook reads it, the others reuse it. */
  private stats: MgrdStats | undefined;
  private last: { atMs: number; snapshot: SelfSnapshot } | undefined;

  constructor(getStats: () => MgrdStats) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'mgrd_' });
    // These walk every handle, resource or open file of the process on each read (~20 ms with the
    // ~20,000 sockets of 10,000 OSDs, in one go); mgrd_sessions counts the wire-protocol ones.
    for (const name of ['handles', 'requests', 'resources']) {
      this.registry.removeSingleMetric(`mgrd_nodejs_active_${name}`);
      this.registry.removeSingleMetric(`mgrd_nodejs_active_${name}_total`);
    }
    this.registry.removeSingleMetric('mgrd_process_open_fds');
    const read = (): MgrdStats => (this.stats ??= getStats());
    const mirrored = (name: string, help: string, pick: (s: MgrdStats) => number, type: 'gauge' | 'counter'): void => {
      if (type === 'gauge') {
        new Gauge({ name, help, registers, collect() { this.set(pick(read())); } });
      } else {
        new Counter({ name, help, registers, collect() { this.reset(); this.inc(pick(read())); } });
      }
    };
    mirrored('mgrd_sessions', 'Open wire-protocol sessions', (s) => s.sessions, 'gauge');
    mirrored('mgrd_daemons', 'Daemons the manager knows of', (s) => s.daemons, 'gauge');
    mirrored('mgrd_daemons_pruned_total', 'Daemons forgotten, their session closed longer than mgr_daemon_stale_s ago', (s) => s.daemonsPruned, 'counter');
    mirrored('mgrd_sessions_authenticating', 'Wire-protocol connections not authenticated yet', (s) => s.sessionsAuthenticating, 'gauge');
    mirrored('mgrd_sessions_accepted_total', 'Wire-protocol sessions accepted', (s) => s.sessionsAccepted, 'counter');
    mirrored('mgrd_sessions_refused_total', 'Wire-protocol sessions refused (limit, authentication)', (s) => s.sessionsRefused, 'counter');
    mirrored('mgrd_reports_total', 'REPORT messages ingested', (s) => s.reports, 'counter');
    mirrored('mgrd_report_values_total', 'Perf counter values ingested', (s) => s.valuesIngested, 'counter');
    mirrored('mgrd_ingest_bytes_total', 'Bytes of wire-protocol frames ingested', (s) => s.bytesIngested, 'counter');
    mirrored('mgrd_pg_stats_messages_total', 'PG_STATS messages ingested', (s) => s.pgStatsMessages, 'counter');
    mirrored('mgrd_map_messages_total', 'MAP messages ingested', (s) => s.mapMessages, 'counter');
    mirrored('mgrd_commands_total', 'Commands received on the wire protocol', (s) => s.commands, 'counter');
    mirrored('mgrd_report_ingest_seconds_total', 'Time spent ingesting REPORT messages', (s) => s.reportTimeSumMs / 1000, 'counter');
    mirrored('mgrd_report_ingest_max_seconds', 'Longest ingest of one REPORT message', (s) => s.reportTimeMaxMs / 1000, 'gauge');
    mirrored('mgrd_report_ingest_p50_seconds', 'Median ingest time of a REPORT message (bucket upper bound)', (s) => s.reportTimeP50Ms / 1000, 'gauge');
    mirrored('mgrd_report_ingest_p99_seconds', '99th percentile ingest time of a REPORT message (bucket upper bound)', (s) => s.reportTimeP99Ms / 1000, 'gauge');
    new Counter({
      name: 'mgrd_session_errors_total', help: 'Sessions closed on an error, by reason', labelNames: ['reason'], registers,
      collect() {
        this.reset();
        for (const [reason, n] of Object.entries(read().sessionErrors)) this.inc({ reason }, n);
      },
    });
    new Counter({
      name: 'mgrd_wire_limit_hits_total', help: 'Input refused or clamped by a wire-protocol limit, by limit (docs/limits.md)', labelNames: ['limit'], registers,
      collect() {
        this.reset();
        for (const [limit, n] of Object.entries(read().wireLimitHits)) this.inc({ limit }, n);
      },
    });
    // pick() answers undefined for modules the family does not cover (push counters: push modules only).
    const perModule = (name: string, help: string, pick: (m: MgrdStats['modules'][number]) => number | undefined, type: 'gauge' | 'counter'): void => {
      const collect = function (this: Gauge<'module'> | Counter<'module'>): void {
        this.reset();
        for (const m of read().modules) {
          const v = pick(m);
          if (v === undefined) continue;
          if (this instanceof Gauge) this.set({ module: m.name }, v);
          else this.inc({ module: m.name }, v);
        }
      };
      if (type === 'gauge') new Gauge({ name, help, labelNames: ['module'], registers, collect });
      else new Counter({ name, help, labelNames: ['module'], registers, collect });
    };
    mirrored('mgrd_mgr_failovers_total', 'Times this manager process became the active manager', (s) => s.failovers ?? 0, 'counter');
    new Gauge({
      name: 'mgrd_mgr_active', help: 'Whether a manager of the MgrMap is the active one (1) or a standby (0)', labelNames: ['id'], registers,
      collect() {
        this.reset();
        for (const m of read().managers ?? []) this.set({ id: m.id }, m.active ? 1 : 0);
      },
    });
    perModule('mgrd_module_queue_depth', 'Operations waiting on a module queue', (m) => m.queueDepth, 'gauge');
    perModule('mgrd_module_faults_total', 'Faults of a module (throwing or timed-out hooks)', (m) => m.faults, 'counter');
    perModule('mgrd_module_running', 'Whether a module is running (1) or not (0)', (m) => (m.running ? 1 : 0), 'gauge');
    perModule('mgrd_module_queue_dropped_total', 'Notifications and config changes a module queue dropped because it was full (never delivered)', (m) => m.dropped, 'counter');
    perModule('mgrd_module_failed', 'Whether a module has failed (1: MGR_MODULE_ERROR until disabled and enabled) or not (0)', (m) => (m.failed ? 1 : 0), 'gauge');
    // Push exporters' delivery (SDK PushLoop): names shared with the dashboards and alerts.
    perModule('mgrd_module_push_sent_total', 'Items (points) a push module delivered', (m) => m.push?.sent, 'counter');
    perModule('mgrd_module_push_failed_total', 'Send attempts of a push module that failed', (m) => m.push?.failed, 'counter');
    perModule('mgrd_module_push_dropped_total', 'Items (points) a push module dropped, never sent (queue full, rejected, shutdown)', (m) => m.push?.dropped, 'counter');
    perModule('mgrd_module_push_queued', 'Items (points) waiting or in flight in a push module', (m) => m.push?.queued, 'gauge');
    perModule('mgrd_module_push_queued_bytes', 'Bytes of the items waiting or in flight in a push module (modules that count bytes: influx line protocol)', (m) => m.push?.queuedBytes, 'gauge');
    perModule('mgrd_module_push_last_success_timestamp_seconds', 'When a push module last delivered a batch (Unix seconds; 0 = never)', (m) => m.push?.lastSuccessS, 'gauge');
    perModule('mgrd_module_push_overruns_total', 'Intervals a push module skipped: the previous one was still being produced', (m) => m.push?.overruns, 'counter');

    this.collectionDuration = new Histogram({
      name: 'mgrd_prometheus_collection_duration_seconds', help: 'Wall time of one collection and render of /metrics (slices included)',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers,
    });
    this.longestSlice = new Gauge({ name: 'mgrd_prometheus_collection_longest_slice_seconds', help: 'Longest event-loop stall of the last collection (its longest slice)', registers });
    this.series = new Gauge({ name: 'mgrd_prometheus_series', help: 'Samples in the last /metrics body (mgrd_* excluded)', registers });
    this.bodyBytes = new Gauge({ name: 'mgrd_prometheus_body_bytes', help: 'Size of the last /metrics body, uncompressed', labelNames: ['format'], registers });
    this.collections = new Counter({ name: 'mgrd_prometheus_collections_total', help: 'Collections by result (partial: some steps failed)', labelNames: ['result'], registers });
    this.scrapes = new Counter({ name: 'mgrd_prometheus_scrapes_total', help: '/metrics requests by format, encoding and HTTP status', labelNames: ['format', 'encoding', 'code'], registers });
  }

  collected(f: CollectionFigures): void {
    this.collectionDuration.observe(f.durationS);
    this.longestSlice.set(f.longestSliceS);
    this.series.set(f.series);
    this.collections.inc({ result: f.result });
  }

  rendered(format: ExpositionFormat, bytes: number): void {
    this.bodyBytes.set({ format }, bytes);
  }

  scraped(format: ExpositionFormat, gzip: boolean, code: number): void {
    this.scrapes.inc({ format, encoding: gzip ? 'gzip' : 'identity', code: String(code) });
  }

  /**
   * Reads every metric (runs the collect() hooks; async because prom-client's
   * are). At most once per second: the process defaults cost ~1.5 ms a read,
   * which back-to-back collections (cache=false) would pay per scrape.
   */
  async snapshot(nowMs = Date.now()): Promise<SelfSnapshot> {
    if (this.last !== undefined && nowMs - this.last.atMs < SNAPSHOT_MIN_INTERVAL_MS) return this.last.snapshot;
    this.stats = undefined;
    const snapshot = await this.registry.getMetricsAsJSON();
    this.last = { atMs: nowMs, snapshot };
    return snapshot;
  }

  close(): void {
    this.registry.clear();
  }
}

const TYPES: Record<string, FamilyType | undefined> = { counter: 'counter', gauge: 'gauge', histogram: 'histogram' };

/**
 * Writes a snapshot into a collection's writer. Skipped: summaries (mgrd has
 * none) and gauges named `…_total` (prom-client's nodejs_active_handles_total
 * and the like: sums of the per-type gauges next to them, and a name that
 * promtool and OpenMetrics readers take for a counter).
 */
export function writeSelfMetrics(w: MetricWriter, snapshot: SelfSnapshot): number {
  let samples = 0;
  for (const m of snapshot) {
    const type = TYPES[m.type];
    if (type === undefined || (type === 'gauge' && m.name.endsWith('_total'))) continue;
    w.family(m.name, type, m.help);
    for (const v of m.values) {
      const shared = (v as { sharedLabels?: Record<string, string | number> }).sharedLabels ?? {};
      const all: Record<string, string | number | undefined> = { ...shared, ...v.labels };
      const names = Object.keys(all);
      const fragment = labelFragment(names, names.map((k) => String(all[k] ?? '')));
      w.sample((v as { metricName?: string }).metricName ?? m.name, fragment, v.value);
      samples++;
    }
  }
  return samples;
}
