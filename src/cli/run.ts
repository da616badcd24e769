// `mgrd run`: boot one manager process (standby first, active from the map),
// optionally with the embedded simulated cluster, and stop it cleanly on
// SIGINT/SIGTERM (close listeners, flush, exit 0).

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import { createLogger, type Logger } from '../common/log.js';
import { MGR_OPTIONS } from '../common/mgr-options.js';
import { OptionTable } from '../common/options.js';
import { LocalMapStore } from '../mgr/map-store-local.js';
import { EtcdMapStore } from '../mgr/map-store-etcd.js';
import type { MapStore } from '../mgr/map-store.js';
import { writeFileAtomicSync } from '../mgr/store-files.js';
import { MgrStandby } from '../mgr/mgr-standby.js';
import { defaultModulePaths } from '../registry/module-loader.js';
import { defaultKeyring, Keyring } from '../protocol/keyring.js';
import { SimRunner } from '../sim/sim-runner.js';
import { CephAgent, type CephAgentOptions } from '../agent/ceph-agent.js';
import { checkListenAddr } from './listen-addr.js';
import { adminTokenPath, connectableAddr, keyringPath, removeRuntimeInfo, writeRuntimeInfo } from './runtime-info.js';

export interface RunOptions {
  dataDir: string;
  daemonAddr: string;
  adminAddr: string;
  id: string;
  /** Host clients reach this manager at when it listens on a wildcard address (--public-addr). */
  publicAddr?: string;
  /** `local` (default: the data dir) or `etcd`. */
  mapStore?: 'local' | 'etcd';
  /** Key prefix in etcd (/mgrd/<clusterName>/). */
  clusterName?: string;
  etcd?: { endpoints: string[]; leaseTtlS: number; ca?: string; cert?: string; key?: string; user?: string; passwordFile?: string };
  /** The admin API's bearer token from a file (a Kubernetes Secret) instead of DIR/admin_token. */
  adminTokenFile?: string;
  keyring?: string;
  set: string[];
  logLevel: string;
  sim: boolean;
  simOsds: number;
  simSeed: number;
  simScenario?: string;
  simObjectstore?: 'memstore' | 'bluestore' | 'mixed';
  /** The simulated mon's mon_allow_pool_delete. */
  simMonAllowPoolDelete?: boolean;
  /** `--ceph`: the Ceph agent in-process, reporting the local cluster to this manager. */
  ceph?: (mgrAddr: string, keyring: Keyring, log: Logger) => CephAgentOptions;
}

export interface Running {
  standby: MgrStandby;
  /** The embedded simulator and Ceph agent, while this process is the active. */
  sim: () => SimRunner | undefined;
  agent: () => CephAgent | undefined;
  dataDir: string;
  stop: () => Promise<void>;
}

/** Splits --set values into manager options and module options. */
export function splitSets(sets: readonly string[]): { mgr: Array<[string, string]>; modules: Array<{ module: string; option: string; value: string }> } {
  const mgr: Array<[string, string]> = [];
  const modules: Array<{ module: string; option: string; value: string }> = [];
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new Error(`--set '${s}': expected key=value`);
    const key = s.slice(0, eq).trim();
    const value = s.slice(eq + 1);
    const m = /^mgr\/([a-z][a-z0-9_]*)\/([A-Za-z0-9_]+)$/.exec(key);
    if (m) modules.push({ module: m[1]!, option: m[2]!, value });
    else mgr.push([key, value]);
  }
  return { mgr, modules };
}

/** `--map-store local` (the data dir) or `etcd` (--etcd-endpoints ...). */
async function openStore(o: RunOptions, dataDir: string, log: Logger): Promise<MapStore> {
  if ((o.mapStore ?? 'local') === 'local') return LocalMapStore.open(dataDir);
  const e = o.etcd;
  if (!e || e.endpoints.length === 0) throw new Error('--map-store etcd needs --etcd-endpoints URL[,URL...]');
  const read = (flag: string, path: string | undefined): Buffer | undefined => {
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`${flag} ${path}: ${(err as Error).message}`);
    }
  };
  const password = e.passwordFile !== undefined ? read('--etcd-password-file', e.passwordFile)!.toString('utf8').trim() : process.env.MGRD_ETCD_PASSWORD;
  if (e.user && password === undefined) throw new Error('--etcd-user needs --etcd-password-file (or MGRD_ETCD_PASSWORD)');
  const ca = read('--etcd-ca', e.ca);
  const store = new EtcdMapStore({
    endpoints: e.endpoints, clusterName: o.clusterName ?? 'ceph', leaseTtlS: e.leaseTtlS, log,
    tls: ca ? { ca, cert: read('--etcd-cert', e.cert), key: read('--etcd-key', e.key) } : undefined,
    auth: e.user ? { username: e.user, password: password! } : undefined,
  });
  try {
    await store.open();
  } catch (err) {
    await store.close();
    throw new Error(`cannot reach etcd at ${e.endpoints.join(', ')}: ${(err as Error).message}`);
  }
  return store;
}

