// ClusterState: the cluster maps the source sends, the PGMap folded from OSD
// reports, and health. Readers get frozen snapshots cached per version, so
// every module shares one copy and none can change what another sees.

import type { DecodedPgStats, MapMsg, PgStatsMsg } from '../protocol/messages.js';
import type { FsMap, MonMap, MonStatus, OsdMap, OsdMapTree, ServiceMap } from '../mgr-module/map-types.js';
import { NO_SCANNED_HEALTH, worstStatus, type ScannedHealth } from './health-types.js';
import type { HealthCheckMap, HealthReport } from '../mgr-module/health.js';
import { PGMap } from './pg-map.js';
import { computeHealth, DEFAULT_HEALTH_CONFIG } from './health.js';
import { osdMapHealth, type OsdMapHealth } from './health-osd.js';
import { HealthScanJob, type HealthScanStats } from './health-scan.js';
import { CrushTopology } from './crush-topology.js';
import { Freezer } from './freezer.js';
import { MAP_SHAPES } from './map-shapes.js';

/** Snapshot names that are the source's maps themselves, frozen in the background by the Freezer. */
const MAP_VIEWS = new Set(['osd_map', 'osd_map_tree', 'osd_map_crush', 'mon_map', 'fs_map', 'service_map']);

/** Longest stretch of building df's index and pg_summary's entries ahead of their first reader, ms. */
const PREPARE_SLICE_MS = 4;

/** Snapshot names whose source is the PGMap: they refresh at tick, not per message. */
const PG_VIEWS = new Set(['pg_summary', 'pg_status', 'pg_dump', 'pg_stats', 'pg_ready', 'pool_stats', 'osd_pool_stats', 'osd_stats', 'osd_stats_brief', 'osd_ping_times', 'df', 'io_rate', 'osd_perf']);

