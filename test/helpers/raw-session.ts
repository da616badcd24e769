// A bare wire-protocol peer for tests that need to misbehave on purpose.

import { connect, type Socket } from 'node:net';
import { clientProof, newNonce } from '../../src/protocol/auth.js';
import { encodeJsonFrame, FrameDecoder, FrameType, PROTOCOL_VERSION } from '../../src/protocol/frames.js';

export interface RawSession {
  socket: Socket;
  frames: Array<{ type: number; body: string }>;
  closed: Promise<void>;
  next: (type?: number, ms?: number) => Promise<{ type: number; body: string }>;
  send: (buf: Buffer) => void;
}

/** `localAddress`: the source address (any 127.x.y.z on Linux loopback: another peer for per-peer limits). */
export function openRaw(addr: string, opts: { localAddress?: string } = {}): Promise<RawSession> {
  const [host, port] = addr.split(':');
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(port), localAddress: opts.localAddress });
    const frames: Array<{ type: number; body: string }> = [];
    const waiters: Array<() => void> = [];
    const dec = new FrameDecoder(1 << 30, (type, p) => {
      frames.push({ type, body: p.toString() });
      for (const w of waiters.splice(0)) w();
    });
    let onClose: () => void = () => undefined;
    const closed = new Promise<void>((r) => (onClose = r));
    socket.on('data', (c: Buffer) => dec.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      onClose();
      for (const w of waiters.splice(0)) w();
    });
    let read = 0;
    const next = async (type?: number, ms = 5000): Promise<{ type: number; body: string }> => {
      const end = Date.now() + ms;
      for (;;) {
        while (read < frames.length) {
          const f = frames[read++]!;
          if (type === undefined || f.type === type) return f;
        }
        if (socket.destroyed || Date.now() > end) throw new Error(`no frame${type ? ` of type ${type}` : ''} (got ${frames.map((f) => f.type).join(',')})`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
    };
    socket.once('connect', () => resolve({ socket, frames, closed, next, send: (b) => socket.write(b) }));
    socket.once('error', reject);
  });
}

/** Waits for the ERROR frame that closes the session, checks its code, returns its message once the socket closed. */
export async function expectError(s: RawSession, code: string): Promise<string> {
  const f = await s.next(FrameType.ERROR);
  const e = JSON.parse(f.body) as { code: string; message: string };
  if (e.code !== code) throw new Error(`expected ERROR ${code}, got ${e.code}: ${e.message}`);
  await s.closed;
  return e.message;
}

/** Handshake as `entity` with `secret`, speaking protocol versions 1..`version`; resolves once AUTH_OK arrived, to the version the server chose. */
export async function authenticate(s: RawSession, entity: string, secret: Buffer, version = PROTOCOL_VERSION): Promise<number> {
  s.send(encodeJsonFrame(FrameType.HELLO, { protocol: 'mgrd', version, min_version: 1, entity }));
  const ch = JSON.parse((await s.next(FrameType.CHALLENGE)).body) as { server_nonce: string; version: number };
  const cn = newNonce();
  s.send(encodeJsonFrame(FrameType.AUTH, { client_nonce: cn, proof: clientProof(secret, entity, ch.server_nonce, cn) }));
  await s.next(FrameType.AUTH_OK);
  return ch.version;
}

export function reportFrame(values: number[], head?: unknown): Buffer {
  const h = head === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(head));
  const payload = Buffer.alloc(4 + h.length + values.length * 8);
  payload.writeUInt32LE(h.length, 0);
  h.copy(payload, 4);
  values.forEach((v, i) => payload.writeDoubleLE(v, 4 + h.length + i * 8));
  const out = Buffer.alloc(5 + payload.length);
  out.writeUInt32BE(payload.length + 1, 0);
  out[4] = FrameType.REPORT;
  payload.copy(out, 5);
  return out;
}
