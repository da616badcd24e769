// PGMap: per-PG statistics reported by primary OSDs, folded into the sums,
// counts and rates ceph-mgr hands its modules (pg_summary, pg_dump, df...).
// Sums are kept incrementally: a report subtracts the PG's old contribution
// and adds the new one, so ingest costs O(PGs in the message). docs/state.md
// explains what is kept and where it differs from Ceph.

import type { DecodedPgStats, PgReportCursor, PgStatsMsg } from '../protocol/messages.js';
import type { OsdMap, OsdMapPool } from '../mgr-module/map-types.js';
import { CRUSH_ITEM_NONE } from './ceph-format.js';
import { PGF, PgStateTable } from './pg-states.js';
import { JsonPgCursor, PgRecord, checkPgStatsHead, fillFromReport, num, parsePgid } from './pg-record.js';
import { PGT, STAMP_N } from './pg-stamps.js';
import { PGI, PgTable } from './pg-table.js';
import { DeltaWindow } from './stat-delta.js';
import { PoolStatSum, STAT_W, STATFS_COL } from './stat-vectors.js';
import { OsdStatTable, type OsdStatEntry } from './osd-stat-table.js';
import * as views from './pg-map-views.js';
import * as dfViews from './pg-map-df.js';
import { DfIndex, fullRatioOf, type DfSums } from './df-index.js';
import { OsdStateSummary } from './osd-state-summary.js';
import type { CrushTopology } from './crush-topology.js';

export { PgRecord, PgStatsError } from './pg-record.js';
export type { OsdStatEntry } from './osd-stat-table.js';
export type { PgDumpWhat } from './pg-map-views.js';

export interface PGMapOptions {
  /** Ceph's mon_stat_smooth_intervals: deltas averaged for rates. */
  statSmoothIntervals?: number;
  /** Ceph's mon_delta_reset_interval (s): tick gaps count as at most twice this. */
  deltaResetIntervalS?: number;
}

type OsdLiveness = { up: boolean; in: boolean };

export class PGMap {
  readonly states = new PgStateTable();
  /** Bumped at every tick (Ceph's PGMap version). */
  version = 0;
  /** Time of the last tick (Ceph's PGMap stamp), Unix seconds. */
  stampS = 0;
  /** The newest time seen in any call: "now" for callers that do not pass one. */
  nowS = 0;
  readonly clusterSum = new PoolStatSum();
  /** osd_stat and pool_statfs of every OSD, and their sums. */
  readonly osdTable = new OsdStatTable();
  readonly delta: DeltaWindow;

  /** Every PG, as typed-array rows (pg-table.ts). */
  private readonly table = new PgTable();
  /** Walks JSON PG_STATS records (PG_STATS_BIN brings its own cursor). */
  private readonly json = new JsonPgCursor();
  private readonly pools = new Map<number, PoolStatSum>();
  private readonly poolDeltas = new Map<number, DeltaWindow>();
  private readonly stateCount = new Map<number, number>();
  private readonly poolStateCount = new Map<number, Map<number, number>>();
  private readonly osdStateCount = new Map<number, Map<number, number>>();
  private readonly actingCount = new Map<number, number>();
  /** pg_summary's by_osd, kept per OSD as osdStateCount moves. */
  private readonly osdSummary = new OsdStateSummary();
  private readonly reported = new Set<number>();
  private ready = false;
  private map: OsdMap | undefined;
  private mapPools = new Map<number, OsdMapPool>();
  private liveness = new Map<number, OsdLiveness>();
  private lastPgNum = new Map<number, number>();
  private topo: CrushTopology | undefined;
  /** df's per-OSD sums for the current topology, kept as OSDs report (made at the first df). */
  private dfIndex: DfIndex | undefined;
  private readonly smooth: number;
  private readonly maxDtS: number;
  /** pool_statfs of pools the osd map does not have are dropped (all are kept before the first map). */
  private readonly keepPool = (pool: number): boolean => !this.map || this.mapPools.has(pool);

  constructor(opts: PGMapOptions = {}) {
    this.smooth = opts.statSmoothIntervals ?? 6;
    this.maxDtS = 2 * (opts.deltaResetIntervalS ?? 10);
    this.delta = new DeltaWindow(STAT_W, this.smooth, this.maxDtS);
  }

