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
