// The cluster source (the `mon` role): the cluster's maps and health on one
// interval, its PG stats (`pg dump`, slow on big clusters) on another that
// never holds up the first; MAP with what changed, PG_STATS per OSD. What
// fails keeps the last good state and raises a check in mgrd:
// MGR_AGENT_CLUSTER_UNREACHABLE (a command failed, naming it and the error),
// MGR_AGENT_PG_STATS_STALE (the PG stats mgrd has are old). After mgrd
// restarts or fails over, the new session gets everything again.

import type { Logger } from '../common/log.js';
import { MgrClient } from '../client/mgr-client.js';
import type { MapMsg, PgStatsMsg } from '../protocol/messages.js';
import type { HealthCheckMap } from '../mgr-module/health.js';
import { agentCheck, forwardedChecks, type CephHealthJson } from './cluster-health.js';
import { MapDiffer, monStatusFromQuorum, type QuorumStatusJson } from './cluster-maps.js';
import { splitPgDump, type PgDumpJson } from './pg-dump.js';
import type { RadosClient } from './rados-client.js';

export interface ClusterSourceOptions {
  rados: RadosClient;
  mgrAddrs: string[];
  /** The entity the source authenticates as (a mon profile key). */
  entity: string;
  secret: Buffer;
  intervalMs: number;
  pgIntervalMs: number;
  commandTimeoutMs: number;
  pgTimeoutMs: number;
  /** A local mon's own mon_status (its admin socket), preferred over the one built from quorum_status. */
  localMonStatus?: () => Promise<Record<string, unknown> | undefined>;
  log: Logger;
}

export interface ClusterSourceStats {
  mapRounds: number;
  pgDumps: number;
  failures: number;
  /** Wall milliseconds of the last map round and the last pg dump. */
  lastMapRoundMs: number;
  lastPgDumpMs: number;
}

export class ClusterSource {
  readonly client: MgrClient;
  private readonly maps = new MapDiffer();
  private osdEpoch = -1;
  private forwarded: HealthCheckMap = {};
  /** Commands of the last map round that failed, with their errors. */
  private mapErrors: string[] = [];
  private lastPg: { msgs: PgStatsMsg[]; atS: number } | undefined;
  private pgError: string | undefined;
  private readonly startedS = Date.now() / 1000;
  private sentHealth = '';
  private mapTimer: NodeJS.Timeout | undefined;
  private pgTimer: NodeJS.Timeout | undefined;
  private mapRound: Promise<void> | undefined;
  private pgRound: Promise<void> | undefined;
  private stopped = false;
  readonly stats: ClusterSourceStats = { mapRounds: 0, pgDumps: 0, failures: 0, lastMapRoundMs: 0, lastPgDumpMs: 0 };

  constructor(private readonly opts: ClusterSourceOptions) {
    this.client = new MgrClient({ addrs: [...opts.mgrAddrs], entity: opts.entity, secret: opts.secret, log: opts.log, reconnectMinMs: 500, reconnectMaxMs: 10_000 });
    // A new session (first, after mgrd restarted, or a failover) starts with nothing: send it all.
    this.client.on('ready', () => this.sendAll());
  }

  start(): void {
    this.client.start();
    this.mapTimer = setInterval(() => void this.refreshMaps(), this.opts.intervalMs);
    this.pgTimer = setInterval(() => void this.refreshPgStats(), this.opts.pgIntervalMs);
    void this.refreshMaps();
    void this.refreshPgStats();
  }

  /** One map and health round (the timer's; tests call it to wait for one). */
  refreshMaps(): Promise<void> {
    this.mapRound ??= this.mapsOnce().finally(() => (this.mapRound = undefined));
    return this.mapRound;
  }

  /** One `pg dump` round; never two at once. */
  refreshPgStats(): Promise<void> {
    this.pgRound ??= this.pgOnce().finally(() => (this.pgRound = undefined));
    return this.pgRound;
  }

