// The active exporter: collects on its own timer (and early after a relevant
// notification, rate-limited), keeps the last body, and answers scrapes from
// it, as Ceph's module does with its collection thread and cache. With
// cache=false each scrape collects (concurrent scrapes share one collection).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HealthReport, MgrdStats, MgrModule } from '../../src/mgr-module/index.js';
import type { ClusterSource } from './collect-context.js';
import { Collector, type StepError } from './collector.js';
import { contentTypeFor, negotiate, type ExpositionFormat } from './exposition.js';
import { HealthHistory, healthDetailKey } from './health-history.js';
import { acceptsGzip, errorPage, indexPage, pathOf, redirectToSlash, sendPage } from './http-server.js';
import type { PrometheusConfig } from './options.js';
import { CachedBody, earlierGzip, encodeBody, staleness, type MadeGzip } from './scrape-cache.js';
import { SelfMetrics, writeSelfMetrics } from './self-metrics.js';

export type Log = MgrModule['log'];

export interface ExporterHost {
  readonly source: ClusterSource & { getMgrdStats(): MgrdStats; statsThreshold(): number };
  readonly log: Log;
  config(): PrometheusConfig;
  /** The health history changed: persist this JSON (module store). */
  persistHistory(json: string): void;
  /** Outcome of each collection: step errors (partial body), a thrown error, or none. */
  collected(outcome: readonly StepError[] | Error): void;
}

export class PrometheusExporter {
  readonly history: HealthHistory;
  readonly self: SelfMetrics;
  private readonly collector: Collector;
  private readonly abort = new AbortController();
  private cache: CachedBody | undefined;
  private inFlight: Promise<CachedBody> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private nextDueMs = Infinity;
  private lastStartMs = 0;
  private notified = false;
  /** No collection has yet had the cluster's data (a manager that just became active): notifications collect at once. */
  private warmingUp = true;
  private started = false;
  private stopped = false;
  /** Formats scraped with gzip, and when last: gzipped ahead for each new body while asked for in the last GZIP_WANTED_MS. */
  private readonly gzipWanted = new Map<ExpositionFormat, number>();
  /** The newest gzip made of each format: served while a newer body's gzip is still being made. */
  private readonly lastGzip = new Map<ExpositionFormat, MadeGzip>();
  /** The last health report looked at by a scrape, and its healthDetailKey. */
  private healthSeen: { json: string; key: string } = { json: '', key: '' };

  constructor(private readonly host: ExporterHost, storedHistory: string | undefined, strict = false) {
    const warn = (msg: string): void => host.log.warn(msg);
    this.history = new HealthHistory(storedHistory, host.config().healthHistoryMaxEntries, warn);
    this.self = new SelfMetrics(() => host.source.getMgrdStats());
    this.collector = new Collector(host.source, this.history, { warn, historyChanged: () => host.persistHistory(JSON.stringify(this.history.toJSON())) }, strict);
  }

  /** Starts collecting (now, then every scrape_interval) when the cache is on. */
  start(): void {
    this.started = true;
    this.scheduleAt(Date.now());
  }

  /** Applies a new configuration: interval and cache take effect from the next collection. */
  reconfigure(): void {
    const cfg = this.host.config();
    this.history.setMaxEntries(cfg.healthHistoryMaxEntries);
    if (!cfg.cache) {
      clearTimeout(this.timer);
      this.nextDueMs = Infinity;
    } else if (this.inFlight === undefined) {
      this.scheduleAt(Math.min(this.nextDueMs, this.lastStartMs + cfg.scrapeIntervalS * 1000));
    }
  }

  /** A map or health change: collect early, at most every max(1 s, scrape_interval / 3). */
  notify(): void {
    const cfg = this.host.config();
    if (!cfg.cache || !this.started || this.stopped) return;
    if (this.inFlight !== undefined) {
      this.notified = true;
      return;
    }
    const t = Math.max(Date.now(), this.lastStartMs + this.gapMs(cfg));
    if (t < this.nextDueMs) this.scheduleAt(t);
  }

  /** Stops the timer and any collection in flight (bounded: it stops at its next slice). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort.abort(new Error('prometheus module shutting down'));
    await this.collector.close(); // a render in flight fails at once
    await this.inFlight?.catch(() => undefined);
    this.self.close();
  }

  get current(): CachedBody | undefined {
    return this.cache;
  }

  /** One collection now, or the one already running. */
  collectNow(): Promise<CachedBody> {
    if (this.inFlight !== undefined) return this.inFlight;
    const p = this.runCollection().finally(() => {
      this.inFlight = undefined;
      const cfg = this.host.config();
      if (this.stopped || !cfg.cache) return;
      const next = this.notified ? this.lastStartMs + this.gapMs(cfg) : this.lastStartMs + cfg.scrapeIntervalS * 1000;
      this.notified = false;
      this.scheduleAt(Math.max(Date.now(), next));
    });
    this.inFlight = p;
    return p;
  }

