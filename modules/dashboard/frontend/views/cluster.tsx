// Pools, hosts and PGs: live tables.

import { UsageBar } from '../components/chart.js';
import { bytes, count, rate } from '../format.js';
import type { HostRow, PgsView, PoolRow } from '../../view-types.js';

const wait = <p aria-busy="true">Waiting for cluster data…</p>;
const states = (s: Array<{ state: string; count: number }>): string => s.map((x) => `${x.count} ${x.state}`).join(', ');

export function Pools({ rows }: { rows: PoolRow[] | undefined }) {
  if (!rows) return wait;
  return (
    <div class="scroll-x" tabIndex={0} role="region" aria-label="Pools (scrollable)">
      <table class="data">
        <caption class="sr-only">Pools</caption>
        <thead><tr>
          <th scope="col">Name</th><th scope="col">Type</th><th scope="col" class="num">Size</th><th scope="col" class="num">PGs</th>
          <th scope="col" class="num">Stored</th><th scope="col" class="num">Objects</th><th scope="col">Used</th><th scope="col" class="num">Max avail</th>
          <th scope="col" class="num">Quota</th><th scope="col" class="num">Read</th><th scope="col" class="num">Write</th><th scope="col" class="num">Ops/s</th>
          <th scope="col">PG states</th><th scope="col">Applications</th>
        </tr></thead>
        <tbody>{rows.map((p) => (
          <tr key={p.id}>
            <td>{p.name}</td><td>{p.type}</td><td class="num">{p.size}/{p.minSize}</td><td class="num">{p.pgNum}</td>
            <td class="num">{bytes(p.stored)}</td><td class="num">{count(p.objects)}</td>
            <td><UsageBar ratio={p.percentUsed} label={`${p.name} used`} /></td><td class="num">{bytes(p.maxAvail)}</td>
            <td class="num">{p.quotaBytes || p.quotaObjects ? `${p.quotaBytes ? bytes(p.quotaBytes) : '-'} / ${p.quotaObjects ? count(p.quotaObjects) : '-'}` : 'none'}</td>
            <td class="num">{rate(p.rdBytes)}</td><td class="num">{rate(p.wrBytes)}</td><td class="num">{count(p.rdOps + p.wrOps)}</td>
            <td>{states(p.pgStates)}</td><td>{p.applications.join(', ')}</td>
          </tr>
        ))}</tbody>
      </table>
    </div>
  );
}

export function Hosts({ rows }: { rows: HostRow[] | undefined }) {
  if (!rows) return wait;
  return (
    <div class="scroll-x" tabIndex={0} role="region" aria-label="Hosts (scrollable)">
      <p role="status" class="muted">{rows.length} hosts</p>
      <table class="data">
        <caption class="sr-only">Hosts</caption>
        <thead><tr><th scope="col">Hostname</th><th scope="col" class="num">OSDs</th><th scope="col">Daemons</th><th scope="col">Version</th></tr></thead>
        <tbody>{rows.map((h) => (
          <tr key={h.hostname}>
            <td>{h.hostname}</td><td class="num">{h.osds}</td>
            <td class="daemons">{h.daemons.length > 12 ? <details><summary>{h.daemons.slice(0, 6).join(', ')} and {h.daemons.length - 6} more</summary>{h.daemons.join(', ')}</details> : h.daemons.join(', ')}</td>
            <td>{h.version}</td>
          </tr>
        ))}</tbody>
      </table>
    </div>
  );
}

export function Pgs({ v }: { v: PgsView | undefined }) {
  if (!v) return wait;
  return (
    <div class="overview">
      <section class="card" aria-labelledby="h-pgstate">
        <h2 id="h-pgstate">States</h2>
        <p class="big">{v.total} PGs</p>
        <table class="compact">
          <thead><tr><th scope="col">State</th><th scope="col" class="num">PGs</th></tr></thead>
          <tbody>{v.byState.map((s) => <tr key={s.state}><td>{s.state}</td><td class="num">{s.count}</td></tr>)}</tbody>
        </table>
      </section>
      <section class="card wide" aria-labelledby="h-unclean">
        <h2 id="h-unclean">Not active+clean ({v.uncleanTotal})</h2>
        {v.uncleanTotal === 0 ? <p>Every PG is active+clean.</p> : (
          <div class="scroll-y" tabIndex={0} role="region" aria-label="PGs not active+clean (scrollable)">
            <table class="data">
              <thead><tr><th scope="col">PG</th><th scope="col">State</th><th scope="col">Up</th><th scope="col">Acting</th><th scope="col">Last active</th></tr></thead>
              <tbody>{v.unclean.map((p) => (
                <tr key={p.pgid}><td>{p.pgid}</td><td>{p.state}</td><td>[{p.up.join(',')}]</td><td>[{p.acting.join(',')}]</td><td>{p.since}</td></tr>
              ))}</tbody>
            </table>
            {v.unclean.length < v.uncleanTotal && <p class="muted">Showing the worst {v.unclean.length}.</p>}
          </div>
        )}
      </section>
    </div>
  );
}
