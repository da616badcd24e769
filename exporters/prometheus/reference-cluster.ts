// The reference cluster as a collection source, for tests: what real ceph-mgr
// 16.2.15 handed its modules (test/fixtures/ceph-reference/mgr_internals/),
// served through the same calls the module makes. Running the collector on it
// and comparing with what Ceph's module served from the same cluster
// (active-metrics.txt) checks the mapping rules without a simulator.

import { existsSync, readFileSync } from 'node:fs';
import type {
  CounterColumn, DaemonCounters, DaemonHealthMetrics, GetMap, GetName, OsdPerfInfo, PerfCounterEntry, ServerInfo, Snapshot,
} from '../../src/mgr-module/index.js';
import type { ClusterSource } from './collect-context.js';

const DIR = new URL('../../test/fixtures/ceph-reference/mgr_internals/', import.meta.url);

const parsed = new Map<string, unknown>();

/** A fixture, parsed once per process and deep-copied per call (callers may not share mutable answers). */
function fixture<T>(file: string): T {
  let v = parsed.get(file);
  if (v === undefined) parsed.set(file, (v = JSON.parse(readFileSync(new URL(file, DIR), 'utf8'))));
  return structuredClone(v) as T;
}

export class ReferenceCluster implements ClusterSource {
  private readonly perf = fixture<Record<string, Record<string, PerfCounterEntry>>>('get_all_perf_counters.prio_useful.json');

  get<N extends GetName>(name: N): Snapshot<N> {
    if ((name as string) === 'osd_pool_stats') {
      // Not captured; Ceph's answer for an idle cluster: every pool, no recovery.
      const df = fixture<GetMap['df']>('get.df.json');
      return { pool_stats: df.pools.map((p) => ({ pool_name: p.name, pool_id: p.id, recovery: {}, recovery_rate: {}, client_io_rate: {} })) } as unknown as Snapshot<N>;
    }
    if (name === 'osd_perf') {
      // Captured as null (the module asked before the first report); Ceph builds it from the OSD stats.
      const stats = fixture<GetMap['osd_stats']>('get.osd_stats.json').osd_stats;
      return { osd_perf_infos: stats.map((o) => ({ id: o.osd, perf_stats: o.perf_stat })) } as unknown as Snapshot<N>;
    }
    const file = `get.${name}.json`;
    if (!existsSync(new URL(file, DIR))) throw new Error(`get(): unknown name '${name}'`);
    return fixture<Snapshot<N>>(file);
  }

  listServers(): ServerInfo[] {
    return fixture<ServerInfo[]>('list_servers.json');
  }

  /** Captured metadata where there is some; for the other daemons list_servers' hostname and version (what ceph-mgr has of them too). */
  getMetadata(svcType: string, svcId: string): Record<string, string> | undefined {
    if (svcType === 'osd') return fixture<Record<string, Record<string, string>>>('get.osd_metadata.json')[svcId];
    const file = `get_metadata.${svcType}.${svcId}.json`;
    if (existsSync(new URL(file, DIR))) return fixture<Record<string, string>>(file);
    for (const server of this.listServers()) {
      const svc = server.services.find((s) => s.type === svcType && s.id === svcId);
      if (svc !== undefined) return { hostname: server.hostname, ceph_version: svc.ceph_version };
    }
    return undefined;
  }

  *daemonHealthMetrics(): Generator<[string, DaemonHealthMetrics[string]], void, undefined> {
    yield* Object.entries(fixture<DaemonHealthMetrics>('get_daemon_health_metrics.json'));
  }

  /** Ceph builds osd_perf from the OSD stats (its capture is null: the module asked before the first report). */
  *osdPerfInfos(): Generator<OsdPerfInfo, void, undefined> {
    yield* (this.get('osd_perf').osd_perf_infos as OsdPerfInfo[]);
  }

  *daemonMetadata(svcType: string): Generator<[string, Readonly<Record<string, string>>], void, undefined> {
    if (svcType === 'osd') {
      yield* Object.entries(fixture<Record<string, Record<string, string>>>('get.osd_metadata.json'));
      return;
    }
    for (const server of this.listServers()) {
      for (const svc of server.services) {
        const meta = svc.type === svcType ? this.getMetadata(svcType, svc.id) : undefined;
        if (meta !== undefined) yield [svc.id, meta];
      }
    }
  }

  getMgrId(): string {
    return fixture<{ mgr_id: string }>('misc.json').mgr_id;
  }

  /** daemonCounters() through a callback (what the influx module reads). */
  forEachDaemonCounters(visit: (c: DaemonCounters) => void, svcType?: string): void {
    for (const c of this.daemonCounters(svcType)) visit(c);
  }

  /** The perf counters of get_all_perf_counters() as the SDK's column rows (sum, count pairs for averages). */
  *daemonCounters(svcType?: string): Generator<DaemonCounters, void, undefined> {
    for (const [daemon, counters] of Object.entries(this.perf)) {
      const dot = daemon.indexOf('.');
      const type = daemon.slice(0, dot);
      if (svcType !== undefined && type !== svcType) continue;
      const columns: CounterColumn[] = [];
      const values: number[] = [];
      for (const [path, e] of Object.entries(counters)) {
        const width = e.count === undefined ? 1 : 2;
        columns.push({ path, description: e.description, nick: e.nick, type: e.type, priority: e.priority, unit: e.units === 0 ? 'bytes' : 'none', col: values.length, width });
        values.push(e.value);
        if (e.count !== undefined) values.push(e.count);
      }
      yield { daemon, type, id: daemon.slice(dot + 1), schemaVersion: 1, columns, values: Float64Array.from(values), stamp: 0 };
    }
  }
}
