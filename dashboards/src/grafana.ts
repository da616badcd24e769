// Small builders for the dashboards: every panel gets the same datasource
// reference, a refId per query, and a place in a left-to-right flow layout, so
// the board files say only what each panel shows. Types come from Grafana's
// schema (schema.ts): a wrong option name or value does not compile.

import type { DashboardJson, PanelJson, PanelSchemas, PanelType, RowPanelJson, VariableJson } from './schema.js';

/** Every panel and variable asks the data source the `datasource` variable names (no UID of anyone's Grafana). */
export const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;

/** The label matchers every Ceph selector carries: the scrape job and the cluster (see README "Dashboards and alerts"). */
export const M = 'job=~"$job", cluster=~"$cluster"';

/** `metric{job=~"$job", cluster=~"$cluster", extra}`. */
export function sel(metric: string, extra?: string): string {
  return `${metric}{${M}${extra ? `, ${extra}` : ''}}`;
}

/** `rate(metric{...}[$__rate_interval])`. */
export function rate(metric: string, extra?: string): string {
  return `rate(${sel(metric, extra)}[$__rate_interval])`;
}

/** Mean of a long-running average over the interval: rate(_sum) / rate(_count), as Ceph's counters are exported. */
export function avgRate(metric: string, extra?: string): string {
  return `${rate(`${metric}_sum`, extra)} / ${rate(`${metric}_count`, extra)}`;
}

/** Joins a per-OSD expression with the OSD's host from ceph_osd_metadata. */
export function withHost(expr: string, metadataExtra?: string): string {
  return `(${expr}) * on (ceph_daemon) group_left (hostname) ${sel('ceph_osd_metadata', metadataExtra)}`;
}

/** Joins a per-pool expression with the pool's name from ceph_pool_metadata. */
export function withPoolName(expr: string, metadataExtra?: string): string {
  return `(${expr}) * on (pool_id) group_left (name) ${sel('ceph_pool_metadata', metadataExtra)}`;
}

export interface Query {
  expr: string;
  legend: string;
  instant: boolean;
  table: boolean;
}

/** A query; `instant` for stat/table panels that show the current value, `table` for table panels. */
export function q(expr: string, legend = '', o: { instant?: boolean; table?: boolean } = {}): Query {
  return { expr, legend, instant: o.instant ?? o.table ?? false, table: o.table ?? false };
}

type Step = [number | null, string];

export interface Common {
  title: string;
  description: string;
  unit?: string;
  w?: number;
  h?: number;
  decimals?: number;
  min?: number;
  max?: number;
  /** Threshold steps as [from, color]; the first from is null (base). */
  steps?: Step[];
  mappings?: NonNullable<NonNullable<PanelJson['fieldConfig']>['defaults']['mappings']>;
  overrides?: NonNullable<PanelJson['fieldConfig']>['overrides'];
  transformations?: PanelJson['transformations'];
}

/** A panel before layout: the dashboard gives it an id and a gridPos. */
export interface Cell {
  panel: PanelJson;
  w: number;
  h: number;
}

export interface RowCell {
  row: string;
}

const DEFAULT_STEPS: Step[] = [[null, 'green']];

function panel<T extends PanelType>(type: T, c: Common, targets: Query[], options: PanelSchemas[T]['options'], custom: PanelSchemas[T]['custom'], colorMode: 'palette-classic' | 'thresholds'): Cell {
  const p: PanelJson = {
    type,
    title: c.title,
    description: c.description,
    datasource: { ...DATASOURCE },
    targets: targets.map((t, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: { ...DATASOURCE },
      expr: t.expr,
      legendFormat: t.legend,
      instant: t.instant,
      range: !t.instant,
      format: t.table ? 'table' : 'time_series',
    })),
    fieldConfig: {
      defaults: {
        unit: c.unit ?? 'short',
        ...(c.decimals !== undefined ? { decimals: c.decimals } : {}),
        ...(c.min !== undefined ? { min: c.min } : {}),
        ...(c.max !== undefined ? { max: c.max } : {}),
        color: { mode: colorMode },
        thresholds: { mode: 'absolute', steps: (c.steps ?? DEFAULT_STEPS).map(([value, color]) => ({ value, color })) },
        mappings: c.mappings ?? [],
        custom,
      },
      overrides: c.overrides ?? [],
    },
    options,
    ...(c.transformations ? { transformations: c.transformations } : {}),
  };
  return { panel: p, w: c.w ?? 8, h: c.h ?? 8 };
}

const LEGEND = { showLegend: true, displayMode: 'list', placement: 'bottom', calcs: [] } as const;
const REDUCE_LAST = { calcs: ['lastNotNull'], fields: '', values: false };

export function timeseries(c: Common & { stack?: boolean; legendTable?: boolean }, ...targets: Query[]): Cell {
  return panel('timeseries', c, targets, {
    legend: c.legendTable ? { ...LEGEND, displayMode: 'table', placement: 'right', calcs: ['lastNotNull', 'max'] } : { ...LEGEND, calcs: [] },
    tooltip: { mode: 'multi', sort: 'desc' },
  }, {
    drawStyle: 'line',
    lineWidth: 1,
    fillOpacity: c.stack ? 30 : 10,
    showPoints: 'never',
    spanNulls: false,
    ...(c.stack ? { stacking: { mode: 'normal', group: 'A' } } : {}),
  }, 'palette-classic');
}

