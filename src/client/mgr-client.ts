// MgrClient: the library a daemon (or the simulator, or `mgrd tell`) links to
// talk to the active manager. Connects, authenticates, opens, declares its
// counters, reports on the period CONFIGURE gives; follows redirects and
// re-connects with backoff, re-opening and re-declaring from scratch.

import { EventEmitter } from 'node:events';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { Errno, type CommandResult } from '../common/errno.js';
import type { Logger } from '../common/log.js';
import { silentLogger } from '../common/log.js';
import { clientProof, newNonce, proofsEqual, serverProof } from '../protocol/auth.js';
import {
  decodeJson, DEFAULT_MAX_FRAME_BYTES, encodeFrame, encodeJsonFrame, FrameDecoder, FrameType, frameTypeName,
  MIN_PROTOCOL_VERSION, PROTOCOL_MAGIC, PROTOCOL_VERSION,
} from '../protocol/frames.js';
import type {
  AuthOkMsg, ChallengeMsg, CommandMsg, CommandReplyMsg, ConfigureMsg, CounterDecl, DaemonHealthMetric, ErrorMsg,
  MapMsg, MonCommandMsg, PgStatsMsg, RedirectMsg,
} from '../protocol/messages.js';
import { encodePgStats } from '../protocol/pg-stats-codec.js';
import { unpackPingTimes } from '../protocol/ping-times.js';
import { valueWidth } from '../mgr-module/perf-types.js';
import { ReportEncoder } from './report-encoder.js';

export interface DaemonSource {
  name: string;
  metadata: Record<string, string>;
  serviceName?: string;
  /** The daemon's full counter schema; the client declares those at or above the threshold. */
  schema: () => readonly CounterDecl[];
  /** The full value vector in schema order, width-expanded (LONGRUNAVG = sum, count). */
  sample: () => Float64Array;
  /** OSDs: PG stats of the PGs it is primary for (undefined: nothing to send). */
  pgStats?: () => PgStatsMsg | undefined;
  /**
   * OSDs: the same, already as the PG_STATS_BIN payload of protocol `version`
   * (the session's), preferred over pgStats when given: the simulator writes
   * it straight from its tables. A RangeError (what the binary form cannot
   * carry) falls back to pgStats.
   */
  pgStatsBin?: (version: number) => Buffer | undefined;
  status?: () => Record<string, string> | undefined;
  healthMetrics?: () => DaemonHealthMetric[] | undefined;
}

export interface MgrClientOptions {
  /** host:port candidates; the client tries them in turn and follows REDIRECT. */
  addrs: string[];
  entity: string;
  secret: Buffer;
  daemon?: DaemonSource;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /**
   * After a ready session is lost (the manager died or handed over), the backoff stops growing at
   * this (default 1,000 ms) for failoverWindowMs (default 30 s): the next active is usually up within
   * an etcd lease TTL, and a daemon asleep for reconnectMaxMs would add up to that much to the failover.
   */
  failoverMaxMs?: number;
  failoverWindowMs?: number;
  /** Least seconds between PG_STATS; default 0: with every REPORT, as Ceph's MgrClient sends MPGStats. */
  pgStatsIntervalS?: number;
  /** Stop after this many failed attempts in a row (default: never; `mgrd tell` uses a few). */
  maxAttempts?: number;
  connectTimeoutMs?: number;
  log?: Logger;
  /**
   * The cluster source answers the commands it declared in its MAP: the
   * manager forwards each as MON_COMMAND and relays the answer. A throw is
   * answered as -EIO with its message.
   */
  monCommands?: (cmd: Record<string, unknown>, inbuf: string) => CommandResult | Promise<CommandResult>;
  /**
   * Another transport for an address: a connected stream that emits `connect`
   * (the embedded simulator's in-process link to its own manager), or
   * undefined for TCP. Asked at every (re)connection.
   */
  dial?: (addr: string) => Duplex | undefined;
}


export class MgrClientError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'MgrClientError';
  }
}

type Phase = 'idle' | 'connecting' | 'auth' | 'ready' | 'stopped';

