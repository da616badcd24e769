// A time-series chart (uPlot): made once, fed new data on each update, sized
// to its box. A text summary beside it says the latest values for those who
// cannot see the chart.

import uPlot from 'uplot';
import { useEffect, useRef } from 'preact/hooks';

export interface SeriesSpec {
  label: string;
  color: string;
}

interface Props {
  title: string;
  series: SeriesSpec[];
  /** [times (unix s), ...one array per series] */
  data: number[][];
  format: (v: number) => string;
  height?: number;
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
      axes: [{ stroke: '#333', space: 70, values: (_u, vals) => vals.map((v) => clock(v)) }, { stroke: '#333', size: 70, values: (_u, vals) => vals.map((v) => p.format(v)) }],
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
