// A table that renders only the rows in view (plus a few), so 10,000 rows
// scroll smoothly: a real <table> (screen readers see its size through
// aria-rowcount/aria-rowindex), spacer rows above and below, sortable headers
// as buttons (keyboard), and the scroll box focusable for arrow keys.

import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { SortState } from '../osd-order.js';

export interface Column {
  key: string;
  label: string;
  align?: 'left' | 'right';
  width?: string;
  sortable?: boolean;
}

export type { SortState };

interface Props {
  label: string;
  columns: Column[];
  rowCount: number;
  rowHeight?: number;
  height?: number;
  sort?: SortState;
  onSort?: (s: SortState) => void;
  /** Told the rows [first, last) to render whenever they change (a caller that fetches rows asks for them). */
  onRange?: (first: number, last: number) => void;
  /** Renders row `i` (an index into the caller's sorted, filtered order) as its <td>s. */
  renderRow: (i: number) => ComponentChildren;
  rowClass?: (i: number) => string;
  rowKey: (i: number) => string | number;
}

const OVERSCAN = 8;

export function VirtualTable(p: Props) {
  const rowH = p.rowHeight ?? 32;
  const height = p.height ?? 560;
  const box = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const frame = useRef(0);

  useEffect(() => () => cancelAnimationFrame(frame.current), []);

  const onScroll = (): void => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      if (box.current) setTop(box.current.scrollTop);
    });
  };

  const headerH = rowH;
  const first = Math.max(0, Math.floor(top / rowH) - OVERSCAN);
  const last = Math.min(p.rowCount, Math.ceil((top + height - headerH) / rowH) + OVERSCAN);
  useEffect(() => p.onRange?.(first, last), [first, last]);
  const rows = [];
  for (let i = first; i < last; i++) {
    rows.push(
      <tr key={p.rowKey(i)} class={p.rowClass?.(i)} aria-rowindex={i + 2} style={{ height: `${rowH}px` }}>
        {p.renderRow(i)}
      </tr>,
    );
  }
  const ariaSort = (c: Column): 'ascending' | 'descending' | 'none' | undefined =>
    !c.sortable ? undefined : p.sort?.key === c.key ? (p.sort.desc ? 'descending' : 'ascending') : 'none';

  return (
    <div class="vt" ref={box} style={{ height: `${height}px` }} onScroll={onScroll} tabIndex={0} role="region" aria-label={`${p.label}, ${p.rowCount} rows (scrollable)`}>
      <table aria-rowcount={p.rowCount + 1} aria-label={p.label}>
        <thead>
          <tr aria-rowindex={1}>
            {p.columns.map((c) => (
              <th key={c.key} scope="col" style={{ width: c.width, textAlign: c.align ?? 'left' }} aria-sort={ariaSort(c)}>
                {c.sortable && p.onSort ? (
                  <button type="button" class="sort" onClick={() => p.onSort!({ key: c.key, desc: p.sort?.key === c.key ? !p.sort.desc : false })}>
                    {c.label}
                    <span aria-hidden="true">{p.sort?.key === c.key ? (p.sort.desc ? ' ▼' : ' ▲') : ''}</span>
                  </button>
                ) : c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {first > 0 && <tr aria-hidden="true" class="spacer" style={{ height: `${first * rowH}px` }} />}
          {rows}
          {last < p.rowCount && <tr aria-hidden="true" class="spacer" style={{ height: `${(p.rowCount - last) * rowH}px` }} />}
        </tbody>
      </table>
    </div>
  );
}