/** The keyring: --keyring, else shared through etcd (every manager the same), else the data dir's. */
async function sharedKeyring(store: MapStore, dataDir: string, explicit: string | undefined, log: Logger): Promise<Keyring> {
  if (explicit || !(store instanceof EtcdMapStore)) return loadOrCreateKeyring(dataDir, explicit, log);
  const ring = Keyring.parse(await store.shared('keyring', () => defaultKeyring().serialize()), 'etcd keyring');
  ring.save(keyringPath(dataDir)); // a local copy for `mgrd tell --data-dir` and `mgrd sim --keyring`
  return ring;
}

async function sharedToken(store: MapStore, dataDir: string, file: string | undefined): Promise<string> {
  if (file !== undefined) return readFileSync(file, 'utf8').trim();
  if (!(store instanceof EtcdMapStore)) return loadOrCreateToken(dataDir);
  const token = (await store.shared('admin_token', () => randomBytes(24).toString('base64url'))).trim();
  writeFileAtomicSync(adminTokenPath(dataDir), token + '\n', 0o600);
  return token;
}

function loadOrCreateKeyring(dataDir: string, explicit: string | undefined, log: Logger): Keyring {
  if (explicit) return Keyring.load(explicit);
  const path = keyringPath(dataDir);
  if (existsSync(path)) return Keyring.load(path);
  const ring = defaultKeyring();
  ring.save(path);
  log.info({ path }, 'created a new keyring (client.admin and one key per daemon type)');
  return ring;
}

function loadOrCreateToken(dataDir: string): string {
  const path = adminTokenPath(dataDir);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const token = randomBytes(24).toString('base64url');
  writeFileAtomicSync(path, token + '\n', 0o600);
  return token;
}

