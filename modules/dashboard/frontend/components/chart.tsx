// A time-series chart (uPlot): made once, fed new data on each update, sized
// to its box. A text summary beside it says the latest values for those who
// cannot see the chart.

import uPlot from 'uplot';
import { useEffect, useRef } from 'preact/hooks';
import { AXIS_FONT, AXIS_GAP_PX, AXIS_TICK_PX, axisWidth, BYTE_INCRS, tickLabels, type AxisKind } from '../axis.js';

export interface SeriesSpec {
  label: string;
  color: string;
}

interface Props {
  title: string;
  series: SeriesSpec[];
  /** [times (unix s), ...one array per series] */
  data: number[][];
  /** Formats values for the text summary. */
  format: (v: number) => string;
  /** What the y axis counts (its tick labels; byte rates step in binary units). */
  kind: AxisKind;
  height?: number;
}

let measureCtx: CanvasRenderingContext2D | null = null;
/** Width in CSS px of an axis label drawn in AXIS_FONT. */
function measure(text: string): number {
  measureCtx ??= document.createElement('canvas').getContext('2d');
  if (!measureCtx) return text.length * 8;
  measureCtx.font = AXIS_FONT;
  return measureCtx.measureText(text).width;
}

const clock = (unixS: number): string => new Date(unixS * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

export function Chart(p: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = box.current!;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: p.height ?? 160,
      // A static legend (series names and colours): live values under a cursor read "--" in screenshots and narrow boxes.
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      // Clock time only: uPlot's default adds a date line that crowds at card widths.
      // The y axis as wide as its widest label (a fixed width cut the labels' first digits off); the
      // labels drawn are kept on the box (data-y-labels) for the UI test to check their order.
      axes: [
        { stroke: '#333', font: AXIS_FONT, space: 70, values: (_u, vals) => vals.map((v) => clock(v)) },
        {
          stroke: '#333', font: AXIS_FONT, gap: AXIS_GAP_PX, ticks: { size: AXIS_TICK_PX },
          ...(p.kind === 'bytes/s' ? { incrs: [...BYTE_INCRS] } : {}),
          size: (_u, labels) => axisWidth(labels, measure),
          values: (_u, vals) => {
            const labels = tickLabels(p.kind, vals);
            el.dataset.yLabels = JSON.stringify(labels);
            return labels;
          },
        },
      ],
      series: [{}, ...p.series.map((s) => ({ label: s.label, stroke: s.color, width: 2, value: (_u: uPlot, v: number | null) => (v == null ? '-' : p.format(v)) }))],
    };
    plot.current = new uPlot(opts, p.data as uPlot.AlignedData, el);
    const ro = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(200, el.clientWidth), height: p.height ?? 160 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    plot.current?.setData(p.data as uPlot.AlignedData);
  }, [p.data]);

  const latest = p.series.map((s, i) => {
    const col = p.data[i + 1] ?? [];
    return `${s.label}: ${col.length ? p.format(col[col.length - 1]!) : 'no data'}`;
  }).join(', ');
  return (
    <figure class="chart">
      <figcaption>{p.title}</figcaption>
      <div ref={box} role="img" aria-label={`${p.title} chart. Latest: ${latest}`} />
    </figure>
  );
}

export function UsageBar({ ratio, label }: { ratio: number; label: string }) {
  const pct = Math.max(0, Math.min(1, ratio));
  const cls = pct >= 0.95 ? 'err' : pct >= 0.85 ? 'warn' : 'ok';
  return (
    <span class="usage" role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(pct * 1000) / 10} aria-label={label}>
      <span class={`usage-fill ${cls}`} style={{ width: `${pct * 100}%` }} />
      <span class="usage-text">{(pct * 100).toFixed(1)}%</span>
    </span>
  );
}
