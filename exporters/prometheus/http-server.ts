// The HTTP side shared by the active and the standby module: one listener that
// can move to another address or port without a restart, the pages Ceph's
// module serves (index, link to the active, redirects, errors), and the common
// response headers (Server: Ceph-Prometheus, as Ceph's CherryPy sends).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listenOn } from '../../src/mgr-module/index.js';

export const SERVER_HEADER = 'Ceph-Prometheus';
export const HTML = 'text/html;charset=utf-8';

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** An HTTP listener that can be re-bound at runtime (configNotify) and closed within a bound. */
export class HttpListener {
  private server: Server | undefined;
  private bound: { host: string | undefined; port: number } | undefined;

  constructor(
    private readonly handler: Handler,
    private readonly onError: (err: unknown, req: IncomingMessage) => void,
  ) {}

  /** The bound address, or undefined when not listening. */
  address(): AddressInfo | undefined {
    const a = this.server?.address();
    return a !== null && typeof a === 'object' ? a : undefined;
  }

  /** Whether it already listens where asked (port 0 matches any port it got). */
  listensOn(host: string | undefined, port: number): boolean {
    return this.bound !== undefined && this.bound.host === host && (port === 0 || this.bound.port === port);
  }

  /**
   * Listens on host:port, replacing any current listener. A new port is bound
   * before the old one closes; the same port (another address) closes first,
   * since the old wildcard bind would refuse it. On failure the old binding is
   * restored where possible and the error thrown.
   */
  async listen(host: string | undefined, port: number): Promise<AddressInfo> {
    if (this.listensOn(host, port)) return this.address()!;
    const old = this.server;
    const oldBound = this.bound;
    const samePort = old !== undefined && port !== 0 && this.address()?.port === port;
    if (samePort) await this.close(1000);
    try {
      const server = await this.open(host, port);
      if (!samePort && old !== undefined) await closeServer(old, 1000);
      this.server = server;
      this.bound = { host, port };
      return this.address()!;
    } catch (err) {
      if (samePort && oldBound !== undefined) {
        try {
          this.server = await this.open(oldBound.host, oldBound.port);
          this.bound = oldBound;
        } catch {
          // the old address is gone too: stay closed, the caller reports it
        }
      }
      throw err;
    }
  }

  private open(host: string | undefined, port: number): Promise<Server> {
    const server = createServer((req, res) => {
      res.setHeader('Server', SERVER_HEADER);
      this.handler(req, res).catch((err: unknown) => {
        this.onError(err, req);
        if (!res.headersSent) sendPage(res, 500, errorPage(500, 'Internal error'));
        else res.destroy();
      });
    });
    return listenOn(server, host, port);
  }

  /** Stops listening; open connections get `graceMs` to finish, then are cut. Idempotent. */
  async close(graceMs: number): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.bound = undefined;
    if (server !== undefined) await closeServer(server, graceMs);
  }
}

async function closeServer(server: Server, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  await closed;
  clearTimeout(timer);
}

export function sendPage(res: ServerResponse, status: number, html: string, extra: Record<string, string> = {}): void {
  const body = Buffer.from(html);
  res.writeHead(status, { 'Content-Type': HTML, 'Content-Length': body.length, ...extra });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/** Ceph's index page; `metricsHref` is '/metrics' on the active, the active's URI + 'metrics' on a standby. */
export function indexPage(metricsHref: string): string {
  return `<!DOCTYPE html>
<html>
    <head><title>Ceph Exporter</title></head>
    <body>
        <h1>Ceph Exporter</h1>
        <p><a href='${escapeHtml(metricsHref)}'>Metrics</a></p>
    </body>
</html>`;
}

const REASONS: Record<number, string> = {
  301: 'Moved Permanently', 404: 'Not Found', 405: 'Method Not Allowed', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');
}

/** An error page shaped like CherryPy's (title and heading "<status> <reason>", the message below). */
export function errorPage(status: number, message: string): string {
  const title = `${status} ${reasonPhrase(status)}`;
  return `<!DOCTYPE html>
<html>
<head>
    <meta http-equiv="Content-Type" content="text/html; charset=utf-8"></meta>
    <title>${title}</title>
</head>
    <body>
        <h2>${title}</h2>
        <p>${escapeHtml(message)}</p>
    </body>
</html>
`;
}

/**
 * CherryPy's answer to a path without its trailing slash: 301 to the same path
 * with one, absolute as CherryPy writes it. The Host header is the client's to
 * choose: it is taken only when it is a plain host[:port], otherwise the
 * address the request came in on; the path is percent-encoded, its leading
 * slashes made one (no header injection, no redirect to another host).
 */
export function redirectToSlash(req: IncomingMessage, res: ServerResponse): void {
  const location = `http://${redirectHost(req)}${safePath((req.url ?? '/').split('?')[0] ?? '/')}/`;
  const html = `This resource has permanently moved to <a href="${escapeHtml(location)}">${escapeHtml(location)}</a>.`;
  sendPage(res, 301, html, { Location: location });
}

/** A DNS name or IPv4 address, or a bracketed IPv6 address, with an optional port. */
const HOST_PORT = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$/;

function redirectHost(req: IncomingMessage): string {
  const host = req.headers.host;
  if (host !== undefined && host.length <= 260 && HOST_PORT.test(host)) return host;
  let addr = (req.socket.localAddress ?? '127.0.0.1').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  if (addr.includes(':')) addr = `[${addr}]`;
  return `${addr}:${req.socket.localPort ?? 80}`;
}

const pct = (byte: number): string => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;

/**
 * The path with one leading slash and every character outside RFC 3986's
 * pchar set (and '/') percent-encoded, valid escapes kept. Node hands the
 * request line's bytes over as latin1 characters: each is one byte.
 */
function safePath(path: string): string {
  const one = `/${path.replace(/^[/\\]+/, '')}`;
  return one.replace(/%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]/g, (c) => {
    const code = c.charCodeAt(0);
    return code < 256 ? pct(code) : [...Buffer.from(c, 'utf8')].map(pct).join('');
  });
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Whether the client takes gzip (Accept-Encoding: gzip, or *, with q > 0). */
export function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  let gzip: number | undefined;
  let star: number | undefined;
  for (const part of header.split(',')) {
    const [token = '', ...params] = part.split(';').map((x) => x.trim().toLowerCase());
    let q = 1;
    for (const p of params) if (p.startsWith('q=')) q = Number(p.slice(2)) || 0;
    if (token === 'gzip' || token === 'x-gzip') gzip = q;
    else if (token === '*') star = q;
  }
  return (gzip ?? star ?? 0) > 0;
}

/** The request path without query: Ceph's module ignores the query string. */
export function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0] ?? '/';
}
