// The reference cluster (what ceph-mgr 16.2.15 handed its modules) as the
// zabbix module reads it. get('osd_stats_brief') is mgrd's and was not
// captured: it is Ceph's osd_stats rows cut to their brief fields, as the core
// builds it (test/unit/sdk-shapes.test.ts holds the two equal).

import type { GetName, Snapshot } from '../../src/mgr-module/index.js';
import { ReferenceCluster } from '../../exporters/prometheus/reference-cluster.js';

const BRIEF_FIELDS = ['osd', 'num_pgs', 'kb', 'kb_used', 'kb_avail', 'perf_stat'] as const;

/** Each answer from the reference, or from `over` where it names one. */
export function zabbixReference(over: Partial<Record<GetName, unknown>> = {}): { get<N extends GetName>(n: N): Snapshot<N> } {
  const ref = new ReferenceCluster();
  const get = <N extends GetName>(n: N): Snapshot<N> => (n in over ? over[n] : ref.get(n)) as Snapshot<N>;
  return {
    get: <N extends GetName>(n: N): Snapshot<N> => {
      if (n !== 'osd_stats_brief' || n in over) return get(n);
      const rows = get('osd_stats').osd_stats.map((o) => Object.fromEntries(BRIEF_FIELDS.map((f) => [f, o[f]])));
      return { osd_stats: rows } as Snapshot<N>;
    },
  };
}
