// Health checks in the shape of `ceph health detail -f json`: what a module
// raises with setHealthChecks() and reads back from get('health').

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

export function healthCheck(severity: HealthSeverity, message: string, count: number, detail: string[] = []): HealthCheck {
  return { severity, summary: { message, count }, detail: detail.map((message) => ({ message })), muted: false };
}