  /**
   * Folds one OSD's PG_STATS in: JSON, or records decoded and checked where
   * they came in (DecodedPgStats: PG_STATS_BIN's), read through a cursor;
   * both take the same path. Synchronous; throws PgStatsError (changing nothing)
   * on a malformed message. As ceph-mgr's ingest_pgstats, PGs of pools the
   * osd map does not have, PGs past pg_num and reports older than the stored
   * one (isOlder) are dropped. `stampS` replaces the message's stamp.
   */
  applyPgStats(msg: PgStatsMsg | DecodedPgStats, nowS: number, stampS?: number): void {
    let c: PgReportCursor;
    if (isDecoded(msg)) {
      checkPgStatsHead(msg);
      c = msg.records();
    } else c = this.json.over(msg);
    this.noteTime(nowS);
    // `stampS`: the caller's reading of the stamp (clamped when it came from too far in the future).
    const t = stampS ?? (num(msg.stamp) > 0 ? msg.stamp : nowS);
    this.noteTime(t);
    this.osdTable.apply(msg, this.keepPool);
    this.reported.add(msg.osd);
    const tb = this.table;
    while (c.next()) {
      const pool = c.pool;
      const ps = c.ps;
      if (this.map) {
        const p = this.mapPools.get(pool);
        if (!p || ps >= num(p.pg_num)) continue;
      }
      let row = tb.rowOf(pool, ps);
      const existed = row >= 0;
      if (existed && tb.ints.get(row, PGI.reporter) >= 0 && isOlder(c, tb, row, msg.osd)) continue;
      let stateId = this.states.intern(c.state);
      // A report from a primary the osd map already has down: stale, as check_down_pgs would mark it.
      if (this.map && c.actingPrimary >= 0 && this.isDown(c.actingPrimary)) stateId = this.states.withWord(stateId, 'stale');
      if (!existed) row = tb.add(pool, ps, stateId);
      const was = existed && tb.ints.get(row, PGI.reporter) >= 0 ? this.states.flags(tb.state[row]!) : -1;
      const prevState = tb.state[row]!;
      const actingChanged = !tb.acting.equals(row, c.acting, c.actingCount);
      const prevUp = tb.up.length(row);
      const prevActing = tb.acting.length(row);
      const prevLog = tb.ints.get(row, PGI.logSize);
      const prevOndisk = tb.ints.get(row, PGI.ondiskLogSize);
      // State counts move only when state or acting set changed, which most reports do not.
      const recount = existed && (prevState !== stateId || actingChanged);
      if (recount) this.countState(pool, prevState, row, -1);
      fillFromReport(tb, row, c, stateId, this.states.flags(stateId), was, msg.osd, t, actingChanged);
      // Sums move by (new - old) in one pass. No allocation per PG: this loop runs 311k times a period at scale.
      const poolSum = this.poolSumOf(pool);
      tb.stats.write(row, c.statSum, poolSum.stats, this.clusterSum.stats);
      const dLog = tb.ints.get(row, PGI.logSize) - prevLog;
      const dOndisk = tb.ints.get(row, PGI.ondiskLogSize) - prevOndisk;
      const dUp = tb.up.length(row) - prevUp;
      const dActing = tb.acting.length(row) - prevActing;
      const dNum = existed ? 0 : 1;
      poolSum.move(dLog, dOndisk, dUp, dActing, dNum);
      this.clusterSum.move(dLog, dOndisk, dUp, dActing, dNum);
      if (!existed || recount) this.countState(pool, stateId, row, 1);
    }
  }

