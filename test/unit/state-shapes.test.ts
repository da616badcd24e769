// Every PGMap view against the shape of what a real Ceph 16.2.15 emitted
// (test/fixtures/ceph-reference): same key paths, same JSON types. The inputs
// are a synthetic cluster resembling the reference one (4 OSDs, 4 pools, 57
// PGs), in the two conditions the reference was captured in: the mgr_internals
// files while 2 PGs were recovering (misplaced objects, recovery rates), the
// cli files while all PGs were active+clean. Ceph emits some keys only when
// they are non-zero, so each reference is compared with its own condition.

import { describe, expect, test } from 'vitest';
import { STAT_SUM_INDEX as S } from '../../src/protocol/messages.js';
import { CrushTopology } from '../../src/state/crush-topology.js';
import { PGMap } from '../../src/state/pg-map.js';
import { diffShapes, expectSameShape, shapeOf } from '../helpers/shape.js';
import { SimCluster, makeOsdMap, makeOsdTree, refCli, refJson, type ClusterSpec } from '../helpers/pg-cluster.js';

const SPEC: ClusterSpec = {
  numOsds: 4,
  osdsPerHost: 4,
  pools: [
    { id: 1, name: 'device_health_metrics', size: 2, pgNum: 1 },
    { id: 2, name: 'data', size: 2, pgNum: 32 },
    { id: 3, name: 'meta', size: 2, pgNum: 16, quotaMaxObjects: 10000 },
    { id: 4, name: 'single', size: 1, pgNum: 8 },
  ],
  // As in the reference: one BlueStore OSD reporting per-pool stats, three that do not.
  perPoolOsds: [3],
};

const T0 = 1_800_000_000;

function cluster(condition: 'clean' | 'recovering'): PGMap {
  const sim = new SimCluster(SPEC);
  const m = new PGMap();
  m.applyOsdMap(makeOsdMap(SPEC, 40), T0);
  m.setTopology(CrushTopology.fromTree(makeOsdTree(SPEC)));
  const recovering = ['2.6', '2.1a'].map((id) => sim.pg(id));
  if (condition === 'recovering') {
    for (const pg of recovering) {
      pg.state = 'active+recovering+undersized+remapped';
      pg.acting = [pg.up[0]!];
      pg.stat[S.num_objects_misplaced] = 300;
    }
  }
  for (let i = 0; i < 3; i++) {
    const t = T0 + 5 * i;
    if (condition === 'recovering' && i > 0) {
      for (const pg of recovering) {
        pg.stat[S.num_objects_recovered]! += 40;
        pg.stat[S.num_bytes_recovered]! += 40 * 4 * 1024 * 1024;
      }
    }
    for (const msg of sim.messages(t)) m.applyPgStats(msg, t);
    m.tick(t);
  }
  return m;
}

const recovering = cluster('recovering');
const clean = cluster('clean');

/** Id-keyed objects in the reference files. */
const PG_SUMMARY_MAPS = ['all', 'by_osd', 'by_osd.*', 'by_pool', 'by_pool.*'];
const DF_MAPS = ['stats_by_class'];
/** mgrd's OSD report carries no heartbeat ping times: the array is there, empty. */
const NO_PINGS = ['osd_stats[].network_ping_times[]', 'pg_map.osd_stats[].network_ping_times[]'];

describe('the shape helper', () => {
  test('folds arrays and id-keyed maps, and names every difference by path', () => {
    const ref = { by_osd: { '0': { 'active+clean': 1 } }, pgs: [{ id: 1, sets: [[1]] }], stamp: 'x' };
    const ours = { by_osd: { '7': { 'active+clean': 2, stale: 1 } }, pgs: [], stamp: 1, extra: true };
    expect([...shapeOf(ref, { mapPaths: ['by_osd', 'by_osd.*'] })].sort()).toEqual(['by_osd', 'by_osd.*', 'by_osd.*.*', 'pgs', 'pgs[]', 'pgs[].id', 'pgs[].sets', 'pgs[].sets[]', 'pgs[].sets[][]', 'stamp']);
    expect(diffShapes(ours, ref, { mapPaths: ['by_osd', 'by_osd.*'] })).toEqual({
      missing: ['pgs[]', 'pgs[].id', 'pgs[].sets', 'pgs[].sets[]', 'pgs[].sets[][]'],
      extra: ['extra'],
      typeMismatch: ['stamp: actual number, expected string'],
    });
    expect(() => expectSameShape(ours, ref, 'x')).toThrow(/missing: pgs\[\]\.id[\s\S]*extra: {3}extra/);
    expect(diffShapes(ours, ref, { mapPaths: ['by_osd', 'by_osd.*'], ignore: ['pgs', 'extra', 'stamp'] })).toEqual({ missing: [], extra: [], typeMismatch: [] });
  });
});

