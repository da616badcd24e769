// The reference cluster (what real ceph-mgr 16.2.15 handed its modules,
// test/fixtures/ceph-reference/mgr_internals/) as the restful module's views
// read it; answers frozen, as the manager's snapshots are.

import { readFileSync } from 'node:fs';
import type { GetMap, GetName, PerfCounterEntry, ServerInfo, Snapshot } from '../../src/mgr-module/index.js';
import type { ClusterReader } from '../../modules/restful/views.js';

const REF = new URL('../fixtures/ceph-reference/', import.meta.url);

export const refJson = <T>(rel: string): T => JSON.parse(readFileSync(new URL(rel, REF), 'utf8')) as T;
export const refText = (rel: string): string => readFileSync(new URL(rel, REF), 'utf8');

export const referenceReader: ClusterReader = {
  get: <N extends GetName>(name: N) => Object.freeze(refJson<GetMap[N]>(`mgr_internals/get.${name}.json`)) as Snapshot<N>,
  getMetadata: (type, id) => refJson<Record<string, string>>(`mgr_internals/get_metadata.${type}.${id}.json`),
  listServers: () => refJson<ServerInfo[]>('mgr_internals/list_servers.json'),
  getServer: (host) => (host === 'vm' ? refJson<ServerInfo>('mgr_internals/get_server.vm.json') : undefined),
  getAllPerfCounters: () => refJson<Record<string, Record<string, PerfCounterEntry>>>('mgr_internals/get_all_perf_counters.prio_useful.json'),
};
