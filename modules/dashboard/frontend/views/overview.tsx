// Overview: health with its checks, capacity, client IO and recovery charts,
// PG states, OSDs, monitors and managers — all live.

import { Chart, UsageBar } from '../components/chart.js';
import { bytes, count, healthClass, pct, rate } from '../format.js';
import type { OverviewView as OverviewData } from '../../view-types.js';

export function Overview({ d }: { d: OverviewData | undefined }) {
  if (!d) return <p aria-busy="true">Waiting for cluster data…</p>;
  const t = d.io.map((s) => s.t);
  const used = d.capacity.total > 0 ? d.capacity.used / d.capacity.total : 0;
  return (
    <div class="overview">
      <section class="card wide" aria-labelledby="h-health">
        <h2 id="h-health">Health</h2>
        <p>
          <span class={`badge ${healthClass(d.health.status)}`} data-testid="health-status">{d.health.status}</span>
          {d.health.checks.length === 0 ? ' No active health checks.' : ` ${d.health.checks.length} active check(s):`}
        </p>
        <ul class="checks">
          {d.health.checks.map((c) => (
            <li key={c.name} data-check={c.name}>
              <details>
                <summary>
                  <span class={`badge small ${healthClass(c.severity)}`}>{c.severity.replace('HEALTH_', '')}</span>{' '}
                  <strong>{c.name}</strong>: {c.summary}
                </summary>
                <ul>{c.detail.map((x, i) => <li key={i}>{x}</li>)}</ul>
              </details>
            </li>
          ))}
        </ul>
      </section>

      <section class="card" aria-labelledby="h-osds">
        <h2 id="h-osds">OSDs</h2>
        <p class="big" data-testid="osd-count">{d.osds.total} total</p>
        <p><span data-testid="osd-up">{d.osds.up} up</span>, <span data-testid="osd-in">{d.osds.in} in</span>
          {d.osds.up < d.osds.total && <span class="warn-text"> ({d.osds.total - d.osds.up} down)</span>}</p>
      </section>
      <section class="card" aria-labelledby="h-mons">
        <h2 id="h-mons">Monitors</h2>
        <p class="big">{d.mons.quorum.length} / {d.mons.total} in quorum</p>
        <p>{d.mons.quorum.join(', ')}{d.mons.outOfQuorum.length > 0 && <span class="warn-text"> out: {d.mons.outOfQuorum.join(', ')}</span>}</p>
      </section>
      <section class="card" aria-labelledby="h-mgr">
        <h2 id="h-mgr">Managers</h2>
        <p class="big">{d.mgr.active || 'none'} <span class="muted">active</span></p>
        <p>{d.mgr.standbys.length ? `standbys: ${d.mgr.standbys.join(', ')}` : 'no standbys'}</p>
      </section>
      <section class="card" aria-labelledby="h-cap">
        <h2 id="h-cap">Raw capacity</h2>
        <UsageBar ratio={used} label="Raw capacity used" />
        <p>{bytes(d.capacity.used)} used of {bytes(d.capacity.total)}, {bytes(d.capacity.avail)} available</p>
        <p>{count(d.objects)} objects</p>
      </section>

      <section class="card wide charts" aria-labelledby="h-io">
        <h2 id="h-io">Client IO and recovery</h2>
        <Chart title="Client throughput" format={rate} kind="bytes/s" series={[{ label: 'Read', color: '#1f77b4' }, { label: 'Write', color: '#c44e00' }]}
          data={[t, d.io.map((s) => s.rdBytes), d.io.map((s) => s.wrBytes)]} />
        <Chart title="Client IOPS" format={(v) => `${count(v)}/s`} kind="per-s" series={[{ label: 'Read', color: '#1f77b4' }, { label: 'Write', color: '#c44e00' }]}
          data={[t, d.io.map((s) => s.rdOps), d.io.map((s) => s.wrOps)]} />
        <Chart title="Recovery throughput" format={rate} kind="bytes/s" series={[{ label: 'Recovery', color: '#2a7d2a' }]} data={[t, d.io.map((s) => s.recBytes)]} />
      </section>

      <section class="card" aria-labelledby="h-pgs">
        <h2 id="h-pgs">PG states</h2>
        <p class="big">{d.pgs.total} PGs</p>
        <table class="compact">
          <caption class="sr-only">PGs by state</caption>
          <thead><tr><th scope="col">State</th><th scope="col" class="num">PGs</th></tr></thead>
          <tbody>{d.pgs.byState.map((s) => <tr key={s.state}><td>{s.state}</td><td class="num">{s.count}</td></tr>)}</tbody>
        </table>
      </section>
      <section class="card wide" aria-labelledby="h-poolcap">
        <h2 id="h-poolcap">Capacity by pool</h2>
        <table class="compact">
          <thead><tr><th scope="col">Pool</th><th scope="col" class="num">Stored</th><th scope="col">Used</th><th scope="col" class="num">Max available</th></tr></thead>
          <tbody>{d.pools.map((p) => (
            <tr key={p.id}><td>{p.name}</td><td class="num">{bytes(p.stored)}</td><td><UsageBar ratio={p.percentUsed} label={`${p.name} used ${pct(p.percentUsed)}`} /></td><td class="num">{bytes(p.maxAvail)}</td></tr>
          ))}</tbody>
        </table>
      </section>
    </div>
  );
}