  /**
   * Applies a new osd map (the shape of `osd dump`): drops PGs of deleted pools
   * and past pg_num, adds "unknown" placeholders for PGs the map implies but
   * nobody reported, drops stats of OSDs that no longer exist, zeroes stats of
   * OSDs that are out, and marks stale the PGs whose acting primary is down
   * (as Ceph's PGMapUpdater::check_osd_map and check_down_pgs).
   */
  applyOsdMap(osdMap: OsdMap, nowS = this.nowS): void {
    this.noteTime(nowS);
    const first = this.map === undefined;
    this.map = osdMap;
    this.mapPools = new Map((osdMap.pools ?? []).map((p) => [p.pool, p]));
    this.liveness = new Map((osdMap.osds ?? []).map((o) => [o.osd, { up: o.up === 1 && (!o.state || o.state.includes('exists')), in: o.in === 1 }]));

    let scan = first;
    for (const [pool, pgNum] of this.lastPgNum) {
      const p = this.mapPools.get(pool);
      if (!p || num(p.pg_num) < pgNum) scan = true;
    }
    for (const id of this.pools.keys()) if (!this.mapPools.has(id)) scan = true;
    if (scan) {
      for (const pool of this.table.poolIds()) {
        const p = this.mapPools.get(pool);
        const keep = p ? Math.max(0, Math.ceil(num(p.pg_num))) : 0;
        for (const row of this.table.rowsOfPool(pool, keep)) this.removePg(row);
        if (p) this.table.trimPool(pool, keep);
      }
      for (const id of [...this.pools.keys()]) if (!this.mapPools.has(id)) this.forgetPool(id);
      for (const id of this.osdTable.poolStoreIds()) if (!this.mapPools.has(id)) this.forgetPool(id);
    }
    this.lastPgNum = new Map([...this.mapPools].map(([id, p]) => [id, num(p.pg_num)]));
    let missing = 0;
    for (const [id, p] of this.mapPools) missing += Math.max(0, Math.ceil(num(p.pg_num)) - (this.pools.get(id)?.numPg ?? 0));
    this.table.reserve(missing);
    for (const [id, p] of this.mapPools) this.addPlaceholders(id, num(p.pg_num));

    for (const e of [...this.osdTable.entries()]) {
      const l = this.liveness.get(e.osd);
      if (!l) this.osdTable.remove(e.osd);
      else if (!l.in && e.vec[STATFS_COL.total] !== 0) this.osdTable.zero(e.osd);
    }
    this.markStale();
  }

  /** The manager's stats tick: a new PGMap version and one more delta in the rate windows. */
  tick(nowS: number): void {
    this.noteTime(nowS);
    this.version++;
    this.stampS = nowS;
    this.delta.update(this.clusterSum.stats, nowS);
    for (const [id, sum] of this.pools) {
      let w = this.poolDeltas.get(id);
      if (!w) {
        w = new DeltaWindow(STAT_W, this.smooth, this.maxDtS);
        this.poolDeltas.set(id, w);
      }
      w.update(sum.stats, nowS);
    }
  }

  /**
   * The CRUSH hierarchy df and `osd df` read device classes, crush weights and
   * rule roots from (CrushTopology.fromTree(osd_map_tree, osd_map_crush)).
   * Without one, df has no stats_by_class and weighs every OSD alike.
   */
  setTopology(topo: CrushTopology | undefined): void {
    this.topo = topo;
  }

  get topology(): CrushTopology | undefined {
    return this.topo;
  }

  // --- read access (views and health use these) ---

  get osdMap(): OsdMap | undefined {
    return this.map;
  }

  get numPgs(): number {
    return this.table.size;
  }

  /**
   * Every PG, by pool then seed, as views of its row (fields are read on
   * access). A view is valid until the PGMap next changes; do not keep it.
   */
  *pgs(): IterableIterator<PgRecord> {
    for (const row of this.table.rows()) yield new PgRecord(this.table, row);
  }

  /** A PG by id ("2.1f"; any pgid that parses to the same pool and seed). */
  getPg(pgid: string): PgRecord | undefined {
    const id = parsePgid(pgid);
    const row = id ? this.table.rowOf(id.pool, id.ps) : -1;
    return row >= 0 ? new PgRecord(this.table, row) : undefined;
  }

  /** One value of a PG's stat_sum (column: STAT_SUM_INDEX). */
  pgStat(rec: PgRecord, col: number): number {
    return this.table.stats.get(rec.row, col);
  }

  /** A PG's whole stat_sum, as a fresh copy at data[offset..offset + STAT_W). */
  pgStatRow(rec: PgRecord): { data: Float64Array; offset: number } {
    const data = new Float64Array(STAT_W);
    this.table.stats.read(rec.row, data);
    return { data, offset: 0 };
  }

