// Cluster-wide views of the model: PG counts by state (what `ceph pg stat`
// summarises) and the totals a mon's "cluster" perf section carries.

import type { ClusterTotals } from './daemon-counters.js';
import type { PgEngine } from './pg-engine.js';
import { ACTIVE_CLEAN, PG_ACTIVE, PG_CLEAN, PG_PEERING, SCRUB_BITS, pgStateString } from './pg-state.js';
import type { PgTable } from './pg-table.js';
import type { SimCluster } from './sim-cluster.js';

/** PG count per state text. PGs whose members are all down show as "stale+<last state>". */
export function pgStateSummary(t: PgTable, engine: PgEngine): Record<string, number> {
  const counts: Record<string, number> = {};
  let clean = t.n;
  for (const [pg, w] of t.work) {
    const st = t.state[pg] as number;
    if (st === ACTIVE_CLEAN) continue;
    clean--;
    let s = pgStateString(st);
    if (engine.reporter(pg) < 0) s = `stale+${pgStateString(w.staleState !== 0 ? w.staleState : st)}`;
    counts[s] = (counts[s] ?? 0) + 1;
  }
  if (clean > 0) counts['active+clean'] = clean;
  return counts;
}

export function clusterTotals(c: SimCluster): ClusterTotals {
  const t = c.table;
  let active = t.n;
  let activeClean = t.n;
  let peering = 0;
  let degraded = 0;
  let misplaced = 0;
  for (const pg of t.work.keys()) {
    const st = t.state[pg] as number;
    if ((st & PG_ACTIVE) === 0) active--;
    if ((st & ~SCRUB_BITS & (PG_ACTIVE | PG_CLEAN)) !== (PG_ACTIVE | PG_CLEAN)) activeClean--;
    if (st & PG_PEERING) peering++;
    const oc = c.engine.objectCounts(pg);
    degraded += oc.degraded;
    misplaced += oc.misplaced;
  }
  let objects = 0;
  let bytes = 0;
  let used = 0;
  for (const p of c.pools) {
    objects += p.objects;
    bytes += p.storedBytes;
    used += (p.storedBytes * p.size) / p.k;
  }
  let total = 0;
  let extra = 0;
  for (let i = 0; i < c.osd.count; i++) {
    if (c.osd.isUp[i] !== 1) continue;
    total += c.topo.osds[i]!.sizeBytes;
    extra += c.osd.extraBytes[i] as number;
  }
  const up = c.osd.upCount();
  return {
    numMon: c.topo.mons.length,
    numMonQuorum: c.monUp.filter(Boolean).length,
    numOsd: c.osd.count,
    numOsdUp: up,
    numOsdIn: c.osd.inCount(),
    osdEpoch: c.epoch,
    osdBytes: total,
    // Approximate (the exact figure is the sum of every OSD's statfs): data * 1.021 + BlueFS base.
    osdBytesUsed: Math.round((used * 1.021 * up) / c.osd.count + extra * 1.021 + up * 1.5 * 1024 ** 3),
    numPool: c.pools.length,
    numPg: t.n,
    numPgActiveClean: activeClean,
    numPgActive: active,
    numPgPeering: peering,
    numObject: objects,
    numObjectDegraded: degraded,
    numObjectMisplaced: misplaced,
    numObjectUnfound: 0,
    numBytes: Math.round(bytes),
  };
}
