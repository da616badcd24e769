// OSD overview: every OSD at a glance, the outliers first.

import { BASE_VARIABLES, avgRate, bargauge, board, q, rate, row, sel, stat, table, timeseries, withHost } from '../grafana.js';

const USED = `${sel('ceph_osd_stat_bytes_used')} / ${sel('ceph_osd_stat_bytes')}`;
const UTIL_STEPS: Array<[number | null, string]> = [[null, 'green'], [0.75, 'orange'], [0.85, 'red']];

export const osds = board({
  uid: 'mgrd-ceph-osds',
  title: 'Ceph - OSDs',
  description: 'State, utilisation, placement groups, latency and IO of every OSD.',
  variables: BASE_VARIABLES,
  cells: [
    row('State'),
    stat({ title: 'OSDs', description: 'OSDs in the OSD map.' }, q(`count(${sel('ceph_osd_metadata')})`, '', { instant: true })),
    stat({ title: 'Up', description: 'OSDs that are up.' }, q(`sum(${sel('ceph_osd_up')})`, '', { instant: true })),
    stat({ title: 'Down', description: 'OSDs that are down.', steps: [[null, 'green'], [1, 'red']] }, q(`count(${sel('ceph_osd_up')} == 0) or vector(0)`, '', { instant: true })),
    stat({ title: 'Out', description: 'OSDs that are out (hold no data).', steps: [[null, 'green'], [1, 'orange']] }, q(`count(${sel('ceph_osd_in')} == 0) or vector(0)`, '', { instant: true })),
    stat({ title: 'Near full', description: 'OSDs above 85% used (the default nearfull ratio).', steps: [[null, 'green'], [1, 'orange']] },
      q(`count(${USED} > 0.85) or vector(0)`, '', { instant: true })),
    stat({ title: 'Mean PGs per OSD', description: 'Placement group replicas per OSD, averaged over OSDs holding any.', decimals: 0 },
      q(`avg(${sel('ceph_osd_numpg')} > 0)`, '', { instant: true })),
    table({
      title: 'OSDs', description: 'One row per OSD: host, device class, objectstore, state, weight, utilisation, PGs and osd perf latencies.',
      sortBy: 'OSD', h: 12,
      columns: {
        ceph_daemon: 'OSD', hostname: 'Host', device_class: 'Class', objectstore: 'Store',
        'Value #B': 'Up', 'Value #C': 'In', 'Value #D': 'Weight', 'Value #E': 'Used', 'Value #F': 'PGs', 'Value #G': 'Apply ms', 'Value #H': 'Commit ms',
      },
      overrides: [{ matcher: { id: 'byName', options: 'Used' }, properties: [{ id: 'unit', value: 'percentunit' }] }],
    },
    q(sel('ceph_osd_metadata'), '', { table: true }),
    q(sel('ceph_osd_up'), '', { table: true }),
    q(sel('ceph_osd_in'), '', { table: true }),
    q(sel('ceph_osd_weight'), '', { table: true }),
    q(USED, '', { table: true }),
    q(sel('ceph_osd_numpg'), '', { table: true }),
    q(sel('ceph_osd_apply_latency_ms'), '', { table: true }),
    q(sel('ceph_osd_commit_latency_ms'), '', { table: true })),
    row('Utilisation and placement groups'),
    bargauge({ title: 'Most used OSDs', description: 'The 10 fullest OSDs.', unit: 'percentunit', min: 0, max: 1, steps: UTIL_STEPS, w: 8, h: 10 },
      q(`topk(10, ${USED})`, '{{ceph_daemon}}', { instant: true })),
    timeseries({ title: 'Utilisation spread', description: 'Fullest, mean and emptiest OSD: a wide gap asks for the balancer.', unit: 'percentunit', w: 8, h: 10 },
      q(`max(${USED})`, 'max'), q(`avg(${USED})`, 'mean'), q(`min(${USED})`, 'min')),
    timeseries({ title: 'PGs per OSD', description: 'Most and fewest placement group replicas on one OSD, and the mean.', w: 8, h: 10 },
      q(`max(${sel('ceph_osd_numpg')})`, 'max'), q(`avg(${sel('ceph_osd_numpg')})`, 'mean'), q(`min(${sel('ceph_osd_numpg')})`, 'min')),
    row('Latency'),
    timeseries({ title: 'Read latency (slowest 10)', description: 'Mean client read latency per OSD (op_r_latency).', unit: 's' },
      q(`topk(10, ${avgRate('ceph_osd_op_r_latency')})`, '{{ceph_daemon}}')),
    timeseries({ title: 'Write latency (slowest 10)', description: 'Mean client write latency per OSD (op_w_latency).', unit: 's' },
      q(`topk(10, ${avgRate('ceph_osd_op_w_latency')})`, '{{ceph_daemon}}')),
    timeseries({ title: 'Apply and commit latency', description: 'osd perf: the highest and mean apply/commit latency over OSDs.', unit: 'ms' },
      q(`max(${sel('ceph_osd_apply_latency_ms')})`, 'apply max'), q(`avg(${sel('ceph_osd_apply_latency_ms')})`, 'apply mean'),
      q(`max(${sel('ceph_osd_commit_latency_ms')})`, 'commit max'), q(`avg(${sel('ceph_osd_commit_latency_ms')})`, 'commit mean')),
    row('IO'),
    timeseries({ title: 'Busiest OSDs', description: 'Client operations per second, the 10 busiest OSDs.', unit: 'iops' },
      q(`topk(10, ${rate('ceph_osd_op_r')} + ${rate('ceph_osd_op_w')})`, '{{ceph_daemon}}')),
    timeseries({ title: 'OSD throughput', description: 'Client bytes read from and written to all OSDs per second.', unit: 'Bps' },
      q(`sum(${rate('ceph_osd_op_r_out_bytes')})`, 'read'), q(`sum(${rate('ceph_osd_op_w_in_bytes')})`, 'write')),
    timeseries({ title: 'IOPS by host', description: 'Client operations per second on each host\'s OSDs.', unit: 'iops' },
      q(`sum by (hostname) (${withHost(`${rate('ceph_osd_op_r')} + ${rate('ceph_osd_op_w')}`)})`, '{{hostname}}')),
  ],
});