  /** Pools with PGs, ascending. */
  poolIds(): number[] {
    return [...this.pools.keys()].sort((a, b) => a - b);
  }

  poolSum(pool: number): PoolStatSum | undefined {
    return this.pools.get(pool);
  }

  poolStore(pool: number): { v: Float64Array; n: number } | undefined {
    return this.osdTable.poolStore(pool);
  }

  poolDelta(pool: number): DeltaWindow | undefined {
    return this.poolDeltas.get(pool);
  }

  /** OSDs with an osd_stat, ascending. */
  osdIds(): number[] {
    return this.osdTable.ids();
  }

  osdStat(osd: number): OsdStatEntry | undefined {
    return this.osdTable.get(osd);
  }

  /** PGs whose acting set includes the OSD (Ceph's get_num_pg_by_osd). */
  numPgByOsd(osd: number): number {
    return this.actingCount.get(osd) ?? 0;
  }

  stateCounts(): ReadonlyMap<number, number> {
    return this.stateCount;
  }

  poolStateCounts(): ReadonlyMap<number, ReadonlyMap<number, number>> {
    return this.poolStateCount;
  }

  osdStateCounts(): ReadonlyMap<number, ReadonlyMap<number, number>> {
    return this.osdStateCount;
  }

  /** pg_summary's by_osd, frozen; only the OSDs whose counts moved since the last call are named again. */
  pgSummaryByOsd(name: (counts: ReadonlyMap<number, number>) => Record<string, number>): Readonly<Record<string, Readonly<Record<string, number>>>> {
    return this.osdSummary.byOsd(this.osdStateCount, name);
  }

  /** Ceph's pgmap_ready: every OSD the osd map has up has reported at least once. Latches. */
  isPgReady(): boolean {
    if (this.ready) return true;
    if (!this.map) return false;
    for (const [osd, l] of this.liveness) if (l.up && !this.reported.has(osd)) return false;
    this.ready = true;
    return true;
  }

  // --- Ceph-shaped views (pg-map-views.ts, pg-map-df.ts) ---

  pgSummary(): Record<string, unknown> { return views.pgSummary(this); }
  /** get('pg_status'); byPool false gives the `pgmap` section of `status`. */
  pgStatus(byPool = true): Record<string, unknown> { return views.pgStatus(this, byPool); }
  pgDump(): Record<string, unknown> { return views.pgDump(this, false); }
  pgStats(): Record<string, unknown> { return { pg_stats: views.dumpPgStats(this) }; }
  poolStats(): Record<string, unknown> { return { pool_stats: views.dumpPoolStats(this) }; }
  osdPingTimes(): Record<string, unknown> { return views.osdPingTimes(this); }
  osdStats(): Record<string, unknown> { return { osd_stats: views.dumpOsdStats(this, false), pool_statfs: views.dumpPoolStatfs(this) }; }
  /** get('osd_stats_brief'): mgrd's narrow read of osd_stats for exporters (types.ts). */
  osdStatsBrief(): Record<string, unknown> { return views.osdStatsBrief(this); }
  ioRate(): Record<string, unknown> { return { pg_stats_delta: views.pgStatsDelta(this) }; }
  pgReady(): { pg_ready: boolean } { return { pg_ready: this.isPgReady() }; }
  pgsByState(): Array<{ state_name: string; count: number }> { return views.pgsByState(this); }
  pgStateWordCountsByPool(): Map<number, Record<string, number>> { return views.pgStateWordCountsByPool(this); }
  /** get('osd_pool_stats'): per-pool recovery, recovery rate and client IO rate. */
  osdPoolStats(osdMap = this.map): Record<string, unknown> { return { pool_stats: views.osdPoolStatsList(this, osdMap) }; }
  df(osdMap = this.map, topo = this.topo): Record<string, unknown> { return dfViews.df(this, osdMap, topo, true, this.dfSums(osdMap, topo)); }
  /** get('osd_perf'): the osdstats section of `osd perf`. */
  osdPerf(): Record<string, unknown> { return views.osdPerfCommand(this).osdstats as Record<string, unknown>; }
  // Native commands' JSON (the forms in ceph-reference/cli/).
  pgStatCommand(): Record<string, unknown> { return views.pgStatCommand(this); }
  pgDumpCommand(what: views.PgDumpWhat | readonly views.PgDumpWhat[] = 'all'): Record<string, unknown> { return views.pgDumpCommand(this, what); }
  osdPerfCommand(): Record<string, unknown> { return views.osdPerfCommand(this); }
  osdPoolStatsCommand(osdMap = this.map, poolId?: number): Array<Record<string, unknown>> { return views.osdPoolStatsList(this, osdMap, poolId); }
  dfCommand(detail: boolean, osdMap = this.map, topo = this.topo): Record<string, unknown> { return dfViews.df(this, osdMap, topo, detail, this.dfSums(osdMap, topo)); }
  osdDfCommand(osdMap = this.map, topo = this.topo): Record<string, unknown> { return dfViews.osdDf(this, osdMap, topo); }

