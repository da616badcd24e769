// The simulator opens its mons' sessions before the OSDs': a mon's session
// carries the maps, so a manager fed by a large simulated cluster has its OSD
// map at once rather than after every OSD's session is in (at 10,000 OSDs under
// load that took minutes, and the dashboard's 10,000-OSD test never got a map).
// Here only the first session the simulator opens reaches the manager; every
// later one hangs before connecting. The map must arrive all the same.

import { Duplex } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/log.js';
import { SimRunner } from '../../src/sim/sim-runner.js';
import { startTestMgr, waitFor, type TestMgr } from '../helpers/harness.js';

/** A transport that never connects and swallows what is written to it. */
const hung = (): Duplex => new Duplex({ read() {}, write(_c, _e, cb) { cb(); } });

describe('simulator start-up order', () => {
  let t: TestMgr | undefined;
  let sim: SimRunner | undefined;
  afterAll(async () => {
    await sim?.stop();
    await t?.stop();
  });

  it('the first session it opens is a mon, which sends the OSD map', async () => {
    t = await startTestMgr({});
    let dials = 0;
    sim = new SimRunner({
      mgrAddr: t.daemonAddr, keyring: t.keyring, osds: 40, seed: 3, log: silentLogger(), connectBatch: 5,
      // The first dial goes over TCP to the manager; the rest never connect.
      dial: () => (dials++ === 0 ? undefined : hung()),
    });
    // Not awaited first: with every later session hung, start() waits BATCH_WAIT_MS per window of them
    // (minutes here); the map must come while it is still opening sessions.
    const started = sim.start();
    const m = t;
    const osdMap = await waitFor(() => {
      try {
        return m.mgr.views.get('osd_map');
      } catch {
        return undefined;
      }
    }, 30_000, 'the OSD map from the first session');
    expect(osdMap.osds.length).toBe(40);
    expect(dials).toBeGreaterThan(1);
    await sim.stop(); // start() leaves its loop at the next session it would open
    await started;
  }, 60_000);

  it('a session that is not ready holds its place in the opening window however long it takes', async () => {
    t ??= await startTestMgr({});
    let dials = 0;
    const window = 4;
    await sim?.stop();
    const runner = new SimRunner({
      mgrAddr: t.daemonAddr, keyring: t.keyring, osds: 30, seed: 3, log: silentLogger(), connectBatch: window,
      dial: () => (dials++ === 0 ? undefined : hung()),
    });
    sim = runner;
    const started = runner.start();
    // The mon's session is ready and leaves the window; the next `window` sessions hang and fill it.
    // (Hung sessions time out and dial again: daemons are counted, not dials.)
    await waitFor(() => (runner.sessions === 1 + window ? true : undefined), 30_000, 'the window to fill');
    // Before, a place was given up after 10 s and more handshakes piled onto a slow manager: none may open now.
    const until = Date.now() + 12_000;
    while (Date.now() < until) {
      expect(runner.sessions).toBe(1 + window);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(dials).toBeGreaterThan(1 + window); // they kept trying all along
    await runner.stop();
    await started;
    expect(runner.sessions).toBe(0);
  }, 60_000);
});
