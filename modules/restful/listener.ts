// The HTTPS listener, with the bounds an unauthenticated peer meets before any
// of our code runs: TLS 1.2+, a handshake deadline, header size and time
// limits, a whole-request deadline, idle keep-alive cut, and a cap on open
// connections. Node's https server does the work; we choose the numbers.

import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { RequestListener } from 'node:http';
import { listenOn } from '../../src/mgr-module/index.js';

export interface ListenerLimits {
  /** Longest a client may take to complete the TLS handshake. */
  handshakeTimeoutMs: number;
  /** Largest request head (request line and headers), bytes. */
  maxHeaderBytes: number;
  /** Longest a client may take to send the request head. */
  headersTimeoutMs: number;
  /** Longest a client may take to send the whole request (head and body). */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** Open connections at once; more are refused at accept. */
  maxConnections: number;
}

export const LISTENER_LIMITS: Readonly<ListenerLimits> = Object.freeze({
  handshakeTimeoutMs: 10_000,
  maxHeaderBytes: 16 * 1024,
  headersTimeoutMs: 15_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 256,
});

export class HttpsListener {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  /** Listens with this certificate; rejects (EADDRINUSE, a bad key...) without leaving anything open. */
  async listen(host: string | undefined, port: number, tls: { crt: string; key: string }, app: RequestListener, limits: ListenerLimits = LISTENER_LIMITS, onTlsError?: (err: Error) => void): Promise<AddressInfo> {
    await this.close(0);
    const server = createServer({
      cert: tls.crt,
      key: tls.key,
      minVersion: 'TLSv1.2',
      handshakeTimeout: limits.handshakeTimeoutMs,
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
    }, app);
    server.maxConnections = limits.maxConnections;
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    if (onTlsError) server.on('tlsClientError', onTlsError);
    this.server = await listenOn(server, host, port);
    return server.address() as AddressInfo;
  }

  address(): AddressInfo | undefined {
    const a = this.server?.address();
    return a !== null && typeof a === 'object' ? a : undefined;
  }

  /** Stops listening; open connections get `graceMs` to finish, then are cut. Idempotent. */
  async close(graceMs: number): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const cut = (): void => {
      for (const s of this.sockets) s.destroy();
    };
    const timer = setTimeout(cut, graceMs);
    if (graceMs <= 0) cut();
    await closed;
    clearTimeout(timer);
  }
}