describe('get() views match mgr_internals/ (2 PGs recovering)', () => {
  const cases: Array<[string, () => unknown, string[]]> = [
    ['get.pg_summary.json', () => recovering.pgSummary(), PG_SUMMARY_MAPS],
    ['get.pg_status.json', () => recovering.pgStatus(), []],
    ['get.pg_dump.json', () => recovering.pgDump(), []],
    ['get.pg_stats.json', () => recovering.pgStats(), []],
    ['get.pool_stats.json', () => recovering.poolStats(), []],
    ['get.osd_stats.json', () => recovering.osdStats(), []],
    ['get.df.json', () => recovering.df(), DF_MAPS],
    ['get.io_rate.json', () => recovering.ioRate(), []],
    ['get.pg_ready.json', () => recovering.pgReady(), []],
  ];
  for (const [file, view, mapPaths] of cases) {
    test(file, () => {
      expectSameShape(JSON.parse(JSON.stringify(view())), refJson(`mgr_internals/${file}`), file, { mapPaths });
    });
  }
});

describe('command views match cli/ (all PGs active+clean)', () => {
  const cases: Array<[string, () => unknown, string[], string[]]> = [
    ['pg_stat_json.txt', () => clean.pgStatCommand(), [], []],
    ['pg_dump_full.json.gz', () => clean.pgDumpCommand('all'), [], NO_PINGS],
    ['pg_dump_sum_json.txt', () => clean.pgDumpCommand('sum'), [], []],
    ['pg_dump_pools_json.txt', () => clean.pgDumpCommand('pools'), [], []],
    ['pg_dump_osds_json.txt', () => clean.pgDumpCommand('osds'), [], NO_PINGS],
    ['pg_dump_pgs_brief_json.txt', () => clean.pgDumpCommand('pgs_brief'), [], []],
    ['osd_df_json.txt', () => clean.osdDfCommand(), ['nodes[].pool_weights'], []],
    ['tell_mgr_osd_perf.txt', () => clean.osdPerfCommand(), [], []],
    ['tell_mgr_osd_pool_stats.txt', () => clean.osdPoolStatsCommand(), [], []],
    ['df_json.txt', () => clean.dfCommand(false), DF_MAPS, []],
    ['df_detail_json.txt', () => clean.dfCommand(true), DF_MAPS, []],
  ];
  for (const [file, view, mapPaths, ignore] of cases) {
    test(file, () => {
      const ref = file.endsWith('.gz') ? refJson(`cli/${file}`) : refCli(`cli/${file}`);
      expectSameShape(JSON.parse(JSON.stringify(view())), ref, file, { mapPaths, ignore });
    });
  }
});

describe('keys Ceph emits only when non-zero', () => {
  test('pg_status carries recovery keys while recovering, none when clean', () => {
    const keys = (v: unknown): string[] => [...shapeOf(v)].filter((k) => /misplaced|recovering_|_recovered/.test(k));
    expect(keys(recovering.pgStatus()).sort()).toEqual(
      ['misplaced_objects', 'misplaced_ratio', 'misplaced_total', 'num_bytes_recovered', 'num_keys_recovered', 'num_objects_recovered', 'recovering_bytes_per_sec', 'recovering_keys_per_sec', 'recovering_objects_per_sec'].sort(),
    );
    expect(keys(clean.pgStatus())).toEqual([]);
  });

  test('the mgr_internals pg_status differs from the clean one exactly by those keys', () => {
    const d = diffShapes(clean.pgStatus(), refJson('mgr_internals/get.pg_status.json'));
    expect(d.extra).toEqual([]);
    expect(d.missing.every((k) => /misplaced|recovering_|_recovered/.test(k))).toBe(true);
  });
});
