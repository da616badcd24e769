// Issue 16 item 1: the per-pool recovery series of Ceph's prometheus module
// (ceph_pool_recovering_*_per_sec, ceph_pool_num_*_recovered) have one sample
// per pool, as in the reference capture, and move when the cluster recovers:
// an OSD down while clients write, then back (log-based recovery).

import type { SimRunner } from '../../src/sim/sim-runner.js';
import { startPrometheusTestCluster, waitFor, type TestMgr } from '../helpers/harness.js';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const FAMILIES = [
  'ceph_pool_recovering_objects_per_sec', 'ceph_pool_recovering_bytes_per_sec', 'ceph_pool_recovering_keys_per_sec',
  'ceph_pool_num_objects_recovered', 'ceph_pool_num_bytes_recovered',
];

/** family -> pool_id -> value. */
function samples(body: string): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const m of body.matchAll(/^(ceph_pool_(?:recovering_\w+_per_sec|num_\w+_recovered))\{pool_id="(\d+)"\} (\S+)$/gm)) {
    let f = out.get(m[1]!);
    if (!f) out.set(m[1]!, (f = new Map()));
    f.set(m[2]!, Number(m[3]));
  }
  return out;
}

describe('pool recovery series', () => {
  let t: TestMgr;
  let sim: SimRunner;
  let url: string;
  const scrape = async () => samples(await (await fetch(`${url}metrics`)).text());

  beforeAll(async () => {
    ({ t, sim, url } = await startPrometheusTestCluster({ osds: 6, seed: 21, model: { backgroundScrub: false, recoveryBytesPerS: 4 * 1024 * 1024 } }));
    await waitFor(() => t.mgr.cluster.pgMap.isPgReady() && t.mgr.cluster.health().status === 'HEALTH_OK', 30_000, 'a healthy cluster');
  }, 60_000);

  afterAll(async () => {
    await sim?.stop();
    await t?.stop();
  });

  it('has one sample per pool of each family, as the reference capture', async () => {
    const ref = samples(readFileSync(new URL('../fixtures/ceph-reference/prometheus/active-metrics.txt', import.meta.url), 'utf8'));
    for (const f of FAMILIES) expect(ref.get(f)?.size, `${f} in the reference`).toBeGreaterThan(0);
    const pools = (t.mgr.cluster.osdMap as unknown as { pools: Array<{ pool: number }> }).pools.map((p) => String(p.pool)).sort();
    const ours = await waitFor(async () => {
      const s = await scrape();
      return FAMILIES.every((f) => s.get(f)?.size === pools.length) ? s : undefined;
    }, 15_000, 'a sample per pool in every recovery family');
    for (const f of FAMILIES) expect([...ours.get(f)!.keys()].sort()).toEqual(pools);
  });

  it('moves while the cluster recovers an OSD that missed writes', async () => {
    sim.cluster.killOsd(2);
    // Clients keep writing: the PGs osd.2 holds fall behind.
    const downAt = Date.now();
    await waitFor(() => Date.now() - downAt > 4000, 10_000, 'writes while osd.2 is down');
    sim.cluster.reviveOsd(2);
    const moving = await waitFor(async () => {
      const s = await scrape();
      const rate = [...(s.get('ceph_pool_recovering_objects_per_sec')?.values() ?? [])].some((v) => v > 0);
      const done = [...(s.get('ceph_pool_num_objects_recovered')?.values() ?? [])].some((v) => v > 0);
      return rate && done ? s : undefined;
    }, 30_000, 'recovery rates and recovered counts above 0');
    const bytes = [...moving.get('ceph_pool_num_bytes_recovered')!.values()];
    expect(bytes.some((v) => v > 0)).toBe(true);
  });
});
