// Two managers on one data dir, in one process: the first is active, the
// second stands by — listed by `mgr dump`, `mgr stat`, `status` — and takes
// over when the first stops or is failed, with never two actives at once.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/log.js';
import { MGR_OPTIONS } from '../../src/common/mgr-options.js';
import { OptionTable } from '../../src/common/options.js';
import { LocalMapStore } from '../../src/mgr/map-store-local.js';
import { MgrStandby } from '../../src/mgr/mgr-standby.js';
import { defaultKeyring } from '../../src/protocol/keyring.js';
import { defaultModulePaths } from '../../src/registry/module-loader.js';
import { waitFor } from '../helpers/harness.js';

const keyring = defaultKeyring();
const running: MgrStandby[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const s of running.splice(0).reverse()) await s.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function manager(dir: string, id: string): Promise<MgrStandby> {
  const store = await LocalMapStore.open(dir);
  if (store.isLeader() && store.current().epoch === 0) {
    await store.update((m) => {
      m.modules = ['prometheus'];
    });
  }
  const s = new MgrStandby({
    id, store, options: new OptionTable(MGR_OPTIONS), keyring, daemonAddr: '127.0.0.1:0', adminAddr: '127.0.0.1:0', adminToken: 'tok',
    modulePaths: defaultModulePaths(''),
    moduleOverrides: [{ module: 'prometheus', option: 'server_port', value: '0' }, { module: 'prometheus', option: 'server_addr', value: '127.0.0.1' }],
    log: silentLogger(),
  });
  running.push(s);
  await s.start();
  return s;
}

/** Samples every manager's role until stopped: returns the moments two claimed to be active. */
function splitBrainPoller(mgrs: MgrStandby[]): { stop: () => { samples: number; doubles: number } } {
  let samples = 0;
  let doubles = 0;
  const timer = setInterval(() => {
    samples++;
    if (mgrs.filter((m) => m.role().active).length > 1) doubles++;
  }, 2);
  return { stop: () => (clearInterval(timer), { samples, doubles }) };
}

/** x active, then y on the same data dir. */
async function pair(): Promise<{ x: MgrStandby; y: MgrStandby }> {
  const dir = mkdtempSync(join(tmpdir(), 'mgrd-sb-'));
  dirs.push(dir);
  const x = await manager(dir, 'x');
  await x.whenActive();
  const y = await manager(dir, 'y');
  return { x, y };
}

const cmd = async (s: MgrStandby, prefix: string, extra: Record<string, unknown> = {}): Promise<{ r: number; outb: string; outs: string }> =>
  s.active!.runCommand({ entity: 'client.admin', read: true, write: true }, { cmd: { prefix, ...extra } });

describe('MgrStandby: a standby on the same data dir', () => {
  it('the second manager stands by, listed in mgr dump, mgr stat and status', async () => {
    const { x, y } = await pair();
    expect([x.role().active, y.role().active]).toEqual([true, false]);
    const dump = JSON.parse((await cmd(x, 'mgr dump', { format: 'json' })).outb) as { active_name: string; available: boolean; standbys: Array<{ name: string; gid: number; services?: Record<string, string> }> };
    expect(dump.active_name).toBe('x');
    expect(dump.available).toBe(true);
    expect(dump.standbys.map((s) => [s.name, s.gid])).toEqual([['y', y.gid]]);
    expect(JSON.parse((await cmd(x, 'mgr stat', { format: 'json' })).outb)).toMatchObject({ active_name: 'x', num_standby: 1, available: true });
    expect((await cmd(x, 'status')).outb).toMatch(/mgr: x\(active, since .*\), standbys: y/);
    // The standby's prometheus page is registered in its map entry.
    const page = await waitFor(() => x.active!.views.get('mgr_map').standbys[0]?.services?.prometheus, 10_000, "y's standby page");
    expect(await (await fetch(page)).text()).toContain('/metrics');
    const health = await fetch(`http://127.0.0.1:${y.adminAddress().port}/api/v1/health?require=active`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ mgr: 'y', role: 'standby', active_name: 'x' });
  });

  it('takes over when the active stops, never two active at a sampled moment', async () => {
    const { x, y } = await pair();
    const poller = splitBrainPoller([x, y]);
    const epoch = x.role().epoch;
    const t0 = Date.now();
    await x.stop();
    const mgr = await y.whenActive();
    const tookMs = Date.now() - t0;
    await waitFor(() => y.role().available, 10_000, 'y available');
    const { samples, doubles } = poller.stop();
    expect(doubles).toBe(0);
    expect(samples).toBeGreaterThan(0);
    expect(tookMs).toBeLessThan(5000);
    expect(y.role().epoch).toBeGreaterThan(epoch);
    expect(mgr.mgrdStats()).toMatchObject({ failovers: 1, managers: [{ id: 'y', active: true }] });
  });

  it('mgr fail hands over to the standby; the failed manager stands by', async () => {
    const { x, y } = await pair();
    const poller = splitBrainPoller([x, y]);
    expect((await cmd(x, 'mgr fail', { who: 'x' })).r).toBe(0);
    await y.whenActive();
    await waitFor(() => y.active?.views.get('mgr_map').standbys.some((s) => s.name === 'x'), 10_000, 'x standing by');
    expect(x.role().active).toBe(false);
    expect(poller.stop().doubles).toBe(0);
  });
});
