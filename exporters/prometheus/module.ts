// prometheus: Ceph's /metrics exporter (families, names and labels of Ceph 16's
// module) with collection decoupled from scrapes. The active side collects on
// scrape_interval and serves the cached body in text 0.0.4 or OpenMetrics,
// gzipped on request; the standby side answers '/' with a link to the active
// (or an error) and '/metrics' with an empty body, as Ceph's standby does.
// docs/prometheus.md is the operator's page.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import {
  MgrModule, MgrStandbyModule, healthCheck,
  type CmdMap, type CommandReturn, type HealthCheck, type ModuleCommand, type ModuleOption, type NotifyType,
} from '../../src/mgr-module/index.js';
import type { StepError } from './collector.js';
import { PrometheusExporter } from './exporter.js';
import { HEALTH_HISTORY_KEY, type HistoryFormat } from './health-history.js';
import { CONTENT_TYPE_TEXT } from './exposition.js';
import { errorPage, HttpListener, indexPage, pathOf, redirectToSlash, sendPage } from './http-server.js';
import { isWildcard, listenHost, MODULE_OPTIONS, readConfig, type PrometheusConfig } from './options.js';

/** A failed bind is retried after 1 s, doubling up to 30 s (a port freed soon is taken soon; a port held for good costs a log line every 30 s). */
const BIND_RETRY_MIN_MS = 1000;
const BIND_RETRY_MAX_MS = 30_000;
const CLOSE_GRACE_MS = 1000;
/** Consecutive collections with failing steps before MGR_PROMETHEUS_COLLECTION_FAILED is raised. */
const FAILURES_BEFORE_CHECK = 3;

export class Module extends MgrModule {
  static override COMMANDS: readonly ModuleCommand[] = [
    { cmd: 'prometheus file_sd_config', desc: 'Return file_sd compatible prometheus config for mgr cluster', perm: 'r' },
    { cmd: 'healthcheck history ls name=format,type=CephChoices,strings=plain|json|json-pretty|yaml,req=false', desc: 'List all the healthchecks being tracked', perm: 'r' },
    { cmd: 'healthcheck history clear', desc: 'Clear the healthcheck history', perm: 'rw' },
  ];

  static override MODULE_OPTIONS: readonly ModuleOption[] = MODULE_OPTIONS;

  /** Map and health changes move a collection forward (rate-limited); PG stats and perf counters wait for the interval. */
  static override NOTIFY_TYPES: readonly NotifyType[] = ['osd_map', 'mon_map', 'fs_map', 'service_map', 'mgr_map', 'health'];

  private cfg: PrometheusConfig = readConfig((n, d) => this.getModuleOption(n, d));
  private exp: PrometheusExporter | undefined;
  private readonly listener = new HttpListener(
    (req, res) => this.exp!.handle(req, res),
    (err, req) => this.log.error({ err: err instanceof Error ? err.stack : String(err), url: req.url }, 'request failed'),
  );
  private bindRetry: NodeJS.Timeout | undefined;
  /** Binds failed in a row (the retry backs off with them). */
  private bindFailures = 0;
  private readonly checks = new Map<string, HealthCheck>();
  private failedCollections = 0;
  private historyWrites: Promise<void> = Promise.resolve();
  private binding: Promise<void> = Promise.resolve();
  private stopped = false;

  /** Called by the registry once: starts collecting and binds the HTTP server; does not wait for the first collection. */
  override async serve(): Promise<void> {
    // Boot-time options (`--set mgr/prometheus/...`) are applied before any module starts.
    this.cfg = readConfig((n, d) => this.getModuleOption(n, d));
    this.exp = new PrometheusExporter(
      {
        source: this,
        log: this.log,
        config: () => this.cfg,
        persistHistory: (json) => this.persistHistory(json),
        collected: (outcome) => this.collected(outcome),
      },
      this.getStore(HEALTH_HISTORY_KEY),
    );
    this.exp.start();
    await this.bind();
  }

  /** Called on the module's queue after an option changed: re-binds if the address moved, re-plans collection. */
  override async configNotify(): Promise<void> {
    this.cfg = readConfig((n, d) => this.getModuleOption(n, d));
    this.exp?.reconfigure();
    await this.bind();
  }

  /** Called on the module's queue for NOTIFY_TYPES: only asks for an earlier collection, never collects inline. */
  override notify(): void {
    this.exp?.notify();
  }

