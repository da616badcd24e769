// Issue 16 item 5 end to end: a simulated cluster given a scenario file with
// every fault action reports over the wire protocol, and the manager's
// `health detail` raises each check the standard alert rules key on, with
// Ceph's severity, in the shape of the reference capture. Then the faults are
// undone and the checks clear. (The reference cluster was healthy: its
// `health detail` has no check to compare shapes with; the keys are those of
// Ceph's health_check_t dump, asserted as such.)

import { beforeAll, describe, expect, it } from 'vitest';
import type { CommandCaller } from '../../src/server/daemon-server.js';
import type { SimRunner } from '../../src/sim/sim-runner.js';
import { waitFor, type TestMgr } from '../helpers/harness.js';
import { scenarioClusterHooks } from '../helpers/sim-scenario.js';

const ADMIN: CommandCaller = { entity: 'client.admin', read: true, write: true };

interface Health {
  status: string;
  checks: Record<string, { severity: string; summary: { message: string; count: number }; detail: Array<{ message: string }> }>;
}

/** Check -> severity, as Ceph raises them. */
const EXPECTED: Record<string, string> = {
  MON_DISK_LOW: 'HEALTH_WARN',
  MON_DISK_CRIT: 'HEALTH_ERR',
  MON_CLOCK_SKEW: 'HEALTH_WARN',
  OSD_SLOW_PING_TIME_BACK: 'HEALTH_WARN',
  OSD_SLOW_PING_TIME_FRONT: 'HEALTH_WARN',
  BLUESTORE_SPURIOUS_READ_ERRORS: 'HEALTH_WARN',
  BLUESTORE_DISK_SIZE_MISMATCH: 'HEALTH_WARN',
  OSD_TOO_MANY_REPAIRS: 'HEALTH_WARN',
  FS_DEGRADED: 'HEALTH_WARN',
  MDS_ALL_DOWN: 'HEALTH_ERR',
  FS_WITH_FAILED_MDS: 'HEALTH_WARN',
  MDS_INSUFFICIENT_STANDBY: 'HEALTH_WARN',
  MDS_UP_LESS_THAN_MAX: 'HEALTH_WARN',
  TOO_MANY_PGS: 'HEALTH_WARN',
};

describe('health checks from simulated faults', () => {
  let t: TestMgr;
  let sim: SimRunner;
  const cluster = scenarioClusterHooks({
    osds: 6,
    seed: 5,
    model: { mons: 3, pgsPerOsd: 400 },
    events: [
      { atS: 1, action: 'mon-disk', mon: 'b', availPercent: 20 },
      { atS: 1, action: 'mon-disk', mon: 'c', availPercent: 3 },
      { atS: 1, action: 'clock-skew', mon: 'c', skewS: 0.5 },
      { atS: 1, action: 'slow-ping', osd: 1, backMs: 8000, frontMs: 8000 },
      { atS: 1, action: 'store-alert', osd: 2, alert: 'BLUESTORE_SPURIOUS_READ_ERRORS' },
      { atS: 1, action: 'store-alert', osd: 3, alert: 'BLUESTORE_DISK_SIZE_MISMATCH' },
      { atS: 1, action: 'repair', osd: 4, reads: 25 },
      { atS: 1, action: 'fail-mds' },
      { atS: 1, action: 'fs-set', key: 'standby_count_wanted', value: 1 },
      { atS: 1, action: 'fs-set', key: 'max_mds', value: 2 },
    ],
  });
  beforeAll(() => ({ t, sim } = cluster()));

  const health = async (): Promise<Health> => {
    const r = await t.mgr.runCommand(ADMIN, { argv: ['health', 'detail', '--format', 'json'] });
    expect(r.r).toBe(0);
    return JSON.parse(r.outb) as Health;
  };

  it("raises each check with Ceph's severity, in the shape of Ceph's health detail", async () => {
    const h = await waitFor(async () => {
      const x = await health();
      return Object.keys(EXPECTED).every((k) => k in x.checks) ? x : undefined;
    }, 60_000, `every one of ${Object.keys(EXPECTED).join(', ')} in health detail`);
    for (const [code, severity] of Object.entries(EXPECTED)) expect(h.checks[code]!.severity, code).toBe(severity);
    expect(h.status).toBe('HEALTH_ERR');
    expect(h.checks.MON_DISK_LOW!.summary.message).toBe('mon b is low on available space');
    expect(h.checks.MON_DISK_CRIT!.detail).toEqual([{ message: 'mon.c has 3% avail' }]);
    expect(h.checks.TOO_MANY_PGS!.summary.message).toMatch(/^too many PGs per OSD \(\d+ > max 250\)$/);
    expect(h.checks.OSD_TOO_MANY_REPAIRS!.detail).toEqual([{ message: 'osd.4 had 25 reads repaired' }]);
    expect(h.checks.BLUESTORE_SPURIOUS_READ_ERRORS!.summary.message).toBe('1 OSD(s) have spurious read errors');
    expect(h.checks.OSD_SLOW_PING_TIME_BACK!.detail.some((d) => /^Slow OSD heartbeats on back from osd\.1 /.test(d.message) || / to osd\.1 /.test(d.message))).toBe(true);
    for (const code of Object.keys(EXPECTED)) {
      const c = h.checks[code]!;
      expect(Object.keys(c).sort(), code).toEqual(['detail', 'muted', 'severity', 'summary']);
      expect(Object.keys(c.summary).sort(), code).toEqual(['count', 'message']);
      // TOO_MANY_PGS has no detail lines in Ceph either.
      if (code !== 'TOO_MANY_PGS') expect(c.detail.length, code).toBeGreaterThan(0);
    }
  });

  it('clears them when the faults are undone', async () => {
    const c = sim.cluster;
    for (const m of ['b', 'c']) c.faults.setMonDisk(m, 70);
    c.faults.setClockSkew('c', 0);
    c.control.apply({ atS: 0, action: 'revive-mds' });
    c.control.apply({ atS: 0, action: 'fs-set', key: 'standby_count_wanted', value: 0 });
    c.control.apply({ atS: 0, action: 'fs-set', key: 'max_mds', value: 1 });
    c.bumpMaps(false);
    const gone = ['MON_DISK_LOW', 'MON_DISK_CRIT', 'MON_CLOCK_SKEW', 'FS_DEGRADED', 'MDS_ALL_DOWN', 'FS_WITH_FAILED_MDS', 'MDS_INSUFFICIENT_STANDBY', 'MDS_UP_LESS_THAN_MAX'];
    await waitFor(async () => {
      const x = await health();
      return gone.every((k) => !(k in x.checks)) ? true : undefined;
    }, 30_000, `${gone.join(', ')} cleared`);
  });
});
