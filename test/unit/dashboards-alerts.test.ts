// The alert rules (dashboards/alerts.yaml) and their promtool unit tests
// (dashboards/alerts.test.yaml, run by test/integration/dashboards-rules.test.ts):
// every alert has a test where it fires and one where it does not; every rule
// is well-formed (Prometheus's grammar, severity, summary and description).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseQuery } from '../../dashboards/lint/promql.js';
import { loadRules } from '../../dashboards/lint/sources.js';
import { ROOT } from '../helpers/procs.js';

interface UnitTests {
  rule_files: string[];
  tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts?: unknown[] }> }>;
}

const rules = loadRules(ROOT);
const unit = parse(readFileSync(join(ROOT, 'dashboards/alerts.test.yaml'), 'utf8')) as UnitTests;

describe('alert rules', () => {
  it('have unique names, a severity, a summary and a description, and parse as PromQL', () => {
    expect(rules.length).toBeGreaterThan(50);
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
    for (const r of rules) {
      expect(['critical', 'warning'], r.alert).toContain(r.labels.severity);
      expect(r.annotations.summary, r.alert).toBeTruthy();
      expect(r.annotations.description, r.alert).toBeTruthy();
      expect(parseQuery(r.expr).errors, r.alert).toEqual([]);
      if (r.for !== undefined) expect(r.for, r.alert).toMatch(/^\d+[smh]$/);
    }
  });

  it('cover the groups operators know from Ceph, and mgrd\'s own', () => {
    expect([...new Set(rules.map((r) => r.group))]).toEqual(
      ['cluster health', 'mon', 'osd', 'mds', 'mgr', 'pgs', 'pools', 'healthchecks', 'rados', 'generic', 'PrometheusServer', 'mgrd']);
  });

  it('each have a promtool unit test where they fire and one where they do not', () => {
    expect(unit.rule_files).toEqual(['alerts.yaml']);
    const cases = unit.tests.flatMap((t) => t.alert_rule_test ?? []);
    const missing: string[] = [];
    for (const r of rules) {
      const mine = cases.filter((c) => c.alertname === r.alert);
      if (!mine.some((c) => (c.exp_alerts ?? []).length > 0)) missing.push(`${r.alert}: no case where it fires`);
      if (!mine.some((c) => (c.exp_alerts ?? []).length === 0)) missing.push(`${r.alert}: no case where it does not fire`);
    }
    expect(missing).toEqual([]);
    const unknown = cases.map((c) => c.alertname).filter((n) => !rules.some((r) => r.alert === n));
    expect(unknown).toEqual([]);
  });
});
