// The cluster-wide views: overview, pools, hosts, PGs. Pure functions of what
// the SDK's get() answers; the live hub calls each once per interval and shares
// the result with every open page.

import type { HealthReport } from '../../../src/mgr-module/index.js';
import type { HealthView, HostRow, IoSample, OverviewView, PgsView, PoolRow } from '../view-types.js';
import { num, parseJson, type ClusterReader } from './reader.js';

export type { HealthView, HostRow, IoSample, OverviewView, PgsView, PoolRow };

/** Detail lines kept per check: a 10,000-OSD outage must not make a megabyte of text every interval. */
const MAX_DETAIL = 50;

export function healthView(r: ClusterReader): HealthView {
  const h = parseJson<HealthReport>(r.get('health').json);
  const checks = Object.entries(h.checks ?? {}).map(([name, c]) => {
    const detail = (c.detail ?? []).map((d) => d.message);
    if (detail.length > MAX_DETAIL) detail.splice(MAX_DETAIL, detail.length - MAX_DETAIL, `... and ${detail.length - MAX_DETAIL} more`);
    return { name, severity: c.severity, summary: c.summary?.message ?? '', count: c.summary?.count ?? 0, detail };
  });
  return { status: h.status ?? 'HEALTH_OK', checks };
}

export function ioSample(r: ClusterReader, t: number): IoSample {
  const s = r.get('pg_status');
  return {
    t,
    rdBytes: num(s.read_bytes_sec), wrBytes: num(s.write_bytes_sec),
    rdOps: num(s.read_op_per_sec), wrOps: num(s.write_op_per_sec),
    recBytes: num(s.recovering_bytes_per_sec),
  };
}

export function overviewView(r: ClusterReader, io: IoSample[]): OverviewView {
  const osdMap = r.get('osd_map');
  const df = r.get('df');
  const pg = r.get('pg_status');
  const monMap = r.get('mon_map');
  const monStatus = parseJson<{ quorum: number[] }>(r.get('mon_status').json);
  const mgrMap = r.get('mgr_map');
  const quorumRanks = new Set(monStatus.quorum ?? []);
  const mons = (monMap.mons ?? []) as ReadonlyArray<{ name: string; rank: number }>;
  return {
    fsid: String(osdMap.fsid ?? ''),
    health: healthView(r),
    capacity: { total: num(df.stats.total_bytes), used: num(df.stats.total_used_raw_bytes), avail: num(df.stats.total_avail_bytes) },
    pools: df.pools.map((p) => ({ id: p.id, name: p.name, stored: num(p.stats.stored), percentUsed: num(p.stats.percent_used), maxAvail: num(p.stats.max_avail) })),
    io,
    pgs: { total: num(pg.num_pgs), byState: (pg.pgs_by_state ?? []).map((s) => ({ state: s.state_name, count: s.count })) },
    osds: { total: osdMap.osds.length, up: osdMap.osds.filter((o) => o.up).length, in: osdMap.osds.filter((o) => o.in).length },
    mons: {
      total: mons.length,
      quorum: mons.filter((m) => quorumRanks.has(m.rank)).map((m) => m.name),
      outOfQuorum: mons.filter((m) => !quorumRanks.has(m.rank)).map((m) => m.name),
    },
    mgr: { active: mgrMap.active_name, available: mgrMap.available, standbys: mgrMap.standbys.map((s) => s.name) },
    objects: num(pg.num_objects),
  };
}

export function poolsView(r: ClusterReader): PoolRow[] {
  const osdMap = r.get('osd_map');
  const dfById = new Map(r.get('df').pools.map((p) => [p.id, p.stats]));
  const ioById = new Map(r.get('osd_pool_stats').pool_stats.map((p) => [num(p.pool_id), (p.client_io_rate ?? {}) as Record<string, unknown>]));
  const byPool = r.get('pg_summary').by_pool;
  return osdMap.pools.map((p) => {
    const df = dfById.get(p.pool) ?? {};
    const io = ioById.get(p.pool) ?? {};
    return {
      id: p.pool, name: p.pool_name, type: p.type === 3 ? 'erasure' : 'replicated', size: num(p.size), minSize: num(p.min_size), pgNum: num(p.pg_num),
      stored: num(df.stored), objects: num(df.objects), percentUsed: num(df.percent_used), maxAvail: num(df.max_avail),
      quotaBytes: num(p.quota_max_bytes), quotaObjects: num(p.quota_max_objects),
      rdBytes: num(io.read_bytes_sec), wrBytes: num(io.write_bytes_sec), rdOps: num(io.read_op_per_sec), wrOps: num(io.write_op_per_sec),
      applications: Object.keys(p.application_metadata ?? {}),
      pgStates: Object.entries(byPool[String(p.pool)] ?? {}).map(([state, count]) => ({ state, count })),
    };
  });
}

/** Hosts and their daemons; the daemon list is cut at 200 names (a host with more says how many in `osds`). */
export function hostsView(r: ClusterReader): HostRow[] {
  return r.listServers().map((s) => ({
    hostname: s.hostname,
    version: s.ceph_version,
    daemons: s.services.slice(0, 200).map((d) => `${d.type}.${d.id}`),
    osds: s.services.filter((d) => d.type === 'osd').length,
  })).sort((a, b) => a.hostname.localeCompare(b.hostname));
}

const BAD_STATES = ['down', 'incomplete', 'inconsistent', 'stale', 'peering', 'undersized', 'degraded', 'recovering', 'backfill', 'remapped'];
const badness = (state: string): number => {
  const i = BAD_STATES.findIndex((s) => state.includes(s));
  return i < 0 ? BAD_STATES.length : i;
};

export function pgsView(r: ClusterReader, limit = 500): PgsView {
  const st = r.get('pg_status');
  const unclean: PgsView['unclean'] = [];
  let uncleanTotal = 0;
  for (const p of r.get('pg_stats').pg_stats) {
    const state = typeof p.state === 'string' ? p.state : '';
    if (state === 'active+clean') continue;
    uncleanTotal++;
    unclean.push({
      pgid: typeof p.pgid === 'string' ? p.pgid : '', state,
      up: (p.up as number[] | undefined) ?? [], acting: (p.acting as number[] | undefined) ?? [],
      since: typeof p.last_active === 'string' ? p.last_active : '',
    });
  }
  unclean.sort((a, b) => badness(a.state) - badness(b.state) || a.pgid.localeCompare(b.pgid, undefined, { numeric: true }));
  return {
    total: num(st.num_pgs),
    byState: (st.pgs_by_state ?? []).map((s) => ({ state: s.state_name, count: s.count })),
    unclean: unclean.slice(0, limit),
    uncleanTotal,
  };
}
