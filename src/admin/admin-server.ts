// The admin HTTP listener: POST /api/v1/command (a Ceph cmdmap in, the
// command's result out, bearer token) and GET /api/v1/health for probes.
// One errno -> HTTP status table (src/common/errno.ts).

import { timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '../common/log.js';
import { Errno, httpStatusForRetval, type CommandResult } from '../common/errno.js';
import type { HealthReport } from '../mgr-module/health.js';
import { splitHostPort } from '../client/mgr-client.js';

export interface AdminServerOptions {
  addr: string;
  token: string;
  log: Logger;
  role: () => { id: string; active: boolean; activeName: string; epoch: number };
  /** Runs a cmdmap on the active manager; undefined when this process is a standby. */
  runCommand: (cmd: Record<string, unknown>) => Promise<CommandResult> | undefined;
  health: () => HealthReport | undefined;
}

interface CommandReply {
  retval: number;
  outb: string;
  outs: string;
}

function reply(res: Response, r: CommandResult): void {
  const body: CommandReply = { retval: r.r, outb: r.outb, outs: r.outs };
  res.status(httpStatusForRetval(r.r)).json(body);
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1]!);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export class AdminServer {
  private server: Server | undefined;

  constructor(private readonly opts: AdminServerOptions) {}

  app(): express.Express {
    const app = express();
    app.disable('x-powered-by');
    app.get('/api/v1/health', (req, res) => {
      const role = this.opts.role();
      const health = this.opts.health();
      const body = {
        mgr: role.id,
        role: role.active ? 'active' : 'standby',
        active_name: role.activeName,
        mgrmap_epoch: role.epoch,
        health: health?.status ?? null,
      };
      // Probes that need the active manager ask ?require=active.
      res.status(req.query.require === 'active' && !role.active ? 503 : 200).json(body);
    });
    app.post(
      '/api/v1/command',
      (req, res, next) => {
        if (!tokenMatches(req.headers.authorization, this.opts.token)) {
          res.setHeader('WWW-Authenticate', 'Bearer realm="mgrd"');
          res.status(401).json({ retval: -Errno.EACCES, outb: '', outs: 'missing or wrong bearer token' } satisfies CommandReply);
          return;
        }
        next();
      },
      express.json({ limit: '1mb', type: () => true }),
      (req: Request, res: Response) => {
        const body: unknown = req.body;
        if (typeof body !== 'object' || body === null || Array.isArray(body)) {
          reply(res, { r: -Errno.EINVAL, outb: '', outs: 'the body must be a JSON object: a cmdmap such as {"prefix": "status"}' });
          return;
        }
        const run = this.opts.runCommand(body as Record<string, unknown>);
        if (!run) {
          const role = this.opts.role();
          reply(res, { r: -Errno.EAGAIN, outb: '', outs: `mgr ${role.id} is a standby; the active manager is '${role.activeName || '(none)'}'` });
          return;
        }
        run.then(
          (r) => reply(res, r),
          (err: unknown) => reply(res, { r: -Errno.EIO, outb: '', outs: `internal error: ${String(err)}` }),
        );
      },
    );
    app.use((req, res) => {
      res.status(404).json({ retval: -Errno.ENOENT, outb: '', outs: `no such endpoint: ${req.method} ${req.path}` });
    });
    // express.json() reports bad bodies here (SyntaxError with status 400, or 413 for too large).
    app.use((err: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
      const status = err.status ?? 500;
      const outs = err.type === 'entity.parse.failed' ? `invalid JSON body: ${err.message}` : err.message;
      res.status(status).json({ retval: status === 413 ? -Errno.EINVAL : status < 500 ? -Errno.EINVAL : -Errno.EIO, outb: '', outs });
    });
    return app;
  }

  /**
   * Listens on the configured address. `fallbacks` > 0: when the port is taken, the next ones
   * (a standby on the active's host: its wanted port is the active's).
   */
  async start(fallbacks = 0): Promise<void> {
    this.server = await this.listenFrom(0, fallbacks);
    this.opts.log.info({ addr: this.address() }, 'admin API listening');
  }

  /**
   * Moves to the configured port + `offset` (or the `fallbacks` after it): the new listener
   * first, then the old one closes. Nothing to do on a configured port 0, or when already there.
   */
  async moveTo(offset: number, fallbacks: number): Promise<void> {
    const wanted = Number(splitHostPort(this.opts.addr)[1]);
    const now = this.server ? this.address().port : -1;
    if (wanted === 0 || (now >= wanted + offset && now <= wanted + offset + fallbacks)) return;
    const next = await this.listenFrom(offset, fallbacks);
    await this.stop();
    this.server = next;
    this.opts.log.info({ addr: this.address() }, 'admin API moved');
  }

  private async listenFrom(offset: number, fallbacks: number): Promise<Server> {
    const [host, portText] = splitHostPort(this.opts.addr);
    const wanted = Number(portText);
    const app = this.app();
    for (let i = 0; ; i++) {
      const port = wanted === 0 ? 0 : wanted + offset + i;
      try {
        return await new Promise<Server>((resolve, reject) => {
          const server = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(server)));
          server.once('error', reject);
        });
      } catch (err) {
        const busy = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
        if (busy && i < fallbacks && port !== 0 && port < 65535) continue;
        const at = port === wanted ? this.opts.addr : `${this.opts.addr} (and the ${i} ports after it)`;
        throw new Error(`cannot listen for the admin API on ${at} (--admin-addr): ${(err as Error).message}`);
      }
    }
  }

  address(): { host: string; port: number } {
    const a = this.server?.address();
    if (!a || typeof a === 'string') throw new Error('admin server not listening');
    return { host: a.address, port: a.port };
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
