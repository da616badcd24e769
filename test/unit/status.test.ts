// `status` and `health` against the simulated cluster, driven over the wire
// into a real manager: the shape of `ceph status -f json`, the `ceph -s`
// layout with a filesystem and a gateway, and an OSD going down.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/log.js';
import type { CommandCaller } from '../../src/server/daemon-server.js';
import { SimRunner } from '../../src/sim/sim-runner.js';
import { startTestMgr, waitFor, type TestMgr } from '../helpers/harness.js';
import { refCli } from '../helpers/pg-cluster.js';
import { diffShapes } from '../helpers/shape.js';

const ADMIN: CommandCaller = { entity: 'client.admin', read: true, write: true };

/** Keys Ceph's status adds only when non-zero (rates, recovery) or when a filesystem or service exists. */
const OPTIONAL = [
  /^pgmap\.(read|write)_(bytes_sec|op_per_sec)$/,
  /^pgmap\.(recovering_(objects|bytes|keys)_per_sec|num_(objects|bytes|keys)_recovered)$/,
  /^pgmap\.(degraded|misplaced|unfound)_(objects|total|ratio)$/,
  /^pgmap\.(unknown|inactive)_pgs_ratio$/,
  /^fsmap\.(id|up|in|max|up:active)$/,
  /^fsmap\.by_rank\[\]/,
  /^servicemap\.services\./,
];

describe('status and health of a simulated cluster', () => {
  let t: TestMgr;
  let sim: SimRunner;
  const run = (...argv: string[]) => t.mgr.runCommand(ADMIN, { argv });
  const statusJson = async (): Promise<Record<string, unknown>> => JSON.parse((await run('status', '--format', 'json')).outb) as Record<string, unknown>;

  beforeAll(async () => {
    t = await startTestMgr({ modules: ['hello'], set: { mgr_stats_period: 1, mgr_tick_period: 0.5 } });
    await t.store.update((m) => {
      m.services = { prometheus: 'http://127.0.0.1:9283/' };
    });
    sim = new SimRunner({ mgrAddr: t.daemonAddr, keyring: t.keyring, osds: 4, seed: 11, log: silentLogger(), stepS: 0.25, model: { backgroundScrub: false } });
    await sim.start();
    await waitFor(() => t.mgr.cluster.pgMap.isPgReady() && t.mgr.cluster.health().status === 'HEALTH_OK' && t.mgr.cluster.fsMap, 20_000, 'a healthy cluster');
  });

  afterAll(async () => {
    await sim.stop();
    await t.stop();
  });

  it('status -f json has every key of `ceph status -f json`, and only keys Ceph adds when they apply', async () => {
    const ours = await statusJson();
    const d = diffShapes(ours, refCli('cli/status_json.txt'), { mapPaths: ['mgrmap.services'] });
    expect(d.missing).toEqual([]);
    expect(d.typeMismatch).toEqual([]);
    expect(d.extra.filter((p) => !OPTIONAL.some((re) => re.test(p)))).toEqual([]);
    expect(ours.fsmap).toMatchObject({ id: 1, up: 1, in: 1, max: 1, by_rank: [{ filesystem_id: 1, rank: 0, status: 'up:active' }], 'up:standby': 0 });
    expect(ours.osdmap).toMatchObject({ num_osds: 4, num_up_osds: 4, num_in_osds: 4 });
    expect(ours.fsid).toBe(sim.cluster.fsid);
  });

  it('status prints the `ceph -s` layout with the mds, rgw and io lines', async () => {
    await waitFor(async () => (await run('status')).outb.includes('  io:'), 10_000, 'client IO rates');
    const lines = (await run('status')).outb.split('\n');
    const expected: Array<string | RegExp> = [
      '  cluster:',
      `    id:     ${sim.cluster.fsid}`,
      '    health: HEALTH_OK',
      ' ',
      '  services:',
      /^ {4}mon: 3 daemons, quorum a,b,c \(age \S+\)$/,
      /^ {4}mgr: x\(active, since \S+\)$/,
      '    mds: 1/1 daemons up',
      /^ {4}osd: 4 osds: 4 up \(since \S+\), 4 in \(since \S+\)$/,
      '    rgw: 1 daemon active (1 hosts, 1 zones)',
      ' ',
      '  data:',
      '    volumes: 1/1 healthy',
      /^ {4}pools: {3}\d+ pools, \d+ pgs$/,
      /^ {4}objects: \S+ objects, \d+(\.\d+)? \w?i?B$/,
      /^ {4}usage: {3}\S+ \w?i?B used, \S+ \w?i?B \/ \S+ \w?i?B avail$/,
      /^ {4}pgs: {5}\d+ active\+clean$/,
      ' ',
      '  io:',
      /^ {4}client: {3}(\S+ \w?i?B\/s rd, )?(\S+ \w?i?B\/s wr, )?\S+ op\/s rd, \S+ op\/s wr$/,
      ' ',
      '',
    ];
    expect(lines).toHaveLength(expected.length);
    lines.forEach((l, i) => {
      const e = expected[i]!;
      if (typeof e === 'string') expect(l).toBe(e);
      else expect(l).toMatch(e);
    });
  });

  it('an OSD killed in the simulator shows as HEALTH_WARN with OSD_DOWN and 3 up', async () => {
    sim.cluster.killOsd(3);
    await waitFor(() => t.mgr.cluster.health().checks.OSD_DOWN, 5000, 'OSD_DOWN');
    const json = await statusJson();
    expect(json.health).toMatchObject({ status: 'HEALTH_WARN', checks: { OSD_DOWN: { severity: 'HEALTH_WARN', summary: { message: '1 osds down', count: 1 }, muted: false } } });
    expect((json.health as { checks: Record<string, object> }).checks.OSD_DOWN).not.toHaveProperty('detail');
    expect(json.osdmap).toMatchObject({ num_osds: 4, num_up_osds: 3 });
    const lines = (await run('status')).outb.split('\n');
    expect(lines[2]).toBe('    health: HEALTH_WARN');
    expect(lines).toContain('            1 osds down');
    expect(lines.find((l) => l.startsWith('    osd: '))).toMatch(/^ {4}osd: 4 osds: 3 up \(since \S+\), 4 in \(since \S+\)$/);
    const health = (await run('health')).outb;
    expect(health).toMatch(/^HEALTH_WARN (.+; )?1 osds down(; .+)?\n$/);
    const detail = (await run('health', 'detail')).outb.split('\n');
    expect(detail).toContain('[WRN] OSD_DOWN: 1 osds down');
    expect(detail).toContainEqual(expect.stringMatching(/^ {4}osd\.3 \(root=default,host=\S+\) is down$/));
  });
});
