// The agent's `pg dump` split, held to a real capture: the PG_STATS messages it
// makes, folded into mgrd's PGMap with the same cluster's osd map, give the
// sums, states and df that the real Ceph printed at that moment.

import { describe, expect, it } from 'vitest';
import { cephStamp, splitPgDump, type PgDumpJson } from '../../src/agent/pg-dump.js';
import { STAT_SUM_FIELDS } from '../../src/protocol/messages.js';
import { PgStatsDecoder, encodePgStats } from '../../src/protocol/pg-stats-codec.js';
import { unpackPingTimes } from '../../src/protocol/ping-times.js';
import { ClusterState } from '../../src/state/cluster-state.js';
import { refCli, refJson } from '../helpers/pg-cluster.js';

interface PoolStatJson { poolid: number; num_pg: number; stat_sum: Record<string, number> }

const dump = refJson<PgDumpJson & { pg_map: { pool_stats: PoolStatJson[]; pg_stats_sum: { stat_sum: Record<string, number> } } }>('cli/pg_dump_full.json.gz');
const osdMap = refCli<Record<string, unknown>>('cli/osd_dump_json.txt');
const stampS = cephStamp(dump.pg_map.stamp);

function fold(): ClusterState {
  const c = new ClusterState();
  c.applyMap({ osd_map: osdMap, osd_map_tree: refCli('cli/osd_tree_json.txt'), osd_map_crush: refCli('cli/osd_crush_dump_json.txt') });
  for (const m of splitPgDump(dump, Number(osdMap.epoch), stampS)) c.applyPgStats(m, stampS);
  c.tick(stampS);
  return c;
}

describe('cephStamp', () => {
  it("reads Ceph's utime_t JSON form, with its offset, and 0 for never", () => {
    expect(cephStamp('2026-11-26T17:41:28.922816+0000')).toBeCloseTo(Date.UTC(2026, 10, 26, 17, 41, 28) / 1000 + 0.922816, 6);
    expect(cephStamp('2026-11-26T18:41:28.5+0100')).toBeCloseTo(Date.UTC(2026, 10, 26, 17, 41, 28) / 1000 + 0.5, 6);
    expect(cephStamp('0.000000')).toBe(0);
    expect(cephStamp(undefined)).toBe(0);
  });
});

describe('splitPgDump', () => {
  const msgs = splitPgDump(dump, 30, stampS);

  it('sends every PG once, under its acting primary, and every OSD with stats', () => {
    expect(msgs.map((m) => m.osd)).toEqual(dump.pg_map.osd_stats!.map((o) => o.osd).sort());
    const all = msgs.flatMap((m) => m.pg_stats.map((p) => [m.osd, p]) as Array<[number, { pgid: string; acting_primary: number }]>);
    expect(all).toHaveLength(dump.pg_map.pg_stats!.length);
    for (const [osd, p] of all) expect(p.acting_primary).toBe(osd);
    expect(new Set(all.map(([, p]) => p.pgid)).size).toBe(all.length);
  });

  it("carries each OSD's statfs and, for OSDs that keep per-pool stats only, pool_statfs", () => {
    for (const m of msgs) {
      const o = dump.pg_map.osd_stats!.find((x) => x.osd === m.osd)!;
      expect(m.osd_stat.statfs).toEqual(o.statfs);
      expect(m.osd_stat.num_pgs).toBe(o.num_pgs);
      expect(m.pool_statfs !== undefined).toBe((o.num_per_pool_osds as number) > 0);
    }
    expect(msgs.find((m) => m.osd === 3)!.pool_statfs!.map((p) => p.poolid).sort()).toEqual([2, 3, 4]);
  });

  it("relays each OSD's heartbeat ping times, packed for PG_STATS_BIN, shown again exactly as Ceph printed them", () => {
    const c = fold();
    for (const o of dump.pg_map.osd_stats!) {
      const sent = msgs.find((m) => m.osd === o.osd)!;
      expect(sent.packedPingTimes!.length).toBeGreaterThan(0);
      expect(sent.osd_stat.network_ping_times).toBeUndefined();
      // Through the binary frame, into the PGMap, and out as `pg dump osds` shows them.
      const f = new PgStatsDecoder().decode(encodePgStats(sent));
      expect(unpackPingTimes(f.packedPingTimes!)).toEqual(o.network_ping_times);
      expect(c.pgMap.osdStat(o.osd as number)!.pingTimes).toEqual(o.network_ping_times);
    }
    // An entry not in Ceph's shape: that OSD's ping times are dropped, not its report.
    const odd = splitPgDump({ pg_map: { osd_stats: [{ osd: 0, network_ping_times: [{ osd: 'x' }] }] } }, 30, stampS);
    expect(odd.map((m) => [m.osd, m.packedPingTimes])).toEqual([[0, undefined]]);
  });

  it('folded into the PGMap, gives the sums and PG states Ceph had', () => {
    const c = fold();
    const clusterSum = c.pgMap.clusterSum.stats;
    STAT_SUM_FIELDS.forEach((f, i) => expect([f, clusterSum[i]]).toEqual([f, dump.pg_map.pg_stats_sum.stat_sum[f] ?? 0]));
    const status = c.pgMap.pgStatus() as { num_pgs: number; pgs_by_state: Array<{ state_name: string; count: number }> };
    expect(status.num_pgs).toBe(dump.pg_map.pg_stats!.length);
    const states = new Map<string, number>();
    for (const p of dump.pg_map.pg_stats!) states.set(p.state as string, (states.get(p.state as string) ?? 0) + 1);
    expect(Object.fromEntries(status.pgs_by_state.map((s) => [s.state_name, s.count]))).toEqual(Object.fromEntries(states));
    expect(c.pgMap.isPgReady()).toBe(true);
  });

  it("folded into the PGMap, gives the `ceph df detail` Ceph printed (stored, objects, max_avail, totals)", () => {
    const c = fold();
    const df = c.pgMap.dfCommand(true) as { stats: Record<string, number>; pools: Array<{ id: number; stats: Record<string, number> }> };
    const ref = refCli<{ stats: Record<string, number>; pools: Array<{ id: number; stats: Record<string, number> }> }>('cli/df_detail_json.txt');
    for (const k of ['total_bytes', 'total_avail_bytes', 'total_used_raw_bytes', 'num_osds', 'num_per_pool_osds']) expect([k, df.stats[k]]).toEqual([k, ref.stats[k]]);
    for (const p of ref.pools) {
      const mine = df.pools.find((x) => x.id === p.id)!.stats;
      for (const k of ['stored', 'objects', 'bytes_used', 'max_avail', 'quota_objects']) expect([p.id, k, mine[k]]).toEqual([p.id, k, p.stats[k]]);
    }
  });
});
