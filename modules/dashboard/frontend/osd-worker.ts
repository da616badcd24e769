// The OSD table's worker (a dedicated Worker, bundled as osd-worker.js): it
// holds the live stream of the `osds` topic, parses each update, filters and
// sorts the rows off the page's thread, and sends the page only the window of
// rows it shows. See osd-order.ts.

import type { OsdTable } from '../view-types.js';
import { MAX_WINDOW, orderRows, rowAt, type FromWorker, type SortState, type ToWorker } from './osd-order.js';

interface Scope {
  postMessage(m: FromWorker): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as Scope;

let table: OsdTable | undefined;
let version = 0;
let down = 0;
let filter = '';
let sort: SortState = { key: 'id', desc: false };
let order: Int32Array = new Int32Array(0);
let want = { first: 0, last: 60 };

function reorder(): void {
  if (table) order = orderRows(table, filter, sort);
}

function sendWindow(): void {
  if (!table) return;
  const first = Math.max(0, Math.min(want.first, order.length));
  const last = Math.min(order.length, want.last, first + MAX_WINDOW);
  const rows = [];
  for (let r = first; r < last; r++) rows.push(rowAt(table, order[r]!));
  scope.postMessage({ kind: 'window', version, total: table.id.length, shown: order.length, down, first, rows });
}

scope.onmessage = (e) => {
  const m = e.data;
  if (m.kind === 'query') {
    filter = m.filter;
    sort = m.sort;
    reorder();
  } else {
    want = { first: m.first, last: m.last };
  }
  sendWindow();
};

const es = new EventSource('/api/live?topics=osds');
es.addEventListener('osds', (ev) => {
  table = JSON.parse((ev as MessageEvent<string>).data) as OsdTable;
  version++;
  down = 0;
  for (const u of table.up) if (u === 0) down++;
  reorder();
  sendWindow();
});
es.onopen = () => scope.postMessage({ kind: 'conn', connected: true });
es.onerror = () => scope.postMessage({ kind: 'conn', connected: false });
