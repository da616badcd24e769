// The Grafana dashboard schema as plain JSON types. @grafana/schema publishes
// the dashboard model (and each core panel's options) as TypeScript generated
// from Grafana's CUE schema; its string enums are nominal in TypeScript, so a
// JSON literal like "background" would not match `BigValueColorMode`. `Json<T>`
// turns every string enum into the union of its values and leaves the shape
// alone, so a dashboard written as JSON is checked against Grafana's schema as is.

import type { Dashboard, Panel, RowPanel, VariableModel } from '@grafana/schema';
import type { FieldConfig as TimeSeriesFieldConfig, Options as TimeSeriesOptions } from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';
import type { Options as StatOptions } from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
import type { Options as GaugeOptions } from '@grafana/schema/dist/esm/raw/composable/gauge/panelcfg/x/GaugePanelCfg_types.gen';
import type { Options as BarGaugeOptions } from '@grafana/schema/dist/esm/raw/composable/bargauge/panelcfg/x/BarGaugePanelCfg_types.gen';
import type { FieldConfig as TableFieldConfig, Options as TableOptions } from '@grafana/schema/dist/esm/raw/composable/table/panelcfg/x/TablePanelCfg_types.gen';

export type Json<T> = T extends string
  ? `${T}`
  : T extends number | boolean | null | undefined
    ? T
    : T extends ReadonlyArray<infer U>
      ? Array<Json<U>>
      : T extends object
        ? { [K in keyof T]: Json<T[K]> }
        : T;

export type DashboardJson = Json<Dashboard>;
export type PanelJson = Json<Panel>;
export type RowPanelJson = Json<RowPanel>;
export type VariableJson = Json<VariableModel>;

/** Each panel type we use, with the schema of its `options` and of `fieldConfig.defaults.custom`. */
export interface PanelSchemas {
  timeseries: { options: Partial<Json<TimeSeriesOptions>>; custom: Partial<Json<TimeSeriesFieldConfig>> };
  stat: { options: Partial<Json<StatOptions>>; custom: Record<string, never> };
  gauge: { options: Partial<Json<GaugeOptions>>; custom: Record<string, never> };
  bargauge: { options: Partial<Json<BarGaugeOptions>>; custom: Record<string, never> };
  table: { options: Partial<Json<TableOptions>>; custom: Partial<Json<TableFieldConfig>> };
}

export type PanelType = keyof PanelSchemas;
export const PANEL_TYPES: readonly PanelType[] = ['timeseries', 'stat', 'gauge', 'bargauge', 'table'];