  /**
   * Least time between a collection and one a notification asks for. Until a first complete
   * collection (after a failover the cluster's maps arrive in the first second) it is short, so
   * the new active serves the cluster as soon as its data is in.
   */
  private gapMs(cfg: PrometheusConfig): number {
    return this.warmingUp ? WARMUP_GAP_MS : minGapMs(cfg);
  }

  private scheduleAt(t: number): void {
    if (!this.started || this.stopped || !this.host.config().cache) return;
    clearTimeout(this.timer);
    this.nextDueMs = t;
    this.timer = setTimeout(() => {
      this.nextDueMs = Infinity;
      this.collectNow().catch(() => undefined); // reported in runCollection
    }, Math.max(0, t - Date.now()));
  }

  private async runCollection(): Promise<CachedBody> {
    const cfg = this.host.config();
    const started = Date.now();
    this.lastStartMs = started;
    try {
      const selfSnapshot = await this.self.snapshot();
      const c = await this.collector.collect({
        excludePerfCounters: cfg.excludePerfCounters,
        // Ceph: get_all_perf_counters(prio_limit=PRIO_USEFUL), of the counters the daemons send (mgr_stats_threshold).
        minPriority: Math.max(cfg.perfCountersPrioLimit, this.host.source.statsThreshold()),
        sliceMs: cfg.collectSliceMs,
        signal: this.abort.signal,
        append: (w) => writeSelfMetrics(w, selfSnapshot),
      });
      const body = await encodeBody(c.parts, c.slicer);
      c.slicer.finish();
      const durationMs = Date.now() - started;
      const cached = new CachedBody(body, Date.now(), durationMs, {
        series: c.series, families: c.families, perfDaemons: c.perfDaemons, longestSliceMs: c.slicer.longestSliceMs, longestOwnSliceMs: c.slicer.longestOwnSliceMs, slices: c.slicer.slices, busyMs: c.slicer.busyMs, slowestRead: c.slowestRead, perfRenderMs: c.perfRenderMs, perfArenaReused: c.perfArenaReused,
      }, c.healthKey, c.arena);
      const previous = this.cache;
      this.cache = cached;
      // Its perf lines' arena goes back to the worker for the next render once no scrape is writing it.
      if (previous !== undefined) previous.retire(() => this.collector.recycle(previous.arena));
      this.self.collected({ durationS: durationMs / 1000, longestSliceS: c.slicer.longestSliceMs / 1000, series: c.series, result: c.errors.length > 0 ? 'partial' : 'ok' });
      this.self.rendered('text', body.bytes.text);
      this.self.rendered('openmetrics', body.bytes.openmetrics);
      for (const [f, at] of this.gzipWanted) {
        if (Date.now() - at > GZIP_WANTED_MS) this.gzipWanted.delete(f);
        else this.gzipOf(cached, f).catch((err: unknown) => this.host.log.error({ err: String(err) }, 'gzip of /metrics failed'));
      }
      this.host.log.debug({
        durationMs, longestSliceMs: Math.round(c.slicer.longestSliceMs * 10) / 10, slices: c.slicer.slices, series: c.series,
        bytes: body.bytes.text, slowestRead: c.slowestRead,
      }, 'metrics collected');
      if (durationMs >= cfg.scrapeIntervalS * 1000) {
        this.host.log.warn(
          `Collecting data took more time than configured scrape interval. This possibly results in stale data. Please check the ` +
            `stale_cache_strategy configuration option. Collecting data took ${(durationMs / 1000).toFixed(2)} seconds but scrape interval is configured to be ${cfg.scrapeIntervalS} seconds.`,
        );
      }
      if (c.errors.length === 0) this.warmingUp = false;
      this.host.collected(c.errors);
      return cached;
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      if (!this.stopped) {
        this.self.collected({ durationS: (Date.now() - started) / 1000, longestSliceS: 0, series: 0, result: 'failed' });
        this.host.log.error({ err: e.stack }, 'failed to collect metrics');
        this.host.collected(e);
      }
      throw e;
    }
  }

  /** A body's gzip of one format; once made, it is what gzip scrapes get until a newer body's is made. */
  private async gzipOf(body: CachedBody, format: ExpositionFormat): Promise<Buffer> {
    const gz = await body.gzip(format);
    const last = this.lastGzip.get(format);
    if (last === undefined || last.collectedAtMs <= body.collectedAtMs) {
      this.lastGzip.set(format, { gz, healthKey: body.healthKey, collectedAtMs: body.collectedAtMs, durationMs: body.durationMs });
    }
    return gz;
  }