/** Bound on learned manager addresses (a map names a handful). */
const MAX_ADDRS = 64;

export class MgrClient extends EventEmitter {
  private socket: Duplex | undefined;
  private phase: Phase = 'idle';
  /** Where managers may be: the given addresses, then those CONFIGURE names (the active and its standbys). */
  private readonly addrs: string[];
  private addrIndex = 0;
  private attempts = 0;
  private backoffMs: number;
  /** performance.now() when the last ready session was lost (0: never). */
  private lostReadyAt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reportTimer: NodeJS.Timeout | undefined;
  private clientNonce = '';
  private serverNonce = '';
  /** The protocol version the manager chose in CHALLENGE (PG_STATS_BIN's layout follows it). */
  private protocolVersion = MIN_PROTOCOL_VERSION;
  private nextTid = 1;
  private readonly pending = new Map<number, { resolve: (r: CommandReplyMsg) => void; reject: (e: Error) => void }>();
  private readonly encoder: ReportEncoder | undefined;
  private readonly log: Logger;
  configure: ConfigureMsg | undefined;
  /** Name of the manager this client is connected to. */
  mgrName = '';
  reportsSent = 0;
  private lastPgStatsMs = 0;
  private warnedPgStatsJson = false;
  lastError: ErrorMsg | undefined;

  constructor(private readonly opts: MgrClientOptions) {
    super();
    this.log = opts.log ?? silentLogger();
    this.backoffMs = opts.reconnectMinMs ?? 200;
    if (opts.daemon) this.encoder = new ReportEncoder();
    if (opts.addrs.length === 0) throw new MgrClientError('EINVAL', 'no manager address given');
    this.addrs = [...opts.addrs];
  }

  get ready(): boolean {
    return this.phase === 'ready';
  }

  start(): void {
    if (this.phase !== 'idle') return;
    this.connectNext();
  }

