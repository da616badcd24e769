// dashboard: a live web UI served by the manager itself (Ceph's dashboard
// module, reduced to the core views): overview, OSDs, pools, hosts, PGs,
// manager modules, configuration and a command console, with users and roles.
// HTTPS with a self-signed certificate unless ssl=false. See docs/dashboard.md.

import { existsSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  Errno, listenerOptions, MgrModule, type CmdMap, type CommandCaller, type CommandReturn, type ModuleCommand, type ModuleOption, type NotifyType,
} from '../../src/mgr-module/index.js';
import { AccessControl, ROLES, UserError, type Role } from './server/access-control.js';
import { createApp } from './server/http-app.js';
import { LiveHub, type Topic } from './server/live-hub.js';
import { LoginLimiter, SessionTokens, newSecret } from './server/sessions.js';
import { checkCertPair, checkPem, selfSignedCert, type CertPair } from './server/tls.js';
import { hostsView, ioSample, overviewView, pgsView, poolsView, type IoSample } from './server/views-cluster.js';
import { OsdTableBuilder } from './server/views-osds.js';

/** Where `npm run build` puts the bundled frontend (beside the compiled module, or under dist/ when run from source). */
export function staticDir(): string | undefined {
  const here = import.meta.dirname;
  return [join(here, 'static'), join(here, '../../dist/modules/dashboard/static')].find((d) => existsSync(join(d, 'index.html')));
}

/** IO samples kept for the overview charts (at the default 2 s interval: 5 minutes). */
const IO_HISTORY = 150;

export class Module extends MgrModule {
  static override COMMANDS: readonly ModuleCommand[] = [
    { cmd: 'dashboard ac-user-create name=username,type=CephString name=password,type=CephString,req=false name=rolename,type=CephChoices,strings=administrator|read-only,req=false', desc: 'Create a dashboard user (password as argument or with -i FILE; role administrator by default)', perm: 'w' },
    { cmd: 'dashboard ac-user-delete name=username,type=CephString', desc: 'Delete a dashboard user', perm: 'w' },
    { cmd: 'dashboard ac-user-show name=username,type=CephString,req=false', desc: 'Show a dashboard user, or list them all', perm: 'r' },
    { cmd: 'dashboard create-self-signed-cert', desc: 'Create and use a self-signed HTTPS certificate', perm: 'w' },
    { cmd: 'dashboard set-ssl-certificate', desc: 'Use the PEM certificate given with -i FILE', perm: 'w' },
    { cmd: 'dashboard set-ssl-certificate-key', desc: 'Use the PEM private key given with -i FILE', perm: 'w' },
    { cmd: 'dashboard get-url', desc: 'Show the dashboard URL (as `mgr services` does)', perm: 'r' },
  ];

  static override MODULE_OPTIONS: readonly ModuleOption[] = [
    ...listenerOptions({ addr: '::', port: 8080, serves: 'HTTP requests', ssl: { port: 8443, default: true } }),
    { name: 'jwt_token_ttl', type: 'int', default: 28800, min: 60, max: 31_536_000, desc: 'Session lifetime in seconds' },
    { name: 'live_update_interval', type: 'secs', default: 2, min: 1, max: 60, desc: 'Seconds between live view updates (one shared computation for every open page)' },
    { name: 'live_max_connections', type: 'int', default: 200, min: 1, max: 10_000, desc: 'Open live-update connections at most (browser tabs)' },
    { name: 'login_max_failures', type: 'int', default: 5, min: 1, max: 1000, desc: 'Failed logins per client address and per user in a minute before logins are refused (429)' },
  ];

  static override NOTIFY_TYPES: readonly NotifyType[] = ['osd_map', 'health'];

  static override canRun(): [boolean, string] {
    return staticDir() ? [true, ''] : [false, 'Frontend assets not found: run `npm run build` (npm ci does it)'];
  }

