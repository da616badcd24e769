// OSDs: a sortable, filterable, virtualised table, live; a row's id links to
// the OSD's detail page. The table itself (10,000 rows at a time) lives in a
// worker (osd-worker.ts): this page renders only the rows in view, so neither a
// live update nor a scroll makes it touch every OSD.

import { useEffect, useRef, useState } from 'preact/hooks';
import { UsageBar } from '../components/chart.js';
import { VirtualTable, type Column } from '../components/virtual-table.js';
import { opsRate } from '../format.js';
import type { FromWorker, OsdWindow, SortState, ToWorker } from '../osd-order.js';

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

/** Rows asked for beyond those in view on each side, so a short scroll finds them already here. */
const MARGIN = 60;

/** The worker holding the table: the window of rows it last sent, and how to ask for another. */
function useOsdWorker(): { win: OsdWindow | undefined; send: (m: ToWorker) => void } {
  const worker = useRef<Worker>();
  const [win, setWin] = useState<OsdWindow>();
  useEffect(() => {
    const w = new Worker('/osd-worker.js');
    w.onmessage = (e: MessageEvent<FromWorker>) => {
      if (e.data.kind === 'window') setWin(e.data);
    };
    worker.current = w;
    return () => w.terminate();
  }, []);
  return { win, send: (m) => worker.current?.postMessage(m) };
}

export function Osds() {
  const { win, send } = useOsdWorker();
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<SortState>({ key: 'id', desc: false });

  useEffect(() => send({ kind: 'query', filter, sort }), [filter, sort.key, sort.desc]);

  const onRange = (first: number, last: number): void => {
    // Ask only when the rows in view are not all here yet (or near the edge of what is).
    const have = win ? { first: win.first, last: win.first + win.rows.length } : { first: 0, last: 0 };
    const edge = MARGIN / 3;
    const atStart = have.first > 0 && first < have.first + edge;
    const atEnd = have.last < (win?.shown ?? 0) && last > have.last - edge;
    if (!win || first < have.first || last > have.last || atStart || atEnd) {
      send({ kind: 'window', first: Math.max(0, first - MARGIN), last: last + MARGIN });
    }
  };

  if (!win) return <p aria-busy="true">Waiting for cluster data…</p>;
  const row = (r: number) => win.rows[r - win.first];
  return (
    <div data-table-version={win.version}>
      <div class="toolbar">
        <label for="osd-filter">Filter</label>
        <input id="osd-filter" type="search" value={filter} placeholder="osd.12, host, down, out…" onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
        <span role="status" class="muted">{win.shown} of {win.total} OSDs shown{win.down > 0 ? `, ${win.down} down` : ''}</span>
      </div>
      <VirtualTable label="OSDs" columns={COLUMNS} rowCount={win.shown} sort={sort} onSort={setSort} onRange={onRange}
        rowKey={(r) => row(r)?.id ?? `pending-${r}`}
        rowClass={(r) => {
          const o = row(r);
          return !o ? 'pending' : !o.up ? 'row-down' : !o.in ? 'row-out' : '';
        }}
        renderRow={(r) => {
          const o = row(r);
          if (!o) return <td colSpan={COLUMNS.length} class="muted">…</td>;
          return (
            <>
              <td><a href={`#/osds/${o.id}`}>osd.{o.id}</a></td>
              <td>{o.host}</td>
              <td data-osd-status={o.up ? 'up' : 'down'}><span class={o.up ? 'ok-text' : 'err-text'}>{o.up ? 'up' : 'down'}</span>, <span class={o.in ? '' : 'warn-text'}>{o.in ? 'in' : 'out'}</span></td>
              <td><UsageBar ratio={o.util} label={`osd.${o.id} usage`} /></td>
              <td class="num">{o.pgs}</td>
              <td class="num">{o.commitMs}</td>
              <td class="num">{o.applyMs}</td>
              <td class="num">{opsRate(o.rdOps)}</td>
              <td class="num">{opsRate(o.wrOps)}</td>
            </>
          );
        }} />
    </div>
  );
}
