// Cluster overview: what `ceph -s` says, over time.

import { BASE_VARIABLES, board, gauge, q, rate, row, sel, stat, table, timeseries, type Cell } from '../grafana.js';

const HEALTH_MAPPINGS = [{
  type: 'value' as const,
  options: {
    '0': { text: 'HEALTH_OK', color: 'green', index: 0 },
    '1': { text: 'HEALTH_WARN', color: 'orange', index: 1 },
    '2': { text: 'HEALTH_ERR', color: 'red', index: 2 },
  },
}];

/** PG states worth a line of their own, in the order `ceph pg stat` readers look for them. */
const PG_STATES = ['active', 'clean', 'degraded', 'undersized', 'peering', 'stale', 'down', 'remapped', 'backfilling', 'backfill_wait', 'recovering', 'recovery_wait', 'scrubbing', 'deep', 'inconsistent', 'backfill_toofull'];

function daemonCounts(): Cell[] {
  return [
    stat({ title: 'OSDs', description: 'OSDs in the OSD map.' }, q(`count(${sel('ceph_osd_metadata')})`, '', { instant: true })),
    stat({ title: 'OSDs up', description: 'OSDs that are up.' }, q(`sum(${sel('ceph_osd_up')})`, '', { instant: true })),
    stat({ title: 'OSDs in', description: 'OSDs that are in (hold data).' }, q(`sum(${sel('ceph_osd_in')})`, '', { instant: true })),
    stat({
      title: 'OSDs down', description: 'OSDs that are down.', steps: [[null, 'green'], [1, 'red']],
    }, q(`count(${sel('ceph_osd_up')} == 0) or vector(0)`, '', { instant: true })),
    stat({
      title: 'Monitors in quorum', description: 'Monitors in quorum, of all monitors.', textMode: 'value_and_name',
    }, q(`sum(${sel('ceph_mon_quorum_status')})`, 'in quorum', { instant: true }), q(`count(${sel('ceph_mon_metadata')})`, 'total', { instant: true })),
    stat({
      title: 'Managers', description: 'Active and standby managers in the manager map.', textMode: 'value_and_name',
    }, q(`count(${sel('ceph_mgr_status')} == 1)`, 'active', { instant: true }), q(`count(${sel('ceph_mgr_status')} == 0) or vector(0)`, 'standby', { instant: true })),
  ];
}

