// The standby side of the prometheus module, through a real MgrStandby whose
// MgrMap names another manager ("y") active: the HTTP answers of '/' and
// '/metrics' under both standby_behaviour values, compared with what a Ceph
// 16.2.15 standby answered (ceph-reference/prometheus/standby-*). Then the map
// names this manager active: the standby side stops, the active side takes
// the same port and serves the cluster's families.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/log.js';
import { MGR_OPTIONS } from '../../src/common/mgr-options.js';
import { OptionTable } from '../../src/common/options.js';
import type { MapListener, MapStore } from '../../src/mgr/map-store.js';
import { emptyMgrMap, type MgrCandidate } from '../../src/mgr/mgr-map.js';
import type { MgrMap } from '../../src/mgr-module/mgr-map-types.js';
import { MgrStandby } from '../../src/mgr/mgr-standby.js';
import { defaultKeyring } from '../../src/protocol/keyring.js';
import { defaultModulePaths } from '../../src/registry/module-loader.js';

const REF = new URL('../fixtures/ceph-reference/prometheus/', import.meta.url);
const ref = (file: string): string => readFileSync(new URL(file, REF), 'utf8');
/** The active's URI as the reference cluster published it (standby-index.html links to it). */
const ACTIVE_URI = 'http://127.0.0.1:9283/';

/** A map store shared with an active manager elsewhere: it never elects the joining candidate by itself. */
class OtherActiveStore implements MapStore {
  readonly kind = 'test';
  private map: MgrMap;
  private readonly listeners: MapListener[] = [];
  private readonly kv = new Map<string, string>();

  constructor() {
    this.map = { ...emptyMgrMap(), epoch: 1, active_name: 'y', active_gid: 4242, available: true, modules: ['prometheus'], services: { prometheus: ACTIVE_URI } };
  }

  private me: MgrCandidate | undefined;

