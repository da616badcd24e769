// Issue 16 item 4: the simulator's defaults look like a production cluster:
// bluestore OSDs on block devices (device metadata, so ceph_disk_occupation and
// the bluestore/bluefs counters have samples), three mons also on a small
// cluster, hosts of several OSDs with two disk sizes, and a compressed pool. The
// reference cluster's shape (memstore, one mon, one size) stays an option.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimCluster } from '../../src/sim/model/sim-cluster.js';
import { runSimCommand } from '../../src/sim/model/sim-commands.js';
import type { SimRunner } from '../../src/sim/sim-runner.js';
import { valueWidth } from '../../src/mgr-module/perf-types.js';
import { startPrometheusTestCluster, waitFor, type TestMgr } from '../helpers/harness.js';

const START = 1_800_000_000;

interface DumpedPool {
  pool: number;
  pool_name: string;
  options: Record<string, unknown>;
}

function pools(c: SimCluster): DumpedPool[] {
  return (c.maps().osd_map as { pools: DumpedPool[] }).pools;
}

/** The value of counter `path` in a sample of daemon `name`. */
function counter(c: SimCluster, name: string, path: string, nowS: number): number {
  let at = 0;
  for (const d of c.counterSchema('osd', name)) {
    if (d.path === path) return c.sampleCounters(name, nowS)[at]!;
    at += valueWidth(d.type);
  }
  throw new Error(`${name} declares no ${path}`);
}

describe('default simulated cluster', () => {
  const c = new SimCluster({ osds: 12, seed: 21, startS: START });

  it('has three mons in quorum on three hosts', () => {
    expect(c.topo.hosts).toHaveLength(3);
    expect(c.topo.mons.map((m) => [m.name, m.host])).toEqual([['a', 0], ['b', 1], ['c', 2]]);
    expect((c.maps().mon_status as { quorum: number[] }).quorum).toEqual([0, 1, 2]);
    expect(c.maps().health_checks).toEqual({});
    // Each mon host's own OS disk (`device ls` must not merge three hosts into one device).
    const monDevices = c.daemons().filter((d) => d.kind === 'mon').map((d) => d.metadata.device_ids);
    expect(new Set(monDevices).size).toBe(3);
  });

  it('runs bluestore OSDs on devices: devices, device_ids, rotational, device class, a dm node', () => {
    expect(c.objectstore).toBe('bluestore');
    const osds = c.daemons().filter((d) => d.kind === 'osd');
    expect(osds).toHaveLength(12);
    const nodes = new Set<string>();
    for (const d of osds) {
      const m = d.metadata;
      const o = c.topo.osds[Number(d.name.slice(4))]!;
      expect(m.osd_objectstore, d.name).toBe('bluestore');
      expect(m.devices, d.name).toMatch(/^sd[b-z]$/);
      expect(m.device_ids, d.name).toBe(`${m.devices}=${o.deviceId}`);
      expect(m.device_paths, d.name).toMatch(new RegExp(`^${m.devices}=/dev/disk/by-path/`));
      expect([m.rotational, m.bluestore_bdev_rotational, m.default_device_class], d.name).toEqual(['1', '1', 'hdd']);
      expect(m.bluestore_bdev_size, d.name).toBe(String(o.sizeBytes));
      expect(m.bluestore_bdev_access_mode, d.name).toBe('blk');
      expect(m.bluestore_bdev_partition_path, d.name).toBe(m.bluestore_bdev_dev_node);
      nodes.add(`${m.hostname} ${m.bluestore_bdev_dev_node}`);
    }
    // One device-mapper node per OSD on each host (ceph_disk_occupation_human joins on it).
    expect(nodes.size).toBe(12);
    expect(c.counterSchema('osd').some((x) => x.path.startsWith('bluefs.'))).toBe(true);
  });

  it('puts four OSDs of two disk sizes on every host, each host the same capacity', () => {
    expect(c.topo.hosts.map((h) => h.osdCount)).toEqual([4, 4, 4]);
    const sizes = [...new Set(c.topo.osds.map((o) => o.sizeBytes))].sort((a, b) => a - b);
    expect(sizes).toHaveLength(2);
    const perHost = c.topo.hosts.map((h) => c.topo.osds.filter((o) => o.host === h.index).reduce((s, o) => s + o.sizeBytes, 0));
    expect(new Set(perHost).size).toBe(1);
    // Bigger disks take proportionally more PGs (CRUSH weight = size), so both sizes fill to about the same ratio.
    const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
    const of = (size: number, f: (id: number) => number): number => mean(c.topo.osds.filter((o) => o.sizeBytes === size).map((o) => f(o.id)));
    const pgsPerTb = sizes.map((size) => of(size, (id) => c.usage.get(id).numPgs) / (size / 1e12));
    expect(pgsPerTb[1]! / pgsPerTb[0]!).toBeGreaterThan(0.8);
    expect(pgsPerTb[1]! / pgsPerTb[0]!).toBeLessThan(1.25);
    const used = sizes.map((size) => of(size, (id) => c.osdUsedRatio(id)));
    expect(Math.abs(used[1]! - used[0]!)).toBeLessThan(0.06);
  });

  it('compresses one pool: its options say so, and bluestore reports the compressed bytes', () => {
    const zipped = pools(c).filter((p) => 'compression_mode' in p.options);
    expect(zipped.map((p) => [p.pool_name, p.options.compression_mode, p.options.compression_algorithm])).toEqual([['default.rgw.buckets.data', 'aggressive', 'snappy']]);
    const id = zipped[0]!.pool;
    let original = 0;
    let allocated = 0;
    for (let o = 0; o < 12; o++) {
      const s = c.pgStats(o, START + 1)!;
      let sum = 0;
      for (const ps of s.pool_statfs ?? []) {
        sum += ps.data_compressed_original;
        if (ps.poolid !== id) {
          expect([ps.data_compressed, ps.data_compressed_allocated, ps.data_compressed_original]).toEqual([0, 0, 0]);
          continue;
        }
        original += ps.data_compressed_original;
        allocated += ps.data_compressed_allocated;
        expect(ps.data_compressed).toBeLessThan(ps.data_compressed_allocated);
        expect(ps.allocated).toBeLessThan(ps.data_stored);
      }
      // The OSD's store_statfs is the sum over its pools, and the bluestore counters say the same.
      expect(s.osd_stat.statfs.data_compressed_original).toBe(sum);
      expect(counter(c, `osd.${o}`, 'bluestore.bluestore_compressed_original', START + 1)).toBe(sum);
      expect(counter(c, `osd.${o}`, 'bluestore.bluestore_compressed_allocated', START + 1)).toBe(s.osd_stat.statfs.data_compressed_allocated);
    }
    expect(original).toBeGreaterThan(0);
    expect(allocated / original).toBeGreaterThan(0.4);
    expect(allocated / original).toBeLessThan(0.6);
  });

  it('compresses the CephFS data pool when there is no RGW', () => {
    const noRgw = new SimCluster({ osds: 12, seed: 21, startS: START, rgws: 0 });
    expect(pools(noRgw).filter((p) => p.options.compression_mode === 'aggressive').map((p) => p.pool_name)).toEqual(['cephfs.cephfs.data']);
  });
});

