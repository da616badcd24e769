// DaemonServer: the wire-protocol listener of the active manager. It owns the
// sessions and applies what they send to DaemonState and ClusterState,
// synchronously per message; it notifies on schema and map changes only.

import { createServer, type Server } from 'node:net';
import { FD_HEADROOM, openFileLimit } from '../common/fd-budget.js';
import type { Logger } from '../common/log.js';
import type { CommandCaller } from '../mgr-module/types.js';
import { encodeJsonFrame, FrameType } from '../protocol/frames.js';
import { parseJsonBounded } from '../protocol/json-bounded.js';
import { CLIENT_FRAME_BOUNDS } from '../protocol/frame-bounds.js';
import type { Keyring } from '../protocol/keyring.js';
import { PgStatsDecoder } from '../protocol/pg-stats-codec.js';
import type {
  CommandMsg, CommandReplyMsg, ConfigureMsg, MapMsg, OpenMsg, PgStatsMsg, ReportHead, SourceCommandDecl,
} from '../protocol/messages.js';
import type { ClusterState } from '../state/cluster-state.js';
import { SchemaError, splitDaemonName, type DaemonStateIndex } from '../state/daemon-state.js';
import { LocalLinkEnd } from '../protocol/local-link.js';
import { ProtocolError, Session, type SessionHost, type SessionSocket } from './session.js';
import { IngestStats } from './ingest-stats.js';
import { IngestGuard } from './ingest-guard.js';
import { LimitHits } from './limit-hits.js';
import { RateLimitedLog } from './rate-log.js';
import { SourceCommands } from './source-commands.js';
import type { WireLimits } from './wire-limits.js';

export type NotifyFn = (type: string, id: string) => void;

/** The caller of a command: an authenticated entity and its capabilities (the SDK's type: modules pass one to runCommand). */
export type { CommandCaller };

export type CommandHandler = (caller: CommandCaller, msg: CommandMsg) => Promise<CommandReplyMsg>;

export interface DaemonServerOptions {
  host: string;
  port: number;
  mgrName: string;
  keyring: Keyring;
  daemons: DaemonStateIndex;
  cluster: ClusterState;
  notify: NotifyFn;
  commands: CommandHandler;
  /** Read on every use (options changed at runtime apply at once). */
  limits: WireLimits;
  /** Current CONFIGURE values (period, threshold). */
  configure: () => ConfigureMsg;
  /** Milliseconds a command forwarded to the cluster source may wait for its answer (read on every use). */
  monCommandTimeoutMs: () => number;
  log: Logger;
}

export class DaemonServer implements SessionHost {
  private server: Server | undefined;
  private readonly sessions = new Map<number, Session>();
  /** Open daemon sessions by daemon name: a new OPEN for the same daemon replaces the old session. */
  private readonly byDaemon = new Map<string, Session>();
  private nextId = 1;
  readonly stats = new IngestStats();
  /** One for every session: ingest is synchronous, so its reused cursor serves one message at a time. */
  private readonly pgStatsDecoder = new PgStatsDecoder();
  readonly keyring: Keyring;
  readonly mgrName: string;
  readonly log: Logger;
  readonly limits: WireLimits;
  /** Refusals and clamps by limit: counted, logged, MGR_WIRE_LIMIT. */
  readonly limitHits: LimitHits;
  /** Sessions not authenticated yet, and their number per peer address. */
  private readonly preauthSessions = new Set<Session>();
  private readonly preauthByPeer = new Map<string, number>();
  /** Session failures: one line per entity (or unauthenticated) and code every 10 s. */
  private readonly failLog = new RateLimitedLog(10_000);
  /** What authenticated peers may make the manager keep. */
  private readonly guard: IngestGuard;
  /** The commands the cluster source declared, and those forwarded to it awaiting an answer. */
  readonly sourceCommands: SourceCommands;
  /** Sessions on a socket (not in-process links): each holds a descriptor. */
  private socketSessions = 0;
  /** This process's open-file limit (ulimit -n), read at start. */
  private readonly fdLimit = openFileLimit() ?? Infinity;

