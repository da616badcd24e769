// The influx module: Ceph's measurements pushed to InfluxDB 1.x (/write) or to
// a 2.x write API (/api/v2/write, @influxdata/influxdb-client), on the SDK's
// push loop (batches, concurrent writers, retries, a bounded queue, every
// dropped point counted). Options and commands as Ceph's module.

import {
  Errno, MgrModule, PushLoop, Slicer, healthCheck, type CmdMap, type CommandReturn, type HealthCheckMap, type ModuleCommand,
  type ModuleContext, type ModuleOption,
} from '../../src/mgr-module/index.js';
import { InfluxV1Client } from './client-v1.js';
import { InfluxV2Client, routeClientLog } from './client-v2.js';
import { checkUrl, configShow, describeTarget, INFLUX_OPTIONS, resolveConfig, type InfluxConfig } from './options.js';
import { BufferPool, ChunkWriter, chunksInUse, splitChunk, WAITING_PER_SENDER, type LineChunk } from './line-chunks.js';
import { ObjectSink } from './point-sinks.js';
import { PointBuilder } from './points.js';

/** Longest stall wanted while an interval is built. */
const SLICE_MS = 10;

/** The server client of the current settings: one of the two APIs. */
interface Clients {
  readonly key: string;
  readonly v1?: InfluxV1Client;
  readonly v2?: InfluxV2Client;
}

export interface BuildFigures {
  readonly points: number;
  readonly durationMs: number;
  /** The longest stall the build caused, the core's reads of cluster state included. */
  readonly longestSliceMs: number;
  /** The same without the core's reads: the module's own code. */
  readonly longestOwnSliceMs: number;
  /** Turns of the event loop the build took (it yields between them). */
  readonly slices: number;
}

export class Module extends MgrModule {
  static override COMMANDS: readonly ModuleCommand[] = [
    { cmd: 'influx config-set name=key,type=CephString name=value,type=CephString', desc: 'Set a configuration value', perm: 'rw' },
    { cmd: 'influx config-show', desc: 'Show current configuration', perm: 'r' },
    { cmd: 'influx send', desc: 'Force sending data to Influx', perm: 'rw' },
    { cmd: 'influx self-test', desc: 'debug the module', perm: 'rw' },
  ];

  static override MODULE_OPTIONS: readonly ModuleOption[] = INFLUX_OPTIONS;

  private cfg: InfluxConfig;
  private urlProblem: string | undefined;
  private clients: Clients | undefined;
  private builder: PointBuilder;
  private ownChecks: HealthCheckMap = {};
  private loopChecks: HealthCheckMap = {};
  private warnedSkipped = false;
  /** The last interval's build (bench and tests read it). */
  lastBuild: BuildFigures | undefined;
  /** Points handed to the push loop since start: sent + dropped + queued add up to it. */
  producedPoints = 0;
  readonly loop: PushLoop<LineChunk>;
  /** Chunk buffers delivered and free to write the next ones into: as many as the loop holds at once. */
  private readonly pool = new BufferPool(() => chunksInUse(this.cfg.threads));

  constructor(ctx: ModuleContext) {
    super(ctx);
    this.cfg = this.readConfig();
    this.builder = new PointBuilder(this.cfg.apiVersion === 2 ? 'v2' : 'v1');
    this.loop = new PushLoop<LineChunk>(this, {
      intervalS: () => this.cfg.intervalS,
      batchSize: () => this.cfg.batchSize,
      concurrency: () => this.cfg.threads,
      waitingPerSender: () => WAITING_PER_SENDER,
      queueMax: () => this.cfg.queueMaxPoints,
      queueMaxBytes: () => this.cfg.queueMaxBytes,
      sendTimeoutMs: () => this.cfg.sendTimeoutMs,
      target: () => describeTarget(this.cfg),
      itemName: 'point',
      units: { weight: (c) => c.points, split: splitChunk, bytes: (c) => c.bytes.length },
      onSent: (batch) => {
        for (const c of batch) if (c.pooled) this.pool.put(c.pooled);
      },
      onHealth: (checks) => {
        this.loopChecks = checks;
        this.publishChecks();
      },
      produce: (emit, signal) => this.produce(emit, signal),
      send: async (batch, signal) => {
        const c = this.clientsFor(this.cfg);
        if (c.v2) return c.v2.write(batch, signal);
        await c.v1!.write(batch, signal);
        // Writes go through: the database is there, whatever the last SHOW DATABASES said.
        this.setOwnCheck('MGR_INFLUX_DB_LIST_FAILED', undefined);
      },
    });
  }

