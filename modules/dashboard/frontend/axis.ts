// Y-axis helpers for the charts (pure, so tested in node).
//
// Why: uPlot's y axis had a fixed width and right-aligns its labels against the
// plot, so a label wider than the axis lost its first characters off the canvas
// ("19.1 MiB/s" showed as "9.1 MiB/s" under a "38.1" shown as "8.1": the labels
// read out of order). And the values' own formatter (one decimal) gave close
// ticks the same label ("1.0 MiB/s" twice). So the axis is as wide as its
// widest label, byte rates step in binary units (1, 2, 4 ... of B, KiB, MiB),
// and tick labels share one unit and as many decimals as make each one exact.

/** The axes' font (uPlot's default size; the page's own font stack). */
export const AXIS_FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';
/** uPlot's tick length and the gap between tick and label, CSS px (its defaults: 10 and 5). */
export const AXIS_TICK_PX = 10;
export const AXIS_GAP_PX = 5;
/** Spare pixels on the outer edge so antialiased glyphs are not cut. */
const EDGE_PX = 4;

/** What a chart's y axis counts: bytes per second, events per second, or milliseconds. */
export type AxisKind = 'bytes/s' | 'per-s' | 'ms';

interface Units { units: Array<[name: string, size: number]>; suffix: string; zero: string }
const KINDS: Record<AxisKind, Units> = {
  'bytes/s': { units: ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'].map((u, i) => [` ${u}`, 1024 ** i]), suffix: '/s', zero: '0 B/s' },
  'per-s': { units: [['', 1], [' k', 1e3], [' M', 1e6], [' G', 1e9]], suffix: '/s', zero: '0/s' },
  ms: { units: [[' ms', 1]], suffix: '', zero: '0 ms' },
};

/** Tick steps for a byte axis: 2^k of each binary unit, from 1 B up to 512 EiB. */
export const BYTE_INCRS: readonly number[] = Array.from({ length: 70 }, (_, k) => 2 ** k);

const exact = (v: number, d: number): boolean => Math.abs(Number(v.toFixed(d)) - v) <= 1e-9 * Math.max(1, Math.abs(v));

/**
 * Labels for a y axis's ticks (ascending values): one unit for all, the largest
 * that shows every tick exactly with at most 2 decimals (then up to 6 in the
 * largest unit), so distinct ticks never share a label.
 */
export function tickLabels(kind: AxisKind, ticks: readonly number[]): string[] {
  const { units, suffix, zero } = KINDS[kind];
  const top = Math.max(0, ...ticks.map(Math.abs));
  const fitting = units.filter(([, size], i) => i === 0 || size <= top).reverse();
  const label = (name: string, size: number, d: number): string[] => ticks.map((v) => (v === 0 ? zero : `${(v / size).toFixed(d)}${name}${suffix}`));
  for (const [name, size] of fitting) {
    for (let d = 0; d <= 2; d++) if (ticks.every((v) => exact(v / size, d))) return label(name, size, d);
  }
  const [name, size] = fitting[0]!;
  for (let d = 3; d < 6; d++) if (ticks.every((v) => exact(v / size, d))) return label(name, size, d);
  return label(name, size, 6);
}

/**
 * The width (CSS px) a y axis needs to show every label whole: tick, gap, the
 * widest label as measured, and a small edge. Never narrower than `minPx`.
 */
export function axisWidth(labels: readonly (string | null)[] | null, measure: (text: string) => number, minPx = 40): number {
  let widest = 0;
  for (const l of labels ?? []) if (l) widest = Math.max(widest, measure(l));
  return Math.max(minPx, Math.ceil(AXIS_TICK_PX + AXIS_GAP_PX + widest + EDGE_PX));
}