  constructor(private readonly opts: DaemonServerOptions) {
    this.keyring = opts.keyring;
    this.mgrName = opts.mgrName;
    this.log = opts.log;
    this.limits = opts.limits;
    this.limitHits = new LimitHits(opts.log);
    this.guard = new IngestGuard({ limits: opts.limits, hits: this.limitHits, daemons: opts.daemons, cluster: opts.cluster, log: opts.log });
    this.sourceCommands = new SourceCommands(opts.monCommandTimeoutMs);
  }

  /** Connections not authenticated yet. */
  get preauthCount(): number {
    return this.preauthSessions.size;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Address actually bound (port 0 resolves here). */
  address(): { host: string; port: number } {
    const a = this.server?.address();
    if (!a || typeof a === 'string') throw new Error('DaemonServer is not listening');
    return { host: a.address, port: a.port };
  }

  async start(): Promise<void> {
    const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    // Beyond the session limit connections are refused with an ERROR frame; far beyond, the kernel's backlog refuses them.
    server.maxConnections = this.limits.maxSessions + this.limits.preauthMaxSessions + 16;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.opts.host, port: this.opts.port, backlog: 4096 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.log.error({ err }, 'daemon listener error'));
    this.server = server;
  }

  /**
   * A session over an in-process link (the embedded simulator): accepted as a
   * connection is, under the same limits, and authenticated as any other. The
   * end returned is the client's; it emits `connect` on the next turn.
   */
  connectLocal(): LocalLinkEnd {
    const [client, server] = LocalLinkEnd.pair();
    if (this.server === undefined) {
      // Not listening (stopped, or not started): the link closes, as a refused connection does.
      server.destroy();
      return client;
    }
    this.accept(server);
    return client;
  }

