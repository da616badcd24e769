// PG_STATS as an OSD sends it: the stats of the PGs it is primary for, its
// osd_stat and its per-pool store usage (see src/protocol/messages.ts).

import type { OsdStatReport, PgStatReport, PgStatsMsg, StoreStatfs } from '../../protocol/messages.js';
import { STAT_SUM_FIELDS, STAT_SUM_INDEX } from '../../protocol/messages.js';
import type { IoLedger } from './io-ledger.js';
import type { PgEngine } from './pg-engine.js';
import { PG_DOWN } from './pg-state.js';
import { pgStateString } from './pg-state.js';
import type { MemberIndex, PgTable } from './pg-table.js';
import { allocatedBytes, type OsdUsage } from './osd-usage.js';

const N_FIELDS = STAT_SUM_FIELDS.length;
const I = STAT_SUM_INDEX;

export interface ReportContext {
  t: PgTable;
  engine: PgEngine;
  members: MemberIndex;
  ledger: IoLedger;
  epoch: number;
  usage: OsdUsage;
  statfs: StoreStatfs;
  upFrom: number;
  /** Reports this OSD has sent since it came up (osd_stat seq). */
  seq: number;
  /** Current apply/commit latency of the OSD in ms. */
  latencyMs: number;
  /** Heartbeat ping times to its peers, packed (heartbeat.ts). */
  pingTimes: Uint32Array;
  /** Its objectstore's alerts, if any (faults.ts). */
  alerts?: Readonly<Record<string, string>>;
  /** Reads it repaired (osd_stat num_shards_repaired). */
  shardsRepaired: number;
}

/** The stat_sum vector of one PG at `now`. */
export function pgStatSum(t: PgTable, engine: PgEngine, ledger: IoLedger, pg: number, now: number): number[] {
  const p = t.poolOf(pg);
  const s = new Array<number>(N_FIELDS).fill(0);
  const O = t.objects[pg] as number;
  const eff = engine.effI(pg, now);
  const w = t.ioWeight[pg] as number;
  const pi = p.index;
  const counts = engine.objectCounts(pg);
  s[I.num_bytes] = t.bytes[pg] as number;
  s[I.num_objects] = O;
  s[I.num_object_copies] = O * p.size;
  s[I.num_objects_degraded] = counts.degraded;
  s[I.num_objects_misplaced] = counts.misplaced;
  s[I.num_objects_dirty] = O;
  s[I.num_read] = Math.floor(w * ((ledger.rOps[pi] as number) + (ledger.rwOps[pi] as number)) * eff);
  s[I.num_read_kb] = Math.floor((w * (ledger.rBytes[pi] as number) * eff) / 1024);
  s[I.num_write] = Math.floor(w * ((ledger.wOps[pi] as number) + (ledger.rwOps[pi] as number)) * eff);
  s[I.num_write_kb] = Math.floor((w * (ledger.wBytes[pi] as number) * eff) / 1024);
  s[I.num_objects_recovered] = Math.floor(t.recoveredObjs[pg] as number);
  s[I.num_bytes_recovered] = Math.floor(t.recoveredBytes[pg] as number);
  s[I.num_keys_recovered] = Math.floor((t.recoveredObjs[pg] as number) * p.omapKeysPerObject);
  if (p.omapKeysPerObject > 0) {
    s[I.num_objects_omap] = O;
    s[I.num_omap_keys] = O * p.omapKeysPerObject;
    s[I.num_omap_bytes] = O * p.omapKeysPerObject * p.omapBytesPerKey;
  }
  return s;
}

export function pgStatReport(ctx: Pick<ReportContext, 't' | 'engine' | 'ledger' | 'epoch'>, pg: number, now: number): PgStatReport {
  const { t, engine, ledger, epoch } = ctx;
  const stat = pgStatSum(t, engine, ledger, pg, now);
  const a = engine.an.run(t, pg, engine.isUp);
  const state = t.state[pg] as number;
  const w = t.work.get(pg);
  const writes = stat[I.num_write] as number;
  const seq = (t.reportedSeq[pg] = (t.reportedSeq[pg] as number) + 1);
  const r: PgStatReport = {
    pgid: t.pgid(pg),
    state: pgStateString(state),
    up: a.upList(),
    acting: a.actingList(),
    up_primary: a.upPrimary,
    acting_primary: a.primary,
    version: `${epoch}'${writes}`,
    reported_epoch: epoch,
    reported_seq: seq,
    log_size: Math.min(writes, 3000),
    ondisk_log_size: Math.min(writes, 3000),
    last_scrub_stamp: t.lastScrub[pg] as number,
    last_deep_scrub_stamp: t.lastDeepScrub[pg] as number,
    last_change: t.lastChange[pg] as number,
    last_clean: w !== undefined && !Number.isNaN(w.uncleanSince) ? Math.max(0, now - w.uncleanSince) : 0,
    stat_sum: stat,
  };
  if ((state & PG_DOWN) !== 0) {
    const blocked: number[] = [];
    for (let i = 0; i < a.nDownHolders; i++) blocked.push(a.downHolders[i] as number);
    r.blocked_by = blocked.sort((x, y) => x - y);
  }
  return r;
}

export function buildPgStats(ctx: ReportContext, osd: number, now: number): PgStatsMsg {
  const { t, engine, members, usage } = ctx;
  const pgStats: PgStatReport[] = [];
  for (const pg of members.of(osd)) {
    if (engine.reporter(pg) === osd) pgStats.push(pgStatReport(ctx, pg, now));
  }
  const osdStat: OsdStatReport = {
    statfs: ctx.statfs,
    hb_peers: usage.hbPeers,
    num_pgs: usage.numPgs,
    num_snap_trimming: 0,
    num_shards_repaired: ctx.shardsRepaired,
    snap_trim_queue_len: 0,
    apply_latency_ms: ctx.latencyMs,
    commit_latency_ms: ctx.latencyMs,
    up_from: ctx.upFrom,
    seq: ctx.upFrom * 2 ** 32 + ctx.seq,
  };
  if (ctx.alerts !== undefined) osdStat.alerts = { ...ctx.alerts };
  const poolStatfs: Array<{ poolid: number } & StoreStatfs> = [];
  for (const [index, pu] of [...usage.pools.entries()].sort((x, y) => x[0] - y[0])) {
    const stored = Math.round(pu.stored);
    poolStatfs.push({
      poolid: t.bySlot[index]!.id,
      total: 0,
      available: 0,
      internally_reserved: 0,
      allocated: allocatedBytes(stored, pu.comp),
      data_stored: stored,
      data_compressed: pu.comp.compressed,
      data_compressed_allocated: pu.comp.allocated,
      data_compressed_original: pu.comp.original,
      omap_allocated: Math.round(pu.omap),
      internal_metadata: 0,
    });
  }
  return { osd, epoch: ctx.epoch, stamp: now, osd_stat: osdStat, pool_statfs: poolStatfs, pg_stats: pgStats, packedPingTimes: ctx.pingTimes };
}
