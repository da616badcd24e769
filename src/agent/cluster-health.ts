// Health as the cluster source forwards it: Ceph's checks that only the
// cluster knows (mon quorum, clock skew, auth, slow ops, ...) pass through;
// the checks mgrd computes itself from the osd map and the PG stats
// (src/state/health-osd.ts, health-pg.ts) are left to mgrd, so they follow
// the maps it has rather than an older `health` answer. Plus the agent's own
// checks (MGR_AGENT_*). Pure.

import { healthCheck, type HealthCheck, type HealthCheckMap } from '../mgr-module/health.js';

/** Check codes mgrd's manager computes itself (keep in step with src/state/health-*.ts; a unit test does). */
export const MANAGER_COMPUTED_CHECKS: ReadonlySet<string> = new Set([
  'OSD_DOWN', 'OSD_ORPHAN', 'OSD_FULL', 'OSD_BACKFILLFULL', 'OSD_NEARFULL', 'OSD_OUT_OF_ORDER_FULL',
  'OSDMAP_FLAGS', 'OSD_SCRUB_ERRORS', 'OSD_TOO_MANY_REPAIRS',
  'POOL_FULL', 'POOL_NEARFULL', 'POOL_BACKFILLFULL', 'POOL_NEAR_FULL',
  'PG_AVAILABILITY', 'PG_DEGRADED', 'PG_RECOVERY_FULL', 'PG_BACKFILL_FULL', 'PG_DAMAGED',
  'PG_NOT_SCRUBBED', 'PG_NOT_DEEP_SCRUBBED', 'OBJECT_MISPLACED', 'OBJECT_UNFOUND', 'LARGE_OMAP_OBJECTS',
  'OSD_SLOW_PING_TIME_BACK', 'OSD_SLOW_PING_TIME_FRONT', 'TOO_MANY_PGS',
]);

/** OSD_HOST_DOWN, OSD_ROOT_DOWN, ...: CRUSH buckets down, computed by mgrd too. */
const BUCKET_DOWN = /^OSD_[A-Z]+_DOWN$/;

export function computedByManager(code: string): boolean {
  return MANAGER_COMPUTED_CHECKS.has(code) || BUCKET_DOWN.test(code);
}

/** `ceph health detail -f json`: {"status": ..., "checks": {CODE: {severity, summary: {message, count}, detail: [{message}], muted}}}. */
export interface CephHealthJson {
  status?: string;
  checks?: Record<string, { severity?: string; summary?: { message?: string; count?: number }; detail?: Array<{ message?: string }> }>;
}

/** The checks of a `health detail` answer the manager does not compute, in the MAP's shape. */
export function forwardedChecks(h: CephHealthJson): HealthCheckMap {
  const out: HealthCheckMap = {};
  for (const [code, c] of Object.entries(h.checks ?? {})) {
    if (computedByManager(code)) continue;
    if (c.severity !== 'HEALTH_WARN' && c.severity !== 'HEALTH_ERR') continue;
    const count = typeof c.summary?.count === 'number' ? c.summary.count : 1;
    out[code] = healthCheck(c.severity, String(c.summary?.message ?? code), count, (c.detail ?? []).map((d) => String(d.message ?? '')));
  }
  return out;
}

export function agentCheck(message: string, detail: string[]): HealthCheck {
  return healthCheck('HEALTH_WARN', message, 1, detail);
}
