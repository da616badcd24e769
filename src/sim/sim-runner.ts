// The simulator's runner: one wire-protocol session per simulated daemon (as a
// real cluster has), the cluster source (a mon) sending maps when they change,
// and the model advanced on a timer. The manager cannot tell it from a cluster.

import type { Logger } from '../common/log.js';
import { MgrClient, type MgrClientOptions } from '../client/mgr-client.js';
import type { Keyring } from '../protocol/keyring.js';
import { SimCluster, type SimDaemon, type SimOptions } from './model/sim-cluster.js';
import { runSimCommand } from './model/sim-commands.js';
import { SimPgRecord } from './model/pg-report.js';
import { PgStatsBinWriter } from '../protocol/pg-stats-writer.js';
import type { CommandResult } from '../common/errno.js';

/** The clients the cluster's agents send commands as (src/sim/model/outbox.ts). */
const AGENT_ENTITIES = ['client.crash', 'client.admin'] as const;

/** How often start() looks again at its window without an event (a daemon stopped by the model, say). */
const WINDOW_RECHECK_MS = 1_000;

const OSD_HEALTH = [{ type: 'SLOW_OPS', value: 0 }, { type: 'PENDING_CREATING_PGS', value: 0 }];
const MON_HEALTH = [{ type: 'SLOW_OPS', value: 0 }];

export interface SimRunnerOptions {
  mgrAddr: string;
  keyring: Keyring;
  osds: number;
  seed: number;
  scenario?: string;
  osdsPerHost?: number;
  log: Logger;
  /** Seconds between model steps (default 1). */
  stepS?: number;
  /** Most sessions connecting at once when starting (avoid a connect storm at 10,000 OSDs). */
  connectBatch?: number;
  /** Seconds between an OSD's PG_STATS; default: with every REPORT, as Ceph's MgrClient does. */
  pgStatsIntervalS?: number;
  /** Further model options (recovery speed, fill ratio...). */
  model?: Partial<SimOptions>;
  /** Each daemon's transport to an address (MgrClient's dial): `mgrd run --sim` links them in process. */
  dial?: MgrClientOptions['dial'];
}

export class SimRunner {
  readonly cluster: SimCluster;
  private readonly clients = new Map<string, MgrClient>();
  private stepTimer: NodeJS.Timeout | undefined;
  private sentMapVersion = -1;
  private stopped = false;
  private readonly log: Logger;
  /** One client per agent entity the keyring has a key for (crash reports, device predictions). */
  private readonly agents = new Map<string, { client: MgrClient; busy: boolean }>();
  /** Scratch every OSD writes its PG_STATS_BIN through, one report at a time (all on this thread). */
  private readonly pgWriter = new PgStatsBinWriter();
  /** Daemons whose sessions start() opened and that are not ready yet: its window. */
  private readonly opening = new Set<MgrClient>();
  private readonly windowWaiters = new Set<() => void>();
  /** start() went through every daemon: from then on step() starts the sessions of daemons that come up. */
  private openedAll = false;
  private readonly pgRecord = new SimPgRecord();

  constructor(private readonly opts: SimRunnerOptions) {
    this.log = opts.log;
    this.cluster = new SimCluster({ ...opts.model, osds: opts.osds, seed: opts.seed, scenario: opts.scenario, osdsPerHost: opts.osdsPerHost });
  }

  get sessions(): number {
    return this.clients.size;
  }

  /**
   * Opens the sessions through a window: at most `connectBatch` daemons
   * whose sessions are not ready yet (authenticated and configured) at once;
   * a daemon holds its place in the window until its session is ready, it
   * goes down, or the runner stops, however long that takes and however
   * often it retries. Unpaced, or with a place given up after a fixed wait,
   * a manager slowed down (a loaded host, one event loop for 10,000 daemons
   * and itself) saw more handshakes than ms_preauth_max_sessions_per_peer on
   * the one `local` peer, refused them (ELIMIT) and timed out others, and the
   * retries churned for the rest of the run: 73,000 refusals and 5,260 of
   * 10,000 OSDs reporting after 11 minutes at load 12 (session 7).
   * The model runs from the start; resolves once every daemon's session was
   * opened (or the runner stopped).
   */
  async start(): Promise<void> {
    const window = this.opts.connectBatch ?? 500;
    const stepMs = (this.opts.stepS ?? 1) * 1000;
    this.stepTimer = setInterval(() => this.step(), stepMs);
    // The mons first, as on a real cluster: a mon's session carries the maps (sendMaps on its ready), so
    // started after 10,000 OSDs the manager had no OSD map until every OSD's session was in (minutes under load).
    const all = this.cluster.daemons();
    const daemons = [...all.filter((d) => d.kind === 'mon'), ...all.filter((d) => d.kind !== 'mon')];
    for (const d of daemons) {
      while (!this.stopped && this.opening.size >= window) await this.windowMoved();
      if (this.stopped) break;
      if (this.cluster.isUp(d.name) && !this.clients.has(d.name)) this.startClient(d);
    }
    this.openedAll = true;
    if (this.stopped) return;
    this.startAgents();
    this.log.info({ daemons: daemons.length, mgr: this.opts.mgrAddr }, 'simulated cluster started');
  }

