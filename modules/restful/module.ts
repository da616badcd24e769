// restful: Ceph's REST API for the manager (src/pybind/mgr/restful in Ceph 16).
// HTTPS with the certificate from the module store, HTTP Basic auth with the
// keys of `restful create-key`, read endpoints over the manager's snapshots,
// and asynchronous requests whose commands all go through the manager's one
// dispatcher (runCommand) with the key's rights: cluster changes are answered
// by the cluster source, never here. docs/restful.md lists the endpoints.

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import {
  Errno, MgrModule, checkCertPair, healthCheck, type CmdMap, type CommandReturn, type ModuleCommand, type ModuleOption,
} from '../../src/mgr-module/index.js';
import { restfulApp } from './app.js';
import { createSelfSignedCert } from './cert.js';
import { KeyStore, type KeyCaps } from './keys.js';
import { HttpsListener } from './listener.js';
import { MODULE_OPTIONS, hostForUri, isWildcard, listenHost, readConfig, type RestfulConfig } from './options.js';
import { pyJson } from './py-json.js';
import { RequestList } from './requests.js';

const NOT_SERVING = 'MGR_RESTFUL_NOT_SERVING';
/** Open connections get this long to finish when the server restarts or stops. */
const CLOSE_GRACE_MS = 2000;
/** A failed bind (port taken) is retried after this. */
const BIND_RETRY_MS = 10_000;

export class Module extends MgrModule {
  static override COMMANDS: readonly ModuleCommand[] = [
    { cmd: 'restful create-key name=key_name,type=CephString name=perm,type=CephChoices,strings=r|rw,req=false', desc: 'Create an API key with this name (perm r: a read-only key; default rw)', perm: 'rw' },
    { cmd: 'restful delete-key name=key_name,type=CephString', desc: 'Delete an API key with this name', perm: 'rw' },
    // rw, not Ceph's r: the list shows the keys themselves, which a read-only caller must not get.
    { cmd: 'restful list-keys', desc: 'List all API keys', perm: 'rw' },
    { cmd: 'restful create-self-signed-cert', desc: 'Create localized self signed certificate', perm: 'rw' },
    { cmd: 'restful restart', desc: 'Restart API server', perm: 'rw' },
  ];

  static override MODULE_OPTIONS: readonly ModuleOption[] = MODULE_OPTIONS;

  private cfg: RestfulConfig = readConfig((n, d) => this.getModuleOption(n, d));
  private readonly keys = new KeyStore(this);
  private readonly requests = new RequestList(() => this.cfg.maxRequests);
  private readonly listener = new HttpsListener();
  /** Restarts run one after another; this is the last one. */
  private restarting: Promise<void> = Promise.resolve();
  private bindRetry: NodeJS.Timeout | undefined;
  private stopped = false;

  /** Called by the registry once: starts the HTTPS server (or says in health why it cannot) and returns. */
  override async serve(): Promise<void> {
    await this.restart();
  }

