// The conversation on the data dir's lock socket between the holder (the
// active manager's process) and the processes waiting for the lock (standbys):
// newline-delimited JSON. The holder challenges each peer to prove it can read
// the data dir (an HMAC with the secret in DIR/store_secret, 0600) before it
// tells it anything: an abstract socket has no file permissions, and the
// key-value store it hands out may hold module credentials.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import type { MgrMap, MgrStandbyInfo } from '../mgr-module/mgr-map-types.js';

export type PeerMessage =
  | { t: 'challenge'; nonce: string }
  | { t: 'auth'; proof: string }
  | { t: 'sync'; map: MgrMap; kv: Record<string, string> }
  | { t: 'join'; standby: MgrStandbyInfo; metadata: Record<string, string> }
  | { t: 'map'; map: MgrMap }
  | { t: 'kv'; key: string; value: string | null };

/** Before a peer has proven itself it may send one short line. */
const PRE_AUTH_MAX_LINE = 1024;
/** After: maps and the key-value store (module stores included) in one line each. */
const MAX_LINE = 256 * 1024 * 1024;

export class PeerLink {
  private buf = '';
  private maxLine = PRE_AUTH_MAX_LINE;
  private closed = false;

  constructor(readonly socket: Socket, private readonly onMessage: (m: PeerMessage) => void) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.take(chunk));
    socket.on('error', () => socket.destroy());
    socket.once('close', () => {
      this.closed = true;
    });
  }

  get open(): boolean {
    return !this.closed && !this.socket.destroyed;
  }

  /** Lifts the line bound once the peer has authenticated. */
  trusted(): void {
    this.maxLine = MAX_LINE;
  }

  send(m: PeerMessage): void {
    if (this.open) this.socket.write(JSON.stringify(m) + '\n');
  }

  close(): void {
    this.socket.destroy();
  }

  private take(chunk: string): void {
    this.buf += chunk;
    for (;;) {
      const nl = this.buf.indexOf('\n');
      if (nl < 0) break;
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      let m: PeerMessage;
      try {
        m = JSON.parse(line) as PeerMessage;
      } catch {
        this.close();
        return;
      }
      if (typeof m !== 'object' || m === null || typeof m.t !== 'string') {
        this.close();
        return;
      }
      this.onMessage(m);
      if (!this.open) return;
    }
    if (this.buf.length > this.maxLine) this.close();
  }
}

/** The data dir's shared secret: whoever opens the dir first creates it (link() is atomic: one creator wins). */
export function storeSecret(dir: string): Buffer {
  const path = join(dir, 'store_secret');
  if (!existsSync(path)) {
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
    try {
      linkSync(tmp, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      unlinkSync(tmp);
    }
  }
  return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
}

export function peerProof(secret: Buffer, nonce: string): string {
  return createHmac('sha256', secret).update(`mgrd-local-v1\0${nonce}`).digest('hex');
}

export function proofMatches(secret: Buffer, nonce: string, proof: unknown): boolean {
  if (typeof proof !== 'string') return false;
  const want = Buffer.from(peerProof(secret, nonce));
  const got = Buffer.from(proof);
  return want.length === got.length && timingSafeEqual(want, got);
}

export const newNonce = (): string => randomBytes(16).toString('hex');
