// The simulated cluster through a real manager, over the wire: killing an OSD
// turns OSD_DOWN and PG_DEGRADED on within two report periods, and they clear
// after recovery.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/log.js';
import { SimRunner } from '../../src/sim/sim-runner.js';
import { startTestMgr, waitFor, type TestMgr } from '../helpers/harness.js';

const PERIOD_S = 1;

describe('simulated cluster health through the manager', () => {
  let t: TestMgr;
  let sim: SimRunner;

  beforeAll(async () => {
    t = await startTestMgr({ modules: [], set: { mgr_stats_period: PERIOD_S, mgr_tick_period: 0.5 } });
    sim = new SimRunner({
      mgrAddr: t.daemonAddr, keyring: t.keyring, osds: 6, seed: 7, log: silentLogger(), stepS: 0.25,
      model: { recoveryBytesPerS: 64 * 2 ** 30, osdMaxBackfills: 16, downOutIntervalS: 3, backgroundScrub: false },
    });
    await sim.start();
    await waitFor(() => t.mgr.cluster.pgMap.isPgReady() && t.mgr.cluster.health().status === 'HEALTH_OK', 20_000, 'a healthy cluster');
  });

  afterAll(async () => {
    await sim.stop();
    await t.stop();
  });

  it('OSD_DOWN and PG_DEGRADED within two report periods of a kill, cleared after recovery', async () => {
    const killedAt = Date.now();
    sim.cluster.killOsd(2);
    await waitFor(() => {
      const c = t.mgr.cluster.health().checks;
      return c.OSD_DOWN && c.PG_DEGRADED;
    }, 2 * PERIOD_S * 1000 + 1500, 'OSD_DOWN and PG_DEGRADED');
    const seenAfterMs = Date.now() - killedAt;
    const checks = t.mgr.cluster.health().checks;
    expect(checks.OSD_DOWN!.summary.message).toBe('1 osds down');
    expect(checks.OSD_DOWN!.detail[0]!.message).toMatch(/^osd\.2 \(root=default,host=node-\d+\) is down$/);
    expect(checks.PG_DEGRADED!.summary.message).toMatch(/^Degraded data redundancy: \d+\/\d+ objects degraded \(\d+\.\d+%\), \d+ pgs? degraded/);
    console.log(`OSD_DOWN + PG_DEGRADED seen ${seenAfterMs} ms after the kill (period ${PERIOD_S} s)`);

    // Marked out after the down-out interval, the data re-replicates elsewhere; then the OSD comes back.
    await waitFor(() => !t.mgr.cluster.health().checks.PG_DEGRADED, 60_000, 'recovery to finish');
    sim.cluster.reviveOsd(2);
    sim.cluster.markIn(2);
    await waitFor(() => t.mgr.cluster.health().status === 'HEALTH_OK', 60_000, 'HEALTH_OK after revival');
    expect(t.mgr.cluster.health().checks).toEqual({});
  }, 150_000);
});
