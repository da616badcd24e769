// What a module gets through the SDK, for a simulated cluster shaped like the
// reference (1 mon, 4 OSDs, osd.3 bluestore, no compressed pool: the simulator's
// production-like defaults are set back explicitly), compared key by key with what
// ceph-mgr 16.2.15 handed a Python module (test/fixtures/ceph-reference/mgr_internals/).

import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/log.js';
import { SimRunner } from '../../src/sim/sim-runner.js';
import type { CommandCaller } from '../../src/server/daemon-server.js';
import { startTestMgr, waitFor, type TestMgr } from '../helpers/harness.js';
import { refJson } from '../helpers/pg-cluster.js';
import { expectSameShape, diffShapes, type ShapeOptions } from '../helpers/shape.js';

const ADMIN: CommandCaller = { entity: 'client.admin', read: true, write: true };

describe('module API answers keep ceph-mgr shapes', () => {
  let t: TestMgr;
  let sim: SimRunner;
  const run = async (...argv: string[]): Promise<unknown> => {
    const r = await t.mgr.runCommand(ADMIN, { argv });
    if (r.r !== 0) throw new Error(`${argv.join(' ')}: ${r.r} ${r.outs}`);
    return JSON.parse(r.outb) as unknown;
  };
  const get = (name: string): Promise<unknown> => run('probe', 'get', name);
  const call = (what: string, ...args: string[]): Promise<unknown> => run('probe', 'call', what, ...args);
  /** Every key of the reference is in ours with the same JSON type; ours may have more (a bigger cluster). */
  const covers = (ours: unknown, ref: unknown, what: string, opts: ShapeOptions = {}): void => {
    const d = diffShapes(ours, ref, opts);
    expect({ what, missing: d.missing, types: d.typeMismatch }).toEqual({ what, missing: [], types: [] });
  };

  beforeAll(async () => {
    t = await startTestMgr({ modules: ['probe'], modulePaths: ['test/fixtures/modules'], set: { mgr_stats_period: 1, mgr_tick_period: 0.5 } });
    sim = new SimRunner({ mgrAddr: t.daemonAddr, keyring: t.keyring, osds: 4, seed: 5, log: silentLogger(), stepS: 0.5, model: { objectstore: 'mixed', mons: 1, compressedPool: false, backgroundScrub: false } });
    await sim.start();
    await waitFor(() => t.mgr.cluster.pgMap.isPgReady() && (t.mgr.daemons.get('osd.0')?.ring.size ?? 0) >= 2, 20_000, 'a reporting cluster');
    await new Promise((r) => setTimeout(r, 1200)); // two ticks: rates have a window
    t.mgr.cluster.settle();
  });
  afterAll(async () => {
    await sim.stop();
    await t.stop();
  });

  it('maps: osd_map, osd_map_tree, osd_map_crush, mon_map, fs_map, service_map, mgr_map', async () => {
    // Ours may carry more (an erasure-coded pool's profile keys, cephfs application metadata); never less.
    covers(await get('osd_map'), refJson('mgr_internals/get.osd_map.json'), 'osd_map', { mapPaths: ['erasure_code_profiles', 'pools[].application_metadata', 'pools[].options'], ignore: ['blocklist', 'pg_temp', 'pg_upmap_items'] });
    expectSameShape(await get('osd_map_tree'), refJson('mgr_internals/get.osd_map_tree.json'), 'osd_map_tree', { ignore: ['nodes[].children', 'nodes[].pool_weights'] });
    covers(await get('osd_map_crush'), refJson('mgr_internals/get.osd_map_crush.json'), 'osd_map_crush', { mapPaths: ['tunables'] });
    expectSameShape(await get('mon_map'), refJson('mgr_internals/get.mon_map.json'), 'mon_map');
    covers(await get('fs_map'), refJson('mgr_internals/get.fs_map.json'), 'fs_map', { mapPaths: ['compat.incompat'] });
    covers(await get('service_map'), refJson('mgr_internals/get.service_map.json'), 'service_map');
    covers(await get('mgr_map'), refJson('mgr_internals/get.mgr_map.json'), 'mgr_map', { ignore: ['standbys', 'active_clients', 'always_on_modules', 'available_modules[].module_options', 'services'] });
  });

  it('health and mon_status come as {json: "..."}', async () => {
    const h = (await get('health')) as { json: string };
    expectSameShape(h, refJson('mgr_internals/get.health.json'), 'health');
    expect(JSON.parse(h.json)).toMatchObject({ status: expect.stringMatching(/^HEALTH_/), checks: expect.any(Object), mutes: [] });
    const m = (await get('mon_status')) as { json: string };
    covers(JSON.parse(m.json), JSON.parse(refJson<{ json: string }>('mgr_internals/get.mon_status.json').json), 'mon_status', { ignore: ['feature_map'] });
  });

  it('PG views: pg_summary, pg_status, pg_dump, pg_stats, pool_stats, osd_stats, df, io_rate, pg_ready', async () => {
    const byId = { mapPaths: ['all', 'by_osd', 'by_osd.*', 'by_pool', 'by_pool.*'] };
    covers(await get('pg_summary'), refJson('mgr_internals/get.pg_summary.json'), 'pg_summary', byId);
    covers(await get('pg_status'), refJson('mgr_internals/get.pg_status.json'), 'pg_status', { ignore: ['misplaced_objects', 'misplaced_ratio', 'misplaced_total', 'recovering_bytes_per_sec', 'recovering_keys_per_sec', 'recovering_objects_per_sec', 'num_bytes_recovered', 'num_keys_recovered', 'num_objects_recovered'] });
    // Elements that exist only while PGs recover (the reference was captured during a recovery).
    const recovering = ['pg_stats[].object_location_counts', 'pg_stats[].avail_no_missing'];
    covers(await get('pg_dump'), refJson('mgr_internals/get.pg_dump.json'), 'pg_dump', { ignore: ['osd_stats[].network_ping_times', 'osd_stats_sum.network_ping_times', ...recovering] });
    covers(await get('pg_stats'), refJson('mgr_internals/get.pg_stats.json'), 'pg_stats', { ignore: recovering });
    covers(await get('pool_stats'), refJson('mgr_internals/get.pool_stats.json'), 'pool_stats');
    covers(await get('osd_stats'), refJson('mgr_internals/get.osd_stats.json'), 'osd_stats');
    covers(await get('df'), refJson('mgr_internals/get.df.json'), 'df', { mapPaths: ['stats_by_class'] });
    covers(await get('io_rate'), refJson('mgr_internals/get.io_rate.json'), 'io_rate');
    expect(await get('pg_ready')).toEqual({ pg_ready: true });
  });

  it("osd_stats_brief (mgrd's): each osd_stats row cut to the fields exporters read, same values, frozen", async () => {
    const fields = ['osd', 'num_pgs', 'kb', 'kb_used', 'kb_avail', 'perf_stat'];
    const cut = (rows: ReadonlyArray<Record<string, unknown>>): unknown[] => rows.map((o) => Object.fromEntries(fields.map((f) => [f, o[f]])));
    // One turn, one PG epoch: both views are as of the same tick.
    const full = t.mgr.views.get('osd_stats').osd_stats;
    const brief = t.mgr.views.get('osd_stats_brief').osd_stats;
    expect(brief.length).toBe(4);
    expect(brief).toEqual(cut(full));
    expect(brief.every((o) => o.kb > 0 && Object.isFrozen(o) && Object.isFrozen(o.perf_stat))).toBe(true);
    // Through a module (the SDK's get), and the reference's rows have every brief field.
    const viaModule = (await get('osd_stats_brief')) as { osd_stats: unknown[] };
    expect(Object.keys(viaModule.osd_stats[0] as object).sort()).toEqual([...fields].sort());
    covers(cut(refJson<{ osd_stats: Array<Record<string, unknown>> }>('mgr_internals/get.osd_stats.json').osd_stats), viaModule.osd_stats, 'osd_stats_brief');
  });

  it('metadata: osd_metadata, mds_metadata, get_metadata of osd, mon and mgr', async () => {
    // The reference's osd.3 ran on a file (bluestore_bdev_path); the simulated one on a block device, which
    // reports bluestore_bdev_dev_node and bluestore_bdev_partition_path instead (docs/simulator.md).
    const osdMeta = (await get('osd_metadata')) as Record<string, Record<string, string>>;
    covers(osdMeta, refJson('mgr_internals/get.osd_metadata.json'), 'osd_metadata', { mapPaths: [''], ignore: ['*.bluestore_bdev_path'] });
    expect(osdMeta['3']).toMatchObject({ osd_objectstore: 'bluestore', bluestore_bdev_access_mode: 'blk', bluestore_bdev_dev_node: expect.stringMatching(/^\/dev\/dm-/) });
    const mds = (await get('mds_metadata')) as Record<string, Record<string, string>>;
    expect(Object.keys(mds)).toHaveLength(1);
    expectSameShape(await call('get_metadata', 'osd', '0'), refJson('mgr_internals/get_metadata.osd.0.json'), 'get_metadata osd.0');
    expectSameShape(await call('get_metadata', 'mon', 'a'), refJson('mgr_internals/get_metadata.mon.a.json'), 'get_metadata mon.a');
    covers(await call('get_metadata', 'mgr', 'x'), refJson('mgr_internals/get_metadata.mgr.x.json'), 'get_metadata mgr.x', { ignore: ['addr', 'addrs', 'name', 'container_name'] });
    expect(await call('get_daemon_status', 'osd', '0')).toEqual(refJson('mgr_internals/get_daemon_status.osd.0.json'));
  });

  it('servers: list_servers and get_server, with this mgr among the services', async () => {
    const servers = (await call('list_servers')) as Array<{ hostname: string; services: Array<{ type: string; id: string }> }>;
    expectSameShape(servers, refJson('mgr_internals/list_servers.json'), 'list_servers');
    const mine = servers.find((s) => s.hostname === hostname())!;
    expect(mine.services).toContainEqual(expect.objectContaining({ type: 'mgr', id: 'x' }));
    const host = servers.find((s) => s.services.some((x) => x.type === 'osd'))!.hostname;
    expectSameShape(await call('get_server', host), refJson('mgr_internals/get_server.vm.json'), 'get_server');
  });

  it('perf counters: get_all_perf_counters, get_perf_schema, get_counter, get_latest*', async () => {
    const opts = { mapPaths: ['', '*'] };
    covers(await call('get_all_perf_counters', '5'), refJson('mgr_internals/get_all_perf_counters.prio_useful.json'), 'get_all_perf_counters', opts);
    covers(await call('get_perf_schema', 'osd', '0'), refJson('mgr_internals/get_perf_schema.osd.0.json'), 'get_perf_schema osd.0', opts);
    const op = (await call('get_counter', 'osd', '0', 'osd.op_w')) as Record<string, number[][]>;
    expectSameShape(op, refJson('mgr_internals/get_counter.osd.0.osd.op_w.json'), 'get_counter op_w');
    expect(op['osd.op_w']!.length).toBeGreaterThanOrEqual(2);
    expect(op['osd.op_w']![0]).toHaveLength(2);
    const lat = (await call('get_counter', 'osd', '0', 'osd.op_w_latency')) as Record<string, number[][]>;
    expect(lat['osd.op_w_latency']![0]).toHaveLength(3);
    expectSameShape(await call('get_latest_counter', 'osd', '0', 'osd.op_w'), refJson('mgr_internals/get_latest_counter.osd.0.osd.op_w.json'), 'get_latest_counter');
    expectSameShape(await call('get_latest_avg', 'osd', '0', 'osd.op_w_latency'), refJson('mgr_internals/get_latest_avg.osd.0.osd.op_w_latency.json'), 'get_latest_avg');
    expect(typeof (await call('get_latest', 'osd', '0', 'osd.op_w'))).toBe('number');
    covers(await call('get_daemon_health_metrics'), refJson('mgr_internals/get_daemon_health_metrics.json'), 'get_daemon_health_metrics', { mapPaths: [''] });
  });

  it('snapshots are read-only: a module cannot change what others see', async () => {
    const r = await t.mgr.runCommand(ADMIN, { argv: ['probe', 'mutate'] });
    expect(r.outb).toBe('refused: TypeError');
    expect(t.mgr.cluster.osdMap!.epoch).toBeGreaterThan(0);
  });

  it('the module store persists in the map store; option changes reach configNotify', async () => {
    await run('probe', 'store', 'set', 'greeting', 'hi');
    expect(await run('probe', 'store', 'get', 'greeting')).toBe('hi');
    expect(t.store.kvGet('store/mgr/probe/greeting')).toBe('hi');
    const before = (await call('config_changes')) as number;
    expect((await t.mgr.runCommand(ADMIN, { argv: ['config', 'set', 'mgr', 'mgr/probe/level', '2'] })).r).toBe(0);
    await waitFor(async () => ((await call('config_changes')) as number) > before, 5000, 'configNotify');
    expect(await call('get_mgr_id')).toBe('x');
  });
});
