// One local Ceph daemon reported to mgrd as itself: its `perf schema` read once
// (again when the daemon restarts or adds a logger), its `perf dump` read once
// per stats period just before MgrClient reports it, on the daemon's own
// wire-protocol session (OPEN as osd.N with its real schema, types and
// priorities; CONFIGURE's period and threshold honoured by MgrClient).

import type { Logger } from '../common/log.js';
import { MgrClient } from '../client/mgr-client.js';
import type { CounterDecl, DaemonHealthMetric } from '../protocol/messages.js';
import { adminSocketJson, type AdminSocketOptions } from './admin-socket.js';
import type { LocalDaemon } from './asok-discovery.js';
import { parseSchema, PerfDumpReader, type PerfDumpJson, type PerfSchemaJson } from './perf-schema.js';
import { SlowOpsReader } from './slow-ops.js';

export interface DaemonSessionOptions {
  daemon: LocalDaemon;
  mgrAddrs: string[];
  secret: Buffer;
  /** The OPEN metadata of a daemon (`ceph osd metadata` or what its socket tells). */
  metadata: (d: LocalDaemon) => Promise<Record<string, string>>;
  asokTimeoutMs: number;
  /** Reads that fail in a row before the session is closed (the daemon is treated as gone). */
  maxFailures: number;
  log: Logger;
  /** Called once when the session gave up on the daemon (closed after failures). */
  onGone: (s: DaemonSession) => void;
}

/** What a session did, for `agent` status and benchmarks. */
export interface DaemonSessionStats {
  reads: number;
  failures: number;
  /** Milliseconds of the last `perf dump` exchange and parse. */
  lastReadMs: number;
  schemaReads: number;
}

export class DaemonSession {
  readonly name: string;
  identity: string;
  private client: MgrClient | undefined;
  private reader: PerfDumpReader | undefined;
  private decls: CounterDecl[] = [];
  private readTimer: NodeJS.Timeout | undefined;
  private reading = false;
  private failuresInRow = 0;
  private schemaStale = false;
  private stopped = false;
  readonly stats: DaemonSessionStats = { reads: 0, failures: 0, lastReadMs: 0, schemaReads: 0 };
  private readonly asok: AdminSocketOptions;
  private readonly slowOps: SlowOpsReader;
  /** SLOW_OPS as last read (sent with each report, as Ceph's daemons do). */
  private health: DaemonHealthMetric[] | undefined;

  constructor(private readonly opts: DaemonSessionOptions) {
    this.name = opts.daemon.name;
    this.identity = opts.daemon.identity;
    this.asok = { timeoutMs: opts.asokTimeoutMs };
    this.slowOps = new SlowOpsReader(opts.daemon, opts.asokTimeoutMs);
  }

  get open(): boolean {
    return this.client?.ready ?? false;
  }

  /** Reads the schema and a first dump, then opens the session. Throws when the daemon does not answer. */
  async start(): Promise<void> {
    await this.loadSchema();
    await this.readDump();
    if (this.stopped) return;
    const metadata = await this.opts.metadata(this.opts.daemon);
    if (this.stopped) return;
    this.openClient(metadata);
  }

  private openClient(metadata: Record<string, string>): void {
    const client = new MgrClient({
      addrs: [...this.opts.mgrAddrs],
      entity: this.name,
      secret: this.opts.secret,
      log: this.opts.log,
      reconnectMinMs: 500,
      reconnectMaxMs: 10_000,
      daemon: {
        name: this.name,
        // RGWs are service daemons to the manager (Ceph's MMgrOpen service_name).
        serviceName: this.opts.daemon.type === 'rgw' ? 'rgw' : undefined,
        metadata,
        schema: () => this.decls,
        sample: () => this.sample(),
        healthMetrics: () => this.health,
      },
    });
    this.client = client;
    client.start();
  }

  /** MgrClient's report timer calls this: hand over the last read, and read again just before the next report. */
  private sample(): Float64Array {
    const periodMs = (this.client?.configure?.stats_period_s ?? 5) * 1000;
    const leadMs = Math.min(periodMs / 2, this.opts.asokTimeoutMs + 100);
    clearTimeout(this.readTimer);
    this.readTimer = setTimeout(() => void this.tick(), Math.max(0, periodMs - leadMs));
    return this.reader!.vector;
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.reading) return;
    this.reading = true;
    try {
      if (this.schemaStale) await this.refreshSchema();
      else await this.readDump();
      this.failuresInRow = 0;
    } catch (err) {
      this.stats.failures++;
      this.failuresInRow++;
      this.opts.log.warn({ daemon: this.name, err: (err as Error).message, inRow: this.failuresInRow }, 'admin socket read failed');
      if (this.failuresInRow >= this.opts.maxFailures && !this.stopped) {
        this.opts.log.warn({ daemon: this.name }, `no answer from ${this.name} ${this.failuresInRow} times in a row: closing its session`);
        await this.stop();
        this.opts.onGone(this);
      }
    } finally {
      this.reading = false;
    }
  }

  private async loadSchema(): Promise<void> {
    const schema = await adminSocketJson<PerfSchemaJson>(this.opts.daemon.path, { prefix: 'perf schema', format: 'json' }, this.asok);
    const parsed = parseSchema(schema);
    this.stats.schemaReads++;
    this.decls = parsed.decls;
    this.reader = new PerfDumpReader(parsed);
    this.schemaStale = false;
  }

  private async readDump(): Promise<void> {
    const t0 = performance.now();
    const dump = await adminSocketJson<PerfDumpJson>(this.opts.daemon.path, { prefix: 'perf dump', format: 'json' }, this.asok);
    const unknown = this.reader!.read(dump);
    const opWip = dump.osd?.op_wip;
    this.health = (await this.slowOps.read(typeof opWip === 'number' ? opWip : undefined)) ?? this.health;
    this.stats.reads++;
    this.stats.lastReadMs = performance.now() - t0;
    if (unknown.length > 0 && !this.schemaStale) {
      this.opts.log.info({ daemon: this.name, sections: unknown.slice(0, 5) }, 'perf dump has loggers the schema lacks: reading the schema again');
      this.schemaStale = true;
    }
  }

  /** A logger appeared: read the schema again; a different schema opens a new session (the manager re-learns it from OPEN). */
  private async refreshSchema(): Promise<void> {
    const before = JSON.stringify(this.decls);
    await this.loadSchema();
    await this.readDump();
    if (JSON.stringify(this.decls) === before || this.stopped) return;
    await this.reopen();
  }

  /** The daemon restarted (a new socket): schema, metadata and session afresh. */
  async restart(identity: string): Promise<void> {
    this.identity = identity;
    await this.loadSchema();
    await this.readDump();
    await this.reopen();
  }

  private async reopen(): Promise<void> {
    const old = this.client;
    this.client = undefined;
    clearTimeout(this.readTimer);
    await old?.stop();
    if (this.stopped) return;
    this.openClient(await this.opts.metadata(this.opts.daemon));
  }

  /** Closes the session (the daemon went away, or the agent stops). Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.readTimer);
    const c = this.client;
    this.client = undefined;
    await c?.stop();
  }

  /** One `perf dump` now, outside the report cycle (benchmarks): milliseconds taken. */
  async readOnce(): Promise<number> {
    await this.readDump();
    return this.stats.lastReadMs;
  }
}