  /** Resolves at the next 'ready' (authenticated, and opened + configured for daemons). */
  waitReady(timeoutMs = 10_000): Promise<void> {
    if (this.ready && (!this.opts.daemon || this.configure)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        cleanup();
        reject(new MgrClientError('ETIMEDOUT', `no session with a manager within ${timeoutMs} ms${this.lastError ? `: ${this.lastError.code} ${this.lastError.message}` : ''}`));
      }, timeoutMs);
      const onReady = (): void => {
        cleanup();
        resolve();
      };
      const onGiveUp = (err: Error): void => {
        cleanup();
        reject(err);
      };
      const cleanup = (): void => {
        clearTimeout(t);
        this.off('ready', onReady);
        this.off('giveup', onGiveUp);
      };
      this.on('ready', onReady);
      this.on('giveup', onGiveUp);
    });
  }

  async stop(): Promise<void> {
    if (this.phase === 'stopped') return;
    this.phase = 'stopped';
    clearTimeout(this.reconnectTimer);
    clearInterval(this.reportTimer);
    this.failPending(new MgrClientError('ESHUTDOWN', 'client stopped'));
    const s = this.socket;
    this.socket = undefined;
    if (s && !s.destroyed) {
      await new Promise<void>((resolve) => {
        s.once('close', () => resolve());
        s.end(encodeJsonFrame(FrameType.CLOSE, { reason: 'client stopping' }));
        setTimeout(() => s.destroy(), 500).unref();
      });
    }
  }

  /** Runs a command: argv words as typed, or a cmdmap. */
  command(req: { argv?: string[]; cmd?: Record<string, unknown>; inbuf?: string }, timeoutMs = 60_000): Promise<CommandReplyMsg> {
    if (!this.ready || !this.socket) return Promise.reject(new MgrClientError('ENOTCONN', 'not connected to a manager'));
    const tid = this.nextTid++;
    const msg: CommandMsg = { tid, ...req };
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.pending.delete(tid);
        reject(new MgrClientError('ETIMEDOUT', `no reply to command within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(tid, {
        resolve: (r) => {
          clearTimeout(t);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(t);
          reject(e);
        },
      });
      this.socket!.write(encodeJsonFrame(FrameType.COMMAND, msg));
    });
  }

  /** Sends cluster maps (a `mon` entity). Returns false when not connected. */
  sendMap(msg: MapMsg): boolean {
    if (!this.ready || !this.socket) return false;
    this.socket.write(encodeJsonFrame(FrameType.MAP, msg));
    return true;
  }

  /** Sends one OSD's PG stats as the cluster source (a `mon` entity; no OPEN needed). Returns false when not connected. */
  sendPgStats(msg: PgStatsMsg): boolean {
    if (!this.ready || !this.socket) return false;
    this.socket.write(this.pgStatsFrame(msg));
    return true;
  }

  /** Sends one REPORT (and PG_STATS) now; the timer calls this every period. */
  reportNow(): void {
    const d = this.opts.daemon;
    if (!d || !this.encoder || !this.ready || !this.socket || !this.configure) return;
    this.socket.write(this.encoder.encode(d.sample(), d.status?.(), d.healthMetrics?.()));
    this.reportsSent++;
    if (!d.pgStats && !d.pgStatsBin) return;
    const now = Date.now();
    if (now - this.lastPgStatsMs < (this.opts.pgStatsIntervalS ?? 0) * 1000 - 50) return;
    const frame = this.daemonPgStatsFrame(d);
    if (!frame) return;
    this.lastPgStatsMs = now;
    this.socket.write(frame);
  }

  /** The daemon's PG stats as a frame: its own binary payload when it writes one, else its message encoded. */
  private daemonPgStatsFrame(d: DaemonSource): Buffer | undefined {
    if (d.pgStatsBin) {
      try {
        const payload = d.pgStatsBin(this.protocolVersion);
        return payload && encodeFrame(FrameType.PG_STATS_BIN, payload);
      } catch (err) {
        if (!(err instanceof RangeError) || !d.pgStats) throw err;
        if (!this.warnedPgStatsJson) this.log.warn({ err: String(err) }, 'the daemon could not write its PG stats in binary: sending them encoded from its message');
      }
    }
    const pg = d.pgStats?.();
    return pg && this.pgStatsFrame(pg);
  }

  /** PG_STATS_BIN in the session's version's layout; the JSON PG_STATS for a message the binary form cannot carry (odd ids or versions). */
  private pgStatsFrame(pg: PgStatsMsg): Buffer {
    try {
      return encodeFrame(FrameType.PG_STATS_BIN, encodePgStats(pg, this.protocolVersion));
    } catch (err) {
      if (!this.warnedPgStatsJson) this.log.warn({ err: String(err) }, 'sending PG stats as JSON');
      this.warnedPgStatsJson = true;
      return encodeJsonFrame(FrameType.PG_STATS, jsonPgStats(pg));
    }
  }

  private connectNext(): void {
    if (this.phase === 'stopped') return;
    const addr = this.addrs[this.addrIndex % this.addrs.length]!;
    this.addrIndex++;
    this.attempts++;
    this.phase = 'connecting';
    const [host, portText] = splitHostPort(addr);
    const socket = this.opts.dial?.(addr) ?? connect({ host, port: Number(portText), noDelay: true });
    this.socket = socket;
    const timeout = setTimeout(() => socket.destroy(new Error(`connect to ${addr} timed out`)), this.opts.connectTimeoutMs ?? 5000);
    const decoder = new FrameDecoder(DEFAULT_MAX_FRAME_BYTES, (type, payload) => this.onFrame(socket, type, payload));
    socket.on('connect', () => {
      clearTimeout(timeout);
      this.phase = 'auth';
      socket.write(encodeJsonFrame(FrameType.HELLO, { protocol: PROTOCOL_MAGIC, version: PROTOCOL_VERSION, min_version: MIN_PROTOCOL_VERSION, entity: this.opts.entity }));
    });
    socket.on('data', (chunk: Buffer) => {
      try {
        decoder.push(chunk);
      } catch (err) {
        this.log.warn({ err: String(err) }, 'bad frame from manager');
        socket.destroy();
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timeout);
      this.log.debug({ addr, err: err.message }, 'manager connection error');
    });
    socket.on('close', () => {
      clearTimeout(timeout);
      if (this.socket === socket) this.onDisconnect();
    });
  }

  private onDisconnect(): void {
    this.socket = undefined;
    clearInterval(this.reportTimer);
    this.reportTimer = undefined;
    this.configure = undefined;
    this.lastPgStatsMs = 0;
    const wasReady = this.phase === 'ready';
    if (wasReady) this.lostReadyAt = performance.now();
    this.failPending(new MgrClientError('ECONNRESET', 'connection to the manager closed'));
    if (this.phase === 'stopped') return;
    this.phase = 'idle';
    if (wasReady) this.emit('disconnect');
    if (this.opts.maxAttempts !== undefined && this.attempts >= this.opts.maxAttempts) {
      this.phase = 'stopped';
      const why = this.lastError ? `${this.lastError.code}: ${this.lastError.message}` : `cannot reach a manager at ${this.addrs.join(', ')}`;
      this.emit('giveup', new MgrClientError(this.lastError?.code ?? 'ECONNREFUSED', why));
      return;
    }
    // The next address at once while a round of them is not done (a standby refuses: the active is
    // another); the backoff grows once per round, so a failover costs one round, not a long wait.
    if (wasReady || this.addrIndex % this.addrs.length !== 0) {
      this.reconnectTimer = setTimeout(() => this.connectNext(), wasReady ? 0 : 10);
      return;
    }
    const delay = this.backoffMs * (0.5 + Math.random() / 2);
    const failingOver = this.lostReadyAt > 0 && performance.now() - this.lostReadyAt < (this.opts.failoverWindowMs ?? 30_000);
    const cap = this.opts.reconnectMaxMs ?? 10_000;
    this.backoffMs = Math.min(this.backoffMs * 2, failingOver ? Math.min(cap, this.opts.failoverMaxMs ?? 1_000) : cap);
    this.reconnectTimer = setTimeout(() => this.connectNext(), delay);
  }

  private failPending(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  private onFrame(socket: Duplex, type: number, payload: Buffer): void {
    if (socket !== this.socket) return;
    switch (type) {
      case FrameType.CHALLENGE: {
        const m = decodeJson<ChallengeMsg>(type, payload);
        if (!Number.isInteger(m.version) || m.version < MIN_PROTOCOL_VERSION || m.version > PROTOCOL_VERSION) {
          this.lastError = { code: 'EVERSION', message: `the manager chose protocol version ${String(m.version)}; this client speaks ${MIN_PROTOCOL_VERSION}..${PROTOCOL_VERSION}` };
          socket.destroy();
          return;
        }
        this.protocolVersion = m.version;
        this.serverNonce = m.server_nonce;
        this.mgrName = m.mgr;
        this.clientNonce = newNonce();
        socket.write(encodeJsonFrame(FrameType.AUTH, {
          client_nonce: this.clientNonce,
          proof: clientProof(this.opts.secret, this.opts.entity, this.serverNonce, this.clientNonce),
        }));
        return;
      }
      case FrameType.AUTH_OK: {
        const m = decodeJson<AuthOkMsg>(type, payload);
        if (!proofsEqual(m.server_proof, serverProof(this.opts.secret, this.opts.entity, this.clientNonce, this.serverNonce))) {
          this.lastError = { code: 'EAUTH', message: 'the manager could not prove it holds our key' };
          socket.destroy();
          return;
        }
        this.attempts = 0;
        this.backoffMs = this.opts.reconnectMinMs ?? 200;
        this.lastError = undefined;
        const d = this.opts.daemon;
        if (d) {
          socket.write(encodeJsonFrame(FrameType.OPEN, { daemon_name: d.name, service_name: d.serviceName, metadata: d.metadata, daemon_status: d.status?.() }));
        } else {
          this.phase = 'ready';
          this.emit('ready');
        }
        return;
      }
      case FrameType.CONFIGURE: {
        const m = decodeJson<ConfigureMsg>(type, payload);
        const first = this.phase !== 'ready';
        this.applyConfigure(m);
        if (first) {
          this.phase = 'ready';
          this.emit('ready');
          this.reportNow();
        }
        return;
      }
      case FrameType.COMMAND_REPLY: {
        const m = decodeJson<CommandReplyMsg>(type, payload);
        const p = this.pending.get(m.tid);
        if (p) {
          this.pending.delete(m.tid);
          p.resolve(m);
        }
        return;
      }
      case FrameType.MON_COMMAND:
        this.answerMonCommand(socket, decodeJson<MonCommandMsg>(type, payload));
        return;
      case FrameType.REDIRECT: {
        const m = decodeJson<RedirectMsg>(type, payload);
        this.log.info({ to: m.addr, mgr: m.mgr }, 'redirected to the active manager');
        this.learn([m.addr]);
        this.addrIndex = this.addrs.indexOf(m.addr);
        this.attempts = 0;
        socket.destroy();
        return;
      }
      case FrameType.ERROR: {
        this.lastError = decodeJson<ErrorMsg>(type, payload);
        this.log.warn({ code: this.lastError.code }, `manager closed the session: ${this.lastError.message}`);
        this.emit('servererror', this.lastError);
        return;
      }
      case FrameType.CLOSE:
        socket.end();
        return;
      default:
        this.log.warn(`unexpected ${frameTypeName(type)} from the manager`);
        socket.destroy();
    }
  }

  /** Runs a forwarded command and answers on the session it came from (dropped if that session is gone). */
  private answerMonCommand(socket: Duplex, m: MonCommandMsg): void {
    const handler = this.opts.monCommands;
    const send = (a: CommandResult): void => {
      if (socket === this.socket && !socket.destroyed) socket.write(encodeJsonFrame(FrameType.MON_COMMAND_REPLY, { tid: m.tid, r: a.r, outs: a.outs, outb: a.outb }));
    };
    const failed = (err: unknown): void => send({ r: -Errno.EIO, outb: '', outs: `cluster source failed: ${err instanceof Error ? err.message : String(err)}` });
    if (!handler) {
      send({ r: -Errno.EOPNOTSUPP, outb: '', outs: 'this client answers no commands' });
      return;
    }
    try {
      Promise.resolve(handler(m.cmd, m.inbuf ?? '')).then(send, failed);
    } catch (err) {
      failed(err);
    }
  }

  /** Adds manager addresses (CONFIGURE's mgrs, a REDIRECT) to those tried on reconnection. */
  private learn(addrs: readonly string[] | undefined): void {
    for (const a of addrs ?? []) if (typeof a === 'string' && /:\d+$/.test(a) && !this.addrs.includes(a) && this.addrs.length < MAX_ADDRS) this.addrs.push(a);
  }

  /** The addresses tried on reconnection (given, then learned). */
  get managerAddrs(): readonly string[] {
    return this.addrs;
  }

  private applyConfigure(m: ConfigureMsg): void {
    this.learn(m.mgrs);
    const d = this.opts.daemon!;
    const prev = this.configure;
    this.configure = m;
    this.encoder!.select(d.schema(), m.stats_threshold, prev === undefined);
    this.emit('configure', m);
    if (!prev || prev.stats_period_s !== m.stats_period_s) {
      clearInterval(this.reportTimer);
      const ms = Math.max(10, m.stats_period_s * 1000);
      this.reportTimer = setInterval(() => this.reportNow(), ms);
    }
  }
}

export function splitHostPort(addr: string): [string, string] {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(addr);
  if (!m) throw new MgrClientError('EINVAL', `bad address '${addr}': expected HOST:PORT`);
  return [m[1]!, m[2]!];
}

export { valueWidth };

/** A message as the JSON PG_STATS carries it: packed ping times as network_ping_times. */
function jsonPgStats(pg: PgStatsMsg): PgStatsMsg {
  const { packedPingTimes, ...rest } = pg;
  if (packedPingTimes === undefined) return pg;
  return { ...rest, osd_stat: { ...pg.osd_stat, network_ping_times: pg.osd_stat.network_ping_times ?? unpackPingTimes(packedPingTimes) } };
}
