// One OSD: state, usage, metadata and its perf-counter charts from the
// daemon's sample ring (refreshed each live interval).

import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { Chart, UsageBar } from '../components/chart.js';
import { bytes, count } from '../format.js';
import type { OsdDetail as Detail } from '../../view-types.js';

const fmt = (unit: string) => (v: number): string => (unit === 'B/s' ? `${bytes(v)}/s` : unit === 'ms' ? `${v.toFixed(2)} ms` : `${count(v)}/s`);

export function OsdDetail({ id, tick }: { id: number; tick: number }) {
  const [d, setD] = useState<Detail | undefined>();
  const [err, setErr] = useState('');
  useEffect(() => {
    let live = true;
    api<Detail>('GET', `/osd/${id}`).then((x) => live && (setD(x), setErr('')), (e: unknown) => live && setErr(e instanceof ApiError ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [id, tick]);
  if (err) return <p role="alert">{err}</p>;
  if (!d) return <p aria-busy="true">Loading osd.{id}…</p>;
  const used = d.stats.kb > 0 ? d.stats.kbUsed / d.stats.kb : 0;
  return (
    <div>
      <p><a href="#/osds">← All OSDs</a></p>
      <div class="overview">
        <section class="card" aria-labelledby="h-osd-state">
          <h2 id="h-osd-state">State</h2>
          <p class="big"><span class={d.up ? 'ok-text' : 'err-text'}>{d.up ? 'up' : 'down'}</span>, {d.in ? 'in' : 'out'}</p>
          <p>host {d.host || 'unknown'}, weight {d.weight}</p>
        </section>
        <section class="card" aria-labelledby="h-osd-usage">
          <h2 id="h-osd-usage">Usage</h2>
          <UsageBar ratio={used} label={`osd.${d.id} usage`} />
          <p>{bytes(d.stats.kbUsed * 1024)} of {bytes(d.stats.kb * 1024)}; {d.stats.pgs} PGs</p>
          <p>commit {d.stats.commitMs} ms, apply {d.stats.applyMs} ms</p>
        </section>
        <section class="card wide charts" aria-labelledby="h-osd-perf">
          <h2 id="h-osd-perf">Performance counters</h2>
          {d.series.length === 0 && <p>No perf counters reported yet.</p>}
          {d.series.map((s) => (
            <Chart key={s.path} title={`${s.label} (${s.path})`} format={fmt(s.unit)} kind={s.unit === 'B/s' ? 'bytes/s' : s.unit === 'ms' ? 'ms' : 'per-s'} series={[{ label: s.label, color: '#1f77b4' }]}
              data={[s.points.map((p) => p.t), s.points.map((p) => p.v)]} />
          ))}
        </section>
        <section class="card wide" aria-labelledby="h-osd-meta">
          <h2 id="h-osd-meta">Metadata</h2>
          <table class="compact kv">
            <tbody>{Object.entries(d.metadata).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => <tr key={k}><th scope="row">{k}</th><td>{v}</td></tr>)}</tbody>
          </table>
        </section>
      </div>
    </div>
  );
}
