// osd reweight, osd pool create|set|set-quota|delete and osd scrub|deep-scrub|repair,
// forwarded by the manager over the wire to the simulated mon, answered as
// Pacific's OSDMonitor answers them; the changes show in the maps, pg stat,
// df, `osd pool ls detail` and /metrics (the manager reads them from the
// source, nothing is faked on its side).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandCaller } from '../../src/server/daemon-server.js';
import type { SimRunner } from '../../src/sim/sim-runner.js';
import { startPrometheusTestCluster, waitFor, type TestMgr } from '../helpers/harness.js';

const ADMIN: CommandCaller = { entity: 'client.admin', read: true, write: true };

interface PoolEntry { pool: number; pool_name: string; pg_num: number; pg_placement_num: number; size: number; min_size: number; quota_max_bytes: number; quota_max_objects: number; flags_names: string }
interface OsdMapView { pool_max: number; pools: PoolEntry[]; osds: Array<{ osd: number; in: number; up: number; weight: number }> }

describe('pool and OSD commands answered by the simulated cluster', () => {
  let t: TestMgr;
  let sim: SimRunner;
  let url: string;
  const run = (...argv: string[]) => t.mgr.runCommand(ADMIN, { argv });
  const json = async <T>(...argv: string[]): Promise<T> => {
    const r = await run(...argv, '--format', 'json');
    expect(r.r, `${argv.join(' ')}: ${r.outs}`).toBe(0);
    return JSON.parse(r.outb) as T;
  };
  const osdMap = () => t.mgr.cluster.osdMap as unknown as OsdMapView;
  const pool = (name: string) => osdMap().pools.find((p) => p.pool_name === name);
  const pgsOf = async (id: number) => (await json<{ pg_stats: Array<{ pgid: string; state: string }> }>('pg', 'dump', 'pgs')).pg_stats.filter((p) => p.pgid.startsWith(`${id}.`));
  const metrics = async () => (await fetch(`${url}metrics`)).text();

  beforeAll(async () => {
    ({ t, sim, url } = await startPrometheusTestCluster({ osds: 4, seed: 7, model: { backgroundScrub: false } }));
    await waitFor(() => t.mgr.cluster.pgMap.isPgReady() && t.mgr.cluster.health().status === 'HEALTH_OK', 30_000, 'a healthy cluster');
  }, 60_000);

  afterAll(async () => {
    await sim?.stop();
    await t?.stop();
  });

  it('osd reweight: Ceph\'s answer, the weight in osd dump and osd tree, CRUSH moves PGs away; errors name the argument', async () => {
    // PG copies CRUSH maps to osd.2 (the data moves away by backfill after that).
    const mappedTo2 = (): number => sim.cluster.table.raw.filter((o) => o === 2).length;
    const before = mappedTo2();
    expect(await run('osd', 'reweight', '2', '0.5')).toMatchObject({ r: 0, outs: 'reweighted osd.2 to 0.5 (8000)' });
    expect(osdMap().osds[2]).toMatchObject({ in: 1, weight: 0.5 });
    // Read back as an operator does: `osd dump` and `osd tree`, answered by the (simulated) mon.
    expect((await json<OsdMapView>('osd', 'dump')).osds[2]!.weight).toBe(0.5);
    expect((await run('osd', 'dump')).outb).toMatch(/^osd\.2 up {3}in {2}weight 0\.5 up_from \d+ /m);
    expect((await run('osd', 'tree')).outb).toMatch(/^ 2 +(hdd|ssd) +\d+\.\d{5} +osd\.2 +up +0\.50000 +1\.00000$/m);
    const tree = await json<{ nodes: Array<{ id: number; reweight: number }> }>('osd', 'tree');
    expect(tree.nodes.find((n) => n.id === 2)?.reweight).toBe(0.5);
    expect(mappedTo2()).toBeLessThan(before * 0.75);
    expect(mappedTo2()).toBeGreaterThan(before * 0.25);
    // 0.9 as Ceph keeps it: 16.16 fixed point (0xe666).
    expect(await run('osd', 'reweight', 'osd.2', '0.9')).toMatchObject({ r: 0, outs: 'reweighted osd.2 to 0.9 (e666)' });
    expect(osdMap().osds[2]!.weight).toBe(0xe666 / 0x10000);
    const range = await run('osd', 'reweight', '2', '1.5');
    expect(range.r).toBe(-22);
    expect(range.outs).toMatch(/weight/);
    expect(await run('osd', 'reweight', '9', '0.5')).toMatchObject({ r: -2, outs: 'osd.9 does not exist' });
    expect(await run('osd', 'reweight', '2', '0')).toMatchObject({ r: 0 });
    expect(osdMap().osds[2]).toMatchObject({ in: 0, weight: 0 });
    expect(await run('osd', 'reweight', '2', '1')).toMatchObject({ r: 0, outs: 'reweighted osd.2 to 1 (10000)' });
    expect(osdMap().osds[2]).toMatchObject({ in: 1, weight: 1 });
  }, 90_000);

  it('osd pool create: a new pool in the map, its PGs active+clean, in df, ls detail and /metrics; idempotent; ERANGE past mon_max_pg_per_osd', async () => {
    const max = osdMap().pool_max;
    expect(await run('osd', 'pool', 'create', 'newpool', '16')).toMatchObject({ r: 0, outs: "pool 'newpool' created" });
    const p = pool('newpool')!;
    expect(p).toMatchObject({ pool: max + 1, pg_num: 16, pg_placement_num: 16, size: 3, min_size: 2, flags_names: 'hashpspool' });
    expect(osdMap().pool_max).toBe(max + 1);
    expect(await run('osd', 'pool', 'create', 'newpool', '16')).toMatchObject({ r: 0, outs: "pool 'newpool' already exists" });
    await waitFor(async () => {
      const pgs = await pgsOf(p.pool);
      return pgs.length === 16 && pgs.every((g) => g.state === 'active+clean');
    }, 30_000, "newpool's 16 PGs active+clean");
    const detail = await json<Array<{ pool_id: number; pool_name: string; pg_num: number }>>('osd', 'pool', 'ls', 'detail');
    expect(detail.find((d) => d.pool_name === 'newpool')).toMatchObject({ pool_id: p.pool, pg_num: 16 });
    expect((await run('osd', 'pool', 'ls', 'detail')).outb).toContain(`pool ${p.pool} 'newpool' replicated size 3 min_size 2 crush_rule 0 object_hash rjenkins pg_num 16 pgp_num 16 autoscale_mode on last_change `);
    expect((await run('osd', 'pool', 'ls')).outb.split('\n')).toContain('newpool');
    const df = await json<{ pools: Array<{ name: string; id: number; stats: { stored: number } }> }>('df');
    expect(df.pools.find((d) => d.name === 'newpool')).toMatchObject({ id: p.pool, stats: { stored: 0 } });
    await waitFor(async () => (await metrics()).includes(`pool_id="${p.pool}",name="newpool"`), 15_000, 'ceph_pool_metadata of newpool');
    const tooMany = await run('osd', 'pool', 'create', 'huge', '4096');
    expect(tooMany.r).toBe(-34);
    expect(tooMany.outs).toMatch(/^ pg_num 4096 size 3 would mean \d+ total pgs, which exceeds max 1000 \(mon_max_pg_per_osd 250 \* num_in_osds 4\)$/);
    expect(pool('huge')).toBeUndefined();
  }, 90_000);

  it('osd pool set: size, min_size, pg_num, pgp_num, flags; ENOENT for a missing pool, EINVAL for bad values', async () => {
    const id = pool('newpool')!.pool;
    expect(await run('osd', 'pool', 'set', 'newpool', 'size', '2')).toMatchObject({ r: 0, outs: `set pool ${id} size to 2` });
    expect(pool('newpool')).toMatchObject({ size: 2, min_size: 1 });
    expect(await run('osd', 'pool', 'set', 'newpool', 'min_size', '2')).toMatchObject({ r: 0 });
    expect(pool('newpool')!.min_size).toBe(2);
    expect(await run('osd', 'pool', 'set', 'newpool', 'min_size', '3')).toMatchObject({ r: -22, outs: 'pool min_size must be between 1 and size, which is set to 2' });
    expect(await run('osd', 'pool', 'set', 'nosuchpool', 'size', '2')).toMatchObject({ r: -2, outs: "unrecognized pool 'nosuchpool'" });
    expect(await run('osd', 'pool', 'set', 'newpool', 'size', 'two')).toMatchObject({ r: -22, outs: "error parsing integer value 'two': strict_strtoll: expected integer, got: 'two'" });
    expect(await run('osd', 'pool', 'set', 'newpool', 'size', '11')).toMatchObject({ r: -22, outs: 'pool size must be between 1 and 10' });
    const badVar = await run('osd', 'pool', 'set', 'newpool', 'bogus', '1');
    expect(badVar.r).toBe(-22);
    expect(badVar.outs).toMatch(/var/);
    expect(await run('osd', 'pool', 'set', 'newpool', 'pg_num', '32')).toMatchObject({ r: 0, outs: `set pool ${id} pg_num to 32` });
    expect(pool('newpool')).toMatchObject({ pg_num: 32, pg_placement_num: 32 });
    expect(await run('osd', 'pool', 'set', 'newpool', 'pgp_num', '64')).toMatchObject({ r: -22, outs: 'specified pgp_num 64 > pg_num 32' });
    expect(await run('osd', 'pool', 'set', 'newpool', 'pgp_num', '16')).toMatchObject({ r: 0 });
    expect(pool('newpool')!.pg_placement_num).toBe(16);
    await waitFor(async () => {
      const pgs = await pgsOf(id);
      return pgs.length === 32 && pgs.every((g) => g.state === 'active+clean');
    }, 30_000, "newpool's 32 PGs active+clean at size 2");
    expect(await run('osd', 'pool', 'set', 'newpool', 'nodelete', 'true')).toMatchObject({ r: 0 });
    expect(pool('newpool')!.flags_names).toBe('hashpspool,nodelete');
    expect(await run('osd', 'pool', 'set', 'newpool', 'nodelete', 'maybe')).toMatchObject({ r: -22, outs: "expecting value 'true', 'false', '0', or '1'" });
  }, 90_000);

  it('osd pool set-quota: the quota in the map, in df, and in ceph_pool_quota_* ; bad values EINVAL', async () => {
    const id = pool('newpool')!.pool;
    expect(await run('osd', 'pool', 'set-quota', 'newpool', 'max_objects', '1000')).toMatchObject({ r: 0, outs: 'set-quota max_objects = 1000 for pool newpool' });
    expect(await run('osd', 'pool', 'set-quota', 'newpool', 'max_bytes', '10G')).toMatchObject({ r: 0, outs: 'set-quota max_bytes = 10737418240 for pool newpool' });
    expect(pool('newpool')).toMatchObject({ quota_max_objects: 1000, quota_max_bytes: 10737418240 });
    expect((await run('osd', 'pool', 'ls', 'detail')).outb).toMatch(/'newpool' .* max_bytes 10737418240 max_objects 1000 /);
    const df = await json<{ pools: Array<{ name: string; stats: { quota_objects: number; quota_bytes: number } }> }>('df', 'detail');
    expect(df.pools.find((d) => d.name === 'newpool')!.stats).toMatchObject({ quota_objects: 1000, quota_bytes: 10737418240 });
    await waitFor(async () => new RegExp(`\\nceph_pool_quota_bytes\\{pool_id="${id}"\\} 10737418240(\\.0)?\\n`).test(await metrics()), 15_000, 'ceph_pool_quota_bytes of newpool');
    expect(await run('osd', 'pool', 'set-quota', 'newpool', 'max_bytes', 'lots')).toMatchObject({ r: -22 });
    expect(await run('osd', 'pool', 'set-quota', 'gone', 'max_bytes', '1')).toMatchObject({ r: -2, outs: "unrecognized pool 'gone'" });
  }, 90_000);

  it('osd pool delete: the name twice and --yes-i-really-really-mean-it, mon_allow_pool_delete and nodelete as Ceph; CephFS pools are EBUSY', async () => {
    const id = pool('newpool')!.pool;
    const warning = 'WARNING: this will *PERMANENTLY DESTROY* all data stored in pool newpool.  If you are *ABSOLUTELY CERTAIN* that is what you want, pass the pool name *twice*, followed by --yes-i-really-really-mean-it.';
    expect(await run('osd', 'pool', 'delete', 'newpool')).toMatchObject({ r: -1, outs: warning });
    expect(await run('osd', 'pool', 'delete', 'newpool', 'newpool')).toMatchObject({ r: -1, outs: warning });
    expect(await run('osd', 'pool', 'delete', 'newpool', 'newpool', '--yes-i-really-really-mean-it')).toMatchObject({
      r: -1, outs: 'pool deletion is disabled; you must first set the mon_allow_pool_delete config option to true before you can destroy a pool',
    });
    sim.cluster.monAllowPoolDelete = true;
    expect(await run('osd', 'pool', 'delete', 'newpool', 'newpool', '--yes-i-really-really-mean-it')).toMatchObject({ r: -1, outs: 'pool deletion is disabled; you must unset nodelete flag for the pool first' });
    expect(await run('osd', 'pool', 'set', 'newpool', 'nodelete', 'false')).toMatchObject({ r: 0 });
    expect(await run('osd', 'pool', 'rm', 'newpool', 'newpool', '--yes-i-really-really-mean-it')).toMatchObject({ r: 0, outs: "pool 'newpool' removed" });
    expect(pool('newpool')).toBeUndefined();
    expect(await run('osd', 'pool', 'delete', 'newpool', 'newpool', '--yes-i-really-really-mean-it')).toMatchObject({ r: 0, outs: "pool 'newpool' does not exist" });
    expect(await pgsOf(id)).toEqual([]);
    const df = await json<{ pools: Array<{ name: string }> }>('df');
    expect(df.pools.map((d) => d.name)).not.toContain('newpool');
    expect(await run('osd', 'pool', 'delete', 'cephfs.cephfs.meta', 'cephfs.cephfs.meta', '--yes-i-really-really-mean-it')).toMatchObject({ r: -16, outs: "pool 'cephfs.cephfs.meta' is in use by CephFS" });
    // A pool created after a deletion gets a new id, as Ceph's pool_max.
    expect(await run('osd', 'pool', 'create', 'again', '8')).toMatchObject({ r: 0 });
    expect(pool('again')!.pool).toBe(id + 1);
    await waitFor(() => t.mgr.cluster.health().status === 'HEALTH_OK', 30_000, 'HEALTH_OK with the new pool');
  }, 90_000);

  it('osd scrub|deep-scrub|repair: an up OSD scrubs the PGs it is primary for; a down one is EAGAIN', async () => {
    const primaryOf0 = async () => (await json<{ pg_stats: Array<{ pgid: string; acting_primary: number; last_scrub_stamp: string }> }>('pg', 'dump', 'pgs')).pg_stats.filter((p) => p.acting_primary === 0);
    const before = new Map((await primaryOf0()).map((p) => [p.pgid, p.last_scrub_stamp]));
    expect(await run('osd', 'scrub', '0')).toMatchObject({ r: 0, outs: 'osd.0 instructed to scrub' });
    // No background scrubs in this cluster: only the asked-for ones change the stamps.
    await waitFor(async () => (await primaryOf0()).filter((p) => before.has(p.pgid) && p.last_scrub_stamp !== before.get(p.pgid)).length >= Math.min(3, before.size), 60_000, 'PGs of osd.0 scrubbed');
    expect(await run('osd', 'deep-scrub', 'osd.1')).toMatchObject({ r: 0, outs: 'osd.1 instructed to deep-scrub' });
    expect(await run('osd', 'repair', 'all')).toMatchObject({ r: 0, outs: 'osds 0,1,2,3 instructed to repair' });
    expect(await run('osd', 'scrub', '7')).toMatchObject({ r: -11, outs: 'osd.7 is not up' });
    expect(await run('osd', 'scrub', 'seven')).toMatchObject({ r: -22, outs: "invalid osd id 'seven'" });
  }, 120_000);
});
