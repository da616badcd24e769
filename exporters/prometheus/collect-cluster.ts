// Cluster-wide families, one step per method of Ceph 16's module (the method
// name labels ceph_prometheus_collect_duration_seconds_*): health, df, pool
// recovery rates, PG states per pool, OSD latencies, object counts, daemon
// health metrics. Daemon metadata lives in collect-daemons.ts.

import { CHECK_EVERY, type HealthReport } from '../../src/mgr-module/index.js';
import { num, type StepContext } from './collect-context.js';
import { healthDetailKey } from './health-history.js';
import { DF_CLUSTER, DF_POOL, LABELS, NUM_OBJECTS, OSD_POOL_STATS, OSD_STATS, PG_STATES } from './families.js';

const PG_STATE_SET: ReadonlySet<string> = new Set(PG_STATES);

const HEALTH_NUMBER: Record<string, number> = { HEALTH_OK: 0, HEALTH_WARN: 1, HEALTH_ERR: 2 };

export function getHealth(ctx: StepContext): void {
  const health = JSON.parse(ctx.get('health').json) as HealthReport;
  ctx.healthKey = healthDetailKey(health);
  const status = HEALTH_NUMBER[health.status];
  if (status === undefined) throw new Error(`unknown health status "${String(health.status)}"`);
  ctx.open('ceph_health_status');
  ctx.w.sample('ceph_health_status', '', status);

  // SLOW_OPS as a number: "42 slow ops, oldest one blocked for 12 sec, ..." → 42.
  const slow = health.checks?.SLOW_OPS;
  if (slow === undefined) {
    ctx.open('ceph_healthcheck_slow_ops');
    ctx.w.sample('ceph_healthcheck_slow_ops', '', 0);
  } else {
    const first = (slow.summary?.message ?? '').split(' ')[0] ?? '';
    if (/^\d+$/.test(first)) {
      ctx.open('ceph_healthcheck_slow_ops');
      ctx.w.sample('ceph_healthcheck_slow_ops', '', Number(first));
    } else {
      ctx.warnOnce('healthcheck SLOW_OPS message format is incompatible: ceph_healthcheck_slow_ops is left out');
    }
  }

  if (ctx.history.check(health, ctx.nowS)) ctx.historyChanged();
  ctx.open('ceph_health_detail');
  for (const ev of ctx.history.entries()) {
    ctx.w.sample('ceph_health_detail', ctx.labels.of(LABELS.healthDetail, [ev.name, ev.severity]), ev.active ? 1 : 0);
  }
}

export function getDf(ctx: StepContext): void {
  const df = ctx.get('df');
  for (const stat of DF_CLUSTER) {
    const v = num(df.stats[stat]);
    if (v === undefined) continue;
    ctx.open(`ceph_cluster_${stat}`);
    ctx.w.sample(`ceph_cluster_${stat}`, '', v);
  }
  for (const stat of DF_POOL) {
    const family = `ceph_pool_${stat}`;
    ctx.open(family);
    for (const pool of df.pools) {
      const v = num(pool.stats[stat]);
      if (v !== undefined) ctx.w.sample(family, ctx.labels.pool(pool.id), v);
    }
  }
}

interface OsdPoolStats {
  pool_stats: Array<{ pool_id: number; recovery_rate?: Record<string, number> }>;
}

export function getPoolStats(ctx: StepContext): void {
  let stats: OsdPoolStats;
  try {
    // Not (yet) in the SDK's GetMap: asked by name, as Ceph's module does.
    stats = ctx.timed('osd_pool_stats', () => (ctx.src.get as (name: string) => unknown)('osd_pool_stats')) as OsdPoolStats;
  } catch (err) {
    if (err instanceof Error && /unknown name/.test(err.message)) {
      ctx.warnOnce("get('osd_pool_stats') is not available: ceph_pool_recovering_* and ceph_pool_num_*_recovered have no samples");
      return;
    }
    throw err;
  }
  for (const stat of OSD_POOL_STATS) {
    const family = `ceph_pool_${stat}`;
    ctx.open(family);
    for (const pool of stats.pool_stats) ctx.w.sample(family, ctx.labels.pool(pool.pool_id), num(pool.recovery_rate?.[stat]) ?? 0);
  }
}

