// The dashboard's single page: login, then a navigation bar and one view per
// route (#/overview, #/osds, #/osds/<id>, #/pools, #/hosts, #/pgs, #/modules,
// #/config, #/console). Cluster views update live from one event stream.

import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, openLive, setSession, whenUnauthorized, type Session, type Topic } from './api.js';
import { healthClass } from './format.js';
import type { HostRow, OverviewView, PgsView, PoolRow } from '../view-types.js';
import { Hosts, Pgs, Pools } from './views/cluster.js';
import { Console } from './views/console.js';
import { Login } from './views/login.js';
import { Config, Modules } from './views/manage.js';
import { OsdDetail } from './views/osd-detail.js';
import { Osds } from './views/osds.js';
import { Overview } from './views/overview.js';

/** What the page's live stream has brought so far (the OSD table streams to its own worker: views/osds.tsx). */
interface LiveData {
  overview?: OverviewView;
  pools?: PoolRow[];
  hosts?: HostRow[];
  pgs?: PgsView;
}

const PAGES: Array<{ path: string; label: string; topic?: Exclude<Topic, 'osds'> }> = [
  { path: 'overview', label: 'Overview', topic: 'overview' },
  { path: 'osds', label: 'OSDs' },
  { path: 'pools', label: 'Pools', topic: 'pools' },
  { path: 'hosts', label: 'Hosts', topic: 'hosts' },
  { path: 'pgs', label: 'PGs', topic: 'pgs' },
  { path: 'modules', label: 'Manager modules' },
  { path: 'config', label: 'Configuration' },
  { path: 'console', label: 'Console' },
];

function route(): string[] {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  return parts.length ? parts : ['overview'];
}

function App() {
  const [session, setS] = useState<Session | null | undefined>(undefined);
  const [path, setPath] = useState(route());
  const [live, setLive] = useState<LiveData>({});
  const [connected, setConnected] = useState(false);
  const [tick, setTick] = useState(0);

  const login = (s: Session | null): void => {
    setSession(s ?? undefined);
    setS(s);
  };
  useEffect(() => {
    whenUnauthorized(() => login(null));
    api<Session>('GET', '/auth').then(login, () => login(null));
    const onHash = (): void => setPath(route());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  const page = PAGES.find((p) => p.path === path[0]) ?? PAGES[0]!;
  const topics: Topic[] = ['overview'];
  if (page.topic && page.topic !== 'overview') topics.push(page.topic);
  const topicKey = topics.join(',');
  useEffect(() => {
    if (!session) return;
    return openLive(topics, (t, data) => {
      setLive((l) => ({ ...l, [t]: data }));
      if (t === 'overview') setTick((x) => x + 1);
    }, setConnected);
  }, [session, topicKey]);

  useEffect(() => {
    const h = document.querySelector<HTMLElement>('#main h1');
    h?.focus();
    document.title = `${page.label} · mgrd dashboard`;
  }, [path.join('/')]);

  if (session === undefined) return <p class="boot">Loading…</p>;
  if (session === null) return <Login onLogin={login} />;

  const status = live.overview?.health.status;
  const osdId = page.path === 'osds' && path[1] !== undefined ? Number(path[1]) : undefined;
  const title = osdId !== undefined ? `osd.${osdId}` : page.label;
  const logout = async (): Promise<void> => {
    await api('POST', '/auth/logout').catch(() => undefined);
    login(null);
  };

  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>Skip to content</a>
      <header class="top">
        <span class="brand">mgrd</span>
        {status && <a href="#/overview" class={`badge ${healthClass(status)}`} aria-label={`Cluster health ${status}`}>{status}</a>}
        <span class={connected ? 'live on' : 'live off'} role="status">{connected ? 'live' : 'reconnecting…'}</span>
        <span class="user">{session.username} ({session.permissions.write ? 'administrator' : 'read-only'})</span>
        <button type="button" onClick={() => void logout()}>Log out</button>
      </header>
      <div class="layout">
        <nav aria-label="Main">
          <ul>
            {PAGES.map((p) => (
              <li key={p.path}><a href={`#/${p.path}`} aria-current={p.path === page.path ? 'page' : undefined}>{p.label}</a></li>
            ))}
          </ul>
        </nav>
        <main id="main" tabIndex={-1}>
          <h1 tabIndex={-1}>{title}</h1>
          {page.path === 'overview' && <Overview d={live.overview} />}
          {page.path === 'osds' && (osdId === undefined ? <Osds /> : <OsdDetail id={osdId} tick={tick} />)}
          {page.path === 'pools' && <Pools rows={live.pools} />}
          {page.path === 'hosts' && <Hosts rows={live.hosts} />}
          {page.path === 'pgs' && <Pgs v={live.pgs} />}
          {page.path === 'modules' && <Modules write={session.permissions.write} />}
          {page.path === 'config' && <Config write={session.permissions.write} />}
          {page.path === 'console' && <Console />}
        </main>
      </div>
    </>
  );
}

render(<App />, document.getElementById('app')!);