describe('osd pool set compression_mode|compression_algorithm', () => {
  const compressedOriginal = (c: SimCluster, poolId: number): number => {
    let sum = 0;
    for (let o = 0; o < c.topo.osds.length; o++) for (const ps of c.pgStats(o, c.nowS)?.pool_statfs ?? []) if (ps.poolid === poolId) sum += ps.data_compressed_original;
    return sum;
  };

  it('sets the pool option as OSDMonitor does, and bluestore compresses the pool from then on', () => {
    const c = new SimCluster({ osds: 12, seed: 21, startS: START, compressedPool: false });
    const rbd = pools(c).find((p) => p.pool_name === 'rbd')!;
    expect(compressedOriginal(c, rbd.pool)).toBe(0);
    const epoch = c.epoch;
    expect(runSimCommand(c, { prefix: 'osd pool set', pool: 'rbd', var: 'compression_mode', val: 'force' })).toEqual({ r: 0, outb: '', outs: `set pool ${rbd.pool} compression_mode to force` });
    expect(runSimCommand(c, { prefix: 'osd pool set', pool: 'rbd', var: 'compression_algorithm', val: 'zstd' }).r).toBe(0);
    expect(c.epoch).toBeGreaterThan(epoch);
    expect(pools(c).find((p) => p.pool_name === 'rbd')!.options).toMatchObject({ compression_mode: 'force', compression_algorithm: 'zstd' });
    const original = compressedOriginal(c, rbd.pool);
    expect(original).toBeGreaterThan(0);
    expect(runSimCommand(c, { prefix: 'osd pool set', pool: 'rbd', var: 'compression_mode', val: 'none' }).r).toBe(0);
    expect(compressedOriginal(c, rbd.pool)).toBe(0);
  });

  it('refuses unknown modes and algorithms with Ceph\'s words, changing nothing', () => {
    const c = new SimCluster({ osds: 12, seed: 21, startS: START });
    const before = JSON.stringify(pools(c));
    expect(runSimCommand(c, { prefix: 'osd pool set', pool: 'rbd', var: 'compression_mode', val: 'always' })).toEqual({ r: -22, outb: '', outs: "unrecognized compression mode 'always'" });
    expect(runSimCommand(c, { prefix: 'osd pool set', pool: 'rbd', var: 'compression_algorithm', val: 'gzip' })).toEqual({ r: -22, outb: '', outs: "unrecognized compression_algorithm 'gzip'" });
    expect(JSON.stringify(pools(c))).toBe(before);
  });
});

