// The registry's own health checks over all modules, named as Ceph names them
// where Ceph has one:
// - MGR_MODULE_ERROR (HEALTH_ERR): "Module 'x' has failed: <error>" for a failed
//   module (serve() threw, it kept faulting, a hook never returned). mgrd also
//   lists modules that fault without having failed yet, at HEALTH_WARN.
// - MGR_MODULE_DEPENDENCY (HEALTH_WARN): an enabled module that cannot run.
// - MGR_MODULE_QUEUE_FULL (HEALTH_WARN, mgrd's): a module whose queue dropped
//   notifications in the last QUEUE_FULL_HOLD_MS.

import { healthCheck, type HealthCheckMap, type HealthSeverity } from '../mgr-module/health.js';
import type { ModuleEntry } from './module-entry.js';

/** How long MGR_MODULE_QUEUE_FULL stays after a module's last drop. */
export const QUEUE_FULL_HOLD_MS = 60_000;

export function registryChecks(entries: readonly ModuleEntry[], wanted: ReadonlySet<string>, nowMs: number): HealthCheckMap {
  const checks: HealthCheckMap = {};
  const failed = entries.filter((m) => m.failed);
  const faulting = entries.filter((m) => !m.failed && m.lastError);
  add(checks, 'MGR_MODULE_ERROR', failed.length ? 'HEALTH_ERR' : 'HEALTH_WARN', (n) => `${n} mgr modules have failed`, [
    ...failed.map((m) => `Module '${m.name}' has failed: ${m.lastError}`),
    ...faulting.map((m) => `Module '${m.name}' has faulted ${m.faults} time(s), last: ${m.lastError}`),
  ]);
  add(checks, 'MGR_MODULE_DEPENDENCY', 'HEALTH_WARN', (n) => `${n} mgr modules have failed dependencies`,
    entries.filter((m) => wanted.has(m.name) && !m.canRun).map((m) => `Module '${m.name}' has failed dependency: ${m.canRunReason}`));
  add(checks, 'MGR_MODULE_QUEUE_FULL', 'HEALTH_WARN', (n) => `${n} mgr modules are dropping notifications: their queues are full`,
    entries.filter((m) => nowMs - m.lastDropMs < QUEUE_FULL_HOLD_MS)
      .map((m) => `Module '${m.name}' dropped ${m.dropped} notification(s): its queue is full (mgr_module_queue_max)`));
  return checks;
}

/** One line: that line is the summary; several: `many(n)` is, and the lines are the detail. */
function add(checks: HealthCheckMap, code: string, severity: HealthSeverity, many: (n: number) => string, lines: string[]): void {
  if (lines.length === 0) return;
  checks[code] = healthCheck(severity, lines.length === 1 ? lines[0]! : many(lines.length), lines.length, lines);
}