  /** Closes the listener and every session (failover or shutdown). */
  async stop(reason = 'mgr shutting down'): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of [...this.sessions.values()]) s.close(reason);
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Tells every open daemon session the new period/threshold. */
  reconfigure(): void {
    const msg = this.opts.configure();
    for (const s of this.byDaemon.values()) s.sendJson(FrameType.CONFIGURE, msg);
  }

  private readonly strings = new Map<string, string>();

  private intern(s: string): string {
    if (s.length > 256) return s;
    const hit = this.strings.get(s);
    if (hit !== undefined) return hit;
    if (this.strings.size < 200_000) this.strings.set(s, s);
    return s;
  }

  /**
   * A new connection: refused with ELIMIT (and no Session) when the manager
   * has ms_max_sessions sessions, or ms_preauth_max_sessions connections
   * authenticating, or this peer address has ms_preauth_max_sessions_per_peer.
   */
  private accept(socket: SessionSocket): void {
    const limits = this.limits;
    const peer = (socket.remoteAddress ?? '?').replace(/^::ffff:/, '');
    const perPeer = this.preauthByPeer.get(peer) ?? 0;
    let refusal: [string, string, string] | undefined;
    if (this.sessions.size >= limits.maxSessions) {
      refusal = ['ms_max_sessions', `too many sessions (max ${limits.maxSessions})`, `connection from ${peer} refused: ${this.sessions.size} sessions open`];
    } else if (this.preauthSessions.size >= limits.preauthMaxSessions) {
      refusal = ['ms_preauth_max_sessions', `too many connections authenticating (max ${limits.preauthMaxSessions})`,
        `connection from ${peer} refused: ${this.preauthSessions.size} connections authenticating`];
    } else if (perPeer >= limits.preauthMaxSessionsPerPeer) {
      refusal = ['ms_preauth_max_sessions_per_peer', `too many connections authenticating from ${peer} (max ${limits.preauthMaxSessionsPerPeer})`,
        `connection from ${peer} refused: it has ${perPeer} connections authenticating`];
    }
    if (refusal) {
      this.stats.refused++;
      this.limitHits.hit(refusal[0], refusal[2]);
      refuse(socket, 'ELIMIT', refusal[1]);
      return;
    }
    const session = new Session(this.nextId++, socket, this);
    if (!(socket instanceof LocalLinkEnd)) this.countSocket(1, peer);
    this.sessions.set(session.id, session);
    this.preauthSessions.add(session);
    this.preauthByPeer.set(peer, perPeer + 1);
    this.stats.accepted++;
  }

  /**
   * Past the open-file limit, connections are dropped before any code sees
   * them (libuv accepts and closes them): say so while it is near.
   */
  private countSocket(n: number, peer: string): void {
    this.socketSessions += n;
    if (n > 0 && this.socketSessions + FD_HEADROOM >= this.fdLimit) {
      this.limitHits.hit('open_files', `${this.socketSessions} connections open (last from ${peer}) and the open-file limit is ${this.fdLimit} (ulimit -n): ` +
        `daemons connecting past it are dropped unseen. Raise it (ulimit -n, systemd LimitNOFILE=) above the daemons' number plus ${FD_HEADROOM}`);
    }
  }

  private releasePreauth(s: Session): void {
    if (!this.preauthSessions.delete(s)) return;
    const n = (this.preauthByPeer.get(s.peer) ?? 1) - 1;
    if (n <= 0) this.preauthByPeer.delete(s.peer);
    else this.preauthByPeer.set(s.peer, n);
  }

  authenticated(s: Session): void {
    this.releasePreauth(s);
  }

  logFailure(s: Session, code: string, message: string): void {
    const who = s.preauth ? 'unauthenticated' : s.entity;
    this.failLog.maybe(`${who} ${code}`, (suppressed) => {
      this.log.warn({ session: s.id, entity: s.entity || undefined, remote: s.remote, code, suppressed: suppressed || undefined },
        `closing session: ${message}${suppressed > 0 ? ` (${suppressed} more ${code} from ${who} since the last line)` : ''}`);
    });
  }

  closed(s: Session, code: string | undefined): void {
    if (this.sessions.delete(s.id) && !(s.socket instanceof LocalLinkEnd)) this.countSocket(-1, s.peer);
    this.releasePreauth(s);
    if (code) this.stats.countError(code);
    if (s.caps?.mapSource) this.sourceCommands.closed(s);
    if (s.daemonName && this.byDaemon.get(s.daemonName) === s) {
      this.byDaemon.delete(s.daemonName);
      const d = this.opts.daemons.get(s.daemonName);
      if (d) {
        d.connected = false;
        d.closedAtMs = Date.now();
      }
    }
  }

  /** Forgets daemons gone past mgr_daemon_stale_s that the cluster maps do not list (each tick). */
  prune(): string[] {
    const gone = this.guard.prune();
    this.stats.daemonsPruned += gone.length;
    return gone;
  }

  open(s: Session, msg: OpenMsg): ConfigureMsg {
    if (typeof msg !== 'object' || msg === null || typeof msg.daemon_name !== 'string') throw new ProtocolError('EBADMSG', 'OPEN needs daemon_name');
    const name = msg.daemon_name;
    // A daemon reports as itself; only a wildcard-type key or the mon profile may pick another id of its type.
    if (name !== s.entity && !s.caps!.mapSource) {
      const { type } = splitDaemonName(s.entity);
      const entry = this.keyring.lookup(s.entity);
      if (!entry?.entity.endsWith('.*') || !name.startsWith(`${type}.`)) {
        throw new ProtocolError('EPERM', `${s.entity} may not open a session as ${name}`);
      }
    }
    try {
      splitDaemonName(name);
    } catch (err) {
      throw new ProtocolError('EBADMSG', (err as Error).message);
    }
    const metadata = msg.metadata ?? {};
    if (typeof metadata !== 'object' || Object.values(metadata).some((v) => typeof v !== 'string')) {
      throw new ProtocolError('EBADMSG', 'OPEN metadata must map strings to strings');
    }
    // 10,000 OSDs send the same ceph_version, distro, kernel... strings: keep one copy of each.
    for (const k of Object.keys(metadata)) metadata[k] = this.intern(metadata[k]!);
    const previous = this.byDaemon.get(name);
    if (previous && previous !== s) {
      this.guard.checkReplace(s, name, previous);
      previous.close(`replaced by a new session for ${name}`);
    }
    if (!this.opts.daemons.get(name)) this.guard.checkNewDaemon(s, splitDaemonName(name).type, name);
    const d = this.opts.daemons.getOrCreate(name);
    const hadSchema = d.counters.length > 0;
    const metaChanged = JSON.stringify(d.metadata) !== JSON.stringify(metadata);
    d.setMetadata(metadata);
    d.status = msg.daemon_status ?? {};
    d.serviceName = msg.service_name;
    d.connected = true;
    d.closedAtMs = 0;
    d.resetSchema();
    s.daemonName = name;
    s.opened = true;
    this.byDaemon.set(name, s);
    this.stats.opens++;
    if (hadSchema) this.opts.notify('perf_schema_update', name);
    if (metaChanged) this.opts.notify('daemon_metadata', name);
    return this.opts.configure();
  }

  report(s: Session, payload: Buffer, parsedHead?: ReportHead): void {
    const t0 = performance.now();
    if (payload.length < 4) throw new ProtocolError('EBADMSG', 'REPORT shorter than its 4-byte head length');
    const headLen = payload.readUInt32LE(0);
    if (headLen > payload.length - 4) throw new ProtocolError('EBADMSG', `REPORT head length ${headLen} exceeds the frame`);
    const valueBytes = payload.length - 4 - headLen;
    if (valueBytes % 8 !== 0) throw new ProtocolError('ESCHEMA', `REPORT values are ${valueBytes} bytes, not a whole number of f64`);
    const d = this.opts.daemons.get(s.daemonName!)!;
    this.guard.checkValues(d, payload, 4 + headLen, valueBytes / 8);
    let schemaChanged = false;
    let status: Record<string, string> | undefined;
    let healthMetrics: ReportHead['health_metrics'];
    if (headLen > 0) {
      let head: ReportHead;
      try {
        head = parsedHead ?? (parseJsonBounded(payload.subarray(4, 4 + headLen), CLIENT_FRAME_BOUNDS[FrameType.REPORT]!.maxDepth) as ReportHead);
      } catch (err) {
        throw new ProtocolError('EBADMSG', `REPORT head is not valid JSON: ${(err as Error).message}`);
      }
      if (typeof head !== 'object' || head === null) throw new ProtocolError('EBADMSG', 'REPORT head must be an object');
      if (head.declare !== undefined && !Array.isArray(head.declare)) throw new ProtocolError('EBADMSG', 'declare must be an array');
      if (head.undeclare !== undefined && !Array.isArray(head.undeclare)) throw new ProtocolError('EBADMSG', 'undeclare must be an array');
      const n = valueBytes / 8;
      if (head.declare?.length || head.undeclare?.length) {
        try {
          // Plan first and check the vector against the new width: a bad report changes nothing.
          const fresh = d.counters.length === 0 && !head.undeclare?.length && head.declare?.length;
          const plan = fresh
            ? this.opts.daemons.sharedFreshPlan(d, JSON.stringify(head.declare), head.declare!)
            : d.planSchema(head.declare, head.undeclare);
          if (plan.width !== n) throw new SchemaError(`report carries ${n} values but the declared schema of ${d.key} needs ${plan.width}`);
          this.guard.checkSchema(d, plan);
          d.commitSchema(plan);
          schemaChanged = true;
        } catch (err) {
          if (err instanceof SchemaError) throw new ProtocolError('ESCHEMA', err.message);
          throw err;
        }
      }
      if (head.daemon_status && typeof head.daemon_status === 'object') status = head.daemon_status;
      if (Array.isArray(head.health_metrics)) healthMetrics = head.health_metrics;
    }
    try {
      d.ingest(Date.now() / 1000, payload, 4 + headLen, valueBytes / 8);
    } catch (err) {
      if (err instanceof SchemaError) throw new ProtocolError('ESCHEMA', err.message);
      throw err;
    }
    if (status) d.status = status;
    if (healthMetrics) d.healthMetrics = healthMetrics;
    this.stats.reports++;
    this.stats.values += valueBytes / 8;
    this.stats.bytes += payload.length;
    if (schemaChanged) this.opts.notify('perf_schema_update', d.key);
    this.stats.observeReport(performance.now() - t0);
  }

  pgStats(s: Session, msg: PgStatsMsg): void {
    this.checkOsdSession(s);
    this.applyPgStats(s, msg);
  }

  pgStatsBinary(s: Session, payload: Buffer): void {
    this.checkOsdSession(s);
    // Every record is checked here, before anything is applied (FrameError EBADMSG / ESCHEMA).
    this.applyPgStats(s, this.pgStatsDecoder.decode(payload, s.version));
  }

  private checkOsdSession(s: Session): void {
    if (s.caps!.mapSource) return; // the cluster source: any OSD's stats (checked in applyPgStats)
    const name = s.daemonName!;
    if (!name.startsWith('osd.')) throw new ProtocolError('EPERM', `${name} is not an OSD: only OSDs send PG_STATS`);
  }

  private applyPgStats(s: Session, msg: PgStatsMsg): void {
    if (typeof msg !== 'object' || msg === null) throw new ProtocolError('EBADMSG', 'PG_STATS must be an object');
    if (s.caps!.mapSource) {
      if (!Number.isInteger(msg.osd) || msg.osd < 0) throw new ProtocolError('EBADMSG', 'PG_STATS osd must be an OSD id (an integer >= 0)');
    } else if (`osd.${String(msg.osd)}` !== s.daemonName) {
      throw new ProtocolError('EBADMSG', `PG_STATS osd must be this session's OSD (${s.daemonName})`);
    }
    const nowS = Date.now() / 1000;
    const stampS = this.guard.pgStatsStamp(s, msg, nowS);
    if (stampS === undefined) return; // counted by the guard
    try {
      this.opts.cluster.applyPgStats(msg, nowS, stampS);
    } catch (err) {
      throw new ProtocolError('EBADMSG', `bad PG_STATS: ${(err as Error).message}`);
    }
    this.stats.pgStats++;
  }

  map(s: Session, msg: MapMsg): void {
    let changed: string[];
    let commands: SourceCommandDecl[] | undefined;
    if (typeof msg === 'object' && msg !== null && msg.commands !== undefined) {
      commands = this.sourceCommands.check(msg.commands);
      delete msg.commands;
    }
    try {
      changed = this.opts.cluster.applyMap(msg);
    } catch (err) {
      throw new ProtocolError('EBADMSG', `bad MAP: ${(err as Error).message}`);
    }
    if (commands) this.sourceCommands.adopt(s, commands);
    this.stats.maps++;
    for (const type of changed) this.opts.notify(type, '');
  }

  monCommandReply(s: Session, msg: CommandReplyMsg): void {
    this.sourceCommands.reply(s, msg);
  }

  command(s: Session, msg: CommandMsg): Promise<CommandReplyMsg> {
    this.stats.commands++;
    const caps = s.caps!;
    return this.opts.commands({ entity: s.entity, read: caps.read, write: caps.write, writePrefixes: caps.writePrefixes }, msg);
  }
}

/** Refuses a connection without a session: one ERROR frame, then the socket goes. */
function refuse(socket: SessionSocket, code: string, message: string): void {
  socket.on('error', () => undefined);
  socket.pause();
  socket.end(encodeJsonFrame(FrameType.ERROR, { code, message }));
  setTimeout(() => socket.destroy(), 1000).unref();
}
