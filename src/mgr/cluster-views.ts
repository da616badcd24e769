// The cluster half of the module API: get(name) snapshots in Ceph's shapes,
// servers, metadata and perf counters, read from ClusterState and DaemonState.

import type { OptionTable } from '../common/options.js';
import type { ClusterViews } from '../registry/module-registry.js';
import type {
  DaemonCounters, DaemonHealthMetrics, DeepReadonly, GetMap, GetName, MgrdStats, OsdPerfInfo, PerfCounterEntry,
  PerfSchemaEntry, ServerInfo,
} from '../mgr-module/types.js';
import { deepFreeze, type ClusterState } from '../state/cluster-state.js';
import type { DaemonState, DaemonStateIndex, PerfCounterInfo } from '../state/daemon-state.js';
import { isLongRunAvg, PERFCOUNTER_HISTOGRAM } from '../mgr-module/perf-types.js';
import type { MgrMap } from '../mgr-module/mgr-map-types.js';
import { NotReadyError } from '../mgr-module/errors.js';
import { knownDevices } from '../state/devices.js';
import { OSD_COL, perfStatJson } from '../state/stat-vectors.js';

export interface ViewSources {
  cluster: ClusterState;
  daemons: DaemonStateIndex;
  mgrMap: () => MgrMap;
  mgrOptions: OptionTable;
  mgrdStats: () => MgrdStats;
  /** Flat config dump (Ceph's get('config')): option -> string. */
  config: () => Record<string, string>;
  mgrIps: () => string[];
  /** This manager as a daemon: its id and metadata (Ceph lists the mgr among the servers). */
  self: () => { id: string; metadata: Record<string, string> };
  /** Metadata other managers (standbys) registered in the map store. */
  mgrMetadata?: (id: string) => Record<string, string> | undefined;
  /** The key-value store (device life expectancies live under device/). */
  kvList?: (prefix: string) => Record<string, string>;
}

const EMPTY_SERVICE_MAP = Object.freeze({ epoch: 0, modified: '', services: Object.freeze({}) });

export const CEPH_UNITS = { bytes: 0, none: 1 } as const;

function schemaEntry(c: PerfCounterInfo): PerfSchemaEntry {
  return { description: c.description, nick: c.nick, type: c.type, priority: c.priority, units: CEPH_UNITS[c.unit] };
}

/** Values per chunk forEachDaemonCounters copies rows into (512 KiB). */
const COUNTER_CHUNK = 65_536;

export class ClusterViewsImpl implements ClusterViews {
  private readonly healthMetricCopies = new WeakMap<object, DaemonHealthMetrics[string]>();
  private healthSeen: { report: object; out: { json: string } } | undefined;

  constructor(private readonly src: ViewSources) {}

