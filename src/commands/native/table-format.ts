// Ceph's plain-text building blocks for native command output: TextTable
// (columns padded to the widest cell, two spaces apart), si_u_t, percentify,
// the osd df number formats, and utime_t parsing. Pure functions.

import { cFixed, siU } from '../../state/ceph-format.js';

export { siU };

export type Align = 'left' | 'right';

export interface Column {
  heading: string;
  /** Alignment of the heading. */
  hd: Align;
  /** Alignment of the cells. */
  col: Align;
}

/** A column whose heading and cells share one alignment. */
export const col = (heading: string, align: Align = 'right', hd: Align = align): Column => ({ heading, hd, col: align });

const pad = (s: string, width: number, align: Align): string => (align === 'left' ? s.padEnd(width) : s.padStart(width));

/**
 * Ceph's TextTable: every cell padded to its column's width (short rows get
 * empty cells, as Ceph's rows are sized to the column count), two spaces
 * between columns, one line per row.
 */
export function textTable(cols: readonly Column[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const widths = cols.map((c) => c.heading.length);
  const cells = rows.map((r) => cols.map((_, i) => (i < r.length ? String(r[i]) : '')));
  for (const r of cells) r.forEach((c, i) => (widths[i] = Math.max(widths[i]!, c.length)));
  const line = (values: readonly string[], align: (c: Column) => Align): string => values.map((v, i) => pad(v, widths[i]!, align(cols[i]!))).join('  ');
  const out = [line(cols.map((c) => c.heading), (c) => c.hd)];
  for (const r of cells) out.push(line(r, (c) => c.col));
  return out.join('\n') + '\n';
}

/** percentify: "0" below 0.01, else two decimals ("21.30"). Takes a percentage computed in float. */
export function percentify(pct: number): string {
  const a = Math.fround(pct);
  return a < 0.01 ? '0' : cFixed(a, 2);
}

/** osd df's lowprecision_t: "-" below -0.01, "0" below 0.001, else two decimals. */
export function lowPrecision(v: number): string {
  const f = Math.fround(v);
  if (f < -0.01) return '-';
  if (f < 0.001) return '0';
  return cFixed(f, 2);
}

/** weightf_t: "-" below -0.01, "0" when tiny, else five decimals ("0.00200"). */
export function weightF(v: number): string {
  const f = Math.fround(v);
  if (f < Math.fround(-0.01)) return '-';
  if (f < Math.fround(0.000001)) return '0';
  return cFixed(f, 5);
}

/** A vector as Ceph streams one: "[0,1,2]". */
export const vectorString = (v: readonly number[]): string => `[${v.join(',')}]`;

const UTIME_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{4})?$/;

/**
 * Seconds since the epoch of a utime_t as Ceph dumps it
 * ("2026-11-26T17:42:15.753970+0000"); undefined for '' and unset stamps ("0.000000").
 */
export function parseUtime(s: unknown): number | undefined {
  if (typeof s !== 'string') return undefined;
  const m = UTIME_RE.exec(s.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec, frac = '', zone = 'Z'] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec));
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    ms -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5))) * 60_000;
  }
  const seconds = ms / 1000 + (frac ? Number(`0.${frac}`) : 0);
  return seconds > 0 ? seconds : undefined;
}

/** HEALTH_WARN → "WRN", as the `[WRN]` of `health detail`. */
export function shortHealth(severity: string): string {
  if (severity === 'HEALTH_ERR') return 'ERR';
  if (severity === 'HEALTH_WARN') return 'WRN';
  return 'OK';
}