export async function startMgrd(o: RunOptions, log: Logger = createLogger({ level: o.logLevel as 'info' })): Promise<Running> {
  checkListenAddr('--daemon-addr', o.daemonAddr);
  checkListenAddr('--admin-addr', o.adminAddr);
  const dataDir = resolve(o.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const options = new OptionTable(MGR_OPTIONS);
  const store = await openStore(o, dataDir, log);
  let standby: MgrStandby | undefined;
  let starting = true;
  let stop: (() => Promise<void>) | undefined;
  try {
    // Persisted values first (`config set`), then this run's --set overrides; each validated.
    for (const [k, v] of Object.entries(store.kvList('config/mgr/'))) {
      const name = k.slice('config/mgr/'.length);
      if (name.includes('/') || !options.has(name)) continue;
      try {
        options.set(name, JSON.parse(v));
      } catch (err) {
        log.warn({ option: name }, `ignoring stored value: ${(err as Error).message}`);
      }
    }
    const sets = splitSets(o.set);
    for (const [k, v] of sets.mgr) options.set(k, v);
    const keyring = await sharedKeyring(store, dataDir, o.keyring, log);
    standby = new MgrStandby({
      id: o.id,
      store,
      options,
      keyring,
      daemonAddr: o.daemonAddr,
      adminAddr: o.adminAddr,
      adminToken: await sharedToken(store, dataDir, o.adminTokenFile),
      modulePaths: defaultModulePaths(options.str('mgr_module_path')),
      moduleOverrides: sets.modules,
      log,
      publicAddr: o.publicAddr,
      // Named active later and unable to serve (its daemon port taken...): give the role up and exit non-zero.
      onFatal: (err) => {
        if (starting) return; // start-up reports it itself
        process.stderr.write(`mgrd: ${err.message}\n`);
        log.error(`exiting: ${err.message}`);
        void (stop ?? (() => Promise.resolve()))().finally(() => log.flush(() => process.exit(1)));
      },
    });
    const started = standby;
    // The embedded simulator's daemons reach this manager through in-process links, not loopback
    // sockets: two descriptors per daemon would cap one process at ~10,000 OSDs (ulimit -n 20000).
    const sources = new EmbeddedSources(o, keyring, log, () => started.activeSide?.server.connectLocal());
    started.onDaemonListening(() => onActive(started, o, dataDir, sources));
    started.onRole((active) => {
      if (!active) void sources.stop();
    });
    await started.start();
    if (store.isLeader()) await started.whenActive();
    starting = false;
    let stopped = false;
    stop = async (): Promise<void> => {
      if (stopped) return;
      stopped = true;
      await sources.stop();
      await started.stop();
      removeRuntimeInfo(dataDir, process.pid);
    };
    return { standby: started, sim: () => sources.sim, agent: () => sources.agent, dataDir, stop };
  } catch (err) {
    // One clear line for the operator (bin/mgrd.js prints it); nothing left listening, the lock released.
    if (standby) await standby.stop();
    else await store.close();
    throw err;
  }
}

/** Each time this process becomes active: DIR/mgrd.json names it, and the embedded simulator starts. */
function onActive(standby: MgrStandby, o: RunOptions, dataDir: string, sources: EmbeddedSources): void {
  const port = standby.activeSide?.server.address().port ?? 0;
  const daemonAddr = `${o.daemonAddr.replace(/:\d+$/, '')}:${port}`;
  const admin = standby.adminAddress();
  writeRuntimeInfo(dataDir, { pid: process.pid, id: o.id, daemon_addr: daemonAddr, admin_addr: `${admin.host}:${admin.port}`, started: new Date().toISOString() });
  sources.start(connectableAddr(daemonAddr));
}

/**
 * `--sim` and `--ceph`: the simulated cluster or the in-process Ceph agent, started and stopped
 * with the active role. The old active's died with it, and two would report the same daemons.
 */
class EmbeddedSources {
  sim: SimRunner | undefined;
  agent: CephAgent | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly o: RunOptions,
    private readonly keyring: Keyring,
    private readonly log: Logger,
    /** A link to this process's daemon listener, while it has one. */
    private readonly linkLocal: () => Duplex | undefined,
  ) {}

  start(mgrAddr: string): void {
    if (!this.o.sim && !this.o.ceph) return;
    this.chain = this.chain.then(async () => {
      await this.stopNow();
      if (this.o.ceph) {
        this.agent = new CephAgent(this.o.ceph(mgrAddr, this.keyring, this.log.child({ part: 'agent' })));
        this.agent.start();
      }
      if (!this.o.sim) return;
      this.sim = new SimRunner({
        mgrAddr,
        keyring: this.keyring,
        osds: this.o.simOsds,
        seed: this.o.simSeed,
        scenario: this.o.simScenario,
        model: { objectstore: this.o.simObjectstore, monAllowPoolDelete: this.o.simMonAllowPoolDelete === true },
        log: this.log.child({ part: 'sim' }),
        // This manager in process; another one (a standby named in CONFIGURE) over TCP.
        dial: (addr) => (addr === mgrAddr ? this.linkLocal() : undefined),
      });
      await this.sim.start();
    }).catch((err: unknown) => this.log.error({ err: String(err) }, 'embedded cluster source failed to start'));
  }

  stop(): Promise<void> {
    this.chain = this.chain.then(() => this.stopNow()).catch((err: unknown) => this.log.error({ err: String(err) }, 'embedded cluster source failed to stop'));
    return this.chain;
  }

  private async stopNow(): Promise<void> {
    const sim = this.sim;
    const agent = this.agent;
    this.sim = undefined;
    this.agent = undefined;
    await sim?.stop();
    await agent?.stop();
  }
}

/**
 * The banner's metrics line: where /metrics is served, or why not. Waits up to
 * `ms` for the prometheus module to publish its URI or to raise
 * MGR_PROMETHEUS_BIND_FAILED (its port taken: it retries on its own).
 */
export async function metricsWhere(standby: MgrStandby, ms: number): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const mgr = standby.active;
    const uri = mgr?.views.get('mgr_map').services.prometheus;
    if (uri) return `${uri}metrics`;
    const failed = mgr?.cluster.health().checks.MGR_PROMETHEUS_BIND_FAILED;
    if (failed) return `(not serving: ${failed.summary.message}; retrying until it binds, MGR_PROMETHEUS_BIND_FAILED meanwhile)`;
    if (Date.now() > end) {
      return mgr?.views.get('mgr_map').modules.includes('prometheus')
        ? '(prometheus module enabled, not serving yet: mgrd tell mgr health detail; mgrd tell mgr mgr module ls)'
        : '(prometheus module not enabled: mgrd tell mgr mgr module enable prometheus)';
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits up to `ms` for this standby's module to register what it serves (its standby page). */
export async function waitForStandbyService(running: Running, name: string, ms: number): Promise<string | undefined> {
  const end = Date.now() + ms;
  for (;;) {
    const uri = running.standby.standbyService(name);
    if (uri !== undefined || running.standby.active || Date.now() > end) return uri;
    await new Promise((r) => setTimeout(r, 100));
  }
}
