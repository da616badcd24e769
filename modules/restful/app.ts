// The express application: ROUTES mounted with, for each endpoint, in this
// order: the key check (before anything of the request is read or parsed
// beyond its head), the write-capability check, the bounded JSON body parser,
// then the handler. Answers are JSON as Ceph's module writes it; errors are
// {"message": ...} with a status. Every request is logged once (access log).

import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from '../../src/mgr-module/index.js';
import { HttpError } from './http-errors.js';
import { parseBasicAuth, type KeyStore, type KeyUser } from './keys.js';
import { pyJson } from './py-json.js';
import { TooManyRequests } from './requests.js';
import { ROUTES, type ApiHost, type Endpoint, type Method } from './routes.js';

export interface AppHost extends ApiHost {
  keys: KeyStore;
  log: Logger;
  /** Ceph's enable_auth: false lets anyone in with full rights. */
  authEnabled: boolean;
  /** Largest request body read, bytes. */
  maxBodyBytes: number;
}

const REALM = 'Basic realm="Login Required"';
const ANONYMOUS: KeyUser = { name: 'anonymous', caps: 'rw' };

function send(res: Response, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = Buffer.from(pyJson(value) ?? 'null');
  // setHeader, not res.set: Ceph's Content-Type has no charset parameter.
  res.statusCode = status;
  for (const [k, v] of Object.entries({ 'Content-Type': 'application/json', 'Content-Length': String(body.length), ...headers })) res.setHeader(k, v);
  res.end(body);
}

/** Whether the request still has a body on the wire that we will not read. */
function hasUnreadBody(req: Request): boolean {
  return !req.complete && (req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0);
}

/**
 * An answer sent without reading the body: the connection closes after it, so a
 * peer cannot make us read (and discard) a body it streams after being refused.
 */
function refuse(req: Request, res: Response, status: number, message: string, headers: Record<string, string> = {}): void {
  const close = hasUnreadBody(req);
  send(res, status, { message }, close ? { ...headers, Connection: 'close' } : headers);
  if (close) res.once('finish', () => req.socket.destroySoon());
}

function userOf(res: Response): KeyUser {
  return (res.locals.user as KeyUser | undefined) ?? ANONYMOUS;
}

function authenticate(host: AppHost, ep: Endpoint): RequestHandler {
  return (req, res, next) => {
    if (ep.public || !host.authEnabled) {
      next();
      return;
    }
    const creds = parseBasicAuth(req.headers.authorization);
    if (creds === undefined) {
      refuse(req, res, 401, 'auth: No HTTP username/password', { 'WWW-Authenticate': REALM });
      return;
    }
    const user = host.keys.verify(creds.user, creds.password);
    if (user === undefined) {
      // One message for an unknown user and a wrong key (Ceph tells them apart, which names its users).
      refuse(req, res, 401, 'auth: Incorrect username or password', { 'WWW-Authenticate': REALM });
      return;
    }
    res.locals.user = user;
    next();
  };
}

function requireWrite(ep: Endpoint): RequestHandler {
  return (req, res, next) => {
    const user = userOf(res);
    if (ep.write && user.caps !== 'rw') {
      refuse(req, res, 403, `auth: key '${user.name}' is read-only; ${req.method} ${req.path} changes the cluster`);
      return;
    }
    next();
  };
}

function handler(host: AppHost, ep: Endpoint): RequestHandler {
  return async (req, res) => {
    const value = await ep.run(host, { params: req.params as Record<string, string>, query: req.query, body: req.body, user: userOf(res) });
    send(res, 200, value);
  };
}

export function restfulApp(host: AppHost): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use((req, res, next) => {
    const start = process.hrtime.bigint();
    res.once('close', () => {
      host.log.info({
        remote: req.socket.remoteAddress, method: req.method, path: req.originalUrl.slice(0, 256), status: res.statusCode,
        user: (res.locals.user as KeyUser | undefined)?.name, ms: Number(process.hrtime.bigint() - start) / 1e6,
      }, 'restful request');
    });
    next();
  });
  const json = express.json({ limit: host.maxBodyBytes, type: () => true, strict: true });
  for (const route of ROUTES) {
    const path = route.path.replace('<arg>', ':arg');
    const methods = Object.entries(route.methods) as Array<[Method, Endpoint]>;
    for (const [method, ep] of methods) {
      const chain = [authenticate(host, ep), requireWrite(ep), ...(ep.body ? [json] : []), handler(host, ep)];
      app[method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete'](path, ...chain);
    }
    const allow = methods.map(([m]) => m).join(', ');
    app.all(path, (req, res) => refuse(req, res, 405, `${req.method} is not allowed on ${route.path} (${allow})`, { Allow: allow }));
  }
  app.use((req, res) => refuse(req, res, 404, `No such endpoint: ${req.path.slice(0, 256)}`));
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) {
      req.socket.destroy();
      return;
    }
    const e = err as Error & { type?: string; status?: number };
    if (err instanceof HttpError) refuse(req, res, err.status, err.message, err.headers);
    else if (err instanceof TooManyRequests) refuse(req, res, 503, err.message);
    else if (e.type === 'entity.too.large') refuse(req, res, 413, `Request body larger than ${host.maxBodyBytes} bytes (max_body_bytes)`);
    else if (e.type === 'entity.parse.failed') refuse(req, res, 400, 'Bad request: malformed JSON or wrong Content-Type');
    else if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) refuse(req, res, e.status, `Bad request: ${e.message}`);
    else {
      host.log.error({ err: e instanceof Error ? e.stack : String(err), path: req.path }, 'restful request failed');
      refuse(req, res, 500, `Internal error: ${e instanceof Error ? e.message : String(err)}`);
    }
  });
  return app;
}