export const cluster = board({
  uid: 'mgrd-ceph-cluster',
  title: 'Ceph - Cluster',
  description: 'Health, capacity, client IO, placement groups and recovery of a Ceph cluster (Ceph metric names; served by mgrd or ceph-mgr).',
  variables: BASE_VARIABLES,
  cells: [
    row('Health'),
    stat({ title: 'Health', description: 'Overall health status (ceph health).', mappings: HEALTH_MAPPINGS, steps: [[null, 'green'], [1, 'orange'], [2, 'red']], w: 4, h: 6 },
      q(sel('ceph_health_status'), '', { instant: true })),
    table({
      title: 'Active health checks', description: 'Health checks raised now (ceph health detail). Empty when the cluster is healthy.', w: 10, h: 6,
      columns: { name: 'Check', severity: 'Severity' },
    }, q(`${sel('ceph_health_detail')} == 1`, '', { table: true })),
    table({
      title: 'Firing alerts', description: 'Alerts of this cluster firing in Prometheus (dashboards/alerts.yaml).', w: 10, h: 6,
      columns: { alertname: 'Alert', severity: 'Severity' },
    }, q('ALERTS{alertstate="firing", cluster=~"$cluster"}', '', { table: true })),
    ...daemonCounts(),
    row('Capacity'),
    gauge({
      title: 'Raw capacity used', description: 'Raw bytes used of all OSDs\' capacity.', unit: 'percentunit', min: 0, max: 1,
      steps: [[null, 'green'], [0.75, 'orange'], [0.85, 'red']],
    }, q(`sum(${sel('ceph_cluster_total_used_raw_bytes')}) / sum(${sel('ceph_cluster_total_bytes')})`, '', { instant: true })),
    stat({ title: 'Raw capacity', description: 'Total raw capacity of the OSDs.', unit: 'bytes', h: 6 }, q(`sum(${sel('ceph_cluster_total_bytes')})`, '', { instant: true })),
    stat({ title: 'Raw used', description: 'Raw bytes used.', unit: 'bytes', h: 6 }, q(`sum(${sel('ceph_cluster_total_used_raw_bytes')})`, '', { instant: true })),
    timeseries({ title: 'Raw capacity over time', description: 'Raw capacity and raw bytes used.', unit: 'bytes', w: 12, h: 6 },
      q(`sum(${sel('ceph_cluster_total_bytes')})`, 'capacity'),
      q(`sum(${sel('ceph_cluster_total_used_raw_bytes')})`, 'used')),
    row('Client IO'),
    timeseries({ title: 'Client IOPS', description: 'Client read and write operations per second, all pools.', unit: 'iops' },
      q(`sum(${rate('ceph_pool_rd')})`, 'read'),
      q(`sum(${rate('ceph_pool_wr')})`, 'write')),
    timeseries({ title: 'Client throughput', description: 'Client bytes read and written per second, all pools.', unit: 'Bps' },
      q(`sum(${rate('ceph_pool_rd_bytes')})`, 'read'),
      q(`sum(${rate('ceph_pool_wr_bytes')})`, 'write')),
    timeseries({ title: 'OSD op latency', description: 'Mean client read and write latency over all OSDs (op_r_latency, op_w_latency).', unit: 's' },
      q(`sum(${rate('ceph_osd_op_r_latency_sum')}) / sum(${rate('ceph_osd_op_r_latency_count')})`, 'read'),
      q(`sum(${rate('ceph_osd_op_w_latency_sum')}) / sum(${rate('ceph_osd_op_w_latency_count')})`, 'write')),
    row('Placement groups and recovery'),
    timeseries({ title: 'PG states', description: 'Placement groups per state (a PG counts in each of its states).', w: 12, h: 9, legendTable: true },
      ...PG_STATES.map((s) => q(`sum(${sel(`ceph_pg_${s}`)})`, s))),
    stat({ title: 'PGs', description: 'Placement groups in all pools.', h: 3, w: 4 }, q(`sum(${sel('ceph_pg_total')})`, '', { instant: true })),
    stat({
      title: 'PGs not clean', description: 'Placement groups that are not active+clean.', h: 3, w: 4, steps: [[null, 'green'], [1, 'orange']],
    }, q(`sum(${sel('ceph_pg_total')}) - sum(${sel('ceph_pg_clean')})`, '', { instant: true })),
    stat({
      title: 'PGs inactive', description: 'Placement groups that serve no IO.', h: 3, w: 4, steps: [[null, 'green'], [1, 'red']],
    }, q(`sum(${sel('ceph_pg_total')}) - sum(${sel('ceph_pg_active')})`, '', { instant: true })),
    stat({ title: 'Objects degraded', description: 'Object copies missing (ceph_num_objects_degraded).', h: 3, w: 4, steps: [[null, 'green'], [1, 'orange']] },
      q(sel('ceph_num_objects_degraded'), '', { instant: true })),
    stat({ title: 'Objects misplaced', description: 'Object copies in the wrong place, waiting to move.', h: 3, w: 4 },
      q(sel('ceph_num_objects_misplaced'), '', { instant: true })),
    stat({ title: 'Objects unfound', description: 'Objects whose latest copy cannot be found.', h: 3, w: 4, steps: [[null, 'green'], [1, 'red']] },
      q(sel('ceph_num_objects_unfound'), '', { instant: true })),
    timeseries({ title: 'Recovery throughput', description: 'Bytes moved by recovery and backfill per second (OSD recovery_bytes).', unit: 'Bps', w: 12 },
      q(`sum(${rate('ceph_osd_recovery_bytes')})`, 'recovery')),
    timeseries({ title: 'Degraded and misplaced objects', description: 'Object copies degraded and misplaced over time.', w: 12 },
      q(sel('ceph_num_objects_degraded'), 'degraded'),
      q(sel('ceph_num_objects_misplaced'), 'misplaced')),
    row('Daemons'),
    timeseries({ title: 'Monitor sessions', description: 'Sessions open on each monitor.', w: 8 },
      q(sel('ceph_mon_num_sessions'), '{{ceph_daemon}}')),
    timeseries({ title: 'MDS requests', description: 'Metadata requests per second on each MDS.', unit: 'reqps', w: 8 },
      q(rate('ceph_mds_request'), '{{ceph_daemon}}')),
    timeseries({ title: 'RGW requests', description: 'Object gateway requests per second on each RGW.', unit: 'reqps', w: 8 },
      q(`sum by (instance_id) (${rate('ceph_rgw_req')})`, 'rgw {{instance_id}}')),
    timeseries({ title: 'Mean OSD op latency per class', description: 'Mean client op latency by device class (op_latency).', unit: 's', w: 24 },
      q(`sum by (device_class) ((${rate('ceph_osd_op_latency_sum')}) * on (ceph_daemon) group_left (device_class) ${sel('ceph_osd_metadata')}) / sum by (device_class) ((${rate('ceph_osd_op_latency_count')}) * on (ceph_daemon) group_left (device_class) ${sel('ceph_osd_metadata')})`, '{{device_class}}')),
  ],
});

