// The health checks this cluster has raised, as Ceph's prometheus module keeps
// them (HealthHistory): first/last seen, how many times a check became active,
// whether it is active now. Feeds ceph_health_detail and `healthcheck history
// ls|clear`; persisted in the module store (key health_history) so it survives
// a failover. Pure: the caller reads the clock and writes the store.

import type { HealthReport } from '../../src/mgr-module/index.js';

export interface HealthCheckEvent {
  name: string;
  severity: string;
  /** Unix seconds. */
  first_seen: number;
  last_seen: number;
  count: number;
  active: boolean;
}

export const HEALTH_HISTORY_KEY = 'health_history';

/**
 * What ceph_health_detail shows of a report: each check's name and severity.
 * Two reports with the same key give the same ceph_health_detail samples.
 */
export function healthDetailKey(report: Pick<HealthReport, 'checks'>): string {
  return Object.entries(report.checks ?? {}).map(([name, c]) => `${name}=${c.severity}`).sort().join(',');
}

export type HistoryFormat = 'plain' | 'json' | 'json-pretty' | 'yaml';

export class HealthHistory {
  private checks = new Map<string, HealthCheckEvent>();

  /**
   * @param stored  the persisted JSON (Ceph's as_dict shape); unreadable data starts an empty history, as Ceph does
   * @param maxEntries  most checks remembered; the least recently seen inactive ones go first
   */
  constructor(stored: string | undefined, private maxEntries: number, warn: (msg: string) => void = () => undefined) {
    if (stored === undefined || stored === '') return;
    try {
      const data = JSON.parse(stored) as Record<string, Partial<HealthCheckEvent>>;
      for (const [name, v] of Object.entries(data)) {
        this.checks.set(name, {
          name,
          severity: String(v.severity ?? ''),
          first_seen: Number(v.first_seen ?? 0),
          last_seen: Number(v.last_seen ?? 0),
          count: Number(v.count ?? 1),
          active: v.active ?? true,
        });
      }
    } catch {
      warn(`invalid data in mgr/prometheus/${HEALTH_HISTORY_KEY}: starting an empty health check history`);
      this.checks.clear();
    }
  }

  get size(): number {
    return this.checks.size;
  }

  setMaxEntries(n: number): void {
    this.maxEntries = n;
    this.trim();
  }

  /** Folds the current health report in; true when something changed (the caller persists then). */
  check(report: Pick<HealthReport, 'checks'>, nowS: number): boolean {
    const current = report.checks ?? {};
    let changed = false;
    for (const [name, ev] of this.checks) {
      if (ev.active && !(name in current)) {
        ev.active = false;
        changed = true;
      }
    }
    for (const [name, info] of Object.entries(current)) {
      const ev = this.checks.get(name);
      if (ev === undefined) {
        this.checks.set(name, { name, severity: info.severity, first_seen: nowS, last_seen: nowS, count: 1, active: true });
        changed = true;
      } else if (!ev.active) {
        ev.last_seen = nowS;
        ev.count++;
        ev.active = true;
        changed = true;
      }
    }
    if (this.trim()) changed = true;
    return changed;
  }

  entries(): readonly HealthCheckEvent[] {
    return [...this.checks.values()];
  }

  clear(): void {
    this.checks.clear();
  }

  /** Ceph's as_dict(): name → event. */
  toJSON(): Record<string, HealthCheckEvent> {
    return Object.fromEntries([...this.checks].map(([k, v]) => [k, { ...v }]));
  }

  format(fmt: HistoryFormat): string {
    if (fmt === 'json') return JSON.stringify(this.toJSON());
    if (fmt === 'json-pretty') return JSON.stringify(this.toJSON(), null, 2);
    if (fmt === 'yaml') return this.yaml();
    return this.plain();
  }

  private trim(): boolean {
    if (this.checks.size <= this.maxEntries) return false;
    const order = [...this.checks.values()].sort((a, b) => Number(a.active) - Number(b.active) || a.last_seen - b.last_seen);
    for (const ev of order.slice(0, this.checks.size - this.maxEntries)) this.checks.delete(ev.name);
    return true;
  }

  private plain(): string {
    if (this.checks.size === 0) return 'No healthchecks have been recorded';
    const row = (name: string, first: string, last: string, count: string, active: string): string =>
      `${name.padEnd(24)}  ${first.padEnd(20)}  ${last.padEnd(20)}  ${count.padStart(5)}  ${center(active, 6)}`;
    const out = [row('Healthcheck Name', 'First Seen (UTC)', 'Last seen (UTC)', 'Count', 'Active')];
    for (const name of [...this.checks.keys()].sort()) {
      const ev = this.checks.get(name)!;
      out.push(row(ev.name, utc(ev.first_seen), utc(ev.last_seen), String(ev.count), ev.active ? 'Yes' : 'No'));
    }
    out.push(`${this.checks.size} health check(s) listed`, '');
    return out.join('\n');
  }

  /** What Python's yaml.safe_dump(explicit_start=True) writes for this flat dict of scalars. */
  private yaml(): string {
    if (this.checks.size === 0) return '--- {}\n';
    const lines = ['---'];
    for (const name of [...this.checks.keys()].sort()) {
      const ev = this.checks.get(name)!;
      lines.push(`${name}:`);
      for (const key of ['active', 'count', 'first_seen', 'last_seen', 'name', 'severity'] as const) {
        lines.push(`  ${key}: ${yamlScalar(ev[key])}`);
      }
    }
    return lines.join('\n') + '\n';
  }
}

function center(s: string, width: number): string {
  const pad = Math.max(0, width - s.length);
  const left = Math.floor(pad / 2);
  return ' '.repeat(left) + s + ' '.repeat(pad - left);
}

function utc(s: number): string {
  const iso = new Date(s * 1000).toISOString(); // 2021-09-16T03:17:47.000Z
  return `${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)} ${iso.slice(11, 19)}`;
}

function yamlScalar(v: string | number | boolean): string {
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return String(v);
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(v) && !/^(true|false|yes|no|null|on|off|y|n)$/i.test(v) ? v : JSON.stringify(v);
}
