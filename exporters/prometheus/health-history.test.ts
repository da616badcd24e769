import { describe, expect, it } from 'vitest';
import { healthCheck } from '../../src/mgr-module/index.js';
import { HealthHistory } from './health-history.js';

const warn = healthCheck('HEALTH_WARN', '1 osds down', 1);

describe('HealthHistory (Ceph semantics)', () => {
  it('tracks first/last seen, count of activations and whether active; reports changes', () => {
    const h = new HealthHistory(undefined, 1000);
    expect(h.check({ checks: { OSD_DOWN: warn } }, 100)).toBe(true);
    expect(h.check({ checks: { OSD_DOWN: warn } }, 110)).toBe(false); // still active: nothing to save
    expect(h.check({ checks: {} }, 120)).toBe(true);
    expect(h.check({ checks: { OSD_DOWN: warn } }, 130)).toBe(true);
    expect(h.toJSON()).toEqual({ OSD_DOWN: { name: 'OSD_DOWN', severity: 'HEALTH_WARN', first_seen: 100, last_seen: 130, count: 2, active: true } });
  });

  it('survives a round trip through the store, and starts empty on bad data', () => {
    const h = new HealthHistory(undefined, 1000);
    h.check({ checks: { OSD_DOWN: warn, PG_DEGRADED: warn } }, 100);
    const again = new HealthHistory(JSON.stringify(h.toJSON()), 1000);
    expect(again.toJSON()).toEqual(h.toJSON());
    const warnings: string[] = [];
    expect(new HealthHistory('{not json', 1000, (m) => warnings.push(m)).size).toBe(0);
    expect(warnings[0]).toMatch(/invalid data in mgr\/prometheus\/health_history/);
  });

  it('keeps at most max entries, dropping the least recently seen inactive ones first', () => {
    const h = new HealthHistory(undefined, 2);
    h.check({ checks: { A: warn } }, 1);
    h.check({ checks: { B: warn } }, 2);
    h.check({ checks: { B: warn, C: warn } }, 3);
    expect(Object.keys(h.toJSON()).sort()).toEqual(['B', 'C']);
  });

  it('prints the plain table, json and yaml as `healthcheck history ls` does', () => {
    const h = new HealthHistory(undefined, 1000);
    expect(h.format('plain')).toBe('No healthchecks have been recorded');
    h.check({ checks: { OSD_DOWN: warn } }, Date.UTC(2021, 8, 17, 0, 11, 59) / 1000);
    expect(h.format('plain').split('\n')).toEqual([
      'Healthcheck Name          First Seen (UTC)      Last seen (UTC)       Count  Active',
      'OSD_DOWN                  2021/09/17 00:11:59   2021/09/17 00:11:59       1   Yes  ',
      '1 health check(s) listed',
      '',
    ]);
    expect(JSON.parse(h.format('json-pretty'))).toEqual(h.toJSON());
    expect(h.format('yaml')).toBe('---\nOSD_DOWN:\n  active: true\n  count: 1\n  first_seen: 1631837519\n  last_seen: 1631837519\n  name: OSD_DOWN\n  severity: HEALTH_WARN\n');
  });
});
