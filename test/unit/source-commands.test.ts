// Commands the cluster source answers (osd set|unset, osd down|out|in): the
// manager forwards them over the wire to the simulated mon and relays its
// answer; maps, health, status and /metrics follow what the source changed.
// Then the route's failure modes with a real MgrClient as the source.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MgrClient } from '../../src/client/mgr-client.js';
import type { CommandCaller } from '../../src/server/daemon-server.js';
import type { SimRunner } from '../../src/sim/sim-runner.js';
import { startPrometheusTestCluster, startTestMgr, waitFor, type TestMgr } from '../helpers/harness.js';

const ADMIN: CommandCaller = { entity: 'client.admin', read: true, write: true };
const READER: CommandCaller = { entity: 'client.ro', read: true, write: false };

describe('cluster commands answered by the simulated cluster', () => {
  let t: TestMgr;
  let sim: SimRunner;
  let url: string;
  const run = (...argv: string[]) => t.mgr.runCommand(ADMIN, { argv });
  const osdMap = () => t.mgr.cluster.osdMap as unknown as { flags: string; flags_set: string[]; osds: Array<{ osd: number; in: number; up: number }> };

  beforeAll(async () => {
    ({ t, sim, url } = await startPrometheusTestCluster({ osds: 4, seed: 5, model: { backgroundScrub: false, downOutIntervalS: 1 } }));
    await waitFor(() => t.mgr.cluster.pgMap.isPgReady() && t.mgr.cluster.health().status === 'HEALTH_OK', 30_000, 'a healthy cluster');
  }, 60_000);

  afterAll(async () => {
    await sim?.stop();
    await t?.stop();
  });

  it('osd set noout over the wire: the source answers, and the map, health, status and /metrics show it at once', async () => {
    const admin = await t.admin();
    const r = await admin.command({ argv: ['osd', 'set', 'noout'] });
    expect(r).toMatchObject({ r: 0, outs: 'noout is set' });
    // The source sent its new map before its answer: the manager has it when the caller has the reply.
    expect(osdMap().flags).toBe('noout,sortbitwise,recovery_deletes,purged_snapdirs,pglog_hardlimit');
    expect(osdMap().flags_set).toEqual(['noout', 'pglog_hardlimit', 'purged_snapdirs', 'recovery_deletes', 'sortbitwise']);
    const health = JSON.parse((await run('health', 'detail', '--format', 'json')).outb) as { checks: Record<string, { severity: string; summary: { message: string } }> };
    expect(health.checks.OSDMAP_FLAGS).toMatchObject({ severity: 'HEALTH_WARN', summary: { message: 'noout flag(s) set' } });
    expect((await run('status')).outb).toMatch(/\n\s+flags noout\n/);
    let body = '';
    await waitFor(async () => (body = await (await fetch(`${url}metrics`)).text()).match(/\nceph_osd_flag_noout 1(\.0)?\n/), 15_000, 'ceph_osd_flag_noout 1')
      .catch((err: Error) => {
        throw new Error(`${err.message}; ${url}: ${body.split('\n').filter((l) => l.includes('flag')).join(' | ').slice(0, 500)}`);
      });
  });

  it('noout keeps a down OSD in past mon_osd_down_out_interval; unset, it is marked out', async () => {
    sim.cluster.killOsd(1);
    await waitFor(() => osdMap().osds[1]?.up === 0, 10_000, 'osd.1 down in the map');
    const downAt = Date.now();
    await waitFor(() => Date.now() - downAt > 3000, 5000, 'three down-out intervals');
    expect(osdMap().osds[1]).toMatchObject({ up: 0, in: 1 });
    expect(await run('osd', 'unset', 'noout')).toMatchObject({ r: 0, outs: 'noout is unset' });
    expect(t.mgr.cluster.health().checks.OSDMAP_FLAGS).toBeUndefined();
    await waitFor(() => osdMap().osds[1]?.in === 0, 10_000, 'osd.1 marked out once noout is unset');
    // mon_osd_auto_mark_auto_out_in: booting, the OSD the mon marked out comes back in by itself.
    sim.cluster.reviveOsd(1);
    await waitFor(() => osdMap().osds[1]?.in === 1 && osdMap().osds[1]?.up === 1, 10_000, 'osd.1 up and in again');
    expect(await run('osd', 'in', '1')).toMatchObject({ r: 0, outs: 'osd.1 is already in. ' });
  });

  it('osd out / in / down answer as Ceph, and change the map', async () => {
    expect(await run('osd', 'out', '2')).toMatchObject({ r: 0, outs: 'marked out osd.2. ' });
    expect(osdMap().osds[2]).toMatchObject({ in: 0 });
    expect(await run('osd', 'out', 'osd.2')).toMatchObject({ r: 0, outs: 'osd.2 is already out. ' });
    expect(await run('osd', 'in', '2', '9')).toMatchObject({ r: 0, outs: 'marked in osd.2. osd.9 does not exist. ' });
    expect(osdMap().osds[2]).toMatchObject({ in: 1 });
    expect(await run('osd', 'in', 'two')).toMatchObject({ r: -22, outs: "invalid osd id 'two'" });
    expect(await run('osd', 'down', '3')).toMatchObject({ r: 0, outs: 'marked down osd.3. ' });
    expect(osdMap().osds[3]).toMatchObject({ up: 0 });
    await waitFor(() => osdMap().osds[3]?.up === 1, 20_000, 'osd.3 booting back after being marked down');
  });

  it('pause is two flags; arguments and rights are checked by the manager before anything is forwarded', async () => {
    expect(await run('osd', 'set', 'pause')).toMatchObject({ r: 0, outs: 'pauserd,pausewr is set' });
    expect(t.mgr.cluster.health().checks.OSDMAP_FLAGS?.summary.message).toBe('pauserd,pausewr flag(s) set');
    expect(await run('osd', 'unset', 'pause')).toMatchObject({ r: 0, outs: 'pauserd,pausewr is unset' });
    const bad = await run('osd', 'set', 'nosuchflag');
    expect(bad.r).toBe(-22);
    expect(bad.outs).toMatch(/key/);
    expect(await t.mgr.runCommand(READER, { argv: ['osd', 'set', 'noout'] })).toMatchObject({ r: -13 });
    expect(osdMap().flags).not.toMatch(/noout/);
    // Ceph's cmdmap form (what a module's runCommand and the restful module send).
    expect(await t.mgr.runCommand(ADMIN, { cmd: { prefix: 'osd set', key: 'noscrub' } })).toMatchObject({ r: 0, outs: 'noscrub is set' });
    expect(await t.mgr.runCommand(ADMIN, { cmd: { prefix: 'osd unset', key: 'noscrub' } })).toMatchObject({ r: 0, outs: 'noscrub is unset' });
  });
});