  get<N extends GetName>(name: N): DeepReadonly<GetMap[N]> {
    const c = this.src.cluster;
    const pg = c.pgMap;
    const snap = <T>(build: (prev: T | undefined) => T): T => c.snapshot(name, build);
    const needMap = <T>(v: T | undefined, what: string): T => {
      if (v === undefined) throw new NotReadyError(what);
      return v;
    };
    let out: unknown;
    switch (name) {
      // Maps are replaced whole by each MAP message and never changed in place, so
      // the snapshot is the map itself, frozen: no copy of a 10,000-OSD map.
      case 'osd_map': out = snap(() => needMap(c.osdMap, 'osd_map')); break;
      case 'osd_map_tree': out = snap(() => c.osdMapTree ?? { nodes: [], stray: [] }); break;
      case 'osd_map_crush': out = snap(() => c.osdMapCrush ?? {}); break;
      case 'mon_map': out = snap(() => needMap(c.monMap, 'mon_map')); break;
      case 'mon_status': out = snap(() => ({ json: JSON.stringify(c.monStatus ?? {}) })); break;
      case 'fs_map': out = snap(() => c.fsMap ?? { epoch: 0, filesystems: [], standbys: [] }); break;
      case 'service_map': out = snap(() => c.serviceMap ?? EMPTY_SERVICE_MAP); break;
      case 'mgr_map': out = this.src.mgrMap(); break;
      case 'health': out = this.healthJson(c.health()); break;
      case 'pg_summary': out = snap(() => pg.pgSummary()); break;
      case 'pg_status': out = snap(() => pg.pgStatus()); break;
      case 'pg_dump': out = snap(() => pg.pgDump()); break;
      case 'pg_stats': out = snap(() => pg.pgStats()); break;
      case 'pg_ready': out = pg.pgReady(); break;
      case 'pool_stats': out = snap(() => pg.poolStats()); break;
      case 'osd_pool_stats': out = snap(() => pg.osdPoolStats(c.osdMap)); break;
      case 'osd_stats': out = snap(() => pg.osdStats()); break;
      case 'osd_stats_brief': out = snap(() => pg.osdStatsBrief()); break;
      case 'osd_ping_times': out = snap(() => pg.osdPingTimes()); break;
      case 'df': out = snap(() => pg.df(needMap(c.osdMap, 'osd_map'))); break;
      case 'io_rate': out = snap(() => pg.ioRate()); break;
      case 'osd_perf': out = snap(() => pg.osdPerf()); break;
      case 'osd_metadata': out = this.metadataOf('osd'); break;
      case 'mds_metadata': out = this.metadataOf('mds'); break;
      case 'config': out = this.src.config(); break;
      case 'mgr_ips': out = { ips: this.src.mgrIps() }; break;
      case 'devices': out = deepFreeze({ devices: knownDevices(this.src.kvList ?? (() => ({})), this.src.daemons.values()) }); break;
      case 'have_local_config_map': out = { have_local_config_map: true }; break;
      default: throw new Error(`get(): unknown name '${String(name)}'`);
    }
    // Snapshots come frozen; what is built per call (copies) is frozen too: every answer is read-only.
    return deepFreeze(out) as DeepReadonly<GetMap[N]>;
  }

  /** get('health'): the report's JSON, made once per report (the exporter looks at it on every scrape). */
  private healthJson(report: object): { json: string } {
    if (this.healthSeen?.report !== report) this.healthSeen = { report, out: Object.freeze({ json: JSON.stringify(report) }) };
    return this.healthSeen.out;
  }

  /** Each daemon's own metadata, frozen (DaemonState.setMetadata): no copy per daemon per call. */
  private metadataOf(type: string): Record<string, Readonly<Record<string, string>>> {
    const out: Record<string, Readonly<Record<string, string>>> = {};
    for (const d of this.src.daemons.ofType(type)) out[d.id] = d.metadata;
    return out;
  }

  /** Daemons by host, with this manager among them as Ceph lists it. */
  private hosts(): Map<string, Array<{ type: string; id: string; ceph_version: string }>> {
    const hosts = new Map<string, Array<{ type: string; id: string; ceph_version: string }>>();
    const add = (host: string, e: { type: string; id: string; ceph_version: string }): void => {
      let l = hosts.get(host);
      if (!l) hosts.set(host, (l = []));
      l.push(e);
    };
    const me = this.src.self();
    add(me.metadata.hostname ?? '', { type: 'mgr', id: me.id, ceph_version: me.metadata.ceph_version ?? '' });
    for (const d of this.src.daemons.values()) add(d.hostname, { type: d.type, id: d.id, ceph_version: d.metadata.ceph_version ?? '' });
    return hosts;
  }

  listServers(): ServerInfo[] {
    return [...this.hosts()].sort((a, b) => cmp(a[0], b[0])).map(([h, l]) => server(h, l));
  }

  getServer(hostname: string): ServerInfo | undefined {
    const l = this.hosts().get(hostname);
    return l ? server(hostname, l) : undefined;
  }

  listDaemons(svcType?: string): string[] {
    const out: string[] = [];
    const me = this.src.self();
    if (!svcType || svcType === 'mgr') out.push(`mgr.${me.id}`);
    for (const d of svcType ? this.src.daemons.ofType(svcType) : this.src.daemons.values()) out.push(d.key);
    return out;
  }

