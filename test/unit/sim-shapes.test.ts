// The simulator's maps, metadata, PG stats and counter schemas have the shapes a
// real Ceph 16.2.15 cluster produces (test/fixtures/ceph-reference).

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { SimCluster } from '../../src/sim/model/sim-cluster.js';
import { STAT_SUM_FIELDS } from '../../src/protocol/messages.js';
import { valueWidth, PERFCOUNTER_LONGRUNAVG, PERFCOUNTER_TIME } from '../../src/mgr-module/perf-types.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const REF = join(ROOT, 'test', 'fixtures', 'ceph-reference');
const START = 1_800_000_000;

type Json = Record<string, unknown>;

function refJson(rel: string): Json {
  return JSON.parse(readFileSync(join(REF, rel), 'utf8')) as Json;
}

/** A cli/*.txt capture: "$ command", the JSON, maybe a trailer, "[rc=0]". */
function refCli(rel: string): unknown {
  const text = readFileSync(join(REF, rel), 'utf8');
  const body = text.slice(text.indexOf('\n') + 1, text.lastIndexOf('[rc='));
  const start = body.search(/[[{]/);
  const end = Math.max(body.lastIndexOf('}'), body.lastIndexOf(']'));
  return JSON.parse(body.slice(start, end + 1));
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Differences between the key sets of two JSON values, recursively. Arrays are
 * compared element-wise against the reference's first element; `skip` lists
 * paths (with [] for array elements) whose keys are data, not schema.
 */
function keyDiff(actual: unknown, ref: unknown, skip: readonly string[] = [], path = '$'): string[] {
  if (skip.includes(path)) return [];
  if (isObject(ref)) {
    if (!isObject(actual)) return [`${path}: expected an object`];
    const out: string[] = [];
    for (const k of Object.keys(ref)) if (!(k in actual)) out.push(`${path}.${k}: missing`);
    for (const k of Object.keys(actual)) if (!(k in ref)) out.push(`${path}.${k}: unexpected`);
    for (const k of Object.keys(ref)) if (k in actual) out.push(...keyDiff(actual[k], ref[k], skip, `${path}.${k}`));
    return out;
  }
  if (Array.isArray(ref)) {
    if (!Array.isArray(actual)) return [`${path}: expected an array`];
    if (ref.length === 0) return [];
    return actual.flatMap((a) => keyDiff(a, ref[0], skip, `${path}[]`)).slice(0, 20);
  }
  return [];
}

// The reference cluster's OSD store (memstore, osd.0); the default, bluestore, is checked below and in sim-objectstore.test.ts.
const cluster = new SimCluster({ osds: 24, seed: 9, startS: START, objectstore: 'memstore' });
cluster.killOsd(5); // a down OSD and its pg_temp entries belong in the shapes too
cluster.markOut(5);
cluster.advance(START + 5);
const maps = cluster.maps();

describe('maps() key sets match Ceph', () => {
  test('the key-set comparison itself notices differences', () => {
    expect(keyDiff({ a: 1, c: { x: 1 }, l: [{ p: 1 }] }, { a: 1, b: 2, c: { y: 1 }, l: [{ p: 1, q: 2 }] })).toEqual([
      '$.b: missing', '$.c.y: missing', '$.c.x: unexpected', '$.l[].q: missing',
    ]);
  });

  test('osd_map', () => {
    expect(keyDiff(maps.osd_map, refJson('mgr_internals/get.osd_map.json'), [
      '$.blocklist', '$.erasure_code_profiles', '$.pools[].application_metadata', '$.pools[].options',
    ])).toEqual([]);
    const osds = maps.osd_map!.osds as Json[];
    expect(osds).toHaveLength(24);
    expect(osds[5]).toMatchObject({ up: 0, in: 0, weight: 0, state: ['exists'] });
    const pgTemp = maps.osd_map!.pg_temp as Json[];
    expect(pgTemp.length).toBeGreaterThan(0);
    expect(keyDiff(pgTemp, refJson('mgr_internals/get.osd_map.json').pg_temp)).toEqual([]);
    const ec = (maps.osd_map!.pools as Json[]).find((p) => p.pool_name === 'cephfs.cephfs.data')!;
    expect(ec).toMatchObject({ type: 3, erasure_code_profile: 'cephfs-ec', size: 3, min_size: 2, crush_rule: 1 });
    expect((maps.osd_map!.erasure_code_profiles as Json)['cephfs-ec']).toMatchObject({ k: '2', m: '1', 'crush-failure-domain': 'host' });
    expect((maps.osd_map!.pools as Json[]).map((p) => p.pool_name)).toEqual([
      'device_health_metrics', 'rbd', 'cephfs.cephfs.meta', 'cephfs.cephfs.data', '.rgw.root', 'default.rgw.log',
      'default.rgw.control', 'default.rgw.meta', 'default.rgw.buckets.index', 'default.rgw.buckets.data',
    ]);
  });

  test('osd_map_tree: root, hosts and OSDs each with Ceph keys', () => {
    const ref = refJson('mgr_internals/get.osd_map_tree.json');
    expect(Object.keys(maps.osd_map_tree!).sort()).toEqual(Object.keys(ref).sort());
    const refByType = new Map((ref.nodes as Json[]).map((n) => [n.type, n]));
    const nodes = maps.osd_map_tree!.nodes as Json[];
    expect(nodes.filter((n) => n.type === 'host')).toHaveLength(cluster.topo.hosts.length);
    for (const n of nodes) expect(keyDiff(n, refByType.get(n.type)), String(n.name)).toEqual([]);
    expect(nodes.find((n) => n.id === 5)).toMatchObject({ status: 'down', reweight: 0 });
  });

  test('osd_map_crush', () => {
    const diff = keyDiff(maps.osd_map_crush, refJson('mgr_internals/get.osd_map_crush.json'), ['$.rules[].steps']);
    expect(diff).toEqual([]);
    const buckets = maps.osd_map_crush!.buckets as Json[];
    // Each host bucket plus its per-device-class shadow buckets.
    expect(buckets.filter((b) => b.type_name === 'host')).toHaveLength(cluster.topo.hosts.length * (1 + cluster.topo.classes.length));
    expect(buckets.map((b) => b.name)).toContain('default~hdd');
  });

  test('mon_map and mon_status', () => {
    expect(keyDiff(maps.mon_map, refJson('mgr_internals/get.mon_map.json'))).toEqual([]);
    // The MAP message carries mon_status plain; get('mon_status') wraps it as {json} (the reference).
    const ref = refJson('mgr_internals/get.mon_status.json');
    const status = maps.mon_status as Json;
    expect(keyDiff(status, JSON.parse(ref.json as string), ['$.feature_map'])).toEqual([]);
    expect(status.quorum).toEqual(cluster.topo.mons.map((m) => m.rank));
  });

  test('fs_map with one filesystem and its active MDS', () => {
    const ref = refJson('mgr_internals/get.fs_map.json');
    expect(keyDiff(maps.fs_map, ref, ['$.filesystems'])).toEqual([]);
    expect(keyDiff(maps.fs_map, refCli('cli/fs_dump_json.txt'), ['$.filesystems'])).toEqual([]);
    const fs = (maps.fs_map!.filesystems as Json[])[0]!;
    expect(Object.keys(fs)).toEqual(['mdsmap', 'id']);
    const mdsmap = fs.mdsmap as Json;
    expect(Object.keys(mdsmap)).toEqual([
      'epoch', 'flags', 'flags_state', 'ever_allowed_features', 'explicitly_allowed_features', 'created', 'modified', 'tableserver',
      'root', 'session_timeout', 'session_autoclose', 'required_client_features', 'max_file_size', 'last_failure',
      'last_failure_osd_epoch', 'compat', 'max_mds', 'in', 'up', 'failed', 'damaged', 'stopped', 'info', 'data_pools',
      'metadata_pool', 'enabled', 'fs_name', 'balancer', 'standby_count_wanted',
    ]);
    expect(keyDiff(mdsmap.compat, ref.compat)).toEqual([]);
    const info = Object.values(mdsmap.info as Json)[0] as Json;
    expect(info).toMatchObject({ rank: 0, state: 'up:active' });
    expect(mdsmap).toMatchObject({ fs_name: 'cephfs', metadata_pool: 3, data_pools: [4] });
  });

  test('service_map lists the rgw daemons by gid', () => {
    expect(keyDiff(maps.service_map, refJson('mgr_internals/get.service_map.json'), ['$.services'])).toEqual([]);
    const daemons = ((maps.service_map!.services as Json).rgw as Json).daemons as Json;
    expect(daemons.summary).toBe('');
    const rgw = cluster.daemons().find((d) => d.kind === 'rgw')!;
    const entry = daemons[String(rgw.service!.gid)] as Json;
    expect(Object.keys(entry)).toEqual(['start_epoch', 'start_stamp', 'gid', 'addr', 'metadata', 'task_status']);
    expect((entry.metadata as Json).id).toBe(rgw.name.slice('rgw.'.length));
  });

  test('fsid and no mon-side health checks on a healthy cluster', () => {
    expect(maps.fsid).toBe(cluster.fsid);
    expect(maps.health_checks).toEqual({});
  });
});

describe('daemon metadata', () => {
  const daemons = cluster.daemons();

  test('memstore OSD metadata has the key set of the reference memstore OSD (osd.0)', () => {
    const expected = Object.keys(refJson('mgr_internals/get_metadata.osd.0.json')).sort();
    const osds = daemons.filter((d) => d.kind === 'osd');
    expect(osds).toHaveLength(24);
    for (const d of osds) expect(Object.keys(d.metadata).sort()).toEqual(expected);
    expect(osds[0]!.metadata).toMatchObject({
      osd_objectstore: 'memstore',
      ceph_version: 'ceph version 16.2.15 (618f440892089921c3e944a991122ddc44e60516) pacific (stable)',
      hostname: 'node-0001',
      devices: '',
    });
  });

  test('bluestore OSD metadata (the default) has the key set of the reference bluestore OSD (osd.3), on a block device', () => {
    const bluestore = (refCli('cli/osd_metadata_json.txt') as Json[]).find((m) => m.osd_objectstore === 'bluestore')!;
    // osd.3 ran on a file (bluestore_bdev_path); on a device Ceph reports the dm node instead.
    expect(bluestore.bluestore_bdev_access_mode).toBe('file');
    const expected = [...Object.keys(bluestore).filter((k) => k !== 'id' && k !== 'bluestore_bdev_path'), 'bluestore_bdev_dev_node', 'bluestore_bdev_partition_path'].sort();
    const osds = new SimCluster({ osds: 12, seed: 9, startS: START }).daemons().filter((d) => d.kind === 'osd');
    for (const d of osds) expect(Object.keys(d.metadata).sort()).toEqual(expected);
    expect(Object.keys(osds[0]!.metadata)).toEqual(expect.arrayContaining(Object.keys(refJson('mgr_internals/get_metadata.osd.0.json'))));
    expect(osds[0]!.metadata).toMatchObject({ osd_objectstore: 'bluestore', hostname: 'node-0001', devices: 'sdb', bluestore_bdev_devices: 'sdb', bluestore_bdev_access_mode: 'blk', bluestore_bdev_dev_node: '/dev/dm-0' });
  });

  test('mon metadata has the key set of mon.a', () => {
    const expected = Object.keys(refJson('mgr_internals/get_metadata.mon.a.json')).sort();
    for (const d of daemons.filter((x) => x.kind === 'mon')) expect(Object.keys(d.metadata).sort()).toEqual(expected);
  });

  test('one mds and the rgw daemons, all up', () => {
    expect(daemons.filter((d) => d.kind === 'mds')).toHaveLength(1);
    expect(daemons.filter((d) => d.kind === 'rgw')).toHaveLength(1);
    for (const d of daemons) expect(cluster.isUp(d.name)).toBe(d.name !== 'osd.5');
    expect(cluster.isUp('osd.999')).toBe(false);
  });
});

describe('PG stats', () => {
  test('PgStatsMsg has the protocol shape', () => {
    const s = cluster.pgStats(0, START + 5)!;
    expect(s.osd).toBe(0);
    expect(s.epoch).toBe(cluster.epoch);
    expect(Object.keys(s.osd_stat.statfs).sort()).toEqual(
      Object.keys((refJson('mgr_internals/get.pg_dump.json').osd_stats as Json[])[0]!.statfs as Json).sort(),
    );
    for (const r of s.pg_stats) {
      expect(r.stat_sum).toHaveLength(STAT_SUM_FIELDS.length);
      expect(r.pgid).toMatch(/^\d+\.[0-9a-f]+$/);
      expect(r.version).toMatch(/^\d+'\d+$/);
      expect(r.acting_primary).toBe(0);
    }
    for (const p of s.pool_statfs ?? []) expect(p.total).toBe(0);
  });

  test('EC PGs with a missing shard show NONE in the up set', () => {
    let found = false;
    for (let o = 0; o < 24 && !found; o++) {
      for (const r of cluster.pgStats(o, START + 5)?.pg_stats ?? []) {
        if (r.pgid.startsWith('4.') && r.acting.includes(2147483647)) {
          found = true;
          expect(r.state).toContain('degraded');
        }
      }
    }
    expect(found).toBe(true);
  });
});

describe('counter schemas', () => {
  test('osd (memstore here) and mon schemas are the real ones, in file order', () => {
    const osd0 = refJson('admin_socket/osd.0.perf_schema.json') as Record<string, Record<string, { type: number; priority: number }>>;
    expect(Object.values(osd0).reduce((n, cs) => n + Object.keys(cs).length, 0)).toBe(414);
    for (const [kind, file] of [['osd', 'osd'], ['mon', 'mon']] as const) {
      const ref = JSON.parse(readFileSync(join(ROOT, 'src', 'sim', 'schemas', `${file}.perf_schema.json`), 'utf8')) as Record<string, Record<string, { type: number; priority: number }>>;
      if (kind === 'osd') expect(ref).toEqual(osd0);
      const paths = Object.entries(ref).flatMap(([s, cs]) => Object.keys(cs).map((n) => `${s}.${n}`));
      const decls = cluster.counterSchema(kind);
      expect(decls.map((d) => d.path)).toEqual(paths);
      const opw = decls.find((d) => d.path === (kind === 'osd' ? 'osd.op_w_latency' : 'paxos.commit_latency'))!;
      expect(opw.type).toBe(PERFCOUNTER_TIME | PERFCOUNTER_LONGRUNAVG);
      const byPath = new Map<string, { type: number; priority: number }>(Object.entries(ref).flatMap(([s, cs]) => Object.entries(cs).map(([n, e]) => [`${s}.${n}`, e])));
      for (const d of decls) expect([d.type, d.priority]).toEqual([byPath.get(d.path)!.type, byPath.get(d.path)!.priority]);
    }
  });

  test('sampled vectors are width-expanded per valueWidth, finite and non-negative', () => {
    for (const d of cluster.daemons().filter((x, i, all) => all.findIndex((y) => y.kind === x.kind) === i)) {
      const decls = cluster.counterSchema(d.kind, d.name);
      const width = decls.reduce((s, x) => s + valueWidth(x.type), 0);
      const v = cluster.sampleCounters(d.name, START + 30);
      expect(v, d.name).toHaveLength(width);
      for (const x of v) {
        expect(Number.isFinite(x)).toBe(true);
        expect(x).toBeGreaterThanOrEqual(0);
      }
      expect(decls.some((x) => x.priority >= 5)).toBe(true);
    }
    expect(() => cluster.sampleCounters('osd.77', START)).toThrow(/no daemon named "osd.77"/);
  });

  test('mds and rgw schemas use Ceph names', () => {
    const mds = cluster.counterSchema('mds').map((d) => d.path);
    expect(mds).toEqual(expect.arrayContaining(['mds.request', 'mds.reply_latency', 'mds.inodes', 'mds_sessions.session_count', 'mds_server.handle_client_request']));
    const rgw = cluster.counterSchema('rgw').map((d) => d.path);
    expect(rgw).toEqual(expect.arrayContaining(['rgw.req', 'rgw.get', 'rgw.get_b', 'rgw.get_initial_lat', 'rgw.put', 'rgw.put_b', 'rgw.put_initial_lat', 'rgw.qlen']));
  });
});
