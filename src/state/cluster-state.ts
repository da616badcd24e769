// ClusterState: the cluster maps the source sends, the PGMap folded from OSD
// reports, and health. Readers get frozen snapshots cached per version, so
// every module shares one copy and none can change what another sees.

import type { MapMsg, PgStatsMsg } from '../protocol/messages.js';
import type { FsMap, MonMap, MonStatus, OsdMap, OsdMapTree, ServiceMap } from './map-types.js';
import { worstStatus, type HealthCheckMap, type HealthReport } from './health-types.js';
import { PGMap } from './pg-map.js';
import { computeHealth } from './health.js';
import { CrushTopology } from './crush-topology.js';
import { Freezer } from './freezer.js';

/** Snapshot names that are the source's maps themselves, frozen in the background by the Freezer. */
const MAP_VIEWS = new Set(['osd_map', 'osd_map_tree', 'osd_map_crush', 'mon_map', 'fs_map', 'service_map']);

/** Snapshot names whose source is the PGMap: they refresh at tick, not per message. */
const PG_VIEWS = new Set(['pg_summary', 'pg_status', 'pg_dump', 'pg_stats', 'pg_ready', 'pool_stats', 'osd_stats', 'df', 'io_rate', 'osd_perf']);

export class ClusterState {
  fsid = '';
  osdMap: OsdMap | undefined;
  osdMapTree: OsdMapTree | undefined;
  osdMapCrush: Record<string, unknown> | undefined;
  monMap: MonMap | undefined;
  monStatus: MonStatus | undefined;
  /** When mon_status arrived (Unix seconds): quorum_age grows from there. */
  monStatusAtS = 0;
  fsMap: FsMap | undefined;
  serviceMap: ServiceMap | undefined;
  /** Checks the cluster source raised (MON_DOWN...). */
  private monChecks: HealthCheckMap = {};
  /** Checks raised by modules and by the manager itself, by owner. */
  private readonly ownerChecks = new Map<string, HealthCheckMap>();
  readonly pgMap = new PGMap();
  /** Bumped at each tick that saw PG stats: PG views are as of the last tick. */
  private pgEpoch = 0;
  private pgDirty = false;
  private readonly versions = new Map<string, number>();
  private readonly snapshots = new Map<string, { version: number; value: unknown }>();
  private healthCache: { version: number; report: HealthReport } | undefined;
  private healthVersion = 0;
  private readonly freezer = new Freezer();

  private bump(name: string): void {
    this.versions.set(name, (this.versions.get(name) ?? 0) + 1);
  }

  version(name: string): number {
    return PG_VIEWS.has(name) ? this.pgEpoch : this.versions.get(name) ?? 0;
  }

  /**
   * Applies a MAP message. Validates every present field first, so a bad
   * message changes nothing. Returns the notification types to send.
   */
  applyMap(msg: MapMsg): string[] {
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) throw new Error('MAP payload must be an object');
    const objects: Array<keyof MapMsg> = ['osd_map', 'osd_map_tree', 'osd_map_crush', 'mon_map', 'mon_status', 'fs_map', 'service_map', 'health_checks'];
    for (const k of objects) {
      const v = msg[k];
      if (v !== undefined && (typeof v !== 'object' || v === null || Array.isArray(v))) throw new Error(`${k} must be an object`);
    }
    if (msg.fsid !== undefined && typeof msg.fsid !== 'string') throw new Error('fsid must be a string');
    if (msg.osd_map) checkOsdMap(msg.osd_map);
    if (msg.mon_map && !Array.isArray((msg.mon_map as { mons?: unknown }).mons)) throw new Error('mon_map.mons must be an array');
    if (msg.health_checks) checkHealthChecks(msg.health_checks);
    // Canonical form is the plain object; a {json: "..."} wrapper (what get('mon_status') returns) is accepted too.
    let monStatus: MonStatus | undefined;
    if (msg.mon_status) {
      const ms = msg.mon_status as { json?: unknown };
      monStatus = (typeof ms.json === 'string' ? JSON.parse(ms.json) : ms) as MonStatus;
    }