  private server: Server | undefined;
  private boundKey = '';
  private timer: NodeJS.Timeout | undefined;
  private readonly io: IoSample[] = [];
  private readonly viewErrors = new Map<Topic, string>();
  private readonly osdTable = new OsdTableBuilder();
  private readonly users = new AccessControl({ get: (k) => this.getStore(k), set: (k, v) => this.setStore(k, v) });
  private readonly tokens = new SessionTokens(() => this.getStore('jwt_secret') ?? '');
  private readonly limiter = new LoginLimiter(() => this.getModuleOption<number>('login_max_failures', 5), 60_000);
  readonly hub = new LiveHub({
    compute: (t) => this.compute(t),
    maxSubscribers: () => this.getModuleOption<number>('live_max_connections', 200),
    maxBufferedBytes: 8 * 1024 * 1024,
    // Logged when the reason changes, not every interval (before the first maps arrive, every view waits for them).
    onError: (topic, err) => {
      const why = err instanceof Error ? err.message : String(err);
      if (this.viewErrors.get(topic) === why) return;
      this.viewErrors.set(topic, why);
      this.log.warn({ topic, err: err instanceof Error ? err.stack : why }, 'dashboard view not available');
    },
  });

  override async serve(): Promise<void> {
    if (!this.getStore('jwt_secret')) await this.setStore('jwt_secret', newSecret());
    this.sampleIo();
    this.schedule();
    await this.listen();
  }