  override serve(): void {
    routeClientLog(this.log);
    this.log.info({ target: this.cfg.baseUrl === '' ? undefined : describeTarget(this.cfg) }, 'Starting influx module');
    this.loop.start();
  }

  override configNotify(): void {
    const before = this.cfg;
    this.cfg = this.readConfig();
    if (this.cfg.apiVersion !== before.apiVersion) this.builder = new PointBuilder(this.cfg.apiVersion === 2 ? 'v2' : 'v1');
    this.loop.reschedule();
  }

  override async shutdown(): Promise<void> {
    this.log.info('Stopping influx module');
    await this.loop.stop();
    this.clients?.v1?.close();
    this.clients = undefined;
  }

  override async handleCommand(_inbuf: string, cmd: CmdMap): Promise<CommandReturn> {
    switch (cmd.prefix) {
      case 'influx config-show':
        return [0, configShow((name) => this.getModuleOption(name)), ''];
      case 'influx config-set': {
        const key = typeof cmd.key === 'string' ? cmd.key : '';
        const value = typeof cmd.value === 'string' ? cmd.value : '';
        if (value === '') return [-Errno.EINVAL, '', 'Value should not be empty'];
        try {
          await this.setModuleOption(key, value);
        } catch (err) {
          return [-Errno.EINVAL, '', err instanceof Error ? err.message : String(err)];
        }
        return [0, `Configuration option ${key} updated`, ''];
      }
      case 'influx send':
        // As upstream: start an interval now and answer; delivery is the push loop's.
        void this.loop.runOnce();
        return [0, 'Sending data to Influx', ''];
      case 'influx self-test':
        return this.selfTest();
      default:
        return [-Errno.EINVAL, '', `Command not found '${cmd.prefix}'`];
    }
  }

  private readConfig(): InfluxConfig {
    const get = <T extends string | number | boolean>(name: string): T => this.getModuleOption<T>(name);
    this.urlProblem = checkUrl(get<string>('url'));
    return resolveConfig(get);
  }

  /** One interval: the server's database (1.x), then the points in slices into the push loop. */
  private async produce(emit: (chunks: readonly LineChunk[]) => Promise<void>, signal: AbortSignal): Promise<void> {
    const cfg = this.cfg;
    if (cfg.baseUrl === '' || this.urlProblem) {
      const first = !this.ownChecks.MGR_INFLUX_NO_SERVER;
      const why = this.urlProblem ?? 'Configuration option hostname not set';
      this.setOwnCheck('MGR_INFLUX_NO_SERVER', healthCheck('HEALTH_WARN', 'No InfluxDB server configured', 1, [why]));
      if (first) this.log.error(`No Influx server configured, please set one using: mgrd tell mgr influx config-set hostname <hostname> (${why})`);
      return;
    }
    this.setOwnCheck('MGR_INFLUX_NO_SERVER', undefined);
    if (cfg.apiVersion === 1) await this.ensureDatabase(cfg, signal);
    else this.setOwnCheck('MGR_INFLUX_DB_LIST_FAILED', undefined); // a 1.x step

    const started = performance.now();
    const sink = new ChunkWriter(Date.now(), cfg.batchSize, this.pool);
    const slicer = new Slicer(SLICE_MS, undefined, signal);
    let points = 0;
    await this.builder.build(this, sink, {
      slicer, warn: (msg) => this.log.error(msg),
      drain: () => {
        const chunks = sink.take();
        let n = 0;
        for (const c of chunks) n += c.points;
        points += n;
        this.producedPoints += n;
        return emit(chunks);
      },
    });
    if (sink.skipped > 0 && !this.warnedSkipped) {
      this.warnedSkipped = true;
      this.log.warn({ skipped: sink.skipped }, 'values line protocol cannot carry (NaN, infinite) left out');
    }
    this.lastBuild = {
      points, durationMs: performance.now() - started, longestSliceMs: slicer.longestSliceMs, longestOwnSliceMs: slicer.longestOwnSliceMs, slices: slicer.slices,
    };
    this.log.debug(this.lastBuild, 'interval built');
  }

