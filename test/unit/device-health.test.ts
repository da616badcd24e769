// Issue 16 item 5: DEVICE_HEALTH, DEVICE_HEALTH_TOOMANY and DEVICE_HEALTH_IN_USE
// from the devicehealth module, on the devices the daemons' metadata names
// (`device ls`, get('devices')) with the life expectancy the simulator's
// disk-failure predictor sets (`device-failing` action -> `device
// set-life-expectancy`). Self-heal marks OSDs out through the cluster source
// while mon_osd_min_in_ratio allows.

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { PGMap } from '../../src/state/pg-map.js';
import type { CommandCaller } from '../../src/server/daemon-server.js';
import type { SimRunner } from '../../src/sim/sim-runner.js';
import { waitFor, type TestMgr } from '../helpers/harness.js';
import { scenarioClusterHooks } from '../helpers/sim-scenario.js';

const ADMIN: CommandCaller = { entity: 'client.admin', read: true, write: true };

interface Check { severity: string; summary: { message: string; count: number }; detail: Array<{ message: string }> }

describe('device health', () => {
  let t: TestMgr;
  let sim: SimRunner;
  const cluster = scenarioClusterHooks({
    osds: 6,
    seed: 3,
    model: { objectstore: 'bluestore' },
    events: [1, 2, 4].map((osd) => ({ atS: 1, action: 'device-failing', osd, inDays: 10 + osd })),
  }, (c) => waitFor(() => c.t.mgr.cluster.pgMap.isPgReady(), 30_000, 'PG stats from every OSD'));
  beforeAll(() => ({ t, sim } = cluster()));

  const run = (...argv: string[]) => t.mgr.runCommand(ADMIN, { argv });
  const checks = async () => (JSON.parse((await run('health', 'detail', '--format', 'json')).outb) as { checks: Record<string, Check> }).checks;

  it('`device ls` lists the OSDs\' devices with the predicted life expectancy', async () => {
    const devid = (osd: number) => sim.cluster.topo.osds[osd]!.deviceId;
    const list = await waitFor(async () => {
      const l = JSON.parse((await run('device', 'ls', '--format', 'json')).outb) as Array<{ devid: string; daemons: string[]; location: Array<{ host: string; dev: string }>; life_expectancy_max?: string }>;
      return l.filter((d) => d.life_expectancy_max !== undefined).length === 3 ? l : undefined;
    }, 30_000, 'three devices with a life expectancy');
    expect(list.filter((d) => d.daemons.some((n) => n.startsWith('osd.'))).length).toBe(6);
    const d1 = list.find((d) => d.devid === devid(1))!;
    expect(d1.daemons).toEqual(['osd.1']);
    expect(d1.location).toEqual([{ host: sim.cluster.topo.hosts[sim.cluster.topo.osds[1]!.host]!.name, dev: sim.cluster.topo.osds[1]!.disk, path: expect.stringMatching(/^\/dev\/disk\/by-path\//) }]);
    expect(d1.life_expectancy_max).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+0000$/);
    const plain = (await run('device', 'ls')).outb.split('\n');
    // The headings are the reference capture's (columns as wide as their widest cell).
    const ref = readFileSync(new URL('../fixtures/ceph-reference/cli/device_ls.txt', import.meta.url), 'utf8').split('\n')[1]!;
    expect(plain[0]!.trim().split(/ {2,}/)).toEqual(ref.split(/ {2,}/));
    expect(plain.find((l) => l.startsWith(devid(1)))).toMatch(/ osd\.1 +(5d|6d) to 1[01]d *$/);
    expect(await run('device', 'info', 'nope')).toMatchObject({ r: -2 });
    expect(await run('device', 'set-life-expectancy', 'nope', '2030-01-01T00:00:00.000000Z')).toMatchObject({ r: -2 });
    expect(await run('device', 'set-life-expectancy', devid(0), 'soon')).toMatchObject({ r: -22, outs: "unable to parse datetime 'soon'" });
  });

  it('check-health warns, marks out what the in ratio allows, and says when it cannot mark out more', async () => {
    const fullView = vi.spyOn(PGMap.prototype, 'osdStats');
    expect((await run('device', 'check-health')).r).toBe(0);
    const c = await checks();
    expect(c.DEVICE_HEALTH).toMatchObject({ severity: 'HEALTH_WARN', summary: { message: '3 device(s) expected to fail soon', count: 3 } });
    expect(c.DEVICE_HEALTH!.detail[0]!.message).toMatch(/^\S+ \(node-\d{4}:sd[a-z]+\); daemons osd\.\d; life expectancy between \S+\+0000 and \S+\+0000$/);
    // 6 OSDs, min in ratio 0.75: one can go out (5/6), a second would leave 4/6.
    expect(c.DEVICE_HEALTH_TOOMANY).toMatchObject({ severity: 'HEALTH_WARN', summary: { message: 'Too many daemons are expected to fail soon' } });
    expect(c.DEVICE_HEALTH_TOOMANY!.detail).toEqual([{ message: '2 OSDs with failing device(s) would bring "in" ratio to 0.500000 < mon_osd_min_in_ratio 0.750000' }]);
    // The soonest to fail (osd.1) was marked out by the cluster source.
    await waitFor(() => t.mgr.cluster.osdMap?.osds.find((o) => o.osd === 1)?.in === 0, 15_000, 'osd.1 marked out');
    // Out, but its PGs still move off it: DEVICE_HEALTH_IN_USE.
    expect((await run('device', 'check-health')).r).toBe(0);
    // PG counts come from the brief osd_stat rows: the full osd_stats view (every OSD's ping times) is never built.
    expect(fullView).not.toHaveBeenCalled();
    fullView.mockRestore();
    const c2 = await checks();
    expect(c2.DEVICE_HEALTH_IN_USE).toMatchObject({ severity: 'HEALTH_WARN', summary: { message: '1 daemon(s) expected to fail soon and still contain data', count: 1 } });
    expect(c2.DEVICE_HEALTH_IN_USE!.detail[0]!.message).toMatch(/^osd\.1 is marked out but still has \d+ PG\(s\)$/);
    expect((await run('device', 'monitoring', 'off')).r).toBe(0);
    const c3 = await checks();
    expect(Object.keys(c3).filter((k) => k.startsWith('DEVICE_HEALTH'))).toEqual([]);
  });
});