export interface ClusterStateOptions {
  /**
   * From this many PGs on, health's checks that visit every PG (stuck PGs,
   * scrub deadlines, unfound detail) or every OSD's report (usage, slow
   * heartbeats, store alerts, repairs) run as a sliced background scan after
   * each tick, and health() serves the last complete one. Below, they are
   * computed in health() itself.
   */
  healthScanMinPgs?: number;
  /** Longest stretch of a scan slice before it yields, ms. */
  healthScanSliceMs?: number;
  /** Called when a background scan completes (health may have changed). Must not throw. */
  onHealthScan?: () => void;
  /** Called when a background scan failed (a bug): log it. Must not throw. */
  onHealthScanError?: (err: unknown) => void;
}

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
  private readonly healthScanMinPgs: number;
  private readonly healthScan: HealthScanJob;
  /** The checks of the last complete scan (sliced mode only). */
  private scanned: ScannedHealth | undefined;
  /** The ids of the current osd map (hasOsd). */
  private osdIds: { map: OsdMap; ids: Set<number> } | undefined;
  /** Health's reading of the current osd map and topology (they change far less often than health is asked). */
  private mapHealth: OsdMapHealth | undefined;
  /** The next slice of PGMap.prepareViews, when one is due. */
  private prepareTimer: NodeJS.Immediate | undefined;

  constructor(private readonly opts: ClusterStateOptions = {}) {
    this.healthScanMinPgs = opts.healthScanMinPgs ?? 20_000;
    this.healthScan = new HealthScanJob(
      (found) => {
        if (!this.scanSliced()) return; // small again since it started: health() computes in place
        this.scanned = found;
        this.healthVersion++;
        this.opts.onHealthScan?.();
      },
      opts.healthScanSliceMs ?? 5,
      (err) => this.opts.onHealthScanError?.(err),
    );
  }

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
    if (msg.fsid !== undefined && typeof msg.fsid !== 'string') throw new Error('fsid must be a string');
    // Canonical form is the plain object; a {json: "..."} wrapper (what get('mon_status') returns) is accepted too.
    let monStatus: MonStatus | undefined;
    if (msg.mon_status !== undefined) {
      const ms = msg.mon_status as { json?: unknown } | null;
      if (typeof ms?.json === 'string') {
        try {
          monStatus = JSON.parse(ms.json) as MonStatus;
        } catch (err) {
          throw new Error(`mon_status.json is not JSON: ${(err as Error).message}`);
        }
      } else {
        monStatus = ms as MonStatus;
      }
    }
    for (const [k, shape] of Object.entries(MAP_SHAPES)) {
      const v = k === 'mon_status' ? monStatus : msg[k as keyof MapMsg];
      if (v !== undefined) shape(v, k);
    }
    // Derived state is built before anything is stored: a map it cannot take is refused whole.
    const topology = msg.osd_map_tree || msg.osd_map_crush
      ? buildTopology((msg.osd_map_tree ?? this.osdMapTree) as OsdMapTree | undefined, msg.osd_map_crush ?? this.osdMapCrush)
      : undefined;

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
    if (topology) {
      this.pgMap.setTopology(topology);
      this.pgDirty = true;
    }
    if (msg.osd_map || msg.osd_map_tree) this.healthVersion++;
    if (msg.osd_map || topology) this.schedulePrepare();
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

  /** `stampS`: the stamp to use instead of the message's (the server clamps one from the future). */
  applyPgStats(msg: PgStatsMsg | DecodedPgStats, nowS: number, stampS?: number): void {
    this.pgMap.applyPgStats(msg, nowS, stampS);
    this.pgDirty = true;
  }

  /** Whether the osd map has this OSD (true before any osd map: nothing to check against yet). */
  hasOsd(id: number): boolean {
    const m = this.osdMap;
    if (!m) return true;
    if (this.osdIds?.map !== m) this.osdIds = { map: m, ids: new Set(m.osds.map((o) => o.osd)) };
    return this.osdIds.ids.has(id);
  }

  /**
   * Whether the cluster maps still list a daemon, as Ceph's DaemonStateIndex::cull
   * reads them: an OSD in the osd map, a mon in the mon map, an MDS in the fs map.
   * Undefined for other types (the maps do not say).
   */
  listsDaemon(type: string, id: string): boolean | undefined {
    switch (type) {
      case 'osd':
        return this.osdMap !== undefined && /^\d+$/.test(id) && this.hasOsd(Number(id));
      case 'mon':
        return (this.monMap?.mons ?? []).some((m) => m.name === id);
      case 'mds': {
        const fs = this.fsMap;
        const named = (d: unknown): boolean => (d as { name?: unknown } | null)?.name === id;
        return (fs?.standbys ?? []).some(named) || (fs?.filesystems ?? []).some((f) => Object.values(f.mdsmap.info ?? {}).some(named));
      }
      default:
        return undefined;
    }
  }

  /**
   * The manager's periodic step: PG rates, then a new PG epoch when anything
   * changed. Returns true when PG views changed (notify pg_summary).
   */
  tick(nowS: number): boolean {
    this.pgMap.tick(nowS);
    // Health moves with time as well as with reports (stuck PGs, scrub deadlines): it is
    // looked at again every tick, also when no OSD reported (all down: PGs become stuck stale).
    this.healthVersion++;
    if (this.scanSliced()) {
      const osdMap = this.osdMap!;
      this.healthScan.start({ pgMap: this.pgMap, osdMap, mapHealth: this.currentMapHealth(osdMap), nowS: this.pgMap.nowS, config: DEFAULT_HEALTH_CONFIG });
    } else {
      this.healthScan.cancel();
      this.scanned = undefined; // a result from when the cluster was large must not come back
    }
    if (!this.pgDirty) return false;
    this.pgDirty = false;
    this.pgEpoch++;
    this.schedulePrepare();
    return true;
  }

  /**
   * Builds df's index (CRUSH rule weights, a min tree per rule) and pg_summary's
   * changed entries in slices of a few ms after a map change or a tick, so the
   * first reader after start or after a new topology does not pay for them in
   * its turn (at 10,000 OSDs that read took 50-140 ms). A reader that comes
   * before the slices are done builds the rest itself; the answers are the
   * same either way (the slices only do early what the read would do).
   */
  private schedulePrepare(): void {
    if (this.prepareTimer) return;
    this.prepareTimer = setImmediate(() => {
      this.prepareTimer = undefined;
      this.runPrepare(PREPARE_SLICE_MS);
    });
  }

  private runPrepare(budgetMs: number): void {
    let done = true;
    try {
      done = this.pgMap.prepareViews(performance.now() + budgetMs);
    } catch {
      // The reader's own call builds the same and throws there, to whoever reads: nothing to do here.
    }
    if (!done) this.schedulePrepare();
  }

  /** Whether health's per-PG checks run as the background scan (a large cluster, PG checks due). */
  private scanSliced(): boolean {
    return this.osdMap !== undefined && this.pgMap.numPgs >= this.healthScanMinPgs && this.pgMap.isPgReady();
  }

  /** The background health scan's figures (benchmarks, tests). */
  get healthScanStats(): Readonly<HealthScanStats> {
    return this.healthScan.stats;
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

  /**
   * Cluster health: checks computed from maps and PGMap, merged with mon and
   * module checks. The OSDMap checks and those read from PG sums are as of
   * now; in a large cluster, those that visit every PG or every OSD's report
   * are as of the last complete background scan, and absent until the first
   * one completes (as Ceph's PG checks are until its PGMap is ready): no call
   * here visits them all.
   */
  health(): HealthReport {
    const v = this.healthVersion;
    if (this.healthCache?.version === v) return this.healthCache.report;
    const checks: HealthCheckMap = {};
    if (this.osdMap) {
      let scanned: ScannedHealth | undefined;
      if (this.scanSliced()) scanned = this.scanned ?? NO_SCANNED_HEALTH;
      else this.scanned = undefined; // small (again): a scan result from long ago must not come back later
      const mapHealth = this.currentMapHealth(this.osdMap);
      Object.assign(checks, computeHealth({ osdMap: this.osdMap, topology: mapHealth.topology, pgMap: this.pgMap, osdMapHealth: mapHealth, scanned }));
    }
    Object.assign(checks, this.monChecks);
    for (const c of this.ownerChecks.values()) Object.assign(checks, c);
    const sorted: HealthCheckMap = {};
    for (const k of Object.keys(checks).sort()) sorted[k] = checks[k]!;
    const report: HealthReport = { status: worstStatus(sorted), checks: sorted, mutes: [] };
    this.healthCache = { version: v, report: deepFreeze(report) };
    return this.healthCache.report;
  }

  /** Health's reading of the osd map and topology, made again only when either changed. */
  private currentMapHealth(osdMap: OsdMap): OsdMapHealth {
    // The PGMap's topology is the one built from these maps: no rebuild of the hierarchy per report.
    const topology = this.osdMapTree ? this.pgMap.topology : undefined;
    if (this.mapHealth?.osdMap !== osdMap || this.mapHealth.topology !== topology) {
      this.mapHealth = osdMapHealth(osdMap, topology, DEFAULT_HEALTH_CONFIG);
    }
    return this.mapHealth;
  }

  /** Stops background work (the manager is going away). */
  dispose(): void {
    this.freezer.dispose();
    this.healthScan.dispose();
    if (this.prepareTimer) clearImmediate(this.prepareTimer);
    this.prepareTimer = undefined;
  }

  /** Finishes freezing the maps, any health scan and the views' preparation now (tests). */
  settle(): void {
    this.freezer.drain();
    this.healthScan.drain();
    if (this.prepareTimer) {
      clearImmediate(this.prepareTimer);
      this.prepareTimer = undefined;
      this.runPrepare(Infinity);
    }
  }

  /**
   * A frozen snapshot, rebuilt only when its version moved. Maps from the
   * cluster source are frozen in slices as they arrive (MAP_VIEWS), and what
   * is left of that is done before one is handed out; derived views freeze
   * when built. `build` gets the previous snapshot, frozen, to
   * reuse what did not change.
   */
  snapshot<T>(name: string, build: (prev: T | undefined) => T): T {
    const version = this.version(name);
    const hit = this.snapshots.get(name);
    if (hit && hit.version === version) return hit.value as T;
    const built = build(hit?.value as T | undefined);
    // A map from the source may still be freezing in the background: finish now, so nobody ever holds it writable.
    if (MAP_VIEWS.has(name)) this.freezer.drain();
    const value = deepFreeze(built);
    this.snapshots.set(name, { version, value });
    return value;
  }
}

function buildTopology(tree: OsdMapTree | undefined, crush: Record<string, unknown> | undefined): CrushTopology {
  try {
    return tree ? CrushTopology.fromTree(tree, crush) : CrushTopology.fromCrush(crush!);
  } catch (err) {
    throw new Error(`the CRUSH map cannot be read: ${(err as Error).message}`);
  }
}

/** Freezes v and everything under it; what is frozen already is taken as frozen all through (reused parts of a snapshot). */
export function deepFreeze<T>(v: T): T {
  if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return v;
  if (ArrayBuffer.isView(v)) return v; // typed arrays cannot be frozen; snapshots do not hand them out
  Object.freeze(v);
  // for-in, not Object.keys: a 10,000-OSD view has tens of thousands of objects, and no key array each.
  if (Array.isArray(v)) for (let i = 0; i < v.length; i++) deepFreeze(v[i]);
  else for (const k in v) deepFreeze((v as Record<string, unknown>)[k]);
  return v;
}