  /** Called by the registry at disable/failover/exit: stops collecting and closes the listener, within ~1 s. */
  override async shutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.bindRetry);
    await this.binding;
    await Promise.all([this.exp?.stop(), this.listener.close(CLOSE_GRACE_MS)]);
    await this.historyWrites;
  }

  override async handleCommand(inbuf: string, cmd: CmdMap): Promise<CommandReturn> {
    const history = this.exp?.history;
    switch (cmd.prefix) {
      case 'prometheus file_sd_config':
        return [0, JSON.stringify([{ targets: this.fileSdTargets(), labels: {} }]), ''];
      case 'healthcheck history ls':
        return [0, history?.format((typeof cmd.format === 'string' ? cmd.format : 'plain') as HistoryFormat) ?? '', ''];
      case 'healthcheck history clear':
        history?.clear();
        this.persistHistory('{}');
        await this.historyWrites;
        return [0, 'healthcheck history cleared', ''];
      default:
        return super.handleCommand(inbuf, cmd);
    }
  }

  /** The bound address (tests, `mgr services`). */
  boundAddress(): AddressInfo | undefined {
    return this.listener.address();
  }

  /** The exporter once serve() ran (tests and bench/scrape.ts time its collections). */
  get exporter(): PrometheusExporter | undefined {
    return this.exp;
  }

  /** Where Prometheus should scrape: each mgr's host and port (Ceph lists every mgr of list_servers). */
  private fileSdTargets(): string[] {
    const port = this.listener.address()?.port ?? this.cfg.serverPort;
    const targets = this.listServers().flatMap((s) => s.services.filter((svc) => svc.type === 'mgr').map(() => `${s.hostname}:${port}`));
    if (targets.length === 0) targets.push(`${isWildcard(this.cfg.serverAddr) ? hostname() : hostForUri(this.cfg.serverAddr)}:${port}`);
    return targets;
  }

  /** Binds to the configured address; serialised, so configNotify and a refresh never bind at once. */
  private bind(): Promise<void> {
    this.binding = this.binding.then(() => this.bindNow());
    return this.binding;
  }

  /** Never rejects: a failure becomes MGR_PROMETHEUS_BIND_FAILED and a retry (1 s, doubling up to 30 s). */
  private async bindNow(): Promise<void> {
    clearTimeout(this.bindRetry);
    if (this.stopped) return;
    const { serverAddr, serverPort } = this.cfg;
    const host = listenHost(serverAddr);
    if (this.listener.listensOn(host, serverPort)) return;
    let port: number;
    try {
      port = (await this.listener.listen(host, serverPort)).port;
    } catch (err) {
      const msg = `prometheus module cannot listen on ${serverAddr || '*'}:${serverPort}: ${err instanceof Error ? err.message : String(err)}`;
      const retryMs = Math.min(BIND_RETRY_MAX_MS, BIND_RETRY_MIN_MS * 2 ** this.bindFailures++);
      this.log.error(`${msg} (retrying in ${retryMs / 1000} s)`);
      this.setCheck('MGR_PROMETHEUS_BIND_FAILED', healthCheck('HEALTH_WARN', msg, 1, [msg]));
      this.bindRetry = setTimeout(() => void this.bind(), retryMs);
      return;
    }
    this.bindFailures = 0;
    this.setCheck('MGR_PROMETHEUS_BIND_FAILED', undefined);
    const uri = `http://${hostForUri(isWildcard(serverAddr) ? this.mgrIp() : serverAddr)}:${port}/`;
    this.log.info({ uri }, 'serving /metrics');
    try {
      await this.publishService(uri);
    } catch (err) {
      this.log.error({ err: String(err), uri }, 'cannot publish the service URI');
    }
  }

  /**
   * Re-reads the options after each collection: a value that changed without
   * configNotify (set before the module started, or written to the store) is
   * picked up within one interval, and a moved address re-bound.
   */
  private refreshConfig(): void {
    const before = this.cfg;
    const now = readConfig((n, d) => this.getModuleOption(n, d));
    if (JSON.stringify(now) === JSON.stringify(before)) return;
    this.cfg = now;
    this.exp?.reconfigure();
    if (now.serverAddr !== before.serverAddr || now.serverPort !== before.serverPort) {
      void this.bind();
    }
  }

  private mgrIp(): string {
    try {
      return this.get('mgr_ips').ips[0] ?? hostname();
    } catch {
      return hostname();
    }
  }

  private collected(outcome: readonly StepError[] | Error): void {
    this.refreshConfig();
    const errors = outcome instanceof Error ? [{ method: 'collect', message: outcome.message }] : outcome;
    if (errors.length === 0) {
      this.failedCollections = 0;
      this.setCheck('MGR_PROMETHEUS_COLLECTION_FAILED', undefined);
      return;
    }
    // One incomplete collection is normal at start-up (the first runs before the cluster's maps
    // arrive): info. Two in a row is a problem: warn, then every 20th.
    const n = ++this.failedCollections;
    if (n === 1) this.log.info({ errors }, 'metrics collection incomplete (cluster data not complete yet?)');
    else if (n === 2 || n % 20 === 0) this.log.warn({ errors, consecutive: n }, 'metrics collection incomplete');
    if (this.failedCollections >= FAILURES_BEFORE_CHECK) {
      const detail = errors.map((e) => `${e.method}: ${e.message}`);
      this.setCheck('MGR_PROMETHEUS_COLLECTION_FAILED', healthCheck('HEALTH_WARN', `prometheus module: ${errors.length} collection step(s) failing`, errors.length, detail));
    }
  }

  private setCheck(name: string, check: HealthCheck | undefined): void {
    const had = this.checks.has(name);
    if (check === undefined) this.checks.delete(name);
    else this.checks.set(name, check);
    if (had || check !== undefined) this.setHealthChecks(Object.fromEntries(this.checks));
  }

  private persistHistory(json: string): void {
    this.historyWrites = this.historyWrites
      .then(() => this.setStore(HEALTH_HISTORY_KEY, json))
      .catch((err: unknown) => this.log.error({ err: String(err) }, 'cannot persist the health check history'));
  }
}

