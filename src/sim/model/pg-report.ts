// PG_STATS as an OSD sends it: the stats of the PGs it is primary for, its
// osd_stat and its per-pool store usage (see src/protocol/messages.ts).

import type { OsdStatReport, PgStatReport, PgStatsMsg, StoreStatfs } from '../../protocol/messages.js';
import { STAT_SUM_FIELDS, STAT_SUM_INDEX } from '../../protocol/messages.js';
import { finishPgStats } from '../../protocol/pg-stats-codec.js';
import { PgRecordScratch, type PgStatsBinWriter } from '../../protocol/pg-stats-writer.js';
import type { IoLedger } from './io-ledger.js';
import { CRUSH_ITEM_NONE } from './pg-analysis.js';
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

/** The stat_sum vector of one PG at `now`, into `s` (STAT_SUM_FIELDS wide, or wider). */
export function pgStatSumInto(t: PgTable, engine: PgEngine, ledger: IoLedger, pg: number, now: number, s: Float64Array | number[]): void {
  const p = t.poolOf(pg);
  s.fill(0, 0, N_FIELDS);
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
}

/** The stat_sum vector of one PG at `now`. */
export function pgStatSum(t: PgTable, engine: PgEngine, ledger: IoLedger, pg: number, now: number): number[] {
  const s = new Array<number>(N_FIELDS).fill(0);
  pgStatSumInto(t, engine, ledger, pg, now, s);
  return s;
}

/**
 * One PG's report as record fields, refilled in place for every PG (no
 * object per PG): what PG_STATS_BIN writes, and what pgStatReport turns
 * into the JSON-shaped object. up and acting as Ceph prints them (an empty
 * erasure shard is CRUSH_ITEM_NONE).
 */
export class SimPgRecord extends PgRecordScratch {
  /** A down PG: its report names who blocks peering (blocked_by, maybe empty). */
  private down = false;

  /** Fills in PG `pg` as its primary reports it at `now` (counts the report: reported_seq moves on). */
  fill(ctx: Pick<ReportContext, 't' | 'engine' | 'ledger' | 'epoch'>, pg: number, now: number): this {
    const { t, engine, ledger, epoch } = ctx;
    pgStatSumInto(t, engine, ledger, pg, now, this.statSum);
    const a = engine.an.run(t, pg, engine.isUp);
    const state = t.state[pg] as number;
    const w = t.work.get(pg);
    const writes = this.statSum[I.num_write] as number;
    this.pool = t.poolOf(pg).id;
    this.ps = t.ps[pg] as number;
    this.state = pgStateString(state);
    this.upCount = crushList(a.up, a.nUp, this.up);
    this.actingCount = crushList(a.acting, a.nActing, this.acting);
    this.upPrimary = a.upPrimary;
    this.actingPrimary = a.primary;
    this.versionEpoch = epoch;
    this.versionV = writes;
    this.reportedEpoch = epoch;
    this.reportedSeq = t.reportedSeq[pg] = (t.reportedSeq[pg] as number) + 1;
    this.logSize = this.ondiskLogSize = Math.min(writes, 3000);
    this.lastScrubStamp = t.lastScrub[pg] as number;
    this.lastDeepScrubStamp = t.lastDeepScrub[pg] as number;
    this.lastChange = t.lastChange[pg] as number;
    this.lastClean = w !== undefined && !Number.isNaN(w.uncleanSince) ? Math.max(0, now - w.uncleanSince) : 0;
    this.blockedByCount = 0;
    this.down = (state & PG_DOWN) !== 0;
    if (this.down) {
      for (let i = 0; i < a.nDownHolders; i++) this.blockedBy[i] = a.downHolders[i] as number;
      this.blockedByCount = a.nDownHolders;
      this.blockedBy.subarray(0, a.nDownHolders).sort();
    }
    return this;
  }

  /** The current PG as the JSON-shaped report the simulator always sent: last_clean always, blocked_by for every down PG. */
  override toReport(): PgStatReport {
    return super.toReport(true, this.down);
  }
}

/** `ids` (-1: an empty erasure shard) into `out` as Ceph prints them; returns the count. */
function crushList(ids: Int32Array, n: number, out: Int32Array): number {
  for (let i = 0; i < n; i++) {
    const v = ids[i] as number;
    out[i] = v < 0 ? CRUSH_ITEM_NONE : v;
  }
  return n;
}

export function pgStatReport(ctx: Pick<ReportContext, 't' | 'engine' | 'ledger' | 'epoch'>, pg: number, now: number): PgStatReport {
  return new SimPgRecord().fill(ctx, pg, now).toReport();
}

/** The osd_stat an OSD reports (without its ping times: they travel packed). */
function osdStatOf(ctx: ReportContext): OsdStatReport {
  const usage = ctx.usage;
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
  return osdStat;
}

/** The per-pool store usage of an OSD, by pool id. */
function poolStatfsOf(ctx: ReportContext): Array<{ poolid: number } & StoreStatfs> {
  const { t, usage } = ctx;
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
  return poolStatfs;
}

export function buildPgStats(ctx: ReportContext, osd: number, now: number): PgStatsMsg {
  const rec = new SimPgRecord();
  const pgStats: PgStatReport[] = [];
  for (const pg of ctx.members.of(osd)) if (ctx.engine.reporter(pg) === osd) pgStats.push(rec.fill(ctx, pg, now).toReport());
  return { osd, epoch: ctx.epoch, stamp: now, osd_stat: osdStatOf(ctx), pool_statfs: poolStatfsOf(ctx), pg_stats: pgStats, packedPingTimes: ctx.pingTimes };
}

/**
 * The same message as buildPgStats, written straight into its PG_STATS_BIN
 * payload for protocol `version`: each PG goes from the table into `writer`
 * through one reused record, with no object per PG.
 */
export function writePgStats(ctx: ReportContext, osd: number, now: number, writer: PgStatsBinWriter, rec: SimPgRecord, version: number): Buffer {
  writer.reset();
  const members = ctx.members.of(osd);
  for (let i = 0; i < members.length; i++) {
    const pg = members[i] as number;
    if (ctx.engine.reporter(pg) === osd) writer.add(rec.fill(ctx, pg, now));
  }
  return finishPgStats(writer, { osd, epoch: ctx.epoch, stamp: now, osd_stat: osdStatOf(ctx), pool_statfs: poolStatfsOf(ctx), packedPingTimes: ctx.pingTimes }, version);
}
