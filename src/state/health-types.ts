// Health checks in the shape of `ceph health detail -f json`.

export type HealthSeverity = 'HEALTH_WARN' | 'HEALTH_ERR';
export type HealthStatus = 'HEALTH_OK' | HealthSeverity;

export interface HealthCheck {
  severity: HealthSeverity;
  summary: { message: string; count: number };
  detail: Array<{ message: string }>;
  muted?: boolean;
}

export type HealthCheckMap = Record<string, HealthCheck>;

export interface HealthReport {
  status: HealthStatus;
  checks: HealthCheckMap;
  mutes: unknown[];
}

const RANK: Record<HealthStatus, number> = { HEALTH_OK: 0, HEALTH_WARN: 1, HEALTH_ERR: 2 };

export function worstStatus(checks: HealthCheckMap): HealthStatus {
  let worst: HealthStatus = 'HEALTH_OK';
  for (const c of Object.values(checks)) if (!c.muted && RANK[c.severity] > RANK[worst]) worst = c.severity;
  return worst;
}

export function healthCheck(severity: HealthSeverity, message: string, count: number, detail: string[] = []): HealthCheck {
  return { severity, summary: { message, count }, detail: detail.map((message) => ({ message })), muted: false };
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