  override async shutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.hub.close();
    await this.closeServer();
  }

  override async configNotify(): Promise<void> {
    await this.listen();
  }

  override notify(): void {
    // Map and health changes reach open pages at the next interval; nothing to do per event.
  }

  private liveIntervalMs(): number {
    return this.getModuleOption<number>('live_update_interval', 2) * 1000;
  }

  /** The one periodic step: an IO sample, then every watched topic computed once and sent. */
  private schedule(): void {
    this.timer = setTimeout(() => {
      if (this.signal.aborted) return;
      try {
        this.sampleIo();
        this.hub.tick(Date.now());
        this.tokens.prune(Math.floor(Date.now() / 1000));
      } catch (err) {
        this.log.error({ err: err instanceof Error ? err.stack : String(err) }, 'dashboard update failed');
      }
      this.schedule();
    }, this.liveIntervalMs());
    this.timer.unref();
  }

  private sampleIo(): void {
    let sample: IoSample;
    try {
      sample = ioSample(this, Math.floor(Date.now() / 1000));
    } catch {
      return; // no PG stats yet: the charts start with the first
    }
    this.io.push(sample);
    if (this.io.length > IO_HISTORY) this.io.splice(0, this.io.length - IO_HISTORY);
  }

  private compute(t: Topic): unknown {
    switch (t) {
      case 'overview': return overviewView(this, this.io);
      case 'osds': return this.osdTable.build(this);
      case 'pools': return poolsView(this);
      case 'hosts': return hostsView(this);
      case 'pgs': return pgsView(this);
    }
  }

  private ssl(): boolean {
    return this.getModuleOption<boolean>('ssl', true);
  }

  /** Certificate and key from the store; a self-signed pair is made (and kept) the first time. */
  private async certPair(): Promise<CertPair> {
    const cert = this.getStore('crt');
    const key = this.getStore('key');
    if (cert && key) return { cert, key };
    this.log.info('dashboard: no HTTPS certificate set, creating a self-signed one');
    const pair = await selfSignedCert(new Date());
    await this.setStore('crt', pair.cert);
    await this.setStore('key', pair.key);
    return pair;
  }

  /** (Re)binds the listener when address, port, ssl or certificate changed; publishes the URI in `mgr services`. */
  private async listen(force = false): Promise<void> {
    const ssl = this.ssl();
    const addr = this.getModuleOption<string>('server_addr', '::');
    const port = ssl ? this.getModuleOption<number>('ssl_server_port', 8443) : this.getModuleOption<number>('server_port', 8080);
    const pair = ssl ? await this.certPair() : undefined;
    if (pair) {
      try {
        checkCertPair(pair);
      } catch (err) {
        // A half-replaced pair (certificate set, key not yet): keep serving the old one.
        if (this.server) return;
        throw new Error(`dashboard HTTPS certificate: ${(err as Error).message}`);
      }
    }
    const key = JSON.stringify([ssl, addr, port, pair?.cert ?? '']);
    if (!force && key === this.boundKey && this.server) return;
    await this.closeServer();
    const app = createApp({
      log: this.log, users: this.users, tokens: this.tokens, limiter: this.limiter, hub: this.hub, reader: this, staticDir: staticDir() ?? '',
      secure: () => ssl,
      sessionTtlS: () => this.getModuleOption<number>('jwt_token_ttl', 28800),
      liveIntervalMs: () => this.liveIntervalMs(),
      nowMs: () => Date.now(),
      runCommand: (cmd: CmdMap | readonly string[], inbuf: string, caller: CommandCaller) => this.runCommand(cmd, inbuf, caller),
    });
    const server = pair ? createHttpsServer({ cert: pair.cert, key: pair.key }, app) : createHttpServer(app);
    // Bound what an idle or slow peer can hold: headers within 20 s, the whole request (body included) within 30 s.
    // requestTimeout counts until the request is received, so a live stream (a GET) is not cut by it.
    server.headersTimeout = 20_000;
    server.requestTimeout = 30_000;
    server.keepAliveTimeout = 5_000;
    server.maxHeadersCount = 100;
    const host = addr === '' ? '::' : addr;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, ipv6Only: false }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.log.error({ err: String(err) }, 'dashboard listener error'));
    this.server = server;
    this.boundKey = key;
    const bound = (server.address() as AddressInfo).port;
    const uriHost = host === '::' || host === '0.0.0.0' ? hostname() : host.includes(':') ? `[${host}]` : host;
    const uri = `${ssl ? 'https' : 'http'}://${uriHost}:${bound}/`;
    this.log.info({ uri }, 'dashboard serving');
    await this.publishService(uri);
  }

  private async closeServer(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    this.boundKey = '';
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  override async handleCommand(inbuf: string, cmd: CmdMap): Promise<CommandReturn> {
    try {
      switch (cmd.prefix) {
        case 'dashboard ac-user-create': {
          const password = typeof cmd.password === 'string' ? cmd.password : inbuf.replace(/\r?\n$/, '');
          if (!password) return [-Errno.EINVAL, '', 'Please specify the password (as an argument or with -i FILE)'];
          const role = (typeof cmd.rolename === 'string' ? cmd.rolename : 'administrator') as Role;
          const u = await this.users.create(String(cmd.username), password, role, Math.floor(Date.now() / 1000));
          return [0, JSON.stringify(u), ''];
        }
        case 'dashboard ac-user-delete':
          return (await this.users.delete(String(cmd.username))) ? [0, '', `User '${String(cmd.username)}' deleted`] : [-Errno.ENOENT, '', `User '${String(cmd.username)}' does not exist`];
        case 'dashboard ac-user-show': {
          if (typeof cmd.username !== 'string') return [0, JSON.stringify(this.users.list()), ''];
          const u = this.users.get(cmd.username);
          return u ? [0, JSON.stringify(u), ''] : [-Errno.ENOENT, '', `User '${cmd.username}' does not exist`];
        }
        case 'dashboard create-self-signed-cert': {
          const pair = await selfSignedCert(new Date());
          await this.setStore('crt', pair.cert);
          await this.setStore('key', pair.key);
          if (this.ssl()) await this.listen(true);
          return [0, '', 'Self-signed certificate created'];
        }
        case 'dashboard set-ssl-certificate':
        case 'dashboard set-ssl-certificate-key': {
          if (!inbuf.trim()) return [-Errno.EINVAL, '', 'Please specify the file with -i FILE'];
          const isKey = cmd.prefix.endsWith('-key');
          try {
            checkPem(isKey ? 'key' : 'cert', inbuf);
          } catch (err) {
            return [-Errno.EINVAL, '', (err as Error).message];
          }
          await this.setStore(isKey ? 'key' : 'crt', inbuf);
          const pair = { cert: this.getStore('crt') ?? '', key: this.getStore('key') ?? '' };
          try {
            checkCertPair(pair);
          } catch (err) {
            return [0, '', `SSL ${isKey ? 'key' : 'certificate'} stored; still serving the previous pair: ${(err as Error).message}`];
          }
          if (this.ssl()) await this.listen(true);
          return [0, '', `SSL ${isKey ? 'certificate key' : 'certificate'} updated`];
        }
        case 'dashboard get-url':
          return [0, (this.get('mgr_map').services).dashboard ?? '', ''];
      }
    } catch (err) {
      if (err instanceof UserError) return [-Errno.EINVAL, '', err.message];
      throw err;
    }
    return [-Errno.EINVAL, '', `unknown command '${cmd.prefix}'`];
  }
}

export { ROLES };
