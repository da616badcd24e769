// OSDs: a sortable, filterable, virtualised table (10,000 rows stay smooth),
// live; a row's id links to the OSD's detail page.

import { useMemo, useState } from 'preact/hooks';
import { UsageBar } from '../components/chart.js';
import { VirtualTable, type Column, type SortState } from '../components/virtual-table.js';
import { count } from '../format.js';
import type { OsdTable } from '../types.js';

const COLUMNS: Column[] = [
  { key: 'id', label: 'ID', sortable: true, width: '7em' },
  { key: 'host', label: 'Host', sortable: true },
  { key: 'status', label: 'Status', sortable: true, width: '8em' },
  { key: 'util', label: 'Usage', sortable: true, width: '10em' },
  { key: 'pgs', label: 'PGs', sortable: true, align: 'right', width: '5em' },
  { key: 'commitMs', label: 'Commit ms', sortable: true, align: 'right', width: '7em' },
  { key: 'applyMs', label: 'Apply ms', sortable: true, align: 'right', width: '7em' },
  { key: 'rdOps', label: 'Read ops/s', sortable: true, align: 'right', width: '8em' },
  { key: 'wrOps', label: 'Write ops/s', sortable: true, align: 'right', width: '8em' },
];

function sortKey(t: OsdTable, key: string): (i: number) => number | string {
  switch (key) {
    case 'host': return (i) => t.hosts[t.host[i]!] ?? '';
    case 'status': return (i) => t.up[i]! * 2 + t.in[i]!;
    case 'util': return (i) => t.util[i]!;
    case 'pgs': return (i) => t.pgs[i]!;
    case 'commitMs': return (i) => t.commitMs[i]!;
    case 'applyMs': return (i) => t.applyMs[i]!;
    case 'rdOps': return (i) => t.rdOps[i]!;
    case 'wrOps': return (i) => t.wrOps[i]!;
    default: return (i) => t.id[i]!;
  }
}

/** Rows matching the filter: "osd.12" or "12", a host name part, or a state word (up, down, in, out). */
function matches(t: OsdTable, i: number, f: string): boolean {
  if (!f) return true;
  const words = f.toLowerCase().split(/\s+/).filter(Boolean);
  return words.every((w) => {
    if (w === 'up') return t.up[i] === 1;
    if (w === 'down') return t.up[i] === 0;
    if (w === 'in') return t.in[i] === 1;
    if (w === 'out') return t.in[i] === 0;
    const id = /^(?:osd\.)?(\d+)$/.exec(w);
    if (id) return t.id[i] === Number(id[1]);
    return (t.hosts[t.host[i]!] ?? '').toLowerCase().includes(w);
  });
}

export function Osds({ t }: { t: OsdTable | undefined }) {
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<SortState>({ key: 'id', desc: false });
  const order = useMemo(() => {
    if (!t) return new Int32Array(0);
    const idx: number[] = [];
    for (let i = 0; i < t.id.length; i++) if (matches(t, i, filter.trim())) idx.push(i);
    const k = sortKey(t, sort.key);
    const dir = sort.desc ? -1 : 1;
    idx.sort((a, b) => {
      const x = k(a);
      const y = k(b);
      return (x < y ? -1 : x > y ? 1 : t.id[a]! - t.id[b]!) * dir;
    });
    return Int32Array.from(idx);
  }, [t, filter, sort]);
  if (!t) return <p aria-busy="true">Waiting for cluster data…</p>;
  const down = t.up.filter((u) => u === 0).length;
  return (
    <div>
      <div class="toolbar">
        <label for="osd-filter">Filter</label>
        <input id="osd-filter" type="search" value={filter} placeholder="osd.12, host, down, out…" onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
        <span role="status" class="muted">{order.length} of {t.id.length} OSDs shown{down > 0 ? `, ${down} down` : ''}</span>
      </div>
      <VirtualTable label="OSDs" columns={COLUMNS} rowCount={order.length} sort={sort} onSort={setSort}
        rowKey={(r) => t.id[order[r]!]!}
        rowClass={(r) => (t.up[order[r]!] === 0 ? 'row-down' : t.in[order[r]!] === 0 ? 'row-out' : '')}
        renderRow={(r) => {
          const i = order[r]!;
          const up = t.up[i] === 1;
          const inn = t.in[i] === 1;
          return (
            <>
              <td><a href={`#/osds/${t.id[i]}`}>osd.{t.id[i]}</a></td>
              <td>{t.hosts[t.host[i]!]}</td>
              <td data-osd-status={up ? 'up' : 'down'}><span class={up ? 'ok-text' : 'err-text'}>{up ? 'up' : 'down'}</span>, <span class={inn ? '' : 'warn-text'}>{inn ? 'in' : 'out'}</span></td>
              <td><UsageBar ratio={t.util[i]!} label={`osd.${t.id[i]} usage`} /></td>
              <td class="num">{t.pgs[i]}</td>
              <td class="num">{t.commitMs[i]}</td>
              <td class="num">{t.applyMs[i]}</td>
              <td class="num">{count(t.rdOps[i]!)}</td>
              <td class="num">{count(t.wrOps[i]!)}</td>
            </>
          );
        }} />
    </div>
  );
}
