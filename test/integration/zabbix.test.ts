// A real Zabbix server 6.0 (Debian zabbix-server-pgsql on a private PostgreSQL,
// the frontend's JSON-RPC API under `php -S`) and a real `mgrd run --sim
// --scenario osd-down` with the zabbix module sending to it: the template
// imports through the API, a host linked to it takes every item with
// `failed: 0`, discovery creates the per-pool and per-OSD items, values land
// in the server's history, the simulated OSD failure puts our OSD-down
// trigger in PROBLEM, and a key the host refuses raises MGR_ZABBIX_SEND_FAILED
// naming it. Missing packages fail with the install command; nothing is skipped.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEMPLATE_NAME } from '../../exporters/zabbix/template.js';
import { sendItems } from '../../exporters/zabbix/trapper-client.js';
import { zabbixClock } from '../../exporters/zabbix/sender-protocol.js';
import { poll, startMgrd, type MgrdProcess } from '../helpers/procs.js';
import { startZabbixServer, type ZabbixServerStack } from '../helpers/zabbix-server.js';

const HOST = 'ceph-mgrd-it';
const TEMPLATE = new URL('../../exporters/zabbix/zabbix_template.yaml', import.meta.url);
const IMPORT_RULES = {
  groups: { createMissing: true },
  templates: { createMissing: true, updateExisting: true },
  items: { createMissing: true, updateExisting: true, deleteMissing: true },
  discoveryRules: { createMissing: true, updateExisting: true, deleteMissing: true },
  triggers: { createMissing: true, updateExisting: true, deleteMissing: true },
  valueMaps: { createMissing: true, updateExisting: true },
  templateLinkage: { createMissing: true },
};

interface ZItem { itemid: string; key_: string; lastvalue: string; value_type: string; status: string }

