// Every time a wire-protocol limit refuses or changes input, counted by
// limit (mgrd_wire_limit_hits_total), logged at most once per limit every
// 10 s, and raised as the health check MGR_WIRE_LIMIT while any limit was hit
// in the last 10 minutes (docs/limits.md).

import type { Logger } from '../common/log.js';
import { healthCheck, type HealthCheckMap } from '../mgr-module/health.js';
import { RateLimitedLog } from './rate-log.js';

export const WIRE_LIMIT_CHECK = 'MGR_WIRE_LIMIT';
export const LIMIT_HEALTH_WINDOW_MS = 10 * 60_000;
const LOG_INTERVAL_MS = 10_000;

interface Hit {
  total: number;
  lastMs: number;
  lastDetail: string;
  /** Raises MGR_WIRE_LIMIT (false: counted and logged only). */
  health: boolean;
}

export class LimitHits {
  private readonly hits = new Map<string, Hit>();
  private readonly logLimit: RateLimitedLog;

  constructor(private readonly log: Logger, private readonly now: () => number = Date.now) {
    this.logLimit = new RateLimitedLog(LOG_INTERVAL_MS, now);
  }

  /**
   * One refusal (or clamp) by `limit` (the option's name, or a reason for
   * checks that have none); `detail` names the peer or daemon and the figures.
   */
  hit(limit: string, detail: string, health = true): void {
    const t = this.now();
    let h = this.hits.get(limit);
    if (!h) this.hits.set(limit, (h = { total: 0, lastMs: t, lastDetail: detail, health }));
    h.total++;
    h.lastMs = t;
    h.lastDetail = detail;
    this.logLimit.maybe(limit, (suppressed) => {
      this.log.warn({ limit, total: h.total, suppressed }, `${limit}: ${detail}${suppressed > 0 ? ` (and ${suppressed} more since the last line)` : ''}`);
    });
  }

  /** Hits since start, by limit. */
  totals(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, h] of this.hits) out[k] = h.total;
    return out;
  }

  /** MGR_WIRE_LIMIT when a limit was hit within the window, one detail line per limit. */
  healthChecks(): HealthCheckMap {
    const t = this.now();
    const detail: string[] = [];
    for (const [limit, h] of [...this.hits].sort(([a], [b]) => a.localeCompare(b))) {
      if (!h.health || t - h.lastMs > LIMIT_HEALTH_WINDOW_MS) continue;
      detail.push(`${limit}: hit ${h.total} time${h.total === 1 ? '' : 's'} since mgrd started, last at ${new Date(h.lastMs).toISOString()}: ${h.lastDetail}`);
    }
    if (detail.length === 0) return {};
    const n = detail.length;
    return { [WIRE_LIMIT_CHECK]: healthCheck('HEALTH_WARN', `${n} wire protocol limit${n === 1 ? '' : 's'} hit in the last ${LIMIT_HEALTH_WINDOW_MS / 60_000} minutes`, n, detail) };
  }
}