  override async shutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.bindRetry);
    await this.restarting;
    await this.listener.close(CLOSE_GRACE_MS);
  }

  /** Any option change restarts the server (Ceph reads them when it (re)starts too). */
  override configNotify(): void {
    const before = this.cfg;
    this.cfg = readConfig((n, d) => this.getModuleOption(n, d));
    if (JSON.stringify(before) !== JSON.stringify(this.cfg)) void this.restart();
  }

  override async handleCommand(_inbuf: string, cmd: CmdMap): Promise<CommandReturn> {
    switch (cmd.prefix) {
      case 'restful create-key': {
        const name = String(cmd.key_name);
        if (name === '' || name.includes('/') || name.includes(':')) return [-Errno.EINVAL, '', `key_name: '${name}' is not a valid key name (non-empty, no '/' or ':')`];
        const key = await this.keys.create(name, cmd.perm as KeyCaps | undefined);
        return [0, key, ''];
      }
      case 'restful delete-key':
        await this.keys.delete(String(cmd.key_name));
        return [0, '', ''];
      case 'restful list-keys':
        return [0, pyJson(this.keys.reload()), ''];
      case 'restful create-self-signed-cert': {
        const { crt, key } = await createSelfSignedCert(this.certNames());
        // Kept for every manager (not per manager id as Ceph does), so a standby that takes over serves at once.
        await this.setStore('crt', crt);
        await this.setStore('key', key);
        await this.setStore(`${this.getMgrId()}/crt`, undefined);
        await this.setStore(`${this.getMgrId()}/key`, undefined);
        void this.restart();
        return [0, 'Restarting RESTful API server...', ''];
      }
      case 'restful restart':
        void this.restart();
        return [0, 'Restarting RESTful API server...', ''];
      default:
        return [-Errno.EINVAL, '', `Command not found '${cmd.prefix}'`];
    }
  }

  /** Closes the server and starts it again with the current options, keys and certificate. Never rejects. */
  private restart(): Promise<void> {
    this.restarting = this.restarting.then(() => this.restartNow()).catch((err: unknown) => {
      this.log.error({ err: err instanceof Error ? err.stack : String(err) }, 'restful restart failed');
    });
    return this.restarting;
  }

  private async restartNow(): Promise<void> {
    clearTimeout(this.bindRetry);
    if (this.stopped) return;
    await this.listener.close(CLOSE_GRACE_MS);
    this.keys.reload();
    const cfg = this.cfg;
    const tls = this.loadTls(cfg);
    if (typeof tls === 'string') {
      this.log.warn(`server not running: ${tls}`);
      this.setNotServing(`restful: ${tls}`, ['run `mgrd tell mgr restful create-self-signed-cert`, or put a PEM certificate and key in the module store (crt, key)']);
      return;
    }
    const app = restfulApp({
      reader: this,
      requests: this.requests,
      keys: this.keys,
      log: this.log,
      authEnabled: cfg.enableAuth,
      maxBodyBytes: cfg.maxBodyBytes,
      runCommand: (cmd, caller) => this.runCommand(cmd, '', caller),
      warn: (msg, fields) => this.log.warn(fields ?? {}, msg),
    });
    let port: number;
    try {
      port = (await this.listener.listen(listenHost(cfg.serverAddr), cfg.serverPort, tls, app, undefined, (err) => this.log.debug({ err: err.message }, 'TLS handshake failed'))).port;
    } catch (err) {
      const msg = `restful module cannot listen on ${hostForUri(cfg.serverAddr || '::')}:${cfg.serverPort}: ${err instanceof Error ? err.message : String(err)}`;
      this.log.error(msg);
      this.setNotServing(msg, [msg]);
      this.bindRetry = setTimeout(() => void this.restart(), BIND_RETRY_MS);
      return;
    }
    if (!cfg.enableAuth) this.log.warn('enable_auth is false: anyone who reaches the port can run any command');
    this.setHealthChecks({});
    const uri = `https://${hostForUri(isWildcard(cfg.serverAddr) ? this.mgrIp() : cfg.serverAddr)}:${port}/`;
    this.log.info({ uri }, 'serving the RESTful API');
    await this.publishService(uri);
  }

  private setNotServing(summary: string, detail: string[]): void {
    this.setHealthChecks({ [NOT_SERVING]: healthCheck('HEALTH_WARN', summary, 1, detail) });
  }

  /**
   * The certificate and key, as Ceph looks for them: this manager's own
   * (<id>/crt, <id>/key), then everyone's (crt, key), then files (the store's
   * crt_file, the key_file option). A string says what is missing or wrong.
   */
  private loadTls(cfg: RestfulConfig): { crt: string; key: string } | string {
    const id = this.getMgrId();
    const fromFile = (path: string | undefined, what: string): string | undefined => {
      if (path === undefined || path === '') return undefined;
      try {
        return readFileSync(path, 'utf8');
      } catch (err) {
        throw new Error(`${what} ${path} cannot be read: ${(err as Error).message}`, { cause: err });
      }
    };
    try {
      const crt = this.getStore(`${id}/crt`) ?? this.getStore('crt') ?? fromFile(this.getStore('crt_file'), 'certificate');
      const key = this.getStore(`${id}/key`) ?? this.getStore('key') ?? fromFile(cfg.keyFile, 'private key');
      if (crt === undefined || key === undefined) return 'no certificate configured';
      checkCertPair(crt, key);
      return { crt, key };
    } catch (err) {
      return (err as Error).message;
    }
  }

  private mgrIp(): string {
    try {
      return this.get('mgr_ips').ips[0] ?? hostname();
    } catch {
      return hostname();
    }
  }

  /** What the self-signed certificate names: this host, loopback, the manager's addresses and server_addr. */
  private certNames(): string[] {
    const names = [hostname(), 'localhost', '127.0.0.1', '::1'];
    try {
      names.push(...this.get('mgr_ips').ips);
    } catch {
      // no map yet: the host names above
    }
    if (!isWildcard(this.cfg.serverAddr)) names.push(this.cfg.serverAddr);
    return names;
  }
}