  /** Upstream's step before each interval (1.x): SHOW DATABASES, and CREATE DATABASE when it is missing. Never blocks the interval. */
  private async ensureDatabase(cfg: InfluxConfig, signal: AbortSignal): Promise<void> {
    const v1 = this.clientsFor(cfg).v1;
    if (!v1) return;
    const sig = AbortSignal.any([signal, AbortSignal.timeout(cfg.sendTimeoutMs)]);
    try {
      const dbs = await v1.showDatabases(sig);
      if (!dbs.includes(cfg.database)) {
        this.log.info(`Database '${cfg.database}' not found, trying to create (requires admin privs). You can also create manually and grant write privs to user '${cfg.username}'`);
        await v1.createDatabase(cfg.database, sig);
      }
      this.setOwnCheck('MGR_INFLUX_DB_LIST_FAILED', undefined);
    } catch (err) {
      if (signal.aborted) return;
      const msg = err instanceof Error ? err.message : String(err);
      if (this.ownChecks.MGR_INFLUX_DB_LIST_FAILED?.detail[0]?.message !== msg) this.log.warn(`Failed to list/create InfluxDB database: ${msg}`);
      this.setOwnCheck('MGR_INFLUX_DB_LIST_FAILED', healthCheck('HEALTH_WARN', 'Failed to list/create InfluxDB database', 1, [msg]));
    }
  }

  /** The client for the current settings; a new one when they changed (the old one closed: its sends fail and are retried). */
  private clientsFor(cfg: InfluxConfig): Clients {
    const key = JSON.stringify([cfg.apiVersion, cfg.baseUrl, cfg.database, cfg.retentionPolicy, cfg.username, cfg.password, cfg.org, cfg.bucket, cfg.token, cfg.verifySsl, cfg.threads, cfg.sendTimeoutMs]);
    if (this.clients?.key === key) return this.clients;
    this.clients?.v1?.close();
    this.clients = cfg.apiVersion === 2 ? { key, v2: new InfluxV2Client(cfg) } : { key, v1: new InfluxV1Client(cfg) };
    return this.clients;
  }

  private setOwnCheck(name: string, check: HealthCheckMap[string] | undefined): void {
    if (check === undefined && this.ownChecks[name] === undefined) return;
    const next = { ...this.ownChecks };
    if (check === undefined) delete next[name];
    else next[name] = check;
    this.ownChecks = next;
    this.publishChecks();
  }

  private publishChecks(): void {
    this.setHealthChecks({ ...this.loopChecks, ...this.ownChecks });
  }

  /** Upstream's self-test: the daemon and df points as objects. */
  private async selfTest(): Promise<CommandReturn> {
    const sink = new ObjectSink(new Date().toISOString());
    await this.builder.build(this, sink, {
      slicer: new Slicer(SLICE_MS, undefined, this.signal), drain: () => Promise.resolve(), warn: () => undefined,
    });
    const daemonStats = sink.points.filter((p) => p.measurement === 'ceph_daemon_stats');
    if (daemonStats.length === 0) return [-Errno.EAGAIN, '', 'Self-test failed: no daemon statistics yet'];
    const dfStats = sink.points.filter((p) => p.measurement === 'ceph_pool_stats');
    return [0, JSON.stringify({ daemon_stats: daemonStats, df_stats: dfStats }, null, 2), 'Self-test OK'];
  }
}
