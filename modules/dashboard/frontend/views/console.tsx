// The command console: runs `tell mgr` commands through the manager's one
// dispatcher with the user's rights; completion from the `help` signatures.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';

interface Desc { sig: string; help: string; perm: string }
interface Entry { line: string; retval: number; outb: string; outs: string }

export function Console() {
  const [descs, setDescs] = useState<Desc[]>([]);
  const [line, setLine] = useState('');
  const [log, setLog] = useState<Entry[]>([]);
  const [busy, setBusy] = useState(false);
  const history = useRef<string[]>([]);
  const pos = useRef(0);
  const out = useRef<HTMLDivElement>(null);
  useEffect(() => {
    api<Desc[]>('GET', '/command/descriptions').then(setDescs, () => setDescs([]));
  }, []);
  useEffect(() => {
    out.current?.scrollTo(0, out.current.scrollHeight);
  }, [log]);
  const matches = useMemo(() => {
    const l = line.trim();
    return l ? descs.filter((d) => d.sig.startsWith(l) || l.startsWith(d.sig.split(' <')[0]!)).slice(0, 8) : [];
  }, [line, descs]);
  const run = async (e: Event): Promise<void> => {
    e.preventDefault();
    const l = line.trim();
    if (!l || busy) return;
    setBusy(true);
    history.current.push(l);
    pos.current = history.current.length;
    let entry: Entry;
    try {
      const r = await api<{ retval: number; outb: string; outs: string }>('POST', '/command', { line: l });
      entry = { line: l, ...r };
    } catch (err) {
      const b = (err instanceof ApiError ? err.body : undefined) as { retval?: number; outb?: string; outs?: string; detail?: string } | undefined;
      entry = { line: l, retval: b?.retval ?? -1, outb: b?.outb ?? '', outs: b?.outs ?? b?.detail ?? String(err) };
    }
    setLog((x) => [...x.slice(-49), entry]);
    setLine('');
    setBusy(false);
  };
  const onKey = (e: KeyboardEvent): void => {
    if (e.key === 'ArrowUp' && pos.current > 0) {
      pos.current--;
      setLine(history.current[pos.current]!);
      e.preventDefault();
    } else if (e.key === 'ArrowDown' && pos.current < history.current.length) {
      pos.current++;
      setLine(history.current[pos.current] ?? '');
      e.preventDefault();
    } else if (e.key === 'Tab' && matches.length === 1 && !e.shiftKey) {
      const words = matches[0]!.sig.split(' ').filter((w) => !w.startsWith('<'));
      const next = `${words.join(' ')} `;
      if (next.trim() !== line.trim()) {
        setLine(next);
        e.preventDefault();
      }
    }
  };
  return (
    <div class="console">
      <div class="console-out" ref={out} role="log" aria-live="polite" aria-label="Command output" tabIndex={0}>
        {log.length === 0 && <p class="muted">Type a command, e.g. <code>osd pool stats</code>, <code>health detail</code>, <code>mgr module ls</code> or <code>help</code>.</p>}
        {log.map((x, i) => (
          <div key={i} class="console-entry" data-retval={x.retval}>
            <div class="console-cmd">$ {x.line}</div>
            {x.outb && <pre class="console-outb">{x.outb}</pre>}
            {x.outs && <pre class={x.retval === 0 ? 'console-outs' : 'console-outs err-text'}>{x.outs}</pre>}
            {x.retval !== 0 && <div class="err-text">exit status {-x.retval}</div>}
          </div>
        ))}
      </div>
      <form onSubmit={(e) => void run(e)} class="console-form">
        <label for="console-input">Command</label>
        <input id="console-input" value={line} autocomplete="off" spellcheck={false} aria-describedby="console-hints"
          onInput={(e) => setLine((e.target as HTMLInputElement).value)} onKeyDown={onKey} />
        <button type="submit" disabled={busy}>Run</button>
      </form>
      <ul id="console-hints" class="hints" aria-label="Matching commands">
        {matches.map((d) => <li key={d.sig}><code>{d.sig}</code> <span class="muted">{d.help}{d.perm.includes('w') ? ' (changes state)' : ''}</span></li>)}
      </ul>
    </div>
  );
}
