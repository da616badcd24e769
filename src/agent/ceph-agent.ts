// `mgrd agent ceph`: a real Ceph cluster reported to mgrd over mgrd's own wire
// protocol. Per host: each local daemon (admin socket) as its own session.
// Optionally (one agent per cluster) the cluster source: maps, health and PG
// stats from the cluster through one long-lived librados helper. docs/agent.md.

import { hostname } from 'node:os';
import type { Logger } from '../common/log.js';
import type { Keyring } from '../protocol/keyring.js';
import { adminSocketJson } from './admin-socket.js';
import { discoverDaemons, type DaemonType } from './asok-discovery.js';
import { ClusterSource } from './cluster-source.js';
import { daemonMetadata } from './daemon-metadata.js';
import { LocalDaemons } from './local-daemons.js';
import { RadosClient } from './rados-client.js';

export interface CephAgentOptions {
  /** mgrd's daemon address(es), host:port. */
  mgrAddrs: string[];
  /** mgrd's keyring: the agent reports each daemon as itself (osd.3 with the osd key...). */
  keyring: Keyring;
  /** Ceph's cluster name (admin sockets are <cluster>-<name>.asok). */
  cluster: string;
  cephConf: string;
  /** Ceph entity and keyring of the cluster connection (client.admin, or one with mon 'allow r' mgr 'allow r'). */
  cephName: string;
  cephKeyring?: string;
  asokDirs: string[];
  daemonTypes: ReadonlySet<DaemonType>;
  /** Be the cluster source (maps, health, PG stats): one agent per cluster. */
  clusterStats: boolean;
  /** Seconds between looks at the sockets and between map/health rounds. */
  intervalS: number;
  /** Seconds between `pg dump`s. */
  pgIntervalS: number;
  commandTimeoutS: number;
  pgTimeoutS: number;
  asokTimeoutMs: number;
  /** Python with the rados bindings (default: the ceph CLI's). */
  python?: string;
  log: Logger;
}

export const AGENT_DEFAULTS = {
  cluster: 'ceph',
  cephName: 'client.admin',
  daemonTypes: ['osd', 'mon', 'mds', 'rgw'] as DaemonType[],
  intervalS: 5,
  pgIntervalS: 10,
  commandTimeoutS: 10,
  pgTimeoutS: 30,
  asokTimeoutMs: 2000,
};

export class CephAgent {
  readonly daemons: LocalDaemons;
  readonly rados: RadosClient;
  readonly source: ClusterSource | undefined;

  constructor(readonly opts: CephAgentOptions) {
    const log = opts.log;
    this.rados = new RadosClient({ conf: opts.cephConf, name: opts.cephName, keyring: opts.cephKeyring, python: opts.python, connectTimeoutS: opts.commandTimeoutS, idleStopMs: opts.clusterStats ? undefined : 30_000, log: log.child({ part: 'rados' }) });
    const secretFor = (entity: string): Buffer | undefined => opts.keyring.lookup(entity)?.key;
    this.daemons = new LocalDaemons({
      asokDirs: opts.asokDirs,
      cluster: opts.cluster,
      types: opts.daemonTypes,
      mgrAddrs: opts.mgrAddrs,
      secretFor,
      metadata: (d) => daemonMetadata(d, this.rados, opts.commandTimeoutS * 1000, opts.asokTimeoutMs),
      scanIntervalMs: opts.intervalS * 1000,
      asokTimeoutMs: opts.asokTimeoutMs,
      maxFailures: 2,
      log: log.child({ part: 'daemons' }),
    });
    if (opts.clusterStats) {
      const entity = `mon.mgrd-agent-${hostname().split('.')[0]!.replace(/[^A-Za-z0-9_-]/g, '-')}`;
      const secret = secretFor(entity);
      if (!secret) throw new Error(`--cluster-stats: no key for ${entity} (a mon.* key) in the mgrd keyring`);
      this.source = new ClusterSource({
        rados: this.rados,
        mgrAddrs: opts.mgrAddrs,
        entity,
        secret,
        intervalMs: opts.intervalS * 1000,
        pgIntervalMs: opts.pgIntervalS * 1000,
        commandTimeoutMs: opts.commandTimeoutS * 1000,
        pgTimeoutMs: opts.pgTimeoutS * 1000,
        localMonStatus: () => this.localMonStatus(),
        log: log.child({ part: 'cluster' }),
      });
    }
  }

  start(): void {
    this.daemons.start();
    this.source?.start();
    this.opts.log.info({ mgr: this.opts.mgrAddrs, asokDirs: this.opts.asokDirs, types: [...this.opts.daemonTypes], clusterStats: this.opts.clusterStats }, 'ceph agent started');
  }

  /** A local mon's own mon_status (exact, with its sessions' feature map), when a mon runs here. */
  private async localMonStatus(): Promise<Record<string, unknown> | undefined> {
    const mon = (await discoverDaemons(this.opts.asokDirs, this.opts.cluster, new Set(['mon'])))[0];
    if (!mon) return undefined;
    return adminSocketJson<Record<string, unknown>>(mon.path, { prefix: 'mon_status', format: 'json' }, { timeoutMs: this.opts.asokTimeoutMs });
  }

  async stop(): Promise<void> {
    await Promise.all([this.daemons.stop(), this.source?.stop()]);
    await this.rados.stop();
  }
}
