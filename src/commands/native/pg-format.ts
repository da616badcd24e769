// Plain text of `pg stat` (print_oneline_summary), `pg dump` (PGMap::dump and
// its parts) and `pg ls` (dump_filtered_pg_stats), as Ceph prints them.
// Pure functions of a PGMap and the command JSON.

import { STAT_SUM_INDEX as S } from '../../protocol/messages.js';
import { byteU, pgVectorString, timespanStr, utimeString } from '../../state/ceph-format.js';
import type { PGMap, PgRecord } from '../../state/pg-map.js';
import { STATFS_COL as F } from '../../state/stat-vectors.js';
import { recoveryLines, recoveryRateText } from './io-format.js';
import { col, siU, textTable, vectorString, type Column } from './table-format.js';

const L = 'left' as const;

/** "57 pgs: 57 active+clean; 946 MiB data, 2.1 GiB used, 7.9 GiB / 10 GiB avail; ..." from `pg stat -f json`. */
export function pgStatText(j: { pg_summary: Record<string, unknown> }): string {
  const s = j.pg_summary;
  const num = (k: string): number => (typeof s[k] === 'number' ? s[k] : 0);
  const states = (s.num_pg_by_state as Array<{ name: string; num: number }>).map((x) => `${x.num} ${x.name}`).join(', ');
  let out = `${num('num_pgs')} pgs: ${states}; ${byteU(num('num_bytes'))} data, ${byteU(num('total_used_bytes'))} used, ${byteU(num('total_avail_bytes'))} / ${byteU(num('total_bytes'))} avail`;
  if (typeof s.io_sec === 'number') {
    out += '; ';
    if (typeof s.read_bytes_sec === 'number') out += `${byteU(s.read_bytes_sec)}/s rd, `;
    if (typeof s.write_bytes_sec === 'number') out += `${byteU(s.write_bytes_sec)}/s wr, `;
    out += `${siU(s.io_sec)} op/s`;
  }
  for (const line of recoveryLines(s)) out += `; ${line}`;
  const rec = recoveryRateText(s);
  if (rec) out += `; ${rec} recovering`;
  return `${out}\n`;
}

const OMAP_NOTE =
  '\n* NOTE: Omap statistics are gathered during deep scrub and may be inaccurate soon afterwards depending on utilization. ' +
  'See http://docs.ceph.com/en/latest/dev/placement-group/#omap-statistics for further details.\n';

const SUM_COLS = ['OBJECTS', 'MISSING_ON_PRIMARY', 'DEGRADED', 'MISPLACED', 'UNFOUND', 'BYTES', 'OMAP_BYTES*', 'OMAP_KEYS*', 'LOG', 'DISK_LOG'];

/** Columns of a per-PG / per-pool / sum table: the first left, the stat columns right with left headings. */
const statCols = (first: string, header: boolean): Column[] => [col(header ? first : '', L), ...SUM_COLS.map((h) => col(header ? h : '', 'right', L))];

function sumCells(v: ArrayLike<number>, off: number, logSize: number, ondiskLogSize: number): number[] {
  const at = (c: number): number => v[off + c]!;
  return [at(S.num_objects), at(S.num_objects_missing_on_primary), at(S.num_objects_degraded), at(S.num_objects_misplaced), at(S.num_objects_unfound), at(S.num_bytes), at(S.num_omap_bytes), at(S.num_omap_keys), logSize, ondiskLogSize];
}

const BRIEF_COLS: Column[] = [col('PG_STAT', L), col('STATE', 'right', L), col('UP', 'right', L), col('UP_PRIMARY', 'right', L), col('ACTING', 'right', L), col('ACTING_PRIMARY', 'right', L)];
const FULL_COLS: Column[] = [
  col('PG_STAT', L),
  ...SUM_COLS.map((h) => col(h, 'right', L)),
  ...['STATE', 'STATE_STAMP', 'VERSION', 'REPORTED', 'UP', 'UP_PRIMARY', 'ACTING', 'ACTING_PRIMARY', 'LAST_SCRUB', 'SCRUB_STAMP', 'LAST_DEEP_SCRUB', 'DEEP_SCRUB_STAMP', 'SNAPTRIMQ_LEN'].map((h) => col(h, 'right', L)),
];

/** One row of dump_pg_stats_plain. */
export function pgRow(m: PGMap, r: PgRecord, brief: boolean): Array<string | number> {
  const state = m.states.name(r.stateId);
  if (brief) return [r.pgid, state, vectorString(r.up), r.upPrimary, vectorString(r.acting), r.actingPrimary];
  const row = m.pgStatRow(r);
  return [
    r.pgid,
    ...sumCells(row.data, row.offset, r.logSize, r.ondiskLogSize),
    state,
    utimeString(r.lastChange),
    r.version,
    `${r.reportedEpoch}:${r.reportedSeq}`,
    pgVectorString(r.up),
    r.upPrimary,
    pgVectorString(r.acting),
    r.actingPrimary,
    "0'0",
    utimeString(r.lastScrubStamp),
    "0'0",
    utimeString(r.lastDeepScrubStamp),
    0,
  ];
}

/** dump_pg_stats(ostream, brief): every PG, then (full form) the omap note. */
export function pgStatsText(m: PGMap, brief: boolean): string {
  const rows: Array<Array<string | number>> = [];
  for (const r of m.pgs()) rows.push(pgRow(m, r, brief));
  return textTable(brief ? BRIEF_COLS : FULL_COLS, rows) + (brief ? '' : OMAP_NOTE);
}