  private daemon(svcType: string, svcId: string): DaemonState | undefined {
    return this.src.daemons.get(`${svcType}.${svcId}`);
  }

  getMetadata(svcType: string, svcId: string): Record<string, string> | undefined {
    const me = this.src.self();
    if (svcType === 'mgr' && svcId === me.id) return { ...me.metadata };
    if (svcType === 'mgr') {
      const other = this.src.mgrMetadata?.(svcId);
      if (other) return { ...other };
    }
    const d = this.daemon(svcType, svcId);
    return d ? { ...d.metadata } : undefined;
  }

  getDaemonStatus(svcType: string, svcId: string): Record<string, string> | undefined {
    const d = this.daemon(svcType, svcId);
    return d ? { ...d.status } : undefined;
  }

  private visible(c: PerfCounterInfo): boolean {
    return c.priority >= this.statsThreshold() && (c.type & PERFCOUNTER_HISTOGRAM) === 0;
  }

  getPerfSchema(svcType?: string, svcId?: string): Record<string, Record<string, PerfSchemaEntry>> {
    const out: Record<string, Record<string, PerfSchemaEntry>> = {};
    const list = svcType && svcId ? [this.daemon(svcType, svcId)].filter((d): d is DaemonState => !!d) : [...(svcType ? this.src.daemons.ofType(svcType) : this.src.daemons.values())];
    for (const d of list) {
      const s: Record<string, PerfSchemaEntry> = {};
      for (const c of d.counters) if (this.visible(c)) s[c.path] = schemaEntry(c);
      out[d.key] = s;
    }
    return out;
  }

  getCounter(svcType: string, svcId: string, path: string): Record<string, number[][]> {
    const d = this.daemon(svcType, svcId);
    const c = d?.byPath.get(path);
    if (!d || !c || c.width === 0) return { [path]: [] };
    return { [path]: d.ring.history(c.col, isLongRunAvg(c.type)) };
  }

  getLatest(svcType: string, svcId: string, path: string): number {
    const d = this.daemon(svcType, svcId);
    const c = d?.byPath.get(path);
    return (c && c.width > 0 ? d!.ring.latest(c.col) : undefined) ?? 0;
  }

  getLatestAvg(svcType: string, svcId: string, path: string): [number, number] {
    const d = this.daemon(svcType, svcId);
    const c = d?.byPath.get(path);
    if (!d || !c || c.width !== 2) return [0, 0];
    return [d.ring.latest(c.col) ?? 0, d.ring.latest(c.col + 1) ?? 0];
  }

  getLatestCounter(svcType: string, svcId: string, path: string): Record<string, number[]> {
    const h = this.getCounter(svcType, svcId, path)[path] ?? [];
    return { [path]: h[h.length - 1] ?? [] };
  }

  getAllPerfCounters(prioLimit: number, svcType?: string): Record<string, Record<string, PerfCounterEntry>> {
    const out: Record<string, Record<string, PerfCounterEntry>> = {};
    const limit = Math.max(prioLimit, this.statsThreshold());
    for (const d of svcType ? this.src.daemons.ofType(svcType) : this.src.daemons.values()) {
      if (d.ring.size === 0) continue;
      const counters: Record<string, PerfCounterEntry> = {};
      for (const c of d.counters) {
        if (c.priority < limit || c.width === 0) continue;
        const e: PerfCounterEntry = { ...schemaEntry(c), value: d.ring.latest(c.col) ?? 0 };
        if (c.width === 2) e.count = d.ring.latest(c.col + 1) ?? 0;
        counters[c.path] = e;
      }
      out[d.key] = counters;
    }
    return out;
  }

  forEachDaemonCounters(visit: (c: DaemonCounters) => void, svcType?: string): void {
    for (const c of this.daemonCounters(svcType)) visit(c);
  }

