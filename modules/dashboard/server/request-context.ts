// What the dashboard's request handlers share: the module's side of the wiring
// (DashboardHost), the caller of an authenticated request (Authed) and the one
// shape of an API error. Its own file so http-app.ts (the guards) and
// api-routes.ts (the routes it mounts) both depend on it, not on each other.

import type { Response } from 'express';
import type { CmdMap, CommandCaller, CommandReturn, Logger } from '../../../src/mgr-module/index.js';
import type { AccessControl, DashboardUser } from './access-control.js';
import type { LiveHub } from './live-hub.js';
import type { ClusterReader } from './reader.js';
import type { LoginLimiter, SessionClaims, SessionTokens } from './sessions.js';

/** What the app needs from the module (explicit wiring: no module-level state). */
export interface DashboardHost {
  readonly log: Logger;
  readonly users: AccessControl;
  readonly tokens: SessionTokens;
  readonly limiter: LoginLimiter;
  readonly hub: LiveHub;
  readonly reader: ClusterReader;
  readonly staticDir: string;
  /** Serving HTTPS (the cookie gets Secure). */
  secure(): boolean;
  sessionTtlS(): number;
  liveIntervalMs(): number;
  nowMs(): number;
  runCommand(cmd: CmdMap | readonly string[], inbuf: string, caller: CommandCaller): Promise<CommandReturn>;
}

/** What a request handler knows about its caller once authenticated. */
export interface Authed {
  user: DashboardUser;
  claims: SessionClaims;
  write: boolean;
  caller: CommandCaller;
}

export function apiError(res: Response, status: number, detail: string, code?: string): void {
  res.status(status).json({ detail, ...(code ? { code } : {}) });
}

/** The caller the session guard (http-app.ts) put on the response; only for routes mounted behind it. */
export function authed(res: Response): Authed {
  return res.locals.authed as Authed;
}