export function stat(c: Common & { graph?: boolean; textMode?: 'auto' | 'value' | 'name' | 'value_and_name' }, ...targets: Query[]): Cell {
  return panel('stat', { w: 4, h: 4, ...c }, targets, {
    reduceOptions: REDUCE_LAST,
    orientation: 'auto',
    colorMode: c.steps ? 'background' : 'value',
    graphMode: c.graph ? 'area' : 'none',
    justifyMode: 'auto',
    textMode: c.textMode ?? 'auto',
    wideLayout: true,
    showPercentChange: false,
  }, {}, c.steps ? 'thresholds' : 'palette-classic');
}

export function gauge(c: Common, ...targets: Query[]): Cell {
  return panel('gauge', { w: 4, h: 6, ...c }, targets, {
    reduceOptions: REDUCE_LAST,
    orientation: 'auto',
    showThresholdLabels: false,
    showThresholdMarkers: true,
  }, {}, 'thresholds');
}

export function bargauge(c: Common, ...targets: Query[]): Cell {
  return panel('bargauge', c, targets, {
    reduceOptions: { ...REDUCE_LAST, values: false },
    orientation: 'horizontal',
    displayMode: 'gradient',
    showUnfilled: true,
    valueMode: 'color',
    namePlacement: 'auto',
    sizing: 'auto',
    minVizHeight: 16,
    minVizWidth: 8,
    maxVizHeight: 300,
  }, {}, 'thresholds');
}

/**
 * A table of instant queries merged into one row per value of their shared labels
 * (e.g. one row per OSD); `columns` renames and orders the fields kept, the rest are hidden.
 */
export function table(c: Common & { columns: Record<string, string>; sortBy?: string }, ...targets: Query[]): Cell {
  const names = Object.keys(c.columns);
  const order: Record<string, number> = Object.fromEntries(names.map((n, i) => [n, i]));
  return panel('table', { w: 24, h: 10, ...c, transformations: [
    { id: 'merge', options: {} },
    { id: 'filterFieldsByName', options: { include: { names } } },
    { id: 'organize', options: { indexByName: order, renameByName: c.columns, excludeByName: {} } },
  ] }, targets, {
    showHeader: true,
    cellHeight: 'sm',
    ...(c.sortBy ? { sortBy: [{ displayName: c.sortBy, desc: false }] } : {}),
  }, { align: 'auto', filterable: true }, 'thresholds');
}

export function row(title: string): RowCell {
  return { row: title };
}

export interface VarOptions {
  multi?: boolean;
  includeAll?: boolean;
  /** Hidden from the variable bar (2): still resolved, e.g. a cluster label most setups do not have. */
  hide?: 0 | 2;
}

/** A Prometheus query variable (`label_values(selector, label)`), refreshed when the dashboard loads. */
export function queryVar(name: string, label: string, query: string, o: VarOptions = {}): VariableJson {
  return {
    name,
    label,
    type: 'query',
    datasource: { ...DATASOURCE },
    query,
    refresh: 1,
    regex: '',
    sort: 1,
    multi: o.multi ?? false,
    includeAll: o.includeAll ?? false,
    hide: o.hide ?? 0,
    options: [],
  };
}

/** The variables every board starts with: data source, cluster, job. */
export const BASE_VARIABLES: VariableJson[] = [
  { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', refresh: 1, regex: '', hide: 0, multi: false, includeAll: false, options: [] },
  queryVar('cluster', 'Cluster', 'label_values(ceph_health_status, cluster)'),
  queryVar('job', 'Job', 'label_values(ceph_health_status{cluster=~"$cluster"}, job)'),
];

export interface BoardSpec {
  uid: string;
  title: string;
  description: string;
  variables: VariableJson[];
  cells: Array<Cell | RowCell>;
}

export const TAGS = ['ceph', 'mgrd'];
/** The JSON schema version written; Grafana migrates older dashboards forward on load and reads this one from 10.4 on. */
export const SCHEMA_VERSION = 39;

/** Lays the cells out left to right in rows of 24 columns, numbers the panels, and wraps them in a dashboard. */
export function board(spec: BoardSpec): DashboardJson {
  const panels: Array<PanelJson | RowPanelJson> = [];
  let x = 0;
  let y = 0;
  let lineH = 0;
  let id = 0;
  for (const cell of spec.cells) {
    if ('row' in cell) {
      y += lineH;
      x = 0;
      lineH = 0;
      panels.push({ type: 'row', id: ++id, title: cell.row, collapsed: false, panels: [], gridPos: { x: 0, y, w: 24, h: 1 } });
      y += 1;
      continue;
    }
    if (x + cell.w > 24) {
      y += lineH;
      x = 0;
      lineH = 0;
    }
    panels.push({ ...cell.panel, id: ++id, gridPos: { x, y, w: cell.w, h: cell.h } });
    x += cell.w;
    lineH = Math.max(lineH, cell.h);
  }
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: TAGS,
    timezone: 'browser',
    editable: true,
    graphTooltip: 1,
    schemaVersion: SCHEMA_VERSION,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    links: [{ title: 'Ceph dashboards', type: 'dashboards', tags: ['mgrd'], asDropdown: true, icon: 'external link', tooltip: '', url: '', targetBlank: false, includeVars: true, keepTime: true }],
    annotations: { list: [] },
    templating: { list: spec.variables },
    panels,
  };
}