  /** Resolves when a daemon left the opening window, the runner stopped, or after WINDOW_RECHECK_MS. */
  private windowMoved(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        this.windowWaiters.delete(done);
        resolve();
      };
      const t = setTimeout(done, WINDOW_RECHECK_MS);
      this.windowWaiters.add(done);
    });
  }

  /** A daemon's session is ready, or it is no longer opening one: its place in the window is free. */
  private leaveWindow(client: MgrClient): void {
    if (!this.opening.delete(client)) return;
    for (const w of [...this.windowWaiters]) w();
  }

  /** The cluster source: the first mon that is up. */
  private mapSender(): MgrClient | undefined {
    for (const [name, c] of this.clients) if (name.startsWith('mon.') && c.ready) return c;
    return undefined;
  }

  private sendMaps(force: boolean): void {
    const v = this.cluster.mapVersion;
    if (!force && v === this.sentMapVersion) return;
    const sender = this.mapSender();
    if (sender?.sendMap(this.cluster.maps())) this.sentMapVersion = v;
  }

  private startClient(d: SimDaemon): MgrClient | undefined {
    const entry = this.opts.keyring.lookup(d.name);
    if (!entry) {
      this.log.error({ daemon: d.name }, 'no key for this daemon in the keyring; not starting it');
      return undefined;
    }
    const cluster = this.cluster;
    const schema = cluster.counterSchema(d.kind, d.name);
    const osdId = d.kind === 'osd' ? Number(d.name.slice(4)) : -1;
    const client = new MgrClient({
      // host:port, or several comma-separated (every manager: the client follows the active).
      addrs: this.opts.mgrAddr.split(',').map((a) => a.trim()).filter((a) => a !== ''),
      entity: d.name,
      secret: entry.key,
      log: this.log,
      reconnectMinMs: 200,
      reconnectMaxMs: 5_000,
      monCommands: d.kind === 'mon' ? (cmd) => this.monCommand(cmd) : undefined,
      pgStatsIntervalS: this.opts.pgStatsIntervalS ?? 0,
      dial: this.opts.dial,
      daemon: {
        name: d.name,
        metadata: d.metadata,
        serviceName: d.service?.name,
        schema: () => schema,
        sample: () => cluster.sampleCounters(d.name, Date.now() / 1000),
        pgStats: osdId >= 0 ? () => cluster.pgStats(osdId, Date.now() / 1000) : undefined,
        pgStatsBin: osdId >= 0 ? (version) => cluster.pgStatsBin(osdId, Date.now() / 1000, this.pgWriter, this.pgRecord, version) : undefined,
        // What real daemons report with each MMgrReport (the model has no slow ops).
        healthMetrics: () => (d.kind === 'osd' ? OSD_HEALTH : d.kind === 'mon' ? MON_HEALTH : undefined),
      },
    });
    if (d.kind === 'mon') client.on('ready', () => this.sendMaps(true));
    this.opening.add(client);
    client.once('ready', () => this.leaveWindow(client));
    this.clients.set(d.name, client);
    client.start();
    return client;
  }

  /**
   * A command the manager forwarded: applied to the model, then the changed
   * maps go out before the answer (on the same session, so the manager has
   * the new map when the caller gets the reply, as with Ceph's mon).
   */
  private monCommand(cmd: Record<string, unknown>): CommandResult {
    const r = runSimCommand(this.cluster, cmd);
    this.sendMaps(false);
    return r;
  }

  private startAgents(): void {
    for (const entity of AGENT_ENTITIES) {
      const entry = this.opts.keyring.lookup(entity);
      if (!entry) {
        this.log.warn({ entity }, 'no key for this agent in the keyring: what it would send (crash reports, device predictions) is not sent');
        continue;
      }
      const client = new MgrClient({
        addrs: this.opts.mgrAddr.split(',').map((a) => a.trim()).filter((a) => a !== ''),
        entity,
        secret: entry.key,
        log: this.log,
        reconnectMinMs: 200,
        reconnectMaxMs: 5_000,
      });
      this.agents.set(entity, { client, busy: false });
      client.start();
    }
  }

  /** Sends what the model's agents queued, in order, one command at a time; what fails waits for a later step. */
  private sendOutbox(): void {
    for (const [entity, agent] of this.agents) {
      if (!agent.client.ready || agent.busy) continue;
      const items = this.cluster.outbox.take(entity);
      if (items.length === 0) continue;
      agent.busy = true;
      const send = async (): Promise<void> => {
        for (let i = 0; i < items.length; i++) {
          const it = items[i]!;
          try {
            const r = await agent.client.command({ cmd: it.cmd, inbuf: it.inbuf }, 10_000);
            if (r.r !== 0) this.log.warn({ entity, prefix: it.cmd.prefix, r: r.r, outs: r.outs }, 'the manager refused an agent command');
          } catch (err) {
            this.cluster.outbox.putBack(items.slice(i));
            this.log.warn({ entity, err: (err as Error).message }, 'could not send agent commands; retrying');
            return;
          }
        }
      };
      void send().finally(() => {
        agent.busy = false;
      });
    }
  }

  /** One model step: advance, follow daemons going down/up, send changed maps. */
  step(): void {
    if (this.stopped) return;
    try {
      this.cluster.advance(Date.now() / 1000);
      for (const d of this.cluster.daemons()) {
        const up = this.cluster.isUp(d.name);
        const c = this.clients.get(d.name);
        if (!up && c) {
          this.clients.delete(d.name);
          this.leaveWindow(c);
          void c.stop();
        } else if (up && !c && this.openedAll) this.startClient(d);
      }
      this.sendMaps(false);
      this.sendOutbox();
    } catch (err) {
      this.log.error({ err: err instanceof Error ? err.stack : String(err) }, 'simulator step failed');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.stepTimer);
    for (const c of [...this.opening]) this.leaveWindow(c);
    await Promise.all([...this.clients.values(), ...[...this.agents.values()].map((a) => a.client)].map((c) => c.stop()));
    this.agents.clear();
    this.clients.clear();
  }
}