  /**
   * Each reporting daemon's columns and latest row, read when the iterator
   * reaches it: a reader may take a few hundred, yield to the event loop and
   * go on. Ingest runs in between: the daemons are those known when the
   * iterator started, each visited once; one gone (or replaced) by the time
   * its turn comes is skipped; each row is as its last report left it.
   */
  *daemonCounters(svcType?: string): Generator<DaemonCounters, void, undefined> {
    // Rows are copied into shared chunks, each daemon's a view of its part: at 10,000 daemons,
    // 10,000 backing stores (one slice() each) cost more than the copying itself.
    let chunk = new Float64Array(0);
    let off = 0;
    for (const d of this.daemonList(svcType)) {
      if (this.src.daemons.get(d.key) !== d) continue; // gone since the iterator started
      const src = d.ring.latestValues();
      if (src === undefined) continue;
      const w = d.ring.width;
      if (off + w > chunk.length) {
        chunk = new Float64Array(Math.max(COUNTER_CHUNK, w));
        off = 0;
      }
      chunk.set(src, off);
      const values = chunk.subarray(off, off + w);
      off += w;
      yield { daemon: d.key, type: d.type, id: d.id, schemaVersion: d.schemaVersion, columns: d.counters, values, stamp: d.ring.latestStamp() };
    }
  }

  getDaemonHealthMetrics(): DaemonHealthMetrics {
    const out: DaemonHealthMetrics = {};
    for (const [daemon, metrics] of this.daemonHealthMetrics()) out[daemon] = metrics;
    return out;
  }

  /** getDaemonHealthMetrics() one daemon at a time (as daemonCounters(): a reader may yield between two). */
  *daemonHealthMetrics(): Generator<[string, DaemonHealthMetrics[string]], void, undefined> {
    for (const d of this.daemonList()) {
      if (this.src.daemons.get(d.key) !== d) continue;
      // A daemon's list is replaced whole when a report carries a new one: its frozen copy is kept until then.
      let copy = this.healthMetricCopies.get(d.healthMetrics);
      if (!copy) {
        copy = deepFreeze(d.healthMetrics.map((m) => ({ ...m })));
        this.healthMetricCopies.set(d.healthMetrics, copy);
      }
      yield [d.key, copy];
    }
  }

  /** getMetadata() of each daemon of a type, one per next(): the daemon's own frozen metadata (replaced whole by an OPEN), not a copy. */
  *daemonMetadata(svcType: string): Generator<[string, Readonly<Record<string, string>>], void, undefined> {
    for (const d of this.daemonList(svcType)) {
      if (this.src.daemons.get(d.key) !== d) continue;
      yield [d.id, d.metadata];
    }
  }

  /**
   * get('osd_perf').osd_perf_infos one OSD per next(): the OSDs with stats when
   * it starts (ascending), each read when reached, one gone meanwhile skipped.
   */
  *osdPerfInfos(): Generator<OsdPerfInfo, void, undefined> {
    const pg = this.src.cluster.pgMap;
    for (const id of pg.osdIds()) {
      const v = pg.osdStat(id)?.vec;
      if (v === undefined) continue;
      yield { id, perf_stats: perfStatJson(v[OSD_COL.commitNs]!, v[OSD_COL.applyNs]!) as OsdPerfInfo['perf_stats'] };
    }
  }

  /** The daemons now (references only: 10,000 of them copy in microseconds), for iterators that run across event-loop turns. */
  private daemonList(svcType?: string): DaemonState[] {
    return [...(svcType ? this.src.daemons.ofType(svcType) : this.src.daemons.values())];
  }

  getMgrdStats(): MgrdStats {
    return this.src.mgrdStats();
  }

  statsThreshold(): number {
    return this.src.mgrOptions.num('mgr_stats_threshold');
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Ids compare as numbers when both are numbers (osd.2 before osd.10). */
function cmpId(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  return Number.isInteger(na) && Number.isInteger(nb) ? na - nb : cmp(a, b);
}

function server(hostname: string, list: Array<{ type: string; id: string; ceph_version: string }>): ServerInfo {
  const services = [...list].sort((a, b) => cmp(a.type, b.type) || cmpId(a.id, b.id));
  return { hostname, ceph_version: services[0]?.ceph_version ?? '', services };
}
