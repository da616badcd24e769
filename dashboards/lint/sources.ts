// What the checks read: the dashboard files and the alert rules, and every
// PromQL expression in them with where it comes from.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { panelQueries, variableQueries } from './dashboard-lint.js';

export interface Rule {
  group: string;
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface Expression {
  /** e.g. "ceph-osds.json: Busiest OSDs (id 20) A", "alerts.yaml: CephOSDDown". */
  where: string;
  expr: string;
}

export function loadDashboards(root: string): Array<{ file: string; json: unknown }> {
  const dir = join(root, 'dashboards/grafana');
  return readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((file) => ({ file, json: JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown }));
}

export function loadRules(root: string, file = 'dashboards/alerts.yaml'): Rule[] {
  const doc = parse(readFileSync(join(root, file), 'utf8')) as { groups: Array<{ name: string; rules: Array<Omit<Rule, 'group'>> }> };
  return doc.groups.flatMap((g) => g.rules.map((r) => ({ group: g.name, ...r, labels: r.labels ?? {}, annotations: r.annotations ?? {} })));
}

/** Every expression: panel queries, variable selectors, rule expressions. */
export function allExpressions(root: string): Expression[] {
  const out: Expression[] = [];
  for (const { file, json } of loadDashboards(root)) {
    for (const q of panelQueries(json)) out.push({ where: `${file}: ${q.panel} ${q.refId}`, expr: q.expr });
    for (const v of variableQueries(json)) out.push({ where: `${file}: variable $${v.name}`, expr: v.selector });
  }
  for (const r of loadRules(root)) out.push({ where: `alerts.yaml: ${r.alert}`, expr: r.expr });
  return out;
}
