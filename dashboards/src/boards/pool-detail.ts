// One pool: stored data against its quota and free space, objects, client IO,
// placement groups and recovery. Per-pool series carry only pool_id; the join
// with ceph_pool_metadata picks the pool by name.

import { BASE_VARIABLES, M, board, gauge, q, queryVar, rate, row, sel, stat, timeseries, withPoolName } from '../grafana.js';

const POOL = 'name=~"$pool"';
/** A per-pool expression restricted to $pool. */
const p = (expr: string): string => withPoolName(expr, POOL);
const NONE = [{ type: 'value' as const, options: { '0': { text: 'none', index: 0 } } }];

export const poolDetail = board({
  uid: 'mgrd-ceph-pool-detail',
  title: 'Ceph - Pool detail',
  description: 'One pool: capacity and quota, objects, client IO, placement groups and recovery.',
  variables: [...BASE_VARIABLES, queryVar('pool', 'Pool', `label_values(ceph_pool_metadata{${M}}, name)`)],
  cells: [
    row('$pool'),
    gauge({ title: 'Used', description: 'Stored / (stored + max avail): how full the pool is.', unit: 'percentunit', min: 0, max: 1, steps: [[null, 'green'], [0.75, 'orange'], [0.85, 'red']] },
      q(p(sel('ceph_pool_percent_used')), '', { instant: true })),
    stat({ title: 'Stored', description: 'Data stored (before replication or erasure coding).', unit: 'bytes', h: 6 }, q(p(sel('ceph_pool_stored')), '', { instant: true })),
    stat({ title: 'Max available', description: 'What can still be written before the fullest OSD of the pool is full.', unit: 'bytes', h: 6 },
      q(p(sel('ceph_pool_max_avail')), '', { instant: true })),
    stat({ title: 'Objects', description: 'Objects in the pool.', h: 6 }, q(p(sel('ceph_pool_objects')), '', { instant: true })),
    stat({ title: 'Quota (bytes)', description: 'The pool\'s byte quota; none when 0.', unit: 'bytes', mappings: NONE, h: 6 }, q(p(sel('ceph_pool_quota_bytes')), '', { instant: true })),
    stat({ title: 'Quota (objects)', description: 'The pool\'s object quota; none when 0.', mappings: NONE, h: 6 }, q(p(sel('ceph_pool_quota_objects')), '', { instant: true })),
    row('Capacity'),
    timeseries({ title: 'Stored and available', description: 'Data stored, raw bytes it takes, and what can still be written.', unit: 'bytes' },
      q(p(sel('ceph_pool_stored')), 'stored'), q(p(sel('ceph_pool_stored_raw')), 'stored raw'), q(p(sel('ceph_pool_max_avail')), 'max avail')),
    timeseries({ title: 'Quota used', description: 'Stored bytes and objects against the quotas; empty when the pool has none.', unit: 'percentunit', min: 0 },
      q(p(`${sel('ceph_pool_stored')} / (${sel('ceph_pool_quota_bytes')} > 0)`), 'bytes'),
      q(p(`${sel('ceph_pool_objects')} / (${sel('ceph_pool_quota_objects')} > 0)`), 'objects')),
    timeseries({ title: 'Objects', description: 'Objects and dirty objects (not yet flushed by a cache tier).' },
      q(p(sel('ceph_pool_objects')), 'objects'), q(p(sel('ceph_pool_dirty')), 'dirty')),
    row('Client IO'),
    timeseries({ title: 'IOPS', description: 'Client read and write operations per second.', unit: 'iops', w: 12 },
      q(p(rate('ceph_pool_rd')), 'read'), q(p(rate('ceph_pool_wr')), 'write')),
    timeseries({ title: 'Throughput', description: 'Client bytes read and written per second.', unit: 'Bps', w: 12 },
      q(p(rate('ceph_pool_rd_bytes')), 'read'), q(p(rate('ceph_pool_wr_bytes')), 'write')),
    row('Placement groups, recovery and compression'),
    timeseries({ title: 'PG states', description: 'The pool\'s placement groups: all, active, clean, degraded, undersized, recovering, backfilling.' },
      ...['total', 'active', 'clean', 'degraded', 'undersized', 'recovering', 'backfilling'].map((st) => q(p(sel(`ceph_pg_${st}`)), st))),
    timeseries({ title: 'Recovery', description: 'Objects and bytes recovered per second (osd pool stats).' },
      q(p(sel('ceph_pool_recovering_objects_per_sec')), 'objects/s'), q(p(sel('ceph_pool_recovering_bytes_per_sec')), 'bytes/s')),
    timeseries({ title: 'Compression', description: 'Bytes before compression and what they take after.', unit: 'bytes' },
      q(p(sel('ceph_pool_compress_under_bytes')), 'before'), q(p(sel('ceph_pool_compress_bytes_used')), 'after')),
  ],
});
