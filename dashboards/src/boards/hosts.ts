// Hosts: the daemons, capacity and IO of each host, from Ceph's metadata
// series. The last row needs node_exporter on the hosts, scraped with
// `instance` set to the host name (as cephadm's Prometheus does).

import { BASE_VARIABLES, M, board, q, queryVar, rate, row, sel, stat, table, timeseries, withHost } from '../grafana.js';

const HOST = 'hostname=~"$host"';
/** A per-OSD expression summed per host, restricted to $host. */
const byHost = (expr: string): string => `sum by (hostname) (${withHost(expr, HOST)})`;

export const hosts = board({
  uid: 'mgrd-ceph-hosts',
  title: 'Ceph - Hosts',
  description: 'Daemons, capacity, utilisation and IO per host; host resources from node_exporter where it runs.',
  variables: [...BASE_VARIABLES, queryVar('host', 'Host', `label_values(ceph_osd_metadata{${M}}, hostname)`, { multi: true, includeAll: true })],
  cells: [
    row('Hosts'),
    stat({ title: 'OSD hosts', description: 'Hosts running OSDs.' }, q(`count(count by (hostname) (${sel('ceph_osd_metadata', HOST)}))`, '', { instant: true })),
    stat({ title: 'Hosts with OSDs down', description: 'Hosts where at least one OSD is down.', steps: [[null, 'green'], [1, 'orange']] },
      q(`count(${byHost(`${sel('ceph_osd_up')} == 0`)}) or vector(0)`, '', { instant: true })),
    stat({ title: 'Monitor hosts', description: 'Hosts running a monitor.' }, q(`count(count by (hostname) (${sel('ceph_mon_metadata')}))`, '', { instant: true })),
    stat({ title: 'MDS hosts', description: 'Hosts running an MDS.' }, q(`count(count by (hostname) (${sel('ceph_mds_metadata')}))`, '', { instant: true })),
    stat({ title: 'RGW hosts', description: 'Hosts running an object gateway.' }, q(`count(count by (hostname) (${sel('ceph_rgw_metadata')}))`, '', { instant: true })),
    stat({ title: 'Manager hosts', description: 'Hosts running a manager.' }, q(`count(count by (hostname) (${sel('ceph_mgr_metadata')}))`, '', { instant: true })),
    table({
      title: 'Hosts', description: 'One row per OSD host: OSDs, OSDs up, raw capacity and use, PG replicas, client IOPS.', sortBy: 'Host', h: 10,
      columns: { hostname: 'Host', 'Value #A': 'OSDs', 'Value #B': 'Up', 'Value #C': 'Capacity', 'Value #D': 'Used', 'Value #E': 'PGs', 'Value #F': 'IOPS' },
      overrides: [
        { matcher: { id: 'byName', options: 'Capacity' }, properties: [{ id: 'unit', value: 'bytes' }] },
        { matcher: { id: 'byName', options: 'Used' }, properties: [{ id: 'unit', value: 'percentunit' }] },
      ],
    },
    q(`count by (hostname) (${sel('ceph_osd_metadata', HOST)})`, '', { table: true }),
    q(byHost(sel('ceph_osd_up')), '', { table: true }),
    q(byHost(sel('ceph_osd_stat_bytes')), '', { table: true }),
    q(`${byHost(sel('ceph_osd_stat_bytes_used'))} / ${byHost(sel('ceph_osd_stat_bytes'))}`, '', { table: true }),
    q(byHost(sel('ceph_osd_numpg')), '', { table: true }),
    q(byHost(`${rate('ceph_osd_op_r')} + ${rate('ceph_osd_op_w')}`), '', { table: true })),
    row('OSD IO and utilisation by host'),
    timeseries({ title: 'IOPS', description: 'Client operations per second on each host\'s OSDs.', unit: 'iops' },
      q(byHost(`${rate('ceph_osd_op_r')} + ${rate('ceph_osd_op_w')}`), '{{hostname}}')),
    timeseries({ title: 'Throughput', description: 'Client bytes read and written per second on each host\'s OSDs.', unit: 'Bps' },
      q(byHost(`${rate('ceph_osd_op_r_out_bytes')} + ${rate('ceph_osd_op_w_in_bytes')}`), '{{hostname}}')),
    timeseries({ title: 'Utilisation', description: 'Raw bytes used of each host\'s OSD capacity.', unit: 'percentunit' },
      q(`${byHost(sel('ceph_osd_stat_bytes_used'))} / ${byHost(sel('ceph_osd_stat_bytes'))}`, '{{hostname}}')),
    timeseries({ title: 'Mean op latency', description: 'Mean client op latency of each host\'s OSDs.', unit: 's', w: 12 },
      q(`${byHost(rate('ceph_osd_op_latency_sum'))} / ${byHost(rate('ceph_osd_op_latency_count'))}`, '{{hostname}}')),
    timeseries({ title: 'Recovery', description: 'Bytes moved by recovery and backfill per second on each host\'s OSDs.', unit: 'Bps', w: 12 },
      q(byHost(rate('ceph_osd_recovery_bytes')), '{{hostname}}')),
    row('Host resources (node_exporter)'),
    timeseries({ title: 'CPU busy', description: 'Share of CPU time not idle (node_exporter).', unit: 'percentunit' },
      q('1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle", instance=~"$host"}[$__rate_interval]))', '{{instance}}')),
    timeseries({ title: 'Memory used', description: 'Memory not available to new work (node_exporter).', unit: 'percentunit' },
      q('1 - node_memory_MemAvailable_bytes{instance=~"$host"} / node_memory_MemTotal_bytes{instance=~"$host"}', '{{instance}}')),
    timeseries({ title: 'Network', description: 'Bytes received and sent per second on all interfaces but lo (node_exporter).', unit: 'Bps' },
      q('sum by (instance) (rate(node_network_receive_bytes_total{device!="lo", instance=~"$host"}[$__rate_interval]))', '{{instance}} rx'),
      q('sum by (instance) (rate(node_network_transmit_bytes_total{device!="lo", instance=~"$host"}[$__rate_interval]))', '{{instance}} tx')),
  ],
});