  // --- internals ---

  /**
   * df's per-OSD sums: kept by the OSD table (DfIndex) for the current map's
   * full ratio and the current topology, made again when either changed; read
   * from scratch for any other map or topology a caller passes.
   */
  private dfSums(osdMap: OsdMap | undefined, topo: CrushTopology | undefined): DfSums {
    if (osdMap !== this.map || topo !== this.topo) return dfViews.scratchDfSums(this, osdMap, topo);
    if (!this.dfIndex?.serves(osdMap, topo)) {
      const t = this.osdTable;
      this.dfIndex = new DfIndex(osdMap, topo, fullRatioOf(osdMap), (id) => t.get(id)?.vec, t.entries());
      t.watcher = this.dfIndex;
    }
    return this.dfIndex;
  }

  /**
   * Builds what the first df and pg_summary read would (the df index for the
   * current map and topology, the rule trees of the map's pools, pg_summary's
   * changed by_osd entries) until `deadline` (performance.now()), so that no
   * reader's turn pays for it. Returns true when nothing is left. A reader that
   * comes first builds what is missing itself; a map change in between makes
   * the next call start on the new one.
   */
  prepareViews(deadline: number): boolean {
    const map = this.map;
    // Each step that built something ends the slice once past the deadline.
    const late = (): boolean => performance.now() > deadline;
    if (map) {
      const topo = this.topo;
      if (topo && !topo.isCompiled()) {
        topo.compiled();
        if (late()) return false;
      }
      if (!this.dfIndex?.serves(map, topo)) {
        this.dfSums(map, topo);
        if (late()) return false;
      }
      const idx = this.dfSums(map, topo) as DfIndex;
      for (const p of map.pools ?? []) {
        if (idx.hasRule(p.crush_rule)) continue;
        // The rule's weights first (shared by rules with the same takes), then its tree, each in a slice.
        if (topo && !topo.hasRuleWeights(p.crush_rule)) {
          topo.ruleWeights(p.crush_rule);
          if (late()) return false;
        }
        idx.ruleAvail(p.crush_rule);
        if (late()) return false;
      }
    }
    return this.osdSummary.refresh(this.osdStateCount, (counts) => views.namedCounts(this, counts), deadline);
  }

  private noteTime(t: number): void {
    if (Number.isFinite(t) && t > this.nowS) this.nowS = t;
  }

  private isDown(osd: number): boolean {
    const l = this.liveness.get(osd);
    return !l || !l.up;
  }

  private poolSumOf(pool: number): PoolStatSum {
    let ps = this.pools.get(pool);
    if (!ps) {
      ps = new PoolStatSum();
      this.pools.set(pool, ps);
    }
    return ps;
  }

  private countState(pool: number, stateId: number, row: number, sign: number): void {
    bump(this.stateCount, stateId, sign);
    bumpNested(this.poolStateCount, pool, stateId, sign);
    const acting = this.table.acting;
    const n = acting.length(row);
    for (let i = 0; i < n; i++) {
      const osd = acting.at(row, i);
      // The hole of an EC set is not an OSD; Ceph would count it as osd 2147483647.
      if (osd === CRUSH_ITEM_NONE || osd < 0) continue;
      bumpNested(this.osdStateCount, osd, stateId, sign);
      bump(this.actingCount, osd, sign);
      this.osdSummary.touch(osd);
    }
  }

