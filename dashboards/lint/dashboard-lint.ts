// Lint for Grafana dashboard JSON beyond what the schema says: unique panel
// ids, panels on the grid without overlap, every panel with a query, every
// data source reference through the `datasource` variable, every variable used
// defined (before it is used, for chained variables) and every variable defined
// used, PromQL that parses. Works on parsed JSON of unknown shape: a missing
// field is a finding, not an exception.

import { parseQuery } from './promql.js';

/** Grafana's built-in variables a query may use. */
const BUILTIN_VARIABLES = new Set(['__rate_interval', '__interval', '__range', '__rate_interval_ms', '__interval_ms', '__range_s', '__range_ms', '__dashboard', '__from', '__to', '__org', '__user']);

export interface PanelQuery {
  /** "title (id N)" of the panel. */
  panel: string;
  refId: string;
  expr: string;
  instant: boolean;
}

export interface VariableQuery {
  name: string;
  /** The selector of `label_values(selector, label)`. */
  selector: string;
  label: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Panels at any depth (rows hold their collapsed panels in `panels`). */
export function allPanels(d: unknown): Obj[] {
  const out: Obj[] = [];
  const walk = (list: unknown): void => {
    for (const p of arr(list)) {
      if (!isObj(p)) continue;
      out.push(p);
      if (p.type === 'row') walk(p.panels);
    }
  };
  walk(isObj(d) ? d.panels : undefined);
  return out;
}

function panelName(p: Obj): string {
  return `${typeof p.title === 'string' ? p.title : '(untitled)'} (id ${String(p.id)})`;
}

export function panelQueries(d: unknown): PanelQuery[] {
  const out: PanelQuery[] = [];
  for (const p of allPanels(d)) {
    if (p.type === 'row') continue;
    for (const t of arr(p.targets)) {
      if (!isObj(t)) continue;
      out.push({ panel: panelName(p), refId: String(t.refId), expr: typeof t.expr === 'string' ? t.expr : '', instant: t.instant === true });
    }
  }
  return out;
}

/** Reads `label_values(selector, label)`; undefined for other variable query forms. */
export function readLabelValues(query: string): { selector: string; label: string } | undefined {
  const m = /^\s*label_values\(\s*(.+?)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$/s.exec(query);
  return m ? { selector: m[1]!, label: m[2]! } : undefined;
}

export function variables(d: unknown): Obj[] {
  return isObj(d) && isObj(d.templating) ? arr(d.templating.list).filter(isObj) : [];
}

export function variableQueries(d: unknown): VariableQuery[] {
  const out: VariableQuery[] = [];
  for (const v of variables(d)) {
    if (v.type !== 'query' || typeof v.query !== 'string') continue;
    const lv = readLabelValues(v.query);
    if (lv) out.push({ name: String(v.name), ...lv });
  }
  return out;
}

/** Variable names a string refers to: $name, ${name}, ${name:format}, [[name]]. */
export function referencedVariables(s: string): string[] {
  const names: string[] = [];
  for (const m of s.matchAll(/\$\{([a-zA-Z_][a-zA-Z0-9_]*)(?::[a-z]+)?\}|\$([a-zA-Z_][a-zA-Z0-9_]*)|\[\[([a-zA-Z_][a-zA-Z0-9_]*)\]\]/g)) {
    names.push((m[1] ?? m[2] ?? m[3])!);
  }
  return names;
}

function isDatasourceRef(v: unknown): boolean {
  return isObj(v) && v.type === 'prometheus' && (v.uid === '${datasource}' || v.uid === '$datasource');
}

/** Findings for one dashboard; [] when clean. */
export function lintDashboard(d: unknown): string[] {
  const found: string[] = [];
  if (!isObj(d)) return ['not a JSON object'];
  for (const k of ['uid', 'title'] as const) if (typeof d[k] !== 'string' || d[k] === '') found.push(`dashboard has no ${k}`);
  if (typeof d.schemaVersion !== 'number') found.push('dashboard has no schemaVersion');

  const vars = variables(d);
  const defined = new Map<string, number>();
  vars.forEach((v, i) => {
    const name = String(v.name);
    if (defined.has(name)) found.push(`variable $${name} is defined twice`);
    defined.set(name, i);
  });
  const ds = vars.find((v) => v.name === 'datasource');
  if (ds?.type !== 'datasource' || ds.query !== 'prometheus') found.push('no `datasource` variable of type datasource for prometheus');
  const used = new Set<string>();
  const use = (s: string, where: string, before?: number): void => {
    for (const name of referencedVariables(s)) {
      if (BUILTIN_VARIABLES.has(name)) continue;
      const at = defined.get(name);
      if (at === undefined) found.push(`${where} uses $${name}, which is not defined`);
      else if (before !== undefined && at >= before) found.push(`${where} uses $${name}, which is defined after it`);
      used.add(name);
    }
  };
  vars.forEach((v, i) => {
    if (v.type === 'datasource') return;
    if (!isDatasourceRef(v.datasource)) found.push(`variable $${String(v.name)} does not use the datasource variable`);
    if (typeof v.query !== 'string' || v.query.trim() === '') found.push(`variable $${String(v.name)} has no query`);
    else {
      use(v.query, `variable $${String(v.name)}`, i);
      const lv = readLabelValues(v.query);
      if (lv === undefined) found.push(`variable $${String(v.name)}: only label_values(selector, label) queries are checked, got ${v.query}`);
      else for (const e of parseQuery(lv.selector).errors) found.push(`variable $${String(v.name)}: ${e}`);
    }
  });

  const ids = new Set<number>();
  const cells: Array<{ name: string; x: number; y: number; w: number; h: number }> = [];
  for (const p of allPanels(d)) {
    const name = panelName(p);
    if (typeof p.id !== 'number' || !Number.isInteger(p.id) || p.id <= 0) found.push(`panel ${name} has no positive integer id`);
    else if (ids.has(p.id)) found.push(`panel id ${p.id} is used twice (${name})`);
    else ids.add(p.id);
    if (typeof p.title === 'string') use(p.title, `panel ${name} title`);
    const g = p.gridPos;
    if (!isObj(g) || ![g.x, g.y, g.w, g.h].every((n) => typeof n === 'number')) found.push(`panel ${name} has no gridPos`);
    else {
      const c = { name, x: g.x as number, y: g.y as number, w: g.w as number, h: g.h as number };
      if (c.x < 0 || c.w <= 0 || c.x + c.w > 24 || c.h <= 0 || c.y < 0) found.push(`panel ${name} lies outside the 24-column grid`);
      for (const o of cells) {
        if (c.x < o.x + o.w && o.x < c.x + c.w && c.y < o.y + o.h && o.y < c.y + c.h) found.push(`panel ${name} overlaps ${o.name}`);
      }
      cells.push(c);
    }
    if (p.type === 'row') continue;
    if (!isDatasourceRef(p.datasource)) found.push(`panel ${name} does not use the datasource variable`);
    const targets = arr(p.targets).filter(isObj);
    if (targets.length === 0) found.push(`panel ${name} has no query`);
    const refIds = new Set<string>();
    for (const t of targets) {
      const ref = String(t.refId);
      if (refIds.has(ref)) found.push(`panel ${name} has refId ${ref} twice`);
      refIds.add(ref);
      if ('datasource' in t && !isDatasourceRef(t.datasource)) found.push(`panel ${name} query ${ref} does not use the datasource variable`);
      if (typeof t.expr !== 'string' || t.expr.trim() === '') {
        found.push(`panel ${name} query ${ref} has no expression`);
        continue;
      }
      use(t.expr, `panel ${name} query ${ref}`);
      if (typeof t.legendFormat === 'string') use(t.legendFormat, `panel ${name} query ${ref} legend`);
      for (const e of parseQuery(t.expr).errors) found.push(`panel ${name} query ${ref}: ${e}`);
    }
  }
  for (const name of defined.keys()) {
    if (name !== 'datasource' && !used.has(name)) found.push(`variable $${name} is defined but never used`);
  }
  return found;
}
