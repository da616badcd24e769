// Ceph's standard health checks, computed from the osd map, the CRUSH
// hierarchy and the PGMap with Ceph's names and wording: the OSDMap ones
// (OSDMap::check_health: OSD_DOWN, OSD_HOST_DOWN, OSD_*FULL, OSDMAP_FLAGS,
// POOL_FULL...) in health-osd.ts, the PGMap ones (PGMap::get_health_checks)
// in health-pg.ts, those read from each OSD's report (slow heartbeats, store
// alerts, PGs per OSD) in health-osd-stat.ts. A pure function: same input, same checks.

import type { AddCheck, ScannedHealth } from './health-types.js';
import type { HealthCheckMap } from '../mgr-module/health.js';
import { replayChecks } from './health-types.js';
import { healthCheck } from '../mgr-module/health.js';
import type { OsdMap, OsdMapTree } from '../mgr-module/map-types.js';
import type { PGMap } from './pg-map.js';
import { CrushTopology, type CrushDump } from './crush-topology.js';
import { osdMapHealth, poolFlagChecks, type OsdMapHealth } from './health-osd.js';
import { pgHealthChecks } from './health-pg.js';
import { tooManyPgsCheck } from './health-osd-stat.js';
import { scanHealthNow } from './health-scan.js';

export type { AddCheck } from './health-types.js';

/** Ceph options the checks read, with Ceph 16's defaults. */
export interface HealthConfig {
  /** mon_pg_stuck_threshold: seconds before inactive/peering/stale/undersized PGs are reported. */
  monPgStuckThresholdS: number;
  /** mon_health_max_detail. */
  monHealthMaxDetail: number;
  /** mon_warn_on_misplaced (OBJECT_MISPLACED). */
  monWarnOnMisplaced: boolean;
  /** mon_pool_quota_warn_threshold, percent of quota (0 = off). */
  monPoolQuotaWarnThresholdPct: number;
  /** mon_pool_quota_crit_threshold, percent of quota (0 = off). */
  monPoolQuotaCritThresholdPct: number;
  /** mon_warn_pg_not_scrubbed_ratio (0 = off). */
  monWarnPgNotScrubbedRatio: number;
  /** mon_warn_pg_not_deep_scrubbed_ratio (0 = off). */
  monWarnPgNotDeepScrubbedRatio: number;
  /** osd_scrub_max_interval, seconds. */
  osdScrubMaxIntervalS: number;
  /** osd_deep_scrub_interval, seconds. */
  osdDeepScrubIntervalS: number;
  /** mon_osd_warn_num_repaired (OSD_TOO_MANY_REPAIRS). */
  monOsdWarnNumRepaired: number;
  /** osd_failsafe_full_ratio (OSD_OUT_OF_ORDER_FULL). */
  osdFailsafeFullRatio: number;
  /** mon_max_pg_per_osd (TOO_MANY_PGS). */
  monMaxPgPerOsd: number;
  /** osd_heartbeat_grace, seconds (OSD_SLOW_PING_TIME_*: the threshold, and how old ping times may be). */
  osdHeartbeatGraceS: number;
  /** mon_warn_on_slow_ping_time, ms (0: grace x mon_warn_on_slow_ping_ratio). */
  monWarnOnSlowPingTimeMs: number;
  /** mon_warn_on_slow_ping_ratio. */
  monWarnOnSlowPingRatio: number;
}

export const DEFAULT_HEALTH_CONFIG: Readonly<HealthConfig> = Object.freeze({
  monPgStuckThresholdS: 60,
  monHealthMaxDetail: 50,
  monWarnOnMisplaced: false,
  monPoolQuotaWarnThresholdPct: 0,
  monPoolQuotaCritThresholdPct: 0,
  monWarnPgNotScrubbedRatio: 0.5,
  monWarnPgNotDeepScrubbedRatio: 0.75,
  osdScrubMaxIntervalS: 7 * 86400,
  osdDeepScrubIntervalS: 7 * 86400,
  monOsdWarnNumRepaired: 10,
  osdFailsafeFullRatio: 0.97,
  monMaxPgPerOsd: 250,
  osdHeartbeatGraceS: 20,
  monWarnOnSlowPingTimeMs: 0,
  monWarnOnSlowPingRatio: 0.05,
});

export interface HealthInput {
  /** The osd map (`osd dump` shape). */
  osdMap: OsdMap;
  /** CRUSH hierarchy for locations and host-down checks: `osd tree` JSON... */
  osdTree?: OsdMapTree;
  /** ...or a crush dump... */
  osdCrush?: CrushDump;
  /** ...or just a hostname per OSD (from OSD metadata): root=default > host > osd. */
  hostByOsd?: ReadonlyMap<number, string> | Record<string, string>;
  /** A topology already built from one of the above (takes precedence). */
  topology?: CrushTopology;
  pgMap?: PGMap;
  /** "Now" for stuck/scrub ages, Unix seconds; defaults to the newest time the PGMap has seen. */
  nowS?: number;
  config?: Partial<HealthConfig>;
  /** What the osd map and topology give alone, kept from an earlier report of the same maps (osdMapHealth()). */
  osdMapHealth?: OsdMapHealth;
  /**
   * The checks of a health scan already made (ClusterState's sliced scan:
   * every PG and every OSD's report); without it they are visited now.
   */
  scanned?: ScannedHealth;
}

export function computeHealth(input: HealthInput): HealthCheckMap {
  const cfg: HealthConfig = { ...DEFAULT_HEALTH_CONFIG, ...input.config };
  const checks: HealthCheckMap = {};
  const add: AddCheck = (code, severity, message, count, detail = []) => {
    const prev = checks[code];
    if (prev) {
      prev.detail.push(...detail.map((m) => ({ message: m })));
      prev.summary.count += count;
    } else checks[code] = healthCheck(severity, message, count, detail);
  };
  const mapHealth = input.osdMapHealth ?? osdMapHealth(input.osdMap, input.topology ?? topologyOf(input), cfg);
  const scanned = input.scanned ??
    scanHealthNow({ pgMap: input.pgMap, osdMap: input.osdMap, mapHealth, nowS: input.nowS ?? input.pgMap?.nowS ?? 0, config: cfg });
  replayChecks(mapHealth.checks, add);
  replayChecks(scanned.usage, add);
  poolFlagChecks(input.osdMap, input.pgMap, add);
  // ceph-mgr reports PG health only once every up OSD has reported (pgmap_ready).
  if (input.pgMap?.isPgReady()) {
    pgHealthChecks(input.pgMap, input.osdMap, cfg, add, scanned.pg, scanned.repaired);
    replayChecks(scanned.slowPing, add);
    replayChecks(scanned.osAlerts, add);
    tooManyPgsCheck(input.pgMap, input.osdMap, cfg, add);
  }
  return checks;
}

function topologyOf(input: HealthInput): CrushTopology | undefined {
  if (input.osdTree) return CrushTopology.fromTree(input.osdTree, input.osdCrush);
  if (input.osdCrush) return CrushTopology.fromCrush(input.osdCrush);
  if (input.hostByOsd) return CrushTopology.fromHosts(input.hostByOsd);
  return undefined;
}