  /** Adds (sign 1) or removes (sign -1) a PG's whole contribution to every sum and count. */
  private account(row: number, sign: number): void {
    const tb = this.table;
    const pool = tb.pool[row]!;
    const ps = this.poolSumOf(pool);
    tb.stats.addInto(row, ps.stats, sign);
    tb.stats.addInto(row, this.clusterSum.stats, sign);
    const log = sign * tb.ints.get(row, PGI.logSize);
    const ondisk = sign * tb.ints.get(row, PGI.ondiskLogSize);
    const up = sign * tb.up.length(row);
    const acting = sign * tb.acting.length(row);
    ps.move(log, ondisk, up, acting, sign);
    this.clusterSum.move(log, ondisk, up, acting, sign);
    this.countState(pool, tb.state[row]!, row, sign);
  }

  private removePg(row: number): void {
    this.account(row, -1);
    this.table.remove(row);
  }

  private forgetPool(id: number): void {
    this.pools.delete(id);
    this.poolStateCount.delete(id);
    this.poolDeltas.delete(id);
    this.osdTable.forgetPool(id);
  }

  /** Ceph's mgr lists PGs the osd map implies but nobody reported yet as "unknown". */
  private addPlaceholders(pool: number, pgNum: number): void {
    const have = this.pools.get(pool)?.numPg ?? 0;
    if (have >= pgNum) return;
    const unknown = this.states.intern('unknown');
    const n = Math.ceil(pgNum);
    this.table.sizePool(pool, n);
    for (let ps = 0; ps < n; ps++) {
      if (this.table.rowOf(pool, ps) >= 0) continue;
      this.account(this.table.add(pool, ps, unknown), 1);
    }
  }

  /**
   * check_down_pgs: PGs whose acting primary is down (or gone) become stale,
   * with last_unstale = now. Brute force over all PGs, as ceph-mgr does on
   * every osd map: a few ms at 311k PGs, and maps change far less often than stats.
   */
  private markStale(): void {
    const tb = this.table;
    const stamps = new Float64Array(STAMP_N);
    tb.forEachRow((row) => {
      const primary = tb.ints.get(row, PGI.actingPrimary);
      if (primary < 0 || !this.isDown(primary) || (this.states.flags(tb.state[row]!) & PGF.stale) !== 0) return;
      this.account(row, -1);
      tb.state[row] = this.states.withWord(tb.state[row]!, 'stale');
      tb.stamps.read(row, stamps);
      stamps[PGT.unstale] = this.nowS;
      tb.stamps.write(row, stamps);
      this.account(row, 1);
    });
  }
}

/**
 * Ceph drops a report older than the stored one by (reported_epoch,
 * reported_seq). reported_seq is compared only between reports of the same OSD:
 * a new primary that has not moved the epoch on still replaces the entry.
 */
function isOlder(c: PgReportCursor, tb: PgTable, row: number, osd: number): boolean {
  const epoch = tb.ints.get(row, PGI.reportedEpoch);
  if (epoch !== c.reportedEpoch) return epoch > c.reportedEpoch;
  return tb.ints.get(row, PGI.reporter) === osd && tb.ints.get(row, PGI.reportedSeq) > c.reportedSeq;
}

function bump<K>(m: Map<K, number>, k: K, by: number): void {
  const n = (m.get(k) ?? 0) + by;
  if (n === 0) m.delete(k);
  else m.set(k, n);
}

/** bump() on an inner map, dropping the inner map when it empties (no `"5": {}` in by_osd). */
function bumpNested<K, K2>(m: Map<K, Map<K2, number>>, k: K, k2: K2, by: number): void {
  let inner = m.get(k);
  if (!inner) {
    inner = new Map();
    m.set(k, inner);
  }
  bump(inner, k2, by);
  if (inner.size === 0) m.delete(k);
}

function isDecoded(msg: PgStatsMsg | DecodedPgStats): msg is DecodedPgStats {
  return typeof (msg as Partial<DecodedPgStats>).records === 'function';
}