  join(me: MgrCandidate): Promise<void> {
    this.me = me;
    return this.commit((m) => {
      m.standbys.push({ gid: me.gid, name: me.name, available_modules: me.availableModules, mgr_features: 0 });
    });
  }
  leave(): Promise<void> {
    return Promise.resolve();
  }
  setServices(): Promise<void> {
    return Promise.resolve();
  }
  isLeader(): boolean {
    return this.me !== undefined && this.map.active_gid === this.me.gid;
  }
  resign(): Promise<void> {
    return Promise.resolve();
  }
  onFatal(): void {}
  metadata(): undefined {
    return undefined;
  }
  current(): MgrMap {
    return structuredClone(this.map);
  }
  onMap(listener: MapListener): () => void {
    this.listeners.push(listener);
    return () => this.listeners.splice(this.listeners.indexOf(listener), 1);
  }
  async update(mutate: (map: MgrMap) => void): Promise<MgrMap> {
    await this.commit(mutate);
    return this.current();
  }
  /** `mgr fail y`: the first standby becomes active. */
  fail(name: string): Promise<void> {
    return this.commit((m) => {
      if (m.active_name !== name) return;
      const next = m.standbys.shift();
      m.active_name = next?.name ?? '';
      m.active_gid = next?.gid ?? 0;
      m.services = {};
    });
  }
  kvGet(key: string): string | undefined {
    return this.kv.get(key);
  }
  kvSet(key: string, value: string | undefined): Promise<void> {
    if (value === undefined) this.kv.delete(key);
    else this.kv.set(key, value);
    return Promise.resolve();
  }
  kvList(prefix: string): Record<string, string> {
    return Object.fromEntries([...this.kv].filter(([k]) => k.startsWith(prefix)));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  private commit(mutate: (map: MgrMap) => void): Promise<void> {
    const next = structuredClone(this.map);
    mutate(next);
    next.epoch = this.map.epoch + 1;
    this.map = next;
    for (const l of [...this.listeners]) l(this.current());
    return Promise.resolve();
  }
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

async function standby(id: string, overrides: Record<string, string>): Promise<{ mgr: MgrStandby; store: OtherActiveStore; url: string }> {
  const port = await freePort();
  const store = new OtherActiveStore();
  const mgr = new MgrStandby({
    id, store, options: new OptionTable(MGR_OPTIONS), keyring: defaultKeyring(),
    daemonAddr: '127.0.0.1:0', adminAddr: '127.0.0.1:0', adminToken: 'test-token', modulePaths: defaultModulePaths(''),
    moduleOverrides: Object.entries({ server_addr: '127.0.0.1', server_port: String(port), ...overrides }).map(([option, value]) => ({ module: 'prometheus', option, value })),
    log: silentLogger(),
  });
  await mgr.start();
  const url = `http://127.0.0.1:${port}/`;
  await waitOk(url);
  return { mgr, store, url };
}

async function waitOk(url: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      await fetch(url, { redirect: 'manual' });
      return;
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Status line and the headers the reference captured (Date and Content-Length vary). */
function refHeaders(file: string): { status: number; contentType: string; server: string } {
  const lines = ref(file).split('\n');
  const get = (name: string): string => lines.find((l) => l.toLowerCase().startsWith(`${name}:`))?.slice(name.length + 1).trim() ?? '';
  return { status: Number(lines[0]!.split(' ')[1]), contentType: get('content-type'), server: get('server') };
}

describe('prometheus standby module (MgrStandby while "y" is active)', () => {
  let dflt: Awaited<ReturnType<typeof standby>>;
  let error: Awaited<ReturnType<typeof standby>>;

  beforeAll(async () => {
    dflt = await standby('x', {});
    error = await standby('z', { standby_behaviour: 'error', standby_error_status_code: '503' });
  });

  afterAll(async () => {
    await dflt?.mgr.stop();
    await error?.mgr.stop();
  });

  it("standby_behaviour=default: '/' links to the active's /metrics, byte for byte as Ceph", async () => {
    const res = await fetch(dflt.url);
    const want = refHeaders('standby-index.headers.txt');
    expect([res.status, res.headers.get('content-type'), res.headers.get('server')]).toEqual([want.status, want.contentType, want.server]);
    expect(await res.text()).toBe(ref('standby-index.html'));
  });

  it("standby_behaviour=default: '/metrics' is an empty 200", async () => {
    const res = await fetch(`${dflt.url}metrics`);
    const want = refHeaders('standby-metrics.headers.txt');
    expect([res.status, res.headers.get('server'), res.headers.get('content-length')]).toEqual([want.status, want.server, '0']);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain;/);
    expect(await res.text()).toBe('');
  });

  it("standby_behaviour=error: '/' fails with standby_error_status_code and Ceph's message", async () => {
    const res = await fetch(error.url);
    const want = refHeaders('standby-index-behaviour-error.headers.txt');
    expect([res.status, res.headers.get('content-type'), res.headers.get('server')]).toEqual([want.status, want.contentType, want.server]);
    const body = await res.text();
    expect(body).toContain('<title>503 Service Unavailable</title>');
    expect(body).toContain('<p>Keep on looking</p>');
  });

  it("standby_behaviour=error: '/metrics' is still an empty 200, as Ceph 16 answers", async () => {
    const res = await fetch(`${error.url}metrics`);
    const want = refHeaders('standby-metrics-behaviour-error.headers.txt');
    expect([res.status, res.headers.get('content-length')]).toEqual([want.status, '0']);
  });

  it('redirects other paths like the active side', async () => {
    const res = await fetch(`${dflt.url}foo`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe(`${dflt.url}foo/`);
  });

  it('hands the port to the active side when the map names this manager active', async () => {
    await dflt.store.fail('y');
    await dflt.mgr.whenActive();
    const body = await (async () => {
      const end = Date.now() + 10_000;
      for (;;) {
        const res = await fetch(`${dflt.url}metrics`).catch(() => undefined);
        const text = res?.status === 200 ? await res.text() : '';
        if (text.includes('ceph_mgr_status')) return text;
        if (Date.now() > end) throw new Error(`no active /metrics on ${dflt.url}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    expect(body).toContain('ceph_mgr_status{ceph_daemon="mgr.x"} 1');
    expect(dflt.store.current().services.prometheus).toBe(dflt.url);
    const index = await fetch(dflt.url);
    expect(await index.text()).toBe(ref('active-index.html'));
  });
});