  private async mapsOnce(): Promise<void> {
    if (this.stopped) return;
    const t0 = performance.now();
    const errors: string[] = [];
    const ask = async <T>(target: 'mon' | 'mgr', cmd: Record<string, unknown>): Promise<T | undefined> => {
      try {
        return await this.opts.rados.json<T>(target, cmd, this.opts.commandTimeoutMs);
      } catch (err) {
        errors.push((err as Error).message);
        return undefined;
      }
    };
    const [osd, quorum, fs, service, health, localMon] = await Promise.all([
      ask<Record<string, unknown>>('mon', { prefix: 'osd dump' }),
      ask<QuorumStatusJson>('mon', { prefix: 'quorum_status' }),
      ask<Record<string, unknown>>('mon', { prefix: 'fs dump' }),
      ask<Record<string, unknown>>('mgr', { prefix: 'service dump' }),
      ask<CephHealthJson>('mon', { prefix: 'health', detail: 'detail' }),
      this.opts.localMonStatus?.().catch(() => undefined),
    ]);
    if (osd) {
      const epoch = Number(osd.epoch);
      // The hierarchy and CRUSH change with the osd map only (tree also shows up/down): ask again on a new epoch.
      if (epoch !== this.osdEpoch || !this.maps.has('osd_map_tree')) {
        const [tree, crush] = await Promise.all([ask<Record<string, unknown>>('mon', { prefix: 'osd tree' }), ask<Record<string, unknown>>('mon', { prefix: 'osd crush dump' })]);
        if (tree && crush) {
          this.maps.set('osd_map_tree', tree);
          this.maps.set('osd_map_crush', crush);
          this.osdEpoch = epoch;
        }
      }
      this.maps.set('osd_map', osd);
    }
    if (quorum?.monmap) {
      this.maps.set('mon_map', quorum.monmap);
      this.maps.set('mon_status', localMon ?? monStatusFromQuorum(quorum));
    }
    if (fs) this.maps.set('fs_map', fs);
    if (service) this.maps.set('service_map', service);
    if (health) this.forwarded = forwardedChecks(health);
    if (errors.length) {
      this.stats.failures++;
      if (this.mapErrors.length === 0) this.opts.log.warn({ errors }, 'cannot get the cluster state (keeping the last one)');
    } else if (this.mapErrors.length) this.opts.log.info('cluster state answers again');
    this.mapErrors = errors;
    this.stats.mapRounds++;
    this.stats.lastMapRoundMs = performance.now() - t0;
    this.send(false);
  }

  private async pgOnce(): Promise<void> {
    if (this.stopped) return;
    const t0 = performance.now();
    try {
      const dump = await this.opts.rados.json<PgDumpJson>('mgr', { prefix: 'pg dump' }, this.opts.pgTimeoutMs);
      if (typeof dump?.pg_map !== 'object' || dump.pg_map === null) throw new Error("'pg dump' answer has no pg_map");
      const nowS = Date.now() / 1000;
      this.lastPg = { msgs: splitPgDump(dump, Math.max(0, this.osdEpoch), nowS), atS: nowS };
      if (this.pgError) this.opts.log.info('pg dump answers again');
      this.pgError = undefined;
      this.stats.pgDumps++;
      this.stats.lastPgDumpMs = performance.now() - t0;
      for (const m of this.lastPg.msgs) this.client.sendPgStats(m);
    } catch (err) {
      this.stats.failures++;
      if (!this.pgError) this.opts.log.warn({ err: (err as Error).message }, 'pg dump failed (keeping the last PG stats)');
      this.pgError = (err as Error).message;
    }
    this.send(false);
  }

  /** The checks this source raises: Ceph's own (those mgrd does not compute), and the agent's. */
  private healthChecks(): HealthCheckMap {
    const checks: HealthCheckMap = { ...this.forwarded };
    if (this.mapErrors.length) {
      checks.MGR_AGENT_CLUSTER_UNREACHABLE = agentCheck(`mgrd agent cannot get the cluster state: ${this.mapErrors[0]!}`, this.mapErrors);
    }
    const nowS = Date.now() / 1000;
    const staleAfterS = (2 * this.opts.pgIntervalMs + this.opts.pgTimeoutMs) / 1000;
    const ageS = nowS - (this.lastPg?.atS ?? this.startedS);
    if (ageS > staleAfterS) {
      const what = this.lastPg ? `PG stats are ${Math.round(ageS)} s old` : `no PG stats from the cluster in ${Math.round(ageS)} s`;
      checks.MGR_AGENT_PG_STATS_STALE = agentCheck(`${what}${this.pgError ? `: ${this.pgError}` : ''}`, this.pgError ? [`last pg dump: ${this.pgError}`] : []);
    }
    return checks;
  }

  private send(all: boolean): void {
    if (!this.client.ready) return;
    const msg: MapMsg = this.maps.take(all);
    const health = this.healthChecks();
    const text = JSON.stringify(health);
    if (all || text !== this.sentHealth) {
      msg.health_checks = health;
      this.sentHealth = text;
    }
    if (Object.keys(msg).length > 0) this.client.sendMap(msg);
  }

  private sendAll(): void {
    this.send(true);
    for (const m of this.lastPg?.msgs ?? []) this.client.sendPgStats(m);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.mapTimer);
    clearInterval(this.pgTimer);
    await this.client.stop();
  }
}
