// One wire-protocol session: the handshake state machine, frame checks and
// error handling. Whatever goes wrong inside a session closes that session
// only, with an ERROR frame and one (rate-limited) log line.
//
// What a peer can make the session hold is bounded (docs/limits.md): before
// authentication ms_preauth_max_bytes in all; after, one frame of its type's
// bound (frame-bounds.ts) plus the frames of one socket read, while a large
// JSON body is parsed in slices or commands wait for the peer to read.

import type { Duplex } from 'node:stream';
import { Errno } from '../common/errno.js';
import type { Logger } from '../common/log.js';
import { clientProof, newNonce, proofsEqual, serverProof } from '../protocol/auth.js';
import { CLIENT_FRAME_BOUNDS, SLICED_JSON_MIN_BYTES } from '../protocol/frame-bounds.js';
import {
  checkMaxLength, encodeFrame, encodeJsonFrame, FrameDecoder, FrameError, FrameType, frameTypeName,
  MIN_PROTOCOL_VERSION, PROTOCOL_MAGIC, PROTOCOL_VERSION, type FrameTypeCode,
} from '../protocol/frames.js';
import { JsonBodyError, parseJsonBounded, parseJsonSliced } from '../protocol/json-bounded.js';
import type { Caps, Keyring } from '../protocol/keyring.js';
import type {
  AuthMsg, CloseMsg, CommandMsg, CommandReplyMsg, ConfigureMsg, HelloMsg, MapMsg, OpenMsg, PgStatsMsg, ReportHead,
} from '../protocol/messages.js';
import type { IngestStats } from './ingest-stats.js';
import type { WireLimits } from './wire-limits.js';

export class ProtocolError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/** What a session asks of the server once a frame passed the state checks. */
export interface SessionHost {
  readonly keyring: Keyring;
  readonly mgrName: string;
  readonly log: Logger;
  /** Read on every use: options changed at runtime apply to the next frame. */
  readonly limits: WireLimits;
  readonly stats: IngestStats;
  /** The handshake completed: the session no longer counts as unauthenticated. */
  authenticated(s: Session): void;
  open(s: Session, msg: OpenMsg): ConfigureMsg;
  /** REPORT: the payload as received; its JSON head already parsed when it was large. */
  report(s: Session, payload: Buffer, head?: ReportHead): void;
  pgStats(s: Session, msg: PgStatsMsg): void;
  /** PG_STATS_BIN: the payload as received (valid during the call). */
  pgStatsBinary(s: Session, payload: Buffer): void;
  map(s: Session, msg: MapMsg): void;
  /** MON_COMMAND_REPLY from the cluster source: the answer to a command the manager forwarded to it. */
  monCommandReply(s: Session, msg: CommandReplyMsg): void;
  command(s: Session, msg: CommandMsg): Promise<CommandReplyMsg>;
  /** A session closes on an error: log it (the host rate-limits what unauthenticated peers cause). */
  logFailure(s: Session, code: string, message: string): void;
  closed(s: Session, code: string | undefined): void;
}

type State = 'hello' | 'auth' | 'ready' | 'open' | 'closed';

/** What a session needs of its transport: a TCP socket, or an in-process link (protocol/local-link.ts). */
export type SessionSocket = Duplex & {
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  setNoDelay(noDelay?: boolean): unknown;
};

export class Session {
  state: State = 'hello';
  entity = '';
  caps: Caps | undefined;
  /** The protocol version chosen at HELLO (the lower of the peer's and ours): PG_STATS_BIN's layout follows it. */
  version = MIN_PROTOCOL_VERSION;
  /** Daemon name after OPEN. */
  daemonName: string | undefined;
  /** Set by the server on OPEN: its DaemonState key. */
  opened = false;
  /** Bytes of the frames received before authentication. */
  preauthBytes = 0;
  private serverNonce = '';
  private readonly decoder: FrameDecoder;
  private handshakeTimer: NodeJS.Timeout | undefined;
  readonly remote: string;
  /** The peer's address without port (IPv4-mapped IPv6 as IPv4): what per-peer limits count. */
  readonly peer: string;
  /** Frames received but not yet handled: a large body is being parsed, or commands wait for the peer to read. */
  private readonly queue: Array<[number, Buffer]> = [];
  /** A sliced JSON parse is running: frames wait in order. */
  private busy = false;
  /** Commands dispatched and not yet answered. */
  private pendingCommands = 0;
  /** A command of this session started in this turn of the event loop: the next waits for the next turn. */
  private commandThisTurn = false;

