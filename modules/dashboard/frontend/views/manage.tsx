// Manager modules (enable/disable) and configuration (edit with validation).
// Changes go through the manager's dispatcher; read-only users see no controls
// (and the server refuses them anyway).

import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import type { ConfigRow, ModuleRow } from '../../view-types.js';

const errText = (e: unknown): string => (e instanceof ApiError ? e.message : String(e));

export function Modules({ write }: { write: boolean }) {
  const [rows, setRows] = useState<ModuleRow[] | undefined>();
  const [msg, setMsg] = useState('');
  const [busy, setBusy] = useState('');
  const load = (): Promise<void> => api<ModuleRow[]>('GET', '/modules').then(setRows, (e: unknown) => setMsg(errText(e)));
  useEffect(() => {
    void load();
  }, []);
  const toggle = async (m: ModuleRow): Promise<void> => {
    const action = m.enabled ? 'disable' : 'enable';
    if (m.name === 'dashboard' && action === 'disable' && !confirm('Disabling the dashboard closes this page. Continue?')) return;
    setBusy(m.name);
    try {
      await api('POST', `/modules/${m.name}/${action}`);
      setMsg(`Module ${m.name} ${action}d.`);
    } catch (e) {
      setMsg(`Could not ${action} ${m.name}: ${errText(e)}`);
    }
    setBusy('');
    await load();
  };
  if (!rows) return <p aria-busy="true">{msg || 'Loading modules…'}</p>;
  return (
    <div>
      <p role="status" class="status-line">{msg}</p>
      <table class="data">
        <caption class="sr-only">Manager modules</caption>
        <thead><tr><th scope="col">Module</th><th scope="col">State</th><th scope="col">Service</th>{write && <th scope="col">Action</th>}</tr></thead>
        <tbody>{rows.map((m) => (
          <tr key={m.name} data-module={m.name}>
            <td>{m.name}</td>
            <td data-module-state={m.enabled ? 'on' : 'off'}>{m.alwaysOn ? 'always on' : m.enabled ? 'enabled' : 'disabled'}{!m.canRun && <span class="warn-text"> (cannot run: {m.error})</span>}</td>
            <td>{m.uri && <a href={m.uri}>{m.uri}</a>}</td>
            {write && (
              <td><button type="button" disabled={busy !== '' || m.alwaysOn || (!m.enabled && !m.canRun)} onClick={() => void toggle(m)} aria-label={`${m.enabled ? 'Disable' : 'Enable'} module ${m.name}`}>
                {m.enabled ? 'Disable' : 'Enable'}
              </button></td>
            )}
          </tr>
        ))}</tbody>
      </table>
    </div>
  );
}

/** Client-side check before sending (the server checks again and its answer is shown). */
export function validate(row: ConfigRow, value: string): string {
  const t = row.type;
  if (t === 'bool') return value === 'true' || value === 'false' ? '' : 'expected true or false';
  if (['int', 'uint', 'float', 'secs'].includes(t)) {
    if (value.trim() === '' || !Number.isFinite(Number(value))) return 'expected a number';
    const n = Number(value);
    if (t !== 'float' && !Number.isInteger(n)) return 'expected a whole number';
    if (t === 'uint' && n < 0) return 'expected 0 or more';
    if (row.min !== '' && n < Number(row.min)) return `must be at least ${row.min}`;
    if (row.max !== '' && n > Number(row.max)) return `must be at most ${row.max}`;
  }
  if (row.enum.length > 0 && !row.enum.includes(value)) return `one of: ${row.enum.join(', ')}`;
  return '';
}

function Editor({ row, onDone }: { row: ConfigRow; onDone: (msg: string) => void }) {
  const [value, setValue] = useState(row.value);
  const [error, setError] = useState('');
  const id = `edit-${row.name.replace(/[^A-Za-z0-9]/g, '-')}`;
  const save = async (e: Event): Promise<void> => {
    e.preventDefault();
    const bad = validate(row, value);
    if (bad) {
      setError(bad);
      return;
    }
    try {
      await api('PUT', `/config/${row.name}`, { value });
      onDone(`${row.name} set to ${value}.`);
    } catch (err) {
      setError(errText(err));
    }
  };
  return (
    <form class="editor" onSubmit={(e) => void save(e)}>
      <label for={id}>New value for {row.name}</label>
      {row.type === 'bool' ? (
        <select id={id} value={value} onChange={(e) => setValue((e.target as HTMLSelectElement).value)}><option>true</option><option>false</option></select>
      ) : row.enum.length > 0 ? (
        <select id={id} value={value} onChange={(e) => setValue((e.target as HTMLSelectElement).value)}>{row.enum.map((x) => <option key={x}>{x}</option>)}</select>
      ) : (
        <input id={id} value={value} aria-invalid={error ? 'true' : 'false'} aria-describedby={`${id}-err`} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
      )}
      <button type="submit">Save</button>
      <button type="button" onClick={() => onDone('')}>Cancel</button>
      <span id={`${id}-err`} role="alert" class="err-text">{error}</span>
    </form>
  );
}

export function Config({ write }: { write: boolean }) {
  const [rows, setRows] = useState<ConfigRow[] | undefined>();
  const [filter, setFilter] = useState('');
  const [editing, setEditing] = useState('');
  const [msg, setMsg] = useState('');
  const load = (): Promise<void> => api<ConfigRow[]>('GET', '/config').then(setRows, (e: unknown) => setMsg(errText(e)));
  useEffect(() => {
    void load();
  }, []);
  const shown = useMemo(() => (rows ?? []).filter((r) => r.name.includes(filter.trim())), [rows, filter]);
  if (!rows) return <p aria-busy="true">{msg || 'Loading configuration…'}</p>;
  return (
    <div>
      <div class="toolbar">
        <label for="cfg-filter">Filter</label>
        <input id="cfg-filter" type="search" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} placeholder="option name" />
        <span role="status" class="muted">{shown.length} options</span>
      </div>
      <p role="status" class="status-line">{msg}</p>
      <div class="scroll-x" tabIndex={0} role="region" aria-label="Configuration options (scrollable)">
        <table class="data">
          <caption class="sr-only">Configuration options</caption>
          <thead><tr><th scope="col">Option</th><th scope="col">Value</th><th scope="col">Default</th><th scope="col">Type</th><th scope="col">Allowed</th><th scope="col">Source</th>{write && <th scope="col">Edit</th>}</tr></thead>
          <tbody>{shown.map((r) => (
            <tr key={r.name} data-option={r.name}>
              <td><span title={r.desc}>{r.name}</span></td>
              <td class="value">{editing === r.name ? <Editor row={r} onDone={(m) => { setEditing(''); setMsg(m); void load(); }} /> : r.value}</td>
              <td>{r.default}</td><td>{r.type}</td>
              <td>{r.enum.length ? r.enum.join(' | ') : r.min !== '' || r.max !== '' ? `${r.min || '…'} to ${r.max || '…'}` : ''}</td>
              <td>{r.source}</td>
              {write && <td>{editing !== r.name && <button type="button" aria-label={`Edit ${r.name}`} onClick={() => setEditing(r.name)}>Edit</button>}</td>}
            </tr>
          ))}</tbody>
        </table>
      </div>
    </div>
  );
}
