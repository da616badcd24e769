// The dashboard's express application: the bundled frontend, login/logout,
// and the guards every API request passes (session cookie, CSRF token on
// writes, same-origin check, role check on writes). Routes that read or change
// the cluster are in api-routes.ts.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import { canWrite, type DashboardUser } from './access-control.js';
import { apiRoutes } from './api-routes.js';
import { jsonBody } from './json-body.js';
import { apiError, authed, type Authed, type DashboardHost } from './request-context.js';
import type { SessionClaims } from './sessions.js';

export const COOKIE = 'token';
/** Password hashes (scrypt) running at once, at most; more logins meanwhile get 429. */
export const MAX_CONCURRENT_LOGINS = 2;

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const k = part.slice(0, i).trim();
    if (k && !(k in out)) out[k] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

export function createApp(host: DashboardHost): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((req, res, next) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    if (host.secure()) res.setHeader('strict-transport-security', 'max-age=31536000');
    next();
  });

  // API bodies are small JSON: bound what an unauthenticated peer can make us read and parse.
  app.use('/api', jsonBody(64 * 1024, (res, r) => apiError(res, r.status, r.detail, r.code)));
  app.use('/api', (req, res, next) => {
    res.setHeader('cache-control', 'no-store');
    next();
  });

  let hashing = 0;
  app.post('/api/auth', async (req, res) => {
    const body = (req.body ?? {}) as { username?: unknown; password?: unknown };
    const username = typeof body.username === 'string' ? body.username.slice(0, 128) : '';
    const password = typeof body.password === 'string' ? body.password.slice(0, 1024) : '';
    const now = host.nowMs();
    const keys = [`addr:${req.socket.remoteAddress ?? ''}`, `user:${username}`];
    const wait = Math.max(...keys.map((k) => host.limiter.retryAfterMs(k, now)));
    if (wait > 0) {
      res.setHeader('retry-after', String(Math.ceil(wait / 1000)));
      apiError(res, 429, 'Too many failed logins: try again later', 'login_rate_limited');
      return;
    }
    // Each hash is ~50-100 ms of a libuv thread (the manager's file I/O shares them): a few at once, whoever asks.
    if (hashing >= MAX_CONCURRENT_LOGINS) {
      res.setHeader('retry-after', '1');
      apiError(res, 429, 'Too many logins in progress: try again shortly', 'login_busy');
      return;
    }
    // Counted as failed before the hash, so attempts sent all at once are limited as those sent one by one.
    for (const k of keys) host.limiter.fail(k, now);
    hashing++;
    let user: DashboardUser | undefined;
    try {
      user = username && password ? await host.users.authenticate(username, password) : undefined;
    } finally {
      hashing--;
    }
    if (!user) {
      host.log.warn({ username, addr: req.socket.remoteAddress }, 'dashboard login failed');
      apiError(res, 401, 'Invalid credentials', 'invalid_credentials');
      return;
    }
    for (const k of keys) host.limiter.succeed(k);
    const { token, claims } = host.tokens.issue(user.username, Math.floor(host.nowMs() / 1000), host.sessionTtlS());
    res.cookie(COOKIE, token, { httpOnly: true, secure: host.secure(), sameSite: 'strict', path: '/', maxAge: host.sessionTtlS() * 1000 });
    host.log.info({ username }, 'dashboard login');
    res.status(201).json(sessionInfo(host, user, claims));
  });

  // Everything else under /api needs a session.
  app.use('/api', (req, res, next) => {
    const nowS = Math.floor(host.nowMs() / 1000);
    const claims = host.tokens.verify(parseCookies(req.headers.cookie)[COOKIE], nowS);
    const user = claims ? host.users.get(claims.username) : undefined;
    // A token from before the user was re-created (or deleted) is void.
    if (!claims || !user || !user.enabled || claims.iat < user.lastUpdate) {
      apiError(res, 401, 'Not logged in', 'not_authenticated');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const origin = req.headers.origin;
      if (origin !== undefined && !sameOrigin(origin, req.headers.host)) {
        apiError(res, 403, 'Cross-origin request refused', 'bad_origin');
        return;
      }
      const csrf = req.headers['x-csrf-token'];
      if (!host.tokens.checkCsrf(claims, typeof csrf === 'string' ? csrf : undefined)) {
        apiError(res, 403, 'Missing or wrong X-CSRF-Token', 'csrf');
        return;
      }
    }
    const write = canWrite(user);
    res.locals.authed = { user, claims, write, caller: { entity: `dashboard.${user.username}`, read: true, write } } satisfies Authed;
    next();
  });

  app.get('/api/auth', (req, res) => {
    const a = authed(res);
    res.json(sessionInfo(host, a.user, a.claims));
  });
  app.post('/api/auth/logout', (req, res) => {
    host.tokens.revoke(authed(res).claims);
    res.clearCookie(COOKIE, { path: '/' });
    res.status(204).end();
  });

  app.use('/api', apiRoutes(host));
  app.use('/api', (req, res) => apiError(res, 404, `No API route ${req.method} ${req.path}`));

  serveFrontend(app, host.staticDir);

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = err as { status?: number; message?: string };
    if (e.status && e.status >= 400 && e.status < 500) {
      apiError(res, e.status, String(e.message));
      return;
    }
    host.log.error({ err: err instanceof Error ? err.stack : String(err), path: req.path }, 'dashboard request failed');
    if (!res.headersSent) apiError(res, 500, 'Internal error');
    else res.destroy();
  });
  return app;
}

function sessionInfo(host: DashboardHost, user: DashboardUser, claims: SessionClaims): Record<string, unknown> {
  return { username: user.username, roles: user.roles, permissions: { write: canWrite(user) }, csrf: host.tokens.csrfFor(claims), expires: claims.exp };
}

function sameOrigin(origin: string, hostHeader: string | undefined): boolean {
  try {
    return new URL(origin).host === hostHeader;
  } catch {
    return false;
  }
}

/** index.html for every page path; assets precompressed at build time (sent gzipped when the browser takes it). */
function serveFrontend(app: express.Express, dir: string): void {
  const types: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };
  const assets = new Map<string, { type: string; raw: Buffer; gz: Buffer | undefined }>();
  for (const name of ['app.js', 'app.css', 'osd-worker.js', 'favicon.svg']) {
    const p = join(dir, name);
    if (!existsSync(p)) continue;
    const ext = name.slice(name.lastIndexOf('.'));
    assets.set(`/${name}`, { type: types[ext]!, raw: readFileSync(p), gz: existsSync(`${p}.gz`) ? readFileSync(`${p}.gz`) : undefined });
  }
  const index = existsSync(join(dir, 'index.html')) ? readFileSync(join(dir, 'index.html')) : Buffer.from('<!doctype html><title>mgrd dashboard</title><p>The dashboard frontend is not built: run <code>npm run build</code>.</p>');
  app.get(/.*/, (req, res) => {
    const a = assets.get(req.path);
    if (!a) {
      res.setHeader('cache-control', 'no-store');
      res.type('html').send(index);
      return;
    }
    res.setHeader('content-type', a.type);
    res.setHeader('cache-control', 'no-cache');
    res.setHeader('vary', 'accept-encoding');
    if (a.gz && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      res.setHeader('content-encoding', 'gzip');
      res.end(a.gz);
      return;
    }
    res.end(a.raw);
  });
}