/** A literal IPv6 address goes in brackets in a URI. */
function hostForUri(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * The standby side: '/' links to the active's /metrics (standby_behaviour
 * default) or fails with standby_error_status_code (error); '/metrics' is an
 * empty 200 in both cases, as in Ceph 16 — a scrape of a standby is "up" with
 * no samples, so alerts on `up == 0` keep meaning "no exporter at all".
 */
/** Ports after server_port a standby tries when it is taken (by the active on the same host). */
const STANDBY_PORT_FALLBACKS = 16;

export class StandbyModule extends MgrStandbyModule {
  static override MODULE_OPTIONS: readonly ModuleOption[] = MODULE_OPTIONS;

  private readonly listener = new HttpListener(
    (req, res) => Promise.resolve(this.handle(req, res)),
    (err, req) => this.log.error({ err: err instanceof Error ? err.stack : String(err), url: req.url }, 'request failed'),
  );

  /** Called by the registry while this manager is a standby: binds and returns. */
  override async serve(): Promise<void> {
    await this.bind();
  }

  override async configNotify(): Promise<void> {
    await this.bind();
  }

  override async shutdown(): Promise<void> {
    await this.listener.close(CLOSE_GRACE_MS);
  }

  boundAddress(): AddressInfo | undefined {
    return this.listener.address();
  }

  /**
   * Binds server_port, or on the active's host (where the active holds it) the next free one of
   * STANDBY_PORT_FALLBACKS, and registers the page's URI in this standby's MgrMap entry.
   */
  private async bind(): Promise<void> {
    const cfg = readConfig((n, d) => this.getModuleOption(n, d));
    const host = listenHost(cfg.serverAddr);
    const now = this.listener.address()?.port;
    if (now !== undefined && this.listener.listensOn(host, now) && (cfg.serverPort === 0 || (now >= cfg.serverPort && now <= cfg.serverPort + STANDBY_PORT_FALLBACKS))) return;
    for (let i = 0; ; i++) {
      const port = cfg.serverPort === 0 ? 0 : cfg.serverPort + i;
      try {
        const a = await this.listener.listen(host, port);
        this.log.info({ port: a.port }, 'standby: serving /');
        await this.publishService(`http://${hostForUri(isWildcard(cfg.serverAddr) ? hostname() : cfg.serverAddr)}:${a.port}/`);
        return;
      } catch (err) {
        const busy = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
        if (busy && port !== 0 && i < STANDBY_PORT_FALLBACKS && port < 65535) continue;
        this.log.error(`standby prometheus module cannot listen on ${cfg.serverAddr || '*'}:${port}: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
    }
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = pathOf(req);
    if (path === '/metrics' || path === '/metrics/') {
      res.writeHead(200, { 'Content-Type': CONTENT_TYPE_TEXT, 'Content-Length': 0 });
      res.end();
      return;
    }
    if (!path.endsWith('/')) {
      redirectToSlash(req, res);
      return;
    }
    const cfg = readConfig((n, d) => this.getModuleOption(n, d));
    if (cfg.standbyBehaviour === 'error') {
      sendPage(res, cfg.standbyErrorStatusCode, errorPage(cfg.standbyErrorStatusCode, 'Keep on looking'));
    } else {
      sendPage(res, 200, indexPage(`${this.getActiveServices().prometheus ?? ''}metrics`));
    }
  }
}
