// One wire-protocol session: the handshake state machine, frame checks and
// error handling. Whatever goes wrong inside a session closes that session
// only, with an ERROR frame and one log line.

import type { Socket } from 'node:net';
import type { Logger } from '../common/log.js';
import { clientProof, newNonce, proofsEqual, serverProof } from '../protocol/auth.js';
import {
  decodeJson, encodeFrame, encodeJsonFrame, FrameDecoder, FrameError, FrameType, frameTypeName,
  MIN_PROTOCOL_VERSION, PROTOCOL_MAGIC, PROTOCOL_VERSION, type FrameTypeCode,
} from '../protocol/frames.js';
import type { Caps, Keyring } from '../protocol/keyring.js';
import type {
  AuthMsg, CommandMsg, CommandReplyMsg, ConfigureMsg, HelloMsg, MapMsg, OpenMsg, PgStatsMsg,
} from '../protocol/messages.js';

export class ProtocolError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

export interface SessionLimits {
  maxFrameBytes: number;
  maxBufferedBytes: number;
  handshakeTimeoutMs: number;
}

/** What a session asks of the server once a frame passed the state checks. */
export interface SessionHost {
  readonly keyring: Keyring;
  readonly mgrName: string;
  readonly log: Logger;
  open(s: Session, msg: OpenMsg): ConfigureMsg;
  report(s: Session, payload: Buffer): void;
  pgStats(s: Session, msg: PgStatsMsg): void;
  /** PG_STATS_BIN: the payload as received (valid during the call). */
  pgStatsBinary(s: Session, payload: Buffer): void;
  map(s: Session, msg: MapMsg): void;
  command(s: Session, msg: CommandMsg): Promise<CommandReplyMsg>;
  closed(s: Session, code: string | undefined): void;
}

type State = 'hello' | 'auth' | 'ready' | 'open' | 'closed';

export class Session {
  state: State = 'hello';
  entity = '';
  caps: Caps | undefined;
  /** Daemon name after OPEN. */
  daemonName: string | undefined;
  /** Set by the server on OPEN: its DaemonState key. */
  opened = false;
  private serverNonce = '';
  private readonly decoder: FrameDecoder;
  private handshakeTimer: NodeJS.Timeout | undefined;
  readonly remote: string;

  constructor(
    readonly id: number,
    readonly socket: Socket,
    private readonly host: SessionHost,
    private readonly limits: SessionLimits,
  ) {
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    this.decoder = new FrameDecoder(limits.maxFrameBytes, (type, payload) => this.onFrame(type, payload));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (this.state === 'closed') return;
      try {
        this.decoder.push(chunk);
      } catch (err) {
        this.failFrom(err);
      }
    });
    socket.on('error', () => this.teardown('ECONNRESET'));
    socket.on('close', () => this.teardown(undefined));
    this.handshakeTimer = setTimeout(() => {
      if (this.state === 'hello' || this.state === 'auth') this.fail('ETIMEDOUT', `not authenticated within ${limits.handshakeTimeoutMs} ms`);
    }, limits.handshakeTimeoutMs);
    this.handshakeTimer.unref();
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  sendJson(type: FrameTypeCode, body: unknown): void {
    this.write(encodeJsonFrame(type, body));
  }

  sendBinary(type: FrameTypeCode, payload: Uint8Array): void {
    this.write(encodeFrame(type, payload));
  }

  private write(frame: Buffer): void {
    if (this.state === 'closed') return;
    // What is already queued counts, not the frame at hand: one large reply (pg dump) may exceed the bound.
    if (this.socket.writableLength > this.limits.maxBufferedBytes) {
      this.fail('ELIMIT', `peer is not reading: more than ${this.limits.maxBufferedBytes} bytes queued`);
      return;
    }
    this.socket.write(frame);
  }

  /** Sends an ERROR frame, closes the session, logs once. */
  fail(code: string, message: string): void {
    if (this.state === 'closed') return;
    this.host.log.warn({ session: this.id, entity: this.entity || undefined, remote: this.remote, code }, `closing session: ${message}`);
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
      this.socket.end(encodeJsonFrame(FrameType.CLOSE, { reason }));
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
    this.host.closed(this, code);
  }

  private failFrom(err: unknown): void {
    if (err instanceof ProtocolError || err instanceof FrameError) this.fail(err.code, err.message);
    else this.fail('EPROTO', err instanceof Error ? err.message : String(err));
  }

  private onFrame(type: number, payload: Buffer): void {
    if (this.state === 'closed') return;
    try {
      this.dispatch(type, payload);
    } catch (err) {
      this.failFrom(err);
    }
  }

  private dispatch(type: number, payload: Buffer): void {
    switch (this.state) {
      case 'hello':
        if (type !== FrameType.HELLO) throw new ProtocolError('ESTATE', `expected HELLO, got ${frameTypeName(type)}`);
        return this.onHello(decodeJson<HelloMsg>(type, payload));
      case 'auth':
        if (type !== FrameType.AUTH) throw new ProtocolError('ESTATE', `expected AUTH, got ${frameTypeName(type)}`);
        return this.onAuth(decodeJson<AuthMsg>(type, payload));
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
    this.sendJson(FrameType.CHALLENGE, { version: Math.min(PROTOCOL_VERSION, m.version), server_nonce: this.serverNonce, mgr: this.host.mgrName });
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
        const msg = decodeJson<OpenMsg>(type, payload);
        const configure = this.host.open(this, msg);
        this.state = 'open';
        this.sendJson(FrameType.CONFIGURE, configure);
        return;
      }
      case FrameType.REPORT:
        this.need(caps.daemon, 'REPORT');
        if (this.state !== 'open') throw new ProtocolError('ESTATE', 'REPORT before OPEN');
        return this.host.report(this, payload);
      case FrameType.PG_STATS:
      case FrameType.PG_STATS_BIN: {
        const what = frameTypeName(type);
        this.need(caps.daemon, what);
        // The cluster source (mon profile) sends any OSD's PG stats without opening as a daemon.
        if (this.state !== 'open' && !caps.mapSource) throw new ProtocolError('ESTATE', `${what} before OPEN`);
        if (type === FrameType.PG_STATS_BIN) return this.host.pgStatsBinary(this, payload);
        return this.host.pgStats(this, decodeJson<PgStatsMsg>(type, payload));
      }
      case FrameType.MAP:
        this.need(caps.mapSource, 'MAP');
        return this.host.map(this, decodeJson<MapMsg>(type, payload));
      case FrameType.COMMAND: {
        this.need(caps.read, 'COMMAND');
        const msg = decodeJson<CommandMsg>(type, payload);
        if (typeof msg !== 'object' || msg === null || !Number.isInteger(msg.tid)) throw new ProtocolError('EBADMSG', 'COMMAND needs an integer tid');
        this.host.command(this, msg).then(
          (reply) => this.sendJson(FrameType.COMMAND_REPLY, reply),
          (err: unknown) => this.sendJson(FrameType.COMMAND_REPLY, { tid: msg.tid, r: -5, outs: `internal error: ${String(err)}`, outb: '' }),
        );
        return;
      }
      case FrameType.CLOSE:
        this.socket.end();
        this.teardown(undefined);
        return;
      default:
        throw new ProtocolError('EPROTO', `unexpected frame ${frameTypeName(type)} in state ${this.state}`);
    }
  }
}