describe('the reference shape and the stores on request', () => {
  it('one mon, memstore, one disk size, no compression', () => {
    const c = new SimCluster({ osds: 12, seed: 21, startS: START, mons: 1, objectstore: 'memstore', mixedSizes: false, compressedPool: false });
    expect(c.topo.mons).toHaveLength(1);
    expect(new Set(c.topo.osds.map((o) => o.sizeBytes)).size).toBe(1);
    expect(c.daemons().find((d) => d.name === 'osd.0')!.metadata).toMatchObject({ osd_objectstore: 'memstore', devices: '' });
    expect(pools(c).some((p) => 'compression_mode' in p.options)).toBe(false);
  });

  it('memstore OSDs of a mixed cluster do not compress', () => {
    const c = new SimCluster({ osds: 12, seed: 21, startS: START, objectstore: 'mixed' });
    for (let o = 0; o < 12; o++) {
      const compressed = c.pgStats(o, START + 1)!.osd_stat.statfs.data_compressed_original;
      if (c.osdObjectstore(o) === 'bluestore') expect(compressed, `osd.${o}`).toBeGreaterThan(0);
      else expect(compressed, `osd.${o}`).toBe(0);
    }
  });

  it('bad values of the new options are refused by name', () => {
    expect(() => new SimCluster({ osds: 3, seed: 1, mixedSizes: 'yes' as unknown as boolean })).toThrow(/SimOptions.mixedSizes must be true or false, got yes/);
    expect(() => new SimCluster({ osds: 3, seed: 1, compressedPool: 1 as unknown as boolean })).toThrow(/SimOptions.compressedPool must be true or false/);
  });
});

describe('default simulated cluster on /metrics', () => {
  let t: TestMgr | undefined;
  let sim: SimRunner | undefined;
  let url = '';

  beforeAll(async () => {
    ({ t, sim, url } = await startPrometheusTestCluster({ osds: 12, seed: 9, model: { backgroundScrub: false } }));
  }, 60_000);

  afterAll(async () => {
    await sim?.stop();
    await t?.stop();
  });

  it('has disk occupation, bluestore and bluefs counters, three mons in quorum and compressed bytes', async () => {
    const has = (b: string, re: RegExp): number => (b.match(re) ?? []).length;
    const body = await waitFor(async () => {
      const b = await (await fetch(`${url}metrics`)).text();
      // Every daemon reports on its own schedule: wait for the 12 OSDs and the 3 mons.
      return has(b, /\nceph_disk_occupation\{/g) === 12 && has(b, /\nceph_bluestore_commit_lat_count\{/g) === 12 &&
        has(b, /\nceph_rocksdb_get_latency_count\{ceph_daemon="mon\.[abc]"\} /g) === 3 && /\nceph_pool_compress_bytes_used\{pool_id="\d+"\} [1-9]/.test(b) ? b : undefined;
    }, 30_000, 'disk occupation and bluestore counters of 12 OSDs, rocksdb counters of 3 mons, compressed bytes');
    expect(body).toMatch(/\nceph_disk_occupation\{ceph_daemon="osd\.0",device="\/dev\/dm-0",db_device="",wal_device="",instance="node-0001",devices="sdb",device_ids="sdb=[^"]+"\} 1/);
    expect(has(body, /\nceph_disk_occupation_human\{/g)).toBe(12);
    expect(has(body, /\nceph_osd_metadata\{[^}]*objectstore="bluestore"/g)).toBe(12);
    for (const family of ['ceph_bluefs_db_used_bytes', 'ceph_bluestore_kv_sync_lat_count', 'ceph_bluestore_state_aio_wait_lat_sum']) {
      expect(has(body, new RegExp(`\\n${family}\\{ceph_daemon="osd\\.\\d+"\\} [1-9]`, 'g')), family).toBe(12);
    }
    // RocksDB: the mons' store (the OSDs' rocksdb counters are debug-only, priority 0, as on Ceph).
    expect(has(body, /\nceph_rocksdb_get_latency_count\{ceph_daemon="mon\.[abc]"\} /g)).toBe(3);
    expect(has(body, /^ceph_mon_quorum_status\{ceph_daemon="mon\.[abc]"\} 1(\.0)?$/gm)).toBe(3);
    expect(body).toMatch(/\nceph_pool_compress_under_bytes\{pool_id="\d+"\} [1-9]/);
    expect(body).toMatch(/\nceph_pool_metadata\{[^}]*name="default\.rgw\.buckets\.data"[^}]*compression_mode="aggressive"\} 1/);
  });
});