/** dump_pool_stats(ostream, header). */
export function poolStatsText(m: PGMap, header: boolean): string {
  const rows = m.poolIds().map((id) => {
    const p = m.poolSum(id)!;
    return [id, ...sumCells(p.stats, 0, p.logSize, p.ondiskLogSize)];
  });
  return textTable(statCols('POOLID', header), rows);
}

/** dump_pg_sum_stats(ostream, header): the "sum" row. */
export function pgSumText(m: PGMap, header: boolean): string {
  const c = m.clusterSum;
  return textTable(statCols('PG_STAT', header), [['sum', ...sumCells(c.stats, 0, c.logSize, c.ondiskLogSize)]]);
}

const osdUsage = (v: Float64Array): string[] => [
  byteU(v[F.total]! - v[F.available]! - v[F.internally_reserved]!),
  byteU(v[F.available]!),
  byteU(v[F.total]! - v[F.available]!),
  byteU(v[F.total]!),
];

/** One row of dump_osd_stats: usage, heartbeat peers, PGs and primary PGs of the OSD. */
export function osdRow(m: PGMap, id: number, primaryPgs: number): Array<string | number> {
  const e = m.osdStat(id)!;
  return [id, ...osdUsage(e.vec), vectorString(e.hbPeers), m.numPgByOsd(id), primaryPgs];
}

/** dump_osd_stats(ostream): a row per OSD, then the sum. */
export function osdStatsText(m: PGMap): string {
  const primaries = new Map<number, number>();
  for (const r of m.pgs()) if (r.actingPrimary >= 0) primaries.set(r.actingPrimary, (primaries.get(r.actingPrimary) ?? 0) + 1);
  const rows = m.osdIds().map((id) => osdRow(m, id, primaries.get(id) ?? 0));
  rows.push(['sum', ...osdUsage(m.osdTable.sum)]);
  const cols = [col('OSD_STAT', L), ...['USED', 'AVAIL', 'USED_RAW', 'TOTAL', 'HB_PEERS', 'PG_SUM', 'PRIMARY_PG_SUM'].map((h) => col(h, 'right', L))];
  return textTable(cols, rows);
}

/** dump_osd_sum_stats(ostream): the osd "sum" row alone. */
function osdSumText(m: PGMap): string {
  const cols = [col('OSD_STAT', L), ...['USED', 'AVAIL', 'USED_RAW', 'TOTAL'].map((h) => col(h, 'right', L))];
  return textTable(cols, [['sum', ...osdUsage(m.osdTable.sum)]]);
}

/** PGMap::dump_basic(ostream). */
function basicText(m: PGMap): string {
  return `version ${m.version}\nstamp ${utimeString(m.stampS)}\nlast_osdmap_epoch 0\nlast_pg_scan 0\n`;
}

/** `pg dump [what...]` as text: the same parts Ceph's plain dump prints for each selection. */
export function pgDumpText(m: PGMap, what: ReadonlySet<string>): string {
  if (what.size === 0 || what.has('all')) return basicText(m) + pgStatsText(m, false) + '\n' + poolStatsText(m, false) + pgSumText(m, false) + osdStatsText(m);
  if (what.has('summary') || what.has('sum')) return basicText(m) + pgSumText(m, true) + osdSumText(m);
  let out = '';
  if (what.has('pgs_brief')) out += pgStatsText(m, true);
  if (what.has('pgs')) out += pgStatsText(m, false);
  if (what.has('pools')) out += poolStatsText(m, !what.has('pgs'));
  if (what.has('osds')) out += osdStatsText(m);
  return out;
}

const LS_COLS: Column[] = [
  col('PG', L),
  ...['OBJECTS', 'DEGRADED', 'MISPLACED', 'UNFOUND', 'BYTES', 'OMAP_BYTES*', 'OMAP_KEYS*', 'LOG', 'STATE', 'SINCE', 'VERSION', 'REPORTED', 'UP', 'ACTING', 'SCRUB_STAMP', 'DEEP_SCRUB_STAMP'].map((h) => col(h, 'right', L)),
];

/** One row of `pg ls` (dump_filtered_pg_stats). */
export function pgLsRow(m: PGMap, r: PgRecord, nowS: number): Array<string | number> {
  const row = m.pgStatRow(r);
  const at = (c: number): number => row.data[row.offset + c]!;
  return [
    r.pgid,
    at(S.num_objects),
    at(S.num_objects_degraded),
    at(S.num_objects_misplaced),
    at(S.num_objects_unfound),
    at(S.num_bytes),
    at(S.num_omap_bytes),
    at(S.num_omap_keys),
    r.logSize,
    m.states.name(r.stateId),
    timespanStr(Math.max(0, nowS - r.lastChange)),
    r.version,
    `${r.reportedEpoch}:${r.reportedSeq}`,
    pgVectorString(r.up),
    pgVectorString(r.acting),
    utimeString(r.lastScrubStamp),
    utimeString(r.lastDeepScrubStamp),
  ];
}

export function pgLsText(m: PGMap, pgs: readonly PgRecord[], nowS: number): string {
  return textTable(LS_COLS, pgs.map((r) => pgLsRow(m, r, nowS))) + OMAP_NOTE;
}