  constructor(
    readonly id: number,
    readonly socket: SessionSocket,
    private readonly host: SessionHost,
  ) {
    this.peer = (socket.remoteAddress ?? '?').replace(/^::ffff:/, '');
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    this.decoder = new FrameDecoder((type, len) => this.checkHeader(type, len), (type, payload) => this.onFrame(type, payload));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (this.state === 'closed') return;
      try {
        this.decoder.push(chunk);
      } catch (err) {
        this.failFrom(err);
      }
    });
    socket.on('drain', () => this.pump());
    socket.on('error', () => this.teardown('ECONNRESET'));
    socket.on('close', () => this.teardown(undefined));
    const timeoutMs = host.limits.handshakeTimeoutMs;
    this.handshakeTimer = setTimeout(() => {
      if (this.preauth) this.fail('ETIMEDOUT', `not authenticated within ${timeoutMs} ms`);
    }, timeoutMs);
    this.handshakeTimer.unref();
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  /** Not authenticated yet (and not closed). */
  get preauth(): boolean {
    return this.state === 'hello' || this.state === 'auth';
  }

  sendJson(type: FrameTypeCode, body: unknown): void {
    this.write(encodeJsonFrame(type, body));
  }

  sendBinary(type: FrameTypeCode, payload: Uint8Array): void {
    this.write(encodeFrame(type, payload));
  }

  /** `reply`: a command's answer, computed while the peer was within its bound (it may go past it by the replies in flight). */
  private write(frame: Buffer, reply = false): void {
    if (this.state === 'closed') return;
    // What is already queued counts, not the frame at hand: one large reply (pg dump) may exceed the bound.
    if (!reply && this.socket.writableLength > this.host.limits.maxBufferedBytes) {
      this.fail('ELIMIT', `peer is not reading: more than ${this.host.limits.maxBufferedBytes} bytes queued`);
      return;
    }
    this.socket.write(frame);
  }

  /** Sends an ERROR frame, closes the session, logs once. */
  fail(code: string, message: string): void {
    if (this.state === 'closed') return;
    this.host.logFailure(this, code, message);
    // Read nothing more: what a peer sends after its error is not ours to buffer.
    this.socket.pause();
    try {
      this.socket.end(encodeJsonFrame(FrameType.ERROR, { code, message }));
    } catch {
      this.socket.destroy();
    }
    // A peer that never reads must not hold the socket open.
    setTimeout(() => this.socket.destroy(), 2000).unref();
    this.teardown(code);
  }

  /** Closes without error (server shutdown, failover). */
  close(reason: string): void {
    if (this.state === 'closed') return;
    try {
      this.socket.end(encodeJsonFrame(FrameType.CLOSE, { reason } satisfies CloseMsg));
    } catch {
      this.socket.destroy();
    }
    setTimeout(() => this.socket.destroy(), 1000).unref();
    this.teardown(undefined);
  }

  private teardown(code: string | undefined): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.decoder.reset();
    this.queue.length = 0;
    this.host.closed(this, code);
  }

  private failFrom(err: unknown): void {
    if (err instanceof ProtocolError || err instanceof FrameError) this.fail(err.code, err.message);
    else this.fail('EPROTO', err instanceof Error ? err.message : String(err));
  }

  /**
   * Checks each frame from its 5-byte header, before its payload is read:
   * before authentication only HELLO then AUTH, within ms_preauth_max_bytes
   * in all; after, only types a client sends, each within its bound.
   */
  private checkHeader(type: number, len: number): void {
    const limits = this.host.limits;
    checkMaxLength(len, limits.maxFrameBytes);
    if (this.preauth) {
      this.preauthBytes += 4 + len;
      if (this.preauthBytes > limits.preauthMaxBytes) {
        throw new FrameError('E2BIG', `${frameTypeName(type)} frame of ${len} bytes: before authentication a peer may send at most ${limits.preauthMaxBytes} bytes`);
      }
      const want = this.state === 'hello' ? FrameType.HELLO : FrameType.AUTH;
      if (type !== want) throw new ProtocolError('ESTATE', `expected ${frameTypeName(want)}, got ${frameTypeName(type)}`);
      return;
    }
    const bound = CLIENT_FRAME_BOUNDS[type];
    if (!bound) throw new ProtocolError('EPROTO', `unexpected frame ${frameTypeName(type)} in state ${this.state}`);
    if (type === FrameType.MAP || type === FrameType.MON_COMMAND_REPLY) this.need(this.caps!.mapSource, frameTypeName(type));
    if (len > bound.maxBytes) throw new FrameError('E2BIG', `${frameTypeName(type)} frame of ${len} bytes exceeds its maximum of ${bound.maxBytes}`);
  }

  private onFrame(type: number, payload: Buffer): void {
    if (this.state === 'closed') return;
    if (this.busy || this.queue.length > 0 || this.mustWait(type)) {
      this.queue.push([type, payload]);
      this.socket.pause();
      return;
    }
    this.run(type, payload);
  }

  /**
   * A COMMAND waits while the peer has too many unanswered or does not read
   * its replies, and for the next turn of the event loop if one of its
   * commands started in this one: native commands are computed as they are
   * dispatched, and a pipeline of them must not hold the loop.
   */
  private mustWait(type: number): boolean {
    if (type !== FrameType.COMMAND) return false;
    const limits = this.host.limits;
    return this.commandThisTurn || this.pendingCommands >= limits.maxPendingCommands || this.socket.writableLength > limits.maxBufferedBytes;
  }

  /** Handles queued frames in order while nothing holds them; reads the socket again once all are done. */
  private pump(): void {
    while (this.state !== 'closed' && !this.busy && this.queue.length > 0) {
      const [type, payload] = this.queue[0]!;
      if (this.mustWait(type)) return;
      this.queue.shift();
      this.run(type, payload);
    }
    if (this.state !== 'closed' && !this.busy && this.queue.length === 0) this.socket.resume();
  }

  private run(type: number, payload: Buffer): void {
    try {
      this.dispatch(type, payload);
    } catch (err) {
      this.failFrom(err);
    }
  }

  /**
   * Decodes a JSON body within its type's nesting bound and hands it on: in
   * place when small, in slices when large (later frames wait in order).
   */
  private withJson<T>(type: number, body: Buffer, then: (msg: T) => void, what = frameTypeName(type)): void {
    const maxDepth = CLIENT_FRAME_BOUNDS[type]?.maxDepth ?? 2;
    if (body.length < SLICED_JSON_MIN_BYTES) {
      then(decodeBody<T>(() => parseJsonBounded(body, maxDepth), what));
      return;
    }
    this.busy = true;
    this.socket.pause();
    const stats = this.host.stats;
    stats.slicedJson++;
    stats.slicedJsonActive++;
    parseJsonSliced(body, { maxDepth }).finally(() => stats.slicedJsonActive--).then(
      (msg) => {
        if (this.state === 'closed') return;
        this.busy = false;
        try {
          then(msg as T);
        } catch (err) {
          this.failFrom(err);
          return;
        }
        this.pump();
      },
      (err: unknown) => {
        if (this.state === 'closed') return;
        this.busy = false;
        this.failFrom(err instanceof JsonBodyError ? bodyError(err, what) : err);
      },
    );
  }

  private dispatch(type: number, payload: Buffer): void {
    switch (this.state) {
      case 'hello':
        if (type !== FrameType.HELLO) throw new ProtocolError('ESTATE', `expected HELLO, got ${frameTypeName(type)}`);
        return this.withJson<HelloMsg>(type, payload, (m) => this.onHello(m));
      case 'auth':
        if (type !== FrameType.AUTH) throw new ProtocolError('ESTATE', `expected AUTH, got ${frameTypeName(type)}`);
        return this.withJson<AuthMsg>(type, payload, (m) => this.onAuth(m));
      default:
        return this.onMessage(type, payload);
    }
  }

  private onHello(m: HelloMsg): void {
    if (typeof m !== 'object' || m === null || m.protocol !== PROTOCOL_MAGIC) {
      throw new ProtocolError('EPROTO', `HELLO must name protocol '${PROTOCOL_MAGIC}'`);
    }
    if (!Number.isInteger(m.version) || !Number.isInteger(m.min_version)) throw new ProtocolError('EPROTO', 'HELLO version and min_version must be integers');
    if (m.min_version > PROTOCOL_VERSION || m.version < MIN_PROTOCOL_VERSION) {
      throw new ProtocolError('EVERSION', `client speaks versions ${m.min_version}..${m.version}; this mgr speaks ${MIN_PROTOCOL_VERSION}..${PROTOCOL_VERSION}`);
    }
    if (typeof m.entity !== 'string' || !/^[a-z][a-z0-9_-]*\.[A-Za-z0-9_.:-]+$/.test(m.entity) || m.entity.length > 256) {
      throw new ProtocolError('EPROTO', `bad entity name '${String(m.entity).slice(0, 64)}'`);
    }
    this.entity = m.entity;
    this.serverNonce = newNonce();
    this.state = 'auth';
    this.version = Math.min(PROTOCOL_VERSION, m.version);
    this.sendJson(FrameType.CHALLENGE, { version: this.version, server_nonce: this.serverNonce, mgr: this.host.mgrName });
  }

  private onAuth(m: AuthMsg): void {
    const entry = this.host.keyring.lookup(this.entity);
    if (typeof m !== 'object' || m === null || typeof m.client_nonce !== 'string' || typeof m.proof !== 'string' || !/^[0-9a-f]{64}$/.test(m.client_nonce)) {
      throw new ProtocolError('EPROTO', 'AUTH needs client_nonce (64 hex) and proof');
    }
    // Same answer whether the entity is unknown or the proof wrong: do not reveal which.
    if (!entry || !proofsEqual(m.proof, clientProof(entry.key, this.entity, this.serverNonce, m.client_nonce))) {
      throw new ProtocolError('EAUTH', `authentication failed for ${this.entity}`);
    }
    this.caps = entry.caps;
    this.state = 'ready';
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.host.authenticated(this);
    this.sendJson(FrameType.AUTH_OK, {
      server_proof: serverProof(entry.key, this.entity, m.client_nonce, this.serverNonce),
      caps: entry.caps.text,
      session: this.id,
    });
  }

  private need(allowed: boolean, what: string): void {
    if (!allowed) throw new ProtocolError('EPERM', `${this.entity} (caps '${this.caps?.text ?? ''}') may not send ${what}`);
  }

  private onMessage(type: number, payload: Buffer): void {
    const caps = this.caps!;
    switch (type) {
      case FrameType.OPEN: {
        this.need(caps.daemon, 'OPEN');
        if (this.state === 'open') throw new ProtocolError('ESTATE', 'session is already open');
        return this.withJson<OpenMsg>(type, payload, (msg) => {
          const configure = this.host.open(this, msg);
          this.state = 'open';
          this.sendJson(FrameType.CONFIGURE, configure);
        });
      }
      case FrameType.REPORT: {
        this.need(caps.daemon, 'REPORT');
        if (this.state !== 'open') throw new ProtocolError('ESTATE', 'REPORT before OPEN');
        const headLen = payload.length >= 4 ? payload.readUInt32LE(0) : 0;
        // A small head (or none: most reports) is parsed by the server in place.
        if (headLen < SLICED_JSON_MIN_BYTES || headLen > payload.length - 4) return this.host.report(this, payload);
        return this.withJson<ReportHead>(type, payload.subarray(4, 4 + headLen), (head) => this.host.report(this, payload, head), 'REPORT head');
      }
      case FrameType.PG_STATS:
      case FrameType.PG_STATS_BIN: {
        const what = frameTypeName(type);
        this.need(caps.daemon, what);
        // The cluster source (mon profile) sends any OSD's PG stats without opening as a daemon.
        if (this.state !== 'open' && !caps.mapSource) throw new ProtocolError('ESTATE', `${what} before OPEN`);
        if (type === FrameType.PG_STATS_BIN) return this.host.pgStatsBinary(this, payload);
        return this.withJson<PgStatsMsg>(type, payload, (msg) => this.host.pgStats(this, msg));
      }
      case FrameType.MAP:
        this.need(caps.mapSource, 'MAP');
        return this.withJson<MapMsg>(type, payload, (msg) => this.host.map(this, msg));
      case FrameType.MON_COMMAND_REPLY:
        this.need(caps.mapSource, 'MON_COMMAND_REPLY');
        return this.withJson<CommandReplyMsg>(type, payload, (msg) => this.host.monCommandReply(this, msg));
      case FrameType.COMMAND: {
        this.need(caps.read, 'COMMAND');
        return this.withJson<CommandMsg>(type, payload, (msg) => this.command(msg));
      }
      case FrameType.CLOSE:
        this.socket.end();
        this.teardown(undefined);
        return;
      default:
        throw new ProtocolError('EPROTO', `unexpected frame ${frameTypeName(type)} in state ${this.state}`);
    }
  }

  private command(msg: CommandMsg): void {
    if (typeof msg !== 'object' || msg === null || !Number.isInteger(msg.tid)) throw new ProtocolError('EBADMSG', 'COMMAND needs an integer tid');
    this.pendingCommands++;
    this.commandThisTurn = true;
    setImmediate(() => {
      this.commandThisTurn = false;
      this.pump();
    });
    const answer = (reply: CommandReplyMsg): void => {
      this.pendingCommands--;
      this.write(encodeJsonFrame(FrameType.COMMAND_REPLY, reply), true);
      this.pump();
    };
    this.host.command(this, msg).then(answer, (err: unknown) => answer({ tid: msg.tid, r: -Errno.EIO, outs: `internal error: ${String(err)}`, outb: '' }));
  }
}

function decodeBody<T>(parse: () => unknown, what: string): T {
  try {
    return parse() as T;
  } catch (err) {
    throw err instanceof JsonBodyError ? bodyError(err, what) : err;
  }
}

function bodyError(err: JsonBodyError, what: string): FrameError {
  return new FrameError('EBADMSG', err.tooDeep ? `${what} payload is ${err.message}` : `${what} payload is not valid JSON: ${err.message}`);
}
