// One OSD: its state, capacity, placement groups, latency, IO and the perf
// counters that tell a slow disk from a busy one. BlueStore panels stay empty
// on other objectstores.

import { BASE_VARIABLES, M, avgRate, board, gauge, q, queryVar, rate, row, sel, stat, timeseries } from '../grafana.js';

const OSD = 'ceph_daemon=~"$osd"';
const s = (metric: string): string => sel(metric, OSD);
const r = (metric: string): string => rate(metric, OSD);
const avg = (metric: string): string => avgRate(metric, OSD);
const YES_NO = (no: string, yes: string) => [{
  type: 'value' as const,
  options: { '0': { text: no, color: 'red', index: 0 }, '1': { text: yes, color: 'green', index: 1 } },
}];

export const osdDetail = board({
  uid: 'mgrd-ceph-osd-detail',
  title: 'Ceph - OSD detail',
  description: 'One OSD: state, capacity, PGs, latency (from the _sum/_count counters), IO, recovery and BlueStore.',
  variables: [...BASE_VARIABLES, queryVar('osd', 'OSD', `label_values(ceph_osd_metadata{${M}}, ceph_daemon)`)],
  cells: [
    row('$osd'),
    stat({ title: 'Up', description: 'Whether the OSD is up.', mappings: YES_NO('down', 'up'), steps: [[null, 'red'], [1, 'green']] }, q(s('ceph_osd_up'), '', { instant: true })),
    stat({ title: 'In', description: 'Whether the OSD is in (holds data).', mappings: YES_NO('out', 'in'), steps: [[null, 'red'], [1, 'green']] }, q(s('ceph_osd_in'), '', { instant: true })),
    stat({ title: 'Host and device', description: 'Host, device class and objectstore from the OSD\'s metadata.', textMode: 'name', w: 8 },
      q(s('ceph_osd_metadata'), '{{hostname}} · {{device_class}} · {{objectstore}}', { instant: true })),
    stat({ title: 'PGs', description: 'Placement group replicas on the OSD.' }, q(s('ceph_osd_numpg'), '', { instant: true })),
    gauge({ title: 'Used', description: 'Bytes used of the OSD\'s capacity.', unit: 'percentunit', min: 0, max: 1, w: 4, h: 4, steps: [[null, 'green'], [0.85, 'orange'], [0.95, 'red']] },
      q(`${s('ceph_osd_stat_bytes_used')} / ${s('ceph_osd_stat_bytes')}`, '', { instant: true })),
    row('Latency'),
    timeseries({ title: 'Client op latency', description: 'Mean read, write and read-modify-write latency (op_r/op_w/op_rw_latency).', unit: 's' },
      q(avg('ceph_osd_op_r_latency'), 'read'), q(avg('ceph_osd_op_w_latency'), 'write'), q(avg('ceph_osd_op_rw_latency'), 'read-modify-write')),
    timeseries({ title: 'Where the time goes', description: 'Mean time per op spent before processing (prepare) and processing, against the whole op.', unit: 's' },
      q(avg('ceph_osd_op_latency'), 'op'), q(avg('ceph_osd_op_process_latency'), 'process'), q(avg('ceph_osd_op_prepare_latency'), 'prepare')),
    timeseries({ title: 'Apply and commit latency', description: 'osd perf figures the OSD reports with its statistics.', unit: 'ms' },
      q(s('ceph_osd_apply_latency_ms'), 'apply'), q(s('ceph_osd_commit_latency_ms'), 'commit')),
    row('IO'),
    timeseries({ title: 'Operations', description: 'Client read, write and read-modify-write operations per second.', unit: 'iops' },
      q(r('ceph_osd_op_r'), 'read'), q(r('ceph_osd_op_w'), 'write'), q(r('ceph_osd_op_rw'), 'read-modify-write')),
    timeseries({ title: 'Throughput', description: 'Client bytes read and written per second.', unit: 'Bps' },
      q(r('ceph_osd_op_r_out_bytes'), 'read'), q(r('ceph_osd_op_w_in_bytes'), 'write')),
    timeseries({ title: 'Operations in flight', description: 'Client operations being processed right now (op_wip).' },
      q(s('ceph_osd_op_wip'), 'in flight')),
    row('Capacity, PGs and recovery'),
    timeseries({ title: 'Capacity', description: 'Bytes used and capacity.', unit: 'bytes' },
      q(s('ceph_osd_stat_bytes'), 'capacity'), q(s('ceph_osd_stat_bytes_used'), 'used')),
    timeseries({ title: 'Placement groups', description: 'PG replicas held and being removed.' },
      q(s('ceph_osd_numpg'), 'PGs'), q(s('ceph_osd_numpg_removing'), 'removing')),
    timeseries({ title: 'Recovery', description: 'Recovery and backfill operations and bytes per second this OSD takes part in.', unit: 'Bps' },
      q(r('ceph_osd_recovery_bytes'), 'bytes'), q(r('ceph_osd_recovery_ops'), 'ops')),
    row('BlueStore'),
    timeseries({ title: 'BlueStore latency', description: 'Mean commit, read and KV sync latency (BlueStore OSDs only).', unit: 's' },
      q(avg('ceph_bluestore_commit_lat'), 'commit'), q(avg('ceph_bluestore_read_lat'), 'read'), q(avg('ceph_bluestore_kv_sync_lat'), 'kv sync')),
    timeseries({ title: 'BlueFS DB', description: 'RocksDB space on the DB device (BlueStore OSDs only).', unit: 'bytes' },
      q(s('ceph_bluefs_db_total_bytes'), 'total'), q(s('ceph_bluefs_db_used_bytes'), 'used')),
    timeseries({ title: 'BlueStore write path', description: 'Mean time a write spends in submit, in the throttle and waiting for its disk IO (BlueStore OSDs only).', unit: 's' },
      q(avg('ceph_bluestore_submit_lat'), 'submit'), q(avg('ceph_bluestore_throttle_lat'), 'throttle'), q(avg('ceph_bluestore_state_aio_wait_lat'), 'aio wait')),
    timeseries({ title: 'Onode cache hit ratio', description: 'Share of onode lookups served from the cache (BlueStore OSDs only).', unit: 'percentunit', min: 0, max: 1, w: 24, h: 6 },
      q(`${r('ceph_bluestore_onode_hits')} / (${r('ceph_bluestore_onode_hits')} + ${r('ceph_bluestore_onode_misses')})`, 'hit ratio')),
  ],
});
