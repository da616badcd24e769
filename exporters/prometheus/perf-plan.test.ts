import { describe, expect, it } from 'vitest';
import {
  PERFCOUNTER_COUNTER, PERFCOUNTER_HISTOGRAM, PERFCOUNTER_LONGRUNAVG, PERFCOUNTER_TIME, PERFCOUNTER_U64, type CounterColumn,
} from '../../src/mgr-module/index.js';
import { buildPlan, perfFamilyType, promethize, sameColumns } from './perf-plan.js';

function columns(list: Array<[path: string, type: number, priority?: number]>): CounterColumn[] {
  let col = 0;
  return list.map(([path, type, priority = 5]) => {
    const width = type & PERFCOUNTER_HISTOGRAM ? 0 : type & PERFCOUNTER_LONGRUNAVG ? 2 : 1;
    const c: CounterColumn = { path, description: `desc of ${path}`, nick: '', type, priority, unit: 'none', col, width };
    col += width;
    return c;
  });
}

const rules = { minPriority: 5, reserved: new Set(['ceph_osd_up']) };

describe('promethize (Ceph names)', () => {
  it.each([
    ['osd.op_w', 'ceph_osd_op_w'],
    ['AsyncMessenger::Worker-0.msgr_recv_bytes', 'ceph_AsyncMessenger_Worker_0_msgr_recv_bytes'],
    ['prioritycache:full.pri0_bytes', 'ceph_prioritycache:full_pri0_bytes'],
    ['bluestore-pricache.target_bytes', 'ceph_bluestore_pricache_target_bytes'],
    ['throttle-osd_client_bytes.val', 'ceph_throttle_osd_client_bytes_val'],
    ['mds_mem.ino+', 'ceph_mds_mem_ino_plus'],
    ['mds_mem.ino-', 'ceph_mds_mem_ino_minus'],
    ['a/b c.d', 'ceph_a_b_c_d'],
  ])('%s → %s', (path, name) => expect(promethize(path)).toBe(name));
});

describe('perfFamilyType (Ceph _stattype_to_str)', () => {
  it.each([
    [PERFCOUNTER_U64, 'gauge'],
    [PERFCOUNTER_TIME, 'gauge'],
    [PERFCOUNTER_U64 | PERFCOUNTER_COUNTER, 'counter'],
    [PERFCOUNTER_TIME | PERFCOUNTER_LONGRUNAVG, 'counter'],
    [PERFCOUNTER_U64 | PERFCOUNTER_LONGRUNAVG, 'counter'],
    [PERFCOUNTER_U64 | PERFCOUNTER_HISTOGRAM | PERFCOUNTER_COUNTER, undefined],
    [PERFCOUNTER_U64 | PERFCOUNTER_LONGRUNAVG | PERFCOUNTER_COUNTER, undefined],
  ])('type %i → %s', (type, expected) => expect(perfFamilyType(type)).toBe(expected));
});

describe('buildPlan', () => {
  it('makes _sum/_count for averages (TIME sums in seconds), skips histograms and low priorities', () => {
    const plan = buildPlan('osd', columns([
      ['osd.op_w', PERFCOUNTER_U64 | PERFCOUNTER_COUNTER],
      ['osd.op_w_latency', PERFCOUNTER_TIME | PERFCOUNTER_LONGRUNAVG],
      ['osd.op_w_latency_in_bytes_histogram', PERFCOUNTER_U64 | PERFCOUNTER_HISTOGRAM | PERFCOUNTER_COUNTER],
      ['osd.numpg', PERFCOUNTER_U64],
      ['osd.loadavg', PERFCOUNTER_U64, 0],
    ]), rules);
    expect(plan.entries.map((e) => [e.family, e.type, e.col, e.nanos, e.help])).toEqual([
      ['ceph_osd_op_w', 'counter', 0, false, 'desc of osd.op_w'],
      ['ceph_osd_op_w_latency_sum', 'counter', 1, true, 'desc of osd.op_w_latency Total'],
      ['ceph_osd_op_w_latency_count', 'counter', 2, false, 'desc of osd.op_w_latency Count'],
      ['ceph_osd_numpg', 'gauge', 3, false, 'desc of osd.numpg'],
    ]);
  });

  it('keeps cluster-level families and repeated names out, and says why', () => {
    const plan = buildPlan('osd', columns([['osd.up', PERFCOUNTER_U64], ['osd.a-b', PERFCOUNTER_U64], ['osd.a_b', PERFCOUNTER_U64]]), rules);
    expect(plan.entries.map((e) => e.family)).toEqual(['ceph_osd_a_b']);
    expect(plan.skipped.map((s) => s.reason)).toEqual(['ceph_osd_up is a cluster-level family', 'ceph_osd_a_b is already produced by another counter of this daemon']);
  });

  it('labels rbd-mirror image counters by pool, namespace and image, as Ceph 16', () => {
    const plan = buildPlan('rbd-mirror', columns([
      ['rbd_mirror_image_rbd/ns1/img.replay', PERFCOUNTER_U64 | PERFCOUNTER_COUNTER],
      ['rbd_mirror_image_rbd/img2.replay_bytes', PERFCOUNTER_U64 | PERFCOUNTER_COUNTER],
    ]), rules);
    expect(plan.entries.map((e) => [e.family, e.labelSuffix])).toEqual([
      ['ceph_rbd_mirror_image_replay', ',pool="rbd",namespace="ns1",image="img"'],
      ['ceph_rbd_mirror_image_replay_bytes', ',pool="rbd",namespace="",image="img2"'],
    ]);
  });

  it('adds the fixed-name copy of rgw sync counters with source_zone', () => {
    const plan = buildPlan('rgw', columns([['data-sync-from-us-east.fetch_bytes', PERFCOUNTER_U64 | PERFCOUNTER_COUNTER]]), rules);
    expect(plan.entries.map((e) => [e.family, e.labelSuffix])).toEqual([
      ['ceph_data_sync_from_us_east_fetch_bytes', ''],
      ['ceph_data_sync_from_zone_fetch_bytes', ',source_zone="us-east"'],
    ]);
  });

  it('compares schemas structurally', () => {
    const a = columns([['osd.op_w', PERFCOUNTER_U64 | PERFCOUNTER_COUNTER]]);
    const b = columns([['osd.op_w', PERFCOUNTER_U64 | PERFCOUNTER_COUNTER]]);
    const c = columns([['osd.op_r', PERFCOUNTER_U64 | PERFCOUNTER_COUNTER]]);
    expect([sameColumns(a, b), sameColumns(a, c)]).toEqual([true, false]);
  });
});
