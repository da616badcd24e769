// The Grafana dashboards in dashboards/grafana/: the committed JSON is what
// the TypeScript sources build; each file is valid against Grafana's dashboard
// schema (@grafana/schema's types, checked by the TypeScript compiler on the
// JSON itself, panel options per panel type included); and each passes the
// lint (unique ids, grid, queries, datasource references, variables). The lint
// is also shown failing on broken dashboards, so a clean result means something.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DASHBOARDS, render } from '../../dashboards/src/index.js';
import { PANEL_TYPES } from '../../dashboards/src/schema.js';
import { allPanels, lintDashboard } from '../../dashboards/lint/dashboard-lint.js';
import { ROOT } from '../helpers/procs.js';

const DIR = join(ROOT, 'dashboards/grafana');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
const load = (f: string): unknown => JSON.parse(readFileSync(join(DIR, f), 'utf8'));

/**
 * Type-checks JSON documents against dashboards/src/schema.ts with the
 * TypeScript compiler: each document becomes `<json> satisfies DashboardJson`
 * (excess properties and wrong value types are errors), and each panel's
 * options and custom field config are checked against its panel type's schema.
 */
function schemaErrors(docs: Record<string, unknown>): string[] {
  const lines = [`import type { DashboardJson, PanelSchemas } from ${JSON.stringify(join(ROOT, 'dashboards/src/schema.js'))};`];
  let n = 0;
  for (const [name, d] of Object.entries(docs)) {
    lines.push(`// ${name}`, `export const d${n} = ${JSON.stringify(d)} satisfies DashboardJson;`);
    for (const p of allPanels(d)) {
      const type = p.type as string;
      if (type === 'row') continue;
      if (!(PANEL_TYPES as readonly string[]).includes(type)) {
        lines.push(`// ${name}: panel ${String(p.id)}`, `export const u${n}_${String(p.id)}: keyof PanelSchemas = ${JSON.stringify(type)};`);
        continue;
      }
      const custom = (p.fieldConfig as { defaults?: { custom?: unknown } } | undefined)?.defaults?.custom ?? {};
      lines.push(`// ${name}: panel ${String(p.id)}`,
        `export const o${n}_${String(p.id)} = ${JSON.stringify(p.options ?? {})} satisfies PanelSchemas[${JSON.stringify(type)}]['options'];`,
        `export const c${n}_${String(p.id)} = ${JSON.stringify(custom)} satisfies PanelSchemas[${JSON.stringify(type)}]['custom'];`);
    }
    n++;
  }
  const file = join(ROOT, 'dashboards/__schema_check__.ts');
  const source = lines.join('\n');
  const options: ts.CompilerOptions = {
    strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, types: [],
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (f) => (f === file ? source : readFile(f));
  host.fileExists = (f) => f === file || ts.sys.fileExists(f);
  host.getSourceFile = (f, v) => (f === file ? ts.createSourceFile(f, source, v) : getSourceFile(f, v));
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((dg) => {
    const where = dg.file && dg.start !== undefined ? dg.file.getLineAndCharacterOfPosition(dg.start) : undefined;
    const context = where ? source.split('\n').slice(0, where.line).reverse().find((l) => l.startsWith('// ')) ?? '' : '';
    return `${context.slice(3)}: ${ts.flattenDiagnosticMessageText(dg.messageText, '\n').slice(0, 400)}`;
  });
}

describe('Grafana dashboards', () => {
  it('the committed JSON is what `npm run dashboards:build` writes from dashboards/src', () => {
    expect(files).toEqual(Object.keys(DASHBOARDS).sort());
    for (const [file, d] of Object.entries(DASHBOARDS)) {
      expect(readFileSync(join(DIR, file), 'utf8'), `${file} is stale: run npm run dashboards:build`).toBe(render(d));
    }
  });

  it('every dashboard and its panels\' options are valid against the Grafana schema (@grafana/schema); broken ones are not', () => {
    const good = load('ceph-cluster.json') as { panels: Array<Record<string, unknown>> };
    // One compiler run for all (each run loads Grafana's types: seconds).
    const broken: Record<string, unknown> = {
      'broken: unknown top-level key': { ...good, shemaVersion: 39 },
      'broken: wrong type': { ...good, refresh: 30 },
      'broken: bad panel option': { ...good, panels: [{ ...good.panels[1], options: { colorMode: 'rainbow' } }] },
      'broken: unknown panel type': { ...good, panels: [{ ...good.panels[1], type: 'graph' }] },
    };
    const errors = schemaErrors({ ...Object.fromEntries(files.map((f) => [f, load(f)])), ...broken });
    expect(errors.filter((e) => !e.startsWith('broken: '))).toEqual([]);
    for (const name of Object.keys(broken)) expect(errors.some((e) => e.startsWith(`${name}:`)), `${name}: ${errors.join('\n')}`).toBe(true);
  }, 240_000);

  it.each(files)('%s passes the lint', (file) => {
    expect(lintDashboard(load(file))).toEqual([]);
  });

  it('uids are unique and every board has the datasource, cluster and job variables', () => {
    const docs = files.map((f) => load(f) as { uid: string; templating: { list: Array<{ name: string }> } });
    expect(new Set(docs.map((d) => d.uid)).size).toBe(docs.length);
    for (const d of docs) expect(d.templating.list.map((v) => v.name).slice(0, 3)).toEqual(['datasource', 'cluster', 'job']);
  });

  it('the lint finds duplicate ids, overlaps, panels without queries, foreign datasources, unknown and unused variables, bad PromQL', () => {
    const good = load('ceph-osd-detail.json') as { panels: Array<Record<string, unknown>>; templating: { list: Array<Record<string, unknown>> } };
    const [p1, p2] = good.panels.filter((p) => p.type === 'stat') as [Record<string, unknown>, Record<string, unknown>];
    const target = (p: Record<string, unknown>): Record<string, unknown> => (p.targets as Array<Record<string, unknown>>)[0]!;
    const broken = {
      ...good,
      templating: { list: [...good.templating.list, { name: 'unused', type: 'query', datasource: { type: 'prometheus', uid: '${datasource}' }, query: 'label_values(ceph_osd_up, ceph_daemon)' }] },
      panels: [
        { ...p1, id: 7 },
        { ...p2, id: 7, gridPos: p1.gridPos },
        { ...p2, id: 8, targets: [], gridPos: { x: 0, y: 50, w: 4, h: 4 } },
        { ...p2, id: 9, datasource: { type: 'prometheus', uid: 'P1809F7CD0C75ACF3' }, gridPos: { x: 4, y: 50, w: 4, h: 4 } },
        { ...p2, id: 10, targets: [{ ...target(p2), expr: 'ceph_osd_up{ceph_daemon=~"$nosuch"}' }], gridPos: { x: 8, y: 50, w: 4, h: 4 } },
        { ...p2, id: 11, targets: [{ ...target(p2), expr: 'sum(rate(ceph_osd_op_w[$__rate_interval])' }], gridPos: { x: 12, y: 50, w: 4, h: 4 } },
        { ...p2, id: 12, gridPos: { x: 22, y: 60, w: 4, h: 4 } },
      ],
    };
    const found = lintDashboard(broken).join('\n');
    expect(found).toContain('panel id 7 is used twice');
    expect(found).toMatch(/overlaps/);
    expect(found).toContain('(id 8) has no query');
    expect(found).toContain('(id 9) does not use the datasource variable');
    expect(found).toContain('uses $nosuch, which is not defined');
    expect(found).toMatch(/\(id 11\) query A: syntax error/);
    expect(found).toContain('(id 12) lies outside the 24-column grid');
    expect(found).toContain('variable $unused is defined but never used');
  });
});

describe('Grafana provisioning', () => {
  const PROV = join(ROOT, 'dashboards/provisioning');

  it('the data source file defines one Prometheus data source the dashboards can pick', () => {
    const doc = parse(readFileSync(join(PROV, 'datasources/mgrd-prometheus.yaml'), 'utf8')) as { apiVersion: number; datasources: Array<Record<string, unknown>> };
    expect(doc.apiVersion).toBe(1);
    expect(doc.datasources).toHaveLength(1);
    expect(doc.datasources[0]).toMatchObject({ type: 'prometheus', access: 'proxy' });
    expect(String(doc.datasources[0]!.url)).toMatch(/^https?:\/\//);
  });

  it('the dashboard provider loads the folder the dashboards are copied to', () => {
    const doc = parse(readFileSync(join(PROV, 'dashboards/mgrd.yaml'), 'utf8')) as { apiVersion: number; providers: Array<Record<string, unknown>> };
    expect(doc.apiVersion).toBe(1);
    expect(doc.providers).toHaveLength(1);
    expect(doc.providers[0]).toMatchObject({ type: 'file', options: { path: expect.any(String) } });
  });
});