/**
 * ceph_pg_<state> and ceph_pg_total per pool. Ceph reads pg_summary.by_pool;
 * pg_status carries the same per-pool counts (pgs_by_pool_state) without
 * pg_summary's per-OSD part, which at 10,000 OSDs is most of its cost.
 */
export function getPgStatus(ctx: StepContext): void {
  const status = ctx.get('pg_status');
  const byPool: Array<[string, ReadonlyArray<{ readonly state_name: string; readonly count: number }>]> = status.pgs_by_pool_state !== undefined
    ? status.pgs_by_pool_state.map((p) => [String(p.pool_id), p.pg_state_counts])
    : Object.entries(ctx.get('pg_summary').by_pool).map(([pool, states]) => [pool, Object.entries(states).map(([state_name, count]) => ({ state_name, count }))]);
  const counts = new Map<string, number>();
  for (const [pool, states] of byPool) {
    counts.clear();
    let total = 0;
    for (const { state_name: stateName, count } of states) {
      for (const state of stateName.split('+')) {
        if (PG_STATE_SET.has(state)) counts.set(state, (counts.get(state) ?? 0) + count);
        else ctx.warnOnce(`skipping pg in unknown state ${state}`);
      }
      total += count;
    }
    const labels = ctx.labels.pool(pool);
    for (const state of PG_STATES) {
      ctx.open(`ceph_pg_${state}`);
      ctx.w.sample(`ceph_pg_${state}`, labels, counts.get(state) ?? 0);
    }
    ctx.open('ceph_pg_total');
    ctx.w.sample('ceph_pg_total', labels, total);
  }
}

/**
 * OSD commit/apply latency: osd_perf holds exactly these (osd_stats, Ceph's
 * source, adds every OSD's per-pool statfs). Read one OSD at a time, in slices:
 * get('osd_perf') builds and freezes every OSD's entry in one go.
 */
export async function getOsdStats(ctx: StepContext): Promise<void> {
  // Ids and values only: the core's per-OSD objects die young instead of being kept across slices (and promoted).
  const ids: number[] = [];
  const values: number[][] = OSD_STATS.map(() => []);
  await ctx.readAll('osdPerfInfos', ctx.src.osdPerfInfos(), (osd) => {
    ids.push(osd.id);
    for (let k = 0; k < OSD_STATS.length; k++) values[k]!.push(osd.perf_stats[OSD_STATS[k]!]);
  });
  for (let k = 0; k < OSD_STATS.length; k++) {
    const family = `ceph_osd_${OSD_STATS[k]!}`;
    const v = values[k]!;
    ctx.open(family);
    for (let i = 0; i < ids.length; i++) {
      ctx.put(family, ctx.labels.osd(ids[i]!), v[i]!);
      if ((i & (CHECK_EVERY - 1)) === 0 && ctx.s.due()) await ctx.s.yield();
    }
  }
}

/** pg_status's recovery summary (degraded_objects...: Ceph writes them only when non-zero) is pg_stats_sum's num_objects_*. */
export function getNumObjects(ctx: StepContext): void {
  const status = ctx.get('pg_status') as Record<string, unknown>;
  for (const obj of NUM_OBJECTS) {
    ctx.open(`ceph_num_objects_${obj}`);
    ctx.w.sample(`ceph_num_objects_${obj}`, '', num(status[`${obj}_objects`]) ?? 0);
  }
}

export function getPoolRepairedObjects(ctx: StepContext): void {
  ctx.open('ceph_pool_objects_repaired');
  for (const pool of ctx.get('pool_stats').pool_stats) {
    const v = num(pool.stat_sum.num_objects_repaired);
    if (v !== undefined) ctx.w.sample('ceph_pool_objects_repaired', ctx.labels.of(LABELS.poolRepaired, [String(pool.poolid)]), v);
  }
}

export async function getAllDaemonHealthMetrics(ctx: StepContext): Promise<void> {
  ctx.open('ceph_daemon_health_metrics');
  // One daemon per next(): 10,000 daemons are read over several slices.
  await ctx.readAll('daemonHealthMetrics', ctx.src.daemonHealthMetrics(), ([daemon, metrics]) => {
    const h = ctx.labels.daemonHealth(daemon);
    for (let k = 0; k < metrics.length; k++) {
      const m = metrics[k]!;
      ctx.put('ceph_daemon_health_metrics', ctx.labels.healthLabel(h, k, m.type, daemon), m.value);
    }
  });
}
