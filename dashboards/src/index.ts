// The dashboards, by the file name they are written to under dashboards/grafana/.

import type { DashboardJson } from './schema.js';
import { cluster } from './boards/cluster.js';
import { hosts } from './boards/hosts.js';
import { mgrd } from './boards/mgrd.js';
import { osdDetail } from './boards/osd-detail.js';
import { osds } from './boards/osds.js';
import { poolDetail } from './boards/pool-detail.js';
import { pools } from './boards/pools.js';

export const DASHBOARDS: Readonly<Record<string, DashboardJson>> = {
  'ceph-cluster.json': cluster,
  'ceph-osds.json': osds,
  'ceph-osd-detail.json': osdDetail,
  'ceph-pools.json': pools,
  'ceph-pool-detail.json': poolDetail,
  'ceph-hosts.json': hosts,
  'mgrd.json': mgrd,
};

/** The text written for a dashboard: two-space JSON and a final newline, as Grafana exports. */
export function render(d: DashboardJson): string {
  return `${JSON.stringify(d, null, 2)}\n`;
}
