// The module inside a real manager fed by a simulated cluster over the wire
// protocol: its keys for a reference-shaped cluster, its commands, options and
// health checks, and sends to a server that is not there. Against a real
// Zabbix server: test/integration/zabbix.test.ts.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/log.js';
import { SimRunner } from '../../src/sim/sim-runner.js';
import { startTestMgr, waitFor, type TestMgr } from '../../test/helpers/harness.js';
import { freePort } from '../../test/helpers/procs.js';
import { buildItems, itemSlices } from './items.js';

const CAPTURE = new URL('../../test/fixtures/ceph-reference/zabbix/data_request_decoded.json', import.meta.url);

/** A key with its pool or OSD replaced by the LLD macro: the shape the template has. */
const shape = (key: string): string => key.replace(/^ceph\.\[osd\.\d+,/, 'ceph.[osd.{#OSD},').replace(/^ceph\.\[(?!osd\.\{)[^,]+,/, 'ceph.[{#POOL},');

describe('zabbix module in a manager', () => {
  let t: TestMgr;
  let sim: SimRunner;
  const command = (...argv: string[]): Promise<{ r: number; outb: string; outs: string }> =>
    t.mgr.runCommand({ entity: 'client.admin', read: true, write: true }, { argv });
  const checks = async (): Promise<Record<string, { summary: { message: string; count: number }; detail: Array<{ message: string }> }>> =>
    JSON.parse((await command('health', 'detail', '--format', 'json')).outb).checks;

  beforeAll(async () => {
    t = await startTestMgr({ set: { mgr_stats_period: 0.5, mgr_tick_period: 0.5 }, modules: ['zabbix'] });
    sim = new SimRunner({ osds: 4, seed: 7, mgrAddr: t.daemonAddr, keyring: t.keyring, log: silentLogger(), stepS: 0.5 });
    await sim.start();
    await waitFor(() => t.mgr.views.get('osd_stats').osd_stats.length === 4 && t.mgr.views.get('df').pools.length > 0, 30_000, 'the simulated cluster');
  });

  afterAll(async () => {
    await sim?.stop();
    await t?.stop();
  });

  it("sends the keys of Ceph's capture, for every pool and OSD of a simulated cluster", () => {
    const keys = buildItems(t.mgr.views).map((i) => i.key);
    const captured = (JSON.parse(readFileSync(CAPTURE, 'utf8')) as { data: Array<{ key: string }> }).data.map((i) => i.key);
    expect([...new Set(keys.map(shape))].sort()).toEqual([...new Set(captured.map(shape))].sort());
    for (const p of t.mgr.views.get('df').pools) expect(keys).toContain(`ceph.[${p.name},percent_used]`);
    for (const id of [0, 1, 2, 3]) expect(keys).toContain(`ceph.[osd.${id},osd_latency_commit]`);
    // the slices the module emits add up to the same items
    const slices = [...itemSlices(t.mgr.views, 7)];
    expect(slices.flat()).toEqual(buildItems(t.mgr.views));
    expect(slices.length).toBeGreaterThan(4);
    // a slice closes after the pool or OSD that filled it (up to 7 items per pool, 4 per OSD); the fixed items close the last one
    for (const s of slices.slice(0, -1)) expect(s.length).toBeLessThanOrEqual(7 + 7);
  });

  it('has no server at first: MGR_ZABBIX_NO_SERVER, and `zabbix send` says how to set one', async () => {
    await waitFor(async () => (await checks()).MGR_ZABBIX_NO_SERVER, 10_000, 'MGR_ZABBIX_NO_SERVER');
    const c = (await checks()).MGR_ZABBIX_NO_SERVER!;
    expect(c.summary.message).toBe('No Zabbix server configured');
    expect(c.detail[0]!.message).toBe('Configuration value zabbix_host not configured');
    const r = await command('zabbix', 'send');
    expect(r.r).toBe(-22);
    expect(r.outs).toMatch(/zabbix config-set zabbix_host/);
  });

  it('shows and sets its configuration as Ceph does, refusing bad values with the allowed range', async () => {
    const show = JSON.parse((await command('zabbix', 'config-show')).outb) as Record<string, unknown>;
    expect(show).toMatchObject({ zabbix_host: '', zabbix_port: 10051, identifier: '', interval: 60, discovery_interval: 100 });
    expect(Object.keys(show)).toEqual([...Object.keys(show)].sort());
    expect(await command('zabbix', 'config-set', 'interval', '5')).toMatchObject({ r: -22, outs: expect.stringMatching(/interval.*>= 10|\[10, 86400\]/) });
    expect(await command('zabbix', 'config-set', 'zabbix_port', '70000')).toMatchObject({ r: -22, outs: expect.stringMatching(/\[1, 65535\]/) });
    expect(await command('zabbix', 'config-set', 'zabbix_host', 'bad host')).toMatchObject({ r: -22, outs: expect.stringMatching(/'bad host' is not host\[:port\]/) });
    expect(await command('zabbix', 'config-set', 'nope', '1')).toMatchObject({ r: -22, outs: expect.stringMatching(/nope is a unknown configuration option/) });
    expect(await command('zabbix', 'config-set', 'zabbix_sender', '/usr/bin/zabbix_sender')).toMatchObject({ r: -22, outs: expect.stringMatching(/no zabbix_sender binary/) });
    expect(await command('zabbix', 'config-set', 'identifier', '')).toMatchObject({ r: -22, outs: 'Value should not be empty or None' });
    expect(await command('zabbix', 'config-set', 'identifier', 'ceph-test')).toMatchObject({ r: 0, outb: 'Configuration option identifier updated' });
    expect(JSON.parse((await command('zabbix', 'config-show')).outb)).toMatchObject({ identifier: 'ceph-test', interval: 60 });
    expect((await command('config', 'get', 'mgr', 'mgr/zabbix/identifier')).outb).toMatch(/ceph-test/);
  });

  it('names an unreachable server in `zabbix send` and MGR_ZABBIX_SEND_FAILED', async () => {
    const port = await freePort(); // nothing listens there
    expect(await command('zabbix', 'config-set', 'zabbix_host', `127.0.0.1:${port}`)).toMatchObject({ r: 0 });
    await waitFor(async () => (await checks()).MGR_ZABBIX_NO_SERVER === undefined, 10_000, 'MGR_ZABBIX_NO_SERVER to clear');
    const r = await command('zabbix', 'send');
    expect(r.r).toBe(-5);
    expect(r.outs).toMatch(new RegExp(`Zabbix server 127.0.0.1:${port}: connect ECONNREFUSED`));
    const c = await waitFor(async () => (await checks()).MGR_ZABBIX_SEND_FAILED, 10_000, 'MGR_ZABBIX_SEND_FAILED');
    expect(c.summary.message).toBe(`Failed to send data to Zabbix 127.0.0.1:${port}`);
    expect(c.detail[0]!.message).toMatch(/ECONNREFUSED/);
    const d = await command('zabbix', 'discovery');
    expect(d.r).toBe(-5);
    expect(d.outb).toMatch(/ECONNREFUSED/);
  });
});
