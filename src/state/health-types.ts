// How the core builds health reports: the worst status, and checks recorded to be
// added again to later reports. The check shapes are the SDK's (mgr-module/health.ts).

import type { HealthCheckMap, HealthSeverity, HealthStatus } from '../mgr-module/health.js';

const RANK: Record<HealthStatus, number> = { HEALTH_OK: 0, HEALTH_WARN: 1, HEALTH_ERR: 2 };

export function worstStatus(checks: HealthCheckMap): HealthStatus {
  let worst: HealthStatus = 'HEALTH_OK';
  for (const c of Object.values(checks)) if (!c.muted && RANK[c.severity] > RANK[worst]) worst = c.severity;
  return worst;
}

/** Adds a check, merging into an existing one of the same code as Ceph's health_check_map_t::merge. */
export type AddCheck = (code: string, severity: HealthSeverity, message: string, count: number, detail?: string[]) => void;

/** A check as found, kept to be added to later reports (what does not change between them). */
export interface RecordedCheck {
  readonly code: string;
  readonly severity: HealthSeverity;
  readonly message: string;
  readonly count: number;
  readonly detail: readonly string[];
}

/** An AddCheck that records, and the list it records into. */
export function checkRecorder(): { add: AddCheck; checks: RecordedCheck[] } {
  const checks: RecordedCheck[] = [];
  return { checks, add: (code, severity, message, count, detail = []) => checks.push({ code, severity, message, count, detail }) };
}

/** Adds recorded checks (detail copied: the record stays as it was). */
export function replayChecks(checks: readonly RecordedCheck[], add: AddCheck): void {
  for (const c of checks) add(c.code, c.severity, c.message, c.count, [...c.detail]);
}

/**
 * What a health scan finds by visiting every PG and every OSD's report
 * (health-scan.ts): the checks health() adds as they were found, in their
 * places among the others. Empty lists where there was nothing to visit.
 */
export interface ScannedHealth {
  /** PgHealthScan's: PG states (some once stuck), OBJECT_UNFOUND's detail, scrub deadlines. */
  readonly pg: readonly RecordedCheck[];
  /** OSD_FULL / OSD_BACKFILLFULL / OSD_NEARFULL. */
  readonly usage: readonly RecordedCheck[];
  /** OSD_SLOW_PING_TIME_BACK / _FRONT. */
  readonly slowPing: readonly RecordedCheck[];
  /** The objectstore alerts (BLUESTORE_SPURIOUS_READ_ERRORS...). */
  readonly osAlerts: readonly RecordedCheck[];
  /** OSD_TOO_MANY_REPAIRS. */
  readonly repaired: readonly RecordedCheck[];
}

export const NO_SCANNED_HEALTH: ScannedHealth = Object.freeze({ pg: [], usage: [], slowPing: [], osAlerts: [], repaired: [] });