  /**
   * The gzip to serve for `body`: its own once made; while it is being made
   * (the ~0.2 s after a 10,000-OSD collection), the previous body's, if it
   * shows the same health checks and is not stale. A cached scrape then never
   * waits for a gzip of 30 MB; its data is at most one collection older.
   */
  private async gzipFor(body: CachedBody, format: ExpositionFormat, cfg: PrometheusConfig): Promise<Buffer> {
    const own = body.gzipReady(format);
    if (own !== undefined) return own;
    const making = this.gzipOf(body, format);
    const earlier = cfg.cache ? earlierGzip(body, this.lastGzip.get(format), Date.now(), cfg.scrapeIntervalS) : undefined;
    if (earlier === undefined) return making;
    making.catch(() => undefined); // a failure is met by the next scrape that waits for it
    return earlier;
  }

  /**
   * The body to serve, with ceph_health_detail as health is now: when the
   * checks (names, severities) moved since `cached` was collected, waits for a
   * collection that has them, at most HEALTH_WAIT_MS (then serves the newest
   * body there is). Health changes seldom; a scrape after `health detail`
   * shows a new or cleared check then sees it too.
   */
  private async withCurrentHealth(cached: CachedBody): Promise<CachedBody> {
    const key = this.currentHealthKey();
    if (key === undefined || cached.healthKey === undefined || key === cached.healthKey) return cached;
    const deadline = Date.now() + HEALTH_WAIT_MS;
    let body = cached;
    // A collection already running may have read health before it changed: then one more.
    for (let i = 0; i < 2 && body.healthKey !== key && Date.now() < deadline; i++) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - Date.now()))));
      const fresh = await Promise.race([this.collectNow().catch(() => undefined), late]);
      clearTimeout(timer);
      if (fresh === undefined) break;
      body = fresh;
    }
    return body;
  }

  /** healthDetailKey of the cluster's health now; parsed again only when the report changed. */
  private currentHealthKey(): string | undefined {
    try {
      const json = this.host.source.get('health').json;
      if (json !== this.healthSeen.json) this.healthSeen = { json, key: healthDetailKey(JSON.parse(json) as HealthReport) };
      return this.healthSeen.key;
    } catch {
      return undefined; // no cluster data yet: nothing to compare with
    }
  }

  /** HTTP: '/' and paths ending in '/' the index page, '/metrics' the body, other paths a redirect (as CherryPy). */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendPage(res, 405, errorPage(405, `${req.method ?? ''} is not allowed`), { Allow: 'GET, HEAD' });
      return;
    }
    const path = pathOf(req);
    if (path === '/metrics' || path === '/metrics/') await this.serveMetrics(req, res);
    else if (path.endsWith('/')) sendPage(res, 200, indexPage('/metrics'));
    else redirectToSlash(req, res);
  }

  private async serveMetrics(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const cfg = this.host.config();
    const format = negotiate(req.headers.accept);
    const gzip = acceptsGzip(req.headers['accept-encoding']);
    const fail = (status: number, message: string): void => {
      this.self.scraped(format, gzip, status);
      sendPage(res, status, errorPage(status, message));
    };
    let cached: CachedBody | undefined;
    if (!cfg.cache) {
      try {
        cached = await this.collectNow();
      } catch (err) {
        fail(503, `Collecting metrics failed: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
    } else {
      cached = this.cache ?? (await this.inFlight?.catch(() => undefined));
      if (cached === undefined) {
        fail(503, 'No cached data available yet');
        return;
      }
      cached = await this.withCurrentHealth(cached);
      const st = staleness(cached, Date.now(), cfg.scrapeIntervalS);
      if (st.stale) {
        if (cfg.staleCacheStrategy === 'return') {
          this.host.log.info(`${st.reason}, returning metrics from stale cache.`);
        } else {
          const msg = `${st.reason}, returning "service unavailable".`;
          this.host.log.error(msg);
          fail(503, msg);
          return;
        }
      }
    }
    // Held until the response is gone: a newer body may replace this one meanwhile, its bytes must stay.
    res.once('close', cached.hold());
    const headers: Record<string, string | number> = { 'Content-Type': contentTypeFor(format), Vary: 'Accept, Accept-Encoding' };
    const head = req.method === 'HEAD';
    if (gzip) {
      this.gzipWanted.set(format, Date.now());
      const gz = await this.gzipFor(cached, format, cfg);
      res.writeHead(200, { ...headers, 'Content-Encoding': 'gzip', 'Content-Length': gz.length });
      res.end(head ? undefined : gz);
    } else {
      res.writeHead(200, { ...headers, 'Content-Length': cached.body.bytes[format] });
      if (!head) {
        res.cork();
        for (const seg of cached.body.segments[format]) res.write(seg);
        res.uncork();
      }
      res.end();
    }
    this.self.scraped(format, gzip, 200);
  }
}

const WARMUP_GAP_MS = 50;
/** How long a format stays gzipped ahead of scrapes after a scrape asked for it. */
const GZIP_WANTED_MS = 10 * 60_000;
/** Longest a scrape waits for a collection with the current health checks. */
const HEALTH_WAIT_MS = 5000;

function minGapMs(cfg: PrometheusConfig): number {
  return Math.max(1000, (cfg.scrapeIntervalS * 1000) / 3);
}