describe('zabbix module against a real Zabbix server 6.0', () => {
  let z: ZabbixServerStack;
  let mgrd: MgrdProcess;
  let hostid = '';
  let importResult: unknown;

  const cmd = (prefix: string, args: Record<string, unknown> = {}): Promise<{ retval: number; outb: string; outs: string }> => mgrd.command({ prefix, ...args });
  const items = (search: string): Promise<ZItem[]> =>
    z.api<ZItem[]>('item.get', { hostids: hostid, search: { key_: search }, output: ['itemid', 'key_', 'lastvalue', 'value_type', 'status'] });
  const healthChecks = async (): Promise<Record<string, { summary: { message: string; count: number }; detail: Array<{ message: string }> }>> =>
    JSON.parse((await cmd('health', { detail: 'detail', format: 'json' })).outb).checks;
  /** `zabbix send` until the server took everything (new items reach its configuration cache within a second or two). */
  const sendUntilClean = (what: string): Promise<{ retval: number; outb: string }> => poll(what, 120_000, async () => {
    const r = await cmd('zabbix send');
    return r.retval === 0 && /failed: 0;/.test(r.outb) ? r : undefined;
  }, 1000);

  beforeAll(async () => {
    z = await startZabbixServer();
    importResult = await z.api('configuration.import', { format: 'yaml', source: readFileSync(TEMPLATE, 'utf8'), rules: IMPORT_RULES });
    const [tpl] = await z.api<Array<{ templateid: string }>>('template.get', { filter: { host: TEMPLATE_NAME } });
    const [group] = await z.api<Array<{ groupid: string }>>('hostgroup.get', { filter: { name: 'Linux servers' } });
    // A short nodata window is not wanted here: the host must not alarm between the test's sends.
    ({ hostids: [hostid] } = await z.api<{ hostids: [string] }>('host.create', { host: HOST, groups: [{ groupid: group!.groupid }], templates: [{ templateid: tpl!.templateid }] }));
    mgrd = await startMgrd({
      args: ['--sim', '--sim-osds', '4', '--scenario', 'osd-down'],
      set: { 'mgr/zabbix/zabbix_host': `127.0.0.1:${z.trapperPort}`, 'mgr/zabbix/identifier': HOST, mgr_stats_period: 1, mgr_tick_period: 1 },
    });
    expect((await cmd('mgr module enable', { module: 'zabbix' })).retval).toBe(0);
  });

  afterAll(async () => {
    await mgrd?.stop();
    await z?.stop();
  });

  it('imports the template through the API: every item a trapper, both discovery rules, triggers', async () => {
    expect(importResult).toBe(true);
    const tplItems = await z.api<Array<{ type: string }>>('item.get', { templated: true, host: TEMPLATE_NAME, output: ['type'] });
    expect(tplItems.length).toBeGreaterThan(40);
    expect(tplItems.every((i) => i.type === '2')).toBe(true); // 2 = Zabbix trapper
    const [tpl] = await z.api<Array<{ templateid: string }>>('template.get', { filter: { host: TEMPLATE_NAME } });
    const rules = await z.api<Array<{ key_: string }>>('discoveryrule.get', { hostids: tpl!.templateid, output: ['key_'] });
    expect(rules.map((r) => r.key_).sort()).toEqual(['ceph.zabbix.osd.discovery', 'ceph.zabbix.pool.discovery']);
    const protos = await z.api<unknown[]>('triggerprototype.get', { hostids: tpl!.templateid, output: ['description'] });
    expect(protos.length).toBe(4);
  });

  it('zabbix discovery: failed: 0, and the server creates the per-pool and per-OSD items', async () => {
    const r = await poll('zabbix discovery to be taken', 60_000, async () => {
      const d = await cmd('zabbix discovery');
      return d.retval === 0 ? d : undefined;
    }, 1000);
    expect(r.outb).toMatch(new RegExp(`^Sent discovery to 127.0.0.1:${z.trapperPort} as host '${HOST}': processed: 2; failed: 0; total: 2; seconds spent: \\d+\\.\\d{6}$`));
    const pools = (JSON.parse((await cmd('df', { format: 'json' })).outb) as { pools: Array<{ name: string }> }).pools.map((p) => p.name);
    expect(pools.length).toBeGreaterThan(2);
    const osdItems = await poll('the per-OSD items', 120_000, async () => {
      const got = await items('ceph.[osd.');
      return got.length === 4 * 6 ? got : undefined;
    }, 1000);
    expect(osdItems.map((i) => i.key_)).toContain('ceph.[osd.3,osd_latency_commit]');
    const poolItems = await poll('the per-pool items', 60_000, async () => {
      const got = (await items('ceph.[')).filter((i) => !i.key_.startsWith('ceph.[osd.'));
      return got.length === pools.length * 7 ? got : undefined;
    }, 1000);
    for (const p of pools) expect(poolItems.map((i) => i.key_)).toContain(`ceph.[${p},percent_used]`);
  });

  it('zabbix send: failed: 0 for every item, and the values are in the history', async () => {
    const r = await sendUntilClean('zabbix send with failed: 0');
    expect(r.outb).toMatch(new RegExp(`^Sent to 127.0.0.1:${z.trapperPort} as host '${HOST}': processed: (\\d+); failed: 0; total: \\1; seconds spent: \\d+\\.\\d{6}$`));
    const all = await items('ceph.');
    // every item of the host, plus the two LLD values when the interval carried discovery
    expect([all.length, all.length + 2]).toContain(Number(/processed: (\d+)/.exec(r.outb)![1]));
    const byKey = new Map(all.map((i) => [i.key_, i]));
    const history = async (key: string): Promise<string[]> => {
      const it = byKey.get(key)!;
      const rows = await z.api<Array<{ value: string }>>('history.get', { itemids: it.itemid, history: Number(it.value_type), sortfield: 'clock', sortorder: 'DESC', limit: 5 });
      return rows.map((h) => h.value);
    };
    // the server's history syncers write an interval's values in several batches: wait for each key read below
    const checked = ['ceph.num_osd', 'ceph.num_mon', 'ceph.overall_status', 'ceph.[osd.0,osd_fill]'];
    await poll('values in the history', 60_000, async () => {
      for (const key of checked) if ((await history(key)).length === 0) return false;
      return true;
    });
    expect((await history('ceph.num_osd'))[0]).toBe('4');
    expect((await history('ceph.num_mon'))[0]).toBe('3'); // the simulator's three mons
    expect(['HEALTH_OK', 'HEALTH_WARN', 'HEALTH_ERR']).toContain((await history('ceph.overall_status'))[0]);
    expect(Number((await history('ceph.[osd.0,osd_fill]'))[0])).toBeGreaterThan(0);
  });

  it('the simulated OSD failure (--scenario osd-down) puts our OSD-down trigger in PROBLEM', async () => {
    await poll('an OSD down in the simulated cluster', 60_000, async () => {
      const s = JSON.parse((await cmd('osd stat', { format: 'json' })).outb) as { num_osds: number; num_up_osds: number };
      return s.num_up_osds < s.num_osds;
    }, 500);
    const problem = await poll('the OSD-down trigger in PROBLEM', 120_000, async () => {
      await cmd('zabbix send');
      const t = await z.api<Array<{ description: string; value: string }>>('trigger.get', {
        hostids: hostid, filter: { value: 1 }, search: { description: 'is down' }, output: ['description', 'value'],
      });
      return t.length > 0 ? t : undefined;
    }, 2000);
    expect(problem[0]!.description).toMatch(/^Ceph: OSD osd\.\{#OSD\} is down$|^Ceph: OSD osd\.\d is down$/);
    const events = await z.api<Array<{ name: string }>>('problem.get', { hostids: hostid, output: ['name'] });
    expect(events.map((e) => e.name)).toEqual(expect.arrayContaining([expect.stringMatching(/^Ceph: OSD osd\.\d is down$/)]));
  });

  it('a key the host refuses raises MGR_ZABBIX_SEND_FAILED naming it; it clears once the key is taken', async () => {
    const [numMon] = await items('ceph.num_mon');
    await z.api('item.update', { itemid: numMon!.itemid, status: 1 }); // disabled: the trapper refuses its values
    const check = await poll('MGR_ZABBIX_SEND_FAILED naming ceph.num_mon', 120_000, async () => {
      const r = await cmd('zabbix send');
      if (r.retval === 0) return undefined; // the server has not seen the change yet
      expect(r.retval).toBe(-5);
      expect(r.outb).toMatch(/failed: 1;/);
      const c = (await healthChecks()).MGR_ZABBIX_SEND_FAILED;
      if (c?.detail.some((d) => d.message === 'refused keys: ceph.num_mon')) return c;
      throw new Error(`zabbix send: ${r.outb}; MGR_ZABBIX_SEND_FAILED: ${JSON.stringify(c)}`); // quoted if it never comes
    }, 1000);
    expect(check.summary.count).toBe(1);
    expect(check.detail[0]!.message).toMatch(new RegExp(`^127.0.0.1:${z.trapperPort} refused 1 of \\d+ items \\(failed: 1\\)`));
    await z.api('item.update', { itemid: numMon!.itemid, status: 0 });
    await sendUntilClean('zabbix send taken again');
    await poll('MGR_ZABBIX_SEND_FAILED to clear', 30_000, async () => (await healthChecks()).MGR_ZABBIX_SEND_FAILED === undefined);
  });

  it('the server answers large-packet (0x04) and compressed (0x02) requests, and we read its answers', async () => {
    const item = { host: HOST, key: 'ceph.num_pools', value: '4', clock: zabbixClock(Date.now()) };
    const server = { host: '127.0.0.1', port: z.trapperPort };
    const timeouts = { connectMs: 5000, answerMs: 10_000 };
    for (const o of [{ large: true }, { compress: true }, { large: true, compress: true }]) {
      const r = await sendItems(server, [{ ...item, clock: zabbixClock(Date.now()) }], { timeouts, ...o });
      expect(`${JSON.stringify(o)} ${r.processed}/${r.failed}/${r.total}`).toBe(`${JSON.stringify(o)} 1/0/1`);
      await new Promise((resolve) => setTimeout(resolve, 5)); // a different ns: one history row each
    }
  });

  it('counts what it sent on /metrics', async () => {
    const body = await (await fetch(`${mgrd.prometheusUrl}metrics`)).text();
    const sent = /^mgrd_module_push_sent_total\{module="zabbix"\} (\d+)/m.exec(body);
    expect(Number(sent?.[1])).toBeGreaterThan(100);
    expect(body).toMatch(/^mgrd_module_push_dropped_total\{module="zabbix"\} 0$/m);
  });
});