describe('the route to the cluster source when it does not answer', () => {
  let t: TestMgr;
  let source: MgrClient;
  let answer: (cmd: Record<string, unknown>) => Promise<{ r: number; outb: string; outs: string }>;

  beforeAll(async () => {
    t = await startTestMgr({ set: { mgr_mon_command_timeout_s: 2 } });
    source = new MgrClient({
      addrs: [t.daemonAddr], entity: 'mon.a', secret: t.keyring.lookup('mon.a')!.key, maxAttempts: 3,
      monCommands: (cmd) => answer(cmd),
    });
    source.start();
    await source.waitReady(10_000);
    source.sendMap({ commands: [{ cmd: 'osd set name=key,type=CephChoices,strings=noout', desc: 'set <key>', perm: 'rw' }] });
    await waitFor(() => t.mgr.server.sourceCommands.commands().length === 1, 10_000, 'the declared command');
  }, 30_000);

  afterAll(async () => {
    await source?.stop();
    await t?.stop();
  });

  it('relays the answer; -ETIMEDOUT when it is late; -EAGAIN when the source goes away', async () => {
    answer = (cmd) => Promise.resolve({ r: 0, outb: JSON.stringify(cmd), outs: 'ok' });
    const r = await t.mgr.runCommand(ADMIN, { argv: ['osd', 'set', 'noout', '--format', 'json'] });
    expect(r.r).toBe(0);
    expect(JSON.parse(r.outb)).toEqual({ prefix: 'osd set', key: 'noout', format: 'json' });

    answer = () => new Promise(() => undefined);
    expect(await t.mgr.runCommand(ADMIN, { argv: ['osd', 'set', 'noout'] })).toMatchObject({ r: -110 });

    const pending = t.mgr.runCommand(ADMIN, { cmd: { prefix: 'osd set', key: 'noout' } });
    await source.stop();
    expect(await pending).toMatchObject({ r: -11 });
    // The declaration outlives the session: the command is known, and says why it cannot run.
    const after = await t.mgr.runCommand(ADMIN, { argv: ['osd', 'set', 'noout'] });
    expect(after.r).toBe(-11);
    expect(after.outs).toMatch(/no cluster source is connected/);
  });
});