    const changed: string[] = [];
    // Maps are shared read-only with modules from now on.
    for (const k of ['osd_map', 'osd_map_tree', 'osd_map_crush', 'mon_map', 'fs_map', 'service_map'] as const) this.freezer.freeze(msg[k]);
    if (msg.fsid) this.fsid = msg.fsid;
    if (msg.osd_map) {
      const prev = this.osdMap?.epoch;
      this.osdMap = msg.osd_map as OsdMap;
      if (!this.fsid) this.fsid = this.osdMap.fsid;
      this.pgMap.applyOsdMap(this.osdMap);
      this.bump('osd_map');
      this.pgDirty = true;
      if (prev !== this.osdMap.epoch) changed.push('osd_map');
    }
    if (msg.osd_map_tree) {
      this.osdMapTree = msg.osd_map_tree as unknown as OsdMapTree;
      this.bump('osd_map_tree');
    }
    if (msg.osd_map_crush) {
      this.osdMapCrush = msg.osd_map_crush;
      this.bump('osd_map_crush');
    }
    if (msg.osd_map_tree || msg.osd_map_crush) {
      this.pgMap.setTopology(this.osdMapTree ? CrushTopology.fromTree(this.osdMapTree, this.osdMapCrush) : CrushTopology.fromCrush(this.osdMapCrush!));
      this.pgDirty = true;
    }
    if (msg.osd_map || msg.osd_map_tree) this.healthVersion++;
    if (msg.mon_map) {
      this.monMap = msg.mon_map as MonMap;
      this.bump('mon_map');
      changed.push('mon_map');
    }
    if (msg.mon_status) {
      this.monStatus = monStatus;
      this.monStatusAtS = Date.now() / 1000;
      this.bump('mon_status');
    }
    if (msg.fs_map) {
      this.fsMap = msg.fs_map as FsMap;
      this.bump('fs_map');
      changed.push('fs_map');
    }
    if (msg.service_map) {
      this.serviceMap = msg.service_map as unknown as ServiceMap;
      this.bump('service_map');
      changed.push('service_map');
    }
    if (msg.health_checks) {
      this.monChecks = msg.health_checks;
      this.healthVersion++;
    }
    return changed;
  }

  applyPgStats(msg: PgStatsMsg, nowS: number): void {
    this.pgMap.applyPgStats(msg, nowS);
    this.pgDirty = true;
  }

  /**
   * The manager's periodic step: PG rates, then a new PG epoch when anything
   * changed. Returns true when PG views changed (notify pg_summary).
   */
  tick(nowS: number): boolean {
    this.pgMap.tick(nowS);
    if (!this.pgDirty) return false;
    this.pgDirty = false;
    this.pgEpoch++;
    this.healthVersion++;
    return true;
  }

  /** Replaces the checks raised by one owner (a module, or "mgr" for the manager's own). */
  setOwnerChecks(owner: string, checks: HealthCheckMap): boolean {
    const prev = this.ownerChecks.get(owner) ?? {};
    if (JSON.stringify(prev) === JSON.stringify(checks)) return false;
    if (Object.keys(checks).length === 0) this.ownerChecks.delete(owner);
    else this.ownerChecks.set(owner, checks);
    this.healthVersion++;
    return true;
  }

  /** Cluster health: checks computed from maps and PGMap, merged with mon and module checks. */
  health(): HealthReport {
    const v = this.healthVersion;
    if (this.healthCache?.version === v) return this.healthCache.report;
    const checks: HealthCheckMap = {};
    if (this.osdMap) Object.assign(checks, computeHealth({ osdMap: this.osdMap, osdTree: this.osdMapTree, pgMap: this.pgMap }));
    Object.assign(checks, this.monChecks);
    for (const c of this.ownerChecks.values()) Object.assign(checks, c);
    const sorted: HealthCheckMap = {};
    for (const k of Object.keys(checks).sort()) sorted[k] = checks[k]!;
    const report: HealthReport = { status: worstStatus(sorted), checks: sorted, mutes: [] };
    this.healthCache = { version: v, report: deepFreeze(report) };
    return this.healthCache.report;
  }

  /** Stops background work (the manager is going away). */
  dispose(): void {
    this.freezer.dispose();
  }

  /** Finishes freezing the maps now (tests). */
  settle(): void {
    this.freezer.drain();
  }

  /**
   * A frozen snapshot, rebuilt only when its version moved. Maps from the
   * cluster source are frozen in slices as they arrive (MAP_VIEWS); derived
   * views freeze when built.
   */
  snapshot<T>(name: string, build: () => T): T {
    const version = this.version(name);
    const hit = this.snapshots.get(name);
    if (hit && hit.version === version) return hit.value as T;
    const built = build();
    const value = MAP_VIEWS.has(name) ? built : deepFreeze(built);
    this.snapshots.set(name, { version, value });
    return value;
  }
}

function checkOsdMap(m: Record<string, unknown>): void {
  if (!Number.isInteger(m.epoch)) throw new Error('osd_map.epoch must be an integer');
  if (!Array.isArray(m.osds)) throw new Error('osd_map.osds must be an array');
  if (!Array.isArray(m.pools)) throw new Error('osd_map.pools must be an array');
  for (const o of m.osds as unknown[]) {
    const osd = o as Record<string, unknown>;
    if (typeof o !== 'object' || o === null || !Number.isInteger(osd.osd) || typeof osd.up !== 'number' || typeof osd.in !== 'number') {
      throw new Error('osd_map.osds entries need integer osd, up and in');
    }
  }
  for (const p of m.pools as unknown[]) {
    const pool = p as Record<string, unknown>;
    if (typeof p !== 'object' || p === null || !Number.isInteger(pool.pool) || typeof pool.pool_name !== 'string') {
      throw new Error('osd_map.pools entries need integer pool and string pool_name');
    }
  }
}

function checkHealthChecks(h: Record<string, unknown>): void {
  for (const [name, c] of Object.entries(h)) {
    const check = c as Record<string, unknown>;
    if (typeof c !== 'object' || c === null || (check.severity !== 'HEALTH_WARN' && check.severity !== 'HEALTH_ERR')) {
      throw new Error(`health check ${name} needs severity HEALTH_WARN or HEALTH_ERR`);
    }
    const summary = check.summary as Record<string, unknown> | undefined;
    if (typeof summary !== 'object' || summary === null || typeof summary.message !== 'string') {
      throw new Error(`health check ${name} needs summary.message`);
    }
  }
}

export function deepFreeze<T>(v: T): T {
  if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return v;
  if (ArrayBuffer.isView(v)) return v; // typed arrays cannot be frozen; snapshots do not hand them out
  Object.freeze(v);
  for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
  return v;
}
