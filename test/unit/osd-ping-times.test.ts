// Issue 16 item 3: osd_stats[].network_ping_times filled from the simulated
// heartbeat, in `pg dump osds` and get('osd_ping_times'), with the reference
// capture's shape.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/log.js';
import type { CommandCaller } from '../../src/server/daemon-server.js';
import { SimRunner } from '../../src/sim/sim-runner.js';
import { startTestMgr, waitFor, type TestMgr } from '../helpers/harness.js';
import { refJson } from '../helpers/pg-cluster.js';
import { diffShapes } from '../helpers/shape.js';

const ADMIN: CommandCaller = { entity: 'client.admin', read: true, write: true };

describe('heartbeat ping times', () => {
  let t: TestMgr;
  let sim: SimRunner;

  beforeAll(async () => {
    t = await startTestMgr({ set: { mgr_stats_period: 0.5, mgr_tick_period: 0.5 } });
    sim = new SimRunner({ mgrAddr: t.daemonAddr, keyring: t.keyring, osds: 6, seed: 4, log: silentLogger(), stepS: 0.5, model: { backgroundScrub: false } });
    await sim.start();
    await waitFor(() => t.mgr.cluster.pgMap.isPgReady(), 30_000, 'PG stats from every OSD');
  }, 60_000);

  afterAll(async () => {
    await sim?.stop();
    await t?.stop();
  });

  it("get('osd_ping_times') has the reference's shape, an entry per heartbeat peer", async () => {
    const ours = await waitFor(() => {
      const v = t.mgr.views.get('osd_ping_times' as never) as { osd_ping_times: Array<{ osd: number; network_ping_times: Array<{ osd: number }> }> };
      return v.osd_ping_times.length === 6 && v.osd_ping_times.every((o) => o.network_ping_times.length > 0) ? v : undefined;
    }, 15_000, 'ping times of every OSD');
    const d = diffShapes(ours, refJson('mgr_internals/get.osd_ping_times.json'));
    expect(d.missing).toEqual([]);
    expect(d.extra).toEqual([]);
    expect(d.typeMismatch).toEqual([]);
    for (const o of ours.osd_ping_times) expect(o.network_ping_times.every((p) => p.osd !== o.osd)).toBe(true);
  });

  it('pg dump osds shows them per OSD', async () => {
    const r = await t.mgr.runCommand(ADMIN, { argv: ['pg', 'dump', 'osds', '--format', 'json'] });
    const doc = JSON.parse(r.outb) as unknown;
    // Pacific prints {"osd_stats": [...], "osd_stats_sum": ...} for `pg dump osds`.
    const osds = (Array.isArray(doc) ? doc : (doc as { osd_stats: unknown[] }).osd_stats) as Array<{ osd: number; hb_peers: number[]; network_ping_times: Array<{ osd: number; interfaces: Array<{ interface: string; average: Record<string, number> }> }> }>;
    expect(osds.length).toBe(6);
    for (const o of osds) {
      expect(o.network_ping_times.map((p) => p.osd).sort()).toEqual(o.hb_peers.filter((p) => p !== o.osd).sort());
      for (const p of o.network_ping_times) {
        expect(p.interfaces.map((i) => i.interface)).toEqual(['back', 'front']);
        expect(p.interfaces[0]!.average['1min']).toBeLessThan(2);
      }
    }
  });
});
