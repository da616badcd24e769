// Plain text of `osd perf`, `osd pool stats`, `osd df` (OSDUtilizationPlainDumper)
// and `df [detail]` (dump_cluster_stats + dump_pool_stats_full), rendered from
// the command JSON so text and JSON agree. Pure functions.

import { byteU } from '../../state/ceph-format.js';
import { cacheIoText, clientIoText, recoveryLines, recoveryRateText } from './io-format.js';
import { col, lowPrecision, percentify, siU, textTable, weightF, type Column } from './table-format.js';

type Json = Record<string, unknown>;
const L = 'left' as const;
const num = (j: Json, k: string): number => (typeof j[k] === 'number' ? j[k] : 0);

/** print_osd_perf_stats: whole milliseconds of commit and apply latency per OSD. */
export function osdPerfText(j: { osdstats: { osd_perf_infos: Array<{ id: number; perf_stats: Json }> } }): string {
  const rows = j.osdstats.osd_perf_infos.map((o) => [o.id, Math.floor(num(o.perf_stats, 'commit_latency_ns') / 1e6), Math.floor(num(o.perf_stats, 'apply_latency_ns') / 1e6)]);
  return textTable([col('osd', 'right', L), col('commit_latency(ms)', 'right', L), col('apply_latency(ms)', 'right', L)], rows);
}

/** `osd pool stats` as text: per pool its recovery and IO, or "nothing is going on". */
export function osdPoolStatsText(pools: readonly Json[]): string {
  if (pools.length === 0) return '';
  let out = '';
  for (const p of pools) {
    let body = '';
    for (const line of recoveryLines((p.recovery ?? {}) as Json)) body += `  ${line}\n`;
    const rec = recoveryRateText((p.recovery_rate ?? {}) as Json);
    if (rec) body += `  recovery io ${rec}\n`;
    const client = clientIoText((p.client_io_rate ?? {}) as Json);
    if (client) body += `  client io ${client}\n`;
    const cache = p.cache_io_rate ? cacheIoText(p.cache_io_rate as Json) : '';
    if (cache) body += `  cache tier io ${cache}\n`;
    out += `pool ${String(p.pool_name)} id ${num(p, 'pool_id')}\n${body || '  nothing is going on\n'}\n`;
  }
  return out;
}

const OSD_DF_COLS: Column[] = ['ID', 'CLASS', 'WEIGHT', 'REWEIGHT', 'SIZE', 'RAW USE', 'DATA', 'OMAP', 'META', 'AVAIL', '%USE', 'VAR', 'PGS', 'STATUS'].map((h) => col(h, 'right', L));

/** Cluster totals in bytes for the TOTAL row (Ceph prints the osd_sum statfs there). */
export interface OsdDfTotals {
  total: number;
  usedRaw: number;
  data: number;
  omap: number;
  meta: number;
  avail: number;
}

/** `osd df` as text: one row per OSD, the TOTAL row, and the variance line. */
export function osdDfText(j: { nodes: Json[]; stray: Json[]; summary: Json }, totals: OsdDfTotals): string {
  const kib = (n: Json, k: string): string => byteU(num(n, k) * 1024);
  const rows: Array<Array<string | number>> = [...j.nodes, ...j.stray].map((n) => [
    num(n, 'id'),
    typeof n.device_class === 'string' ? n.device_class : '',
    weightF(num(n, 'crush_weight')),
    weightF(num(n, 'reweight')),
    kib(n, 'kb'),
    kib(n, 'kb_used'),
    kib(n, 'kb_used_data'),
    kib(n, 'kb_used_omap'),
    kib(n, 'kb_used_meta'),
    kib(n, 'kb_avail'),
    lowPrecision(num(n, 'utilization')),
    lowPrecision(num(n, 'var')),
    num(n, 'pgs'),
    String(n.status),
  ]);
  const s = j.summary;
  rows.push(['', '', '', 'TOTAL', byteU(totals.total), byteU(totals.usedRaw), byteU(totals.data), byteU(totals.omap), byteU(totals.meta), byteU(totals.avail), lowPrecision(num(s, 'average_utilization')), '']);
  const variance = `MIN/MAX VAR: ${lowPrecision(num(s, 'min_var'))}/${lowPrecision(num(s, 'max_var'))}  STDDEV: ${lowPrecision(num(s, 'dev'))}\n`;
  return textTable(OSD_DF_COLS, rows) + variance;
}

const RAW_COLS: Column[] = [col('CLASS', L), ...['SIZE', 'AVAIL', 'USED', 'RAW USED', '%RAW USED'].map((h) => col(h))];

function rawRow(name: string, s: Json): Array<string | number> {
  return [name, byteU(num(s, 'total_bytes')), byteU(num(s, 'total_avail_bytes')), byteU(num(s, 'total_used_bytes')), byteU(num(s, 'total_used_raw_bytes')), percentify(num(s, 'total_used_raw_ratio') * 100)];
}

/**
 * `df [detail]` as text from `df detail -f json` (which has every value the
 * text needs), the pools' pg_num and whether each pool is a cache tier.
 */
export function dfText(j: { stats: Json; stats_by_class: Record<string, Json>; pools: Json[] }, pgNum: ReadonlyMap<number, number>, tiers: ReadonlySet<number>, verbose: boolean): string {
  const raw = textTable(RAW_COLS, [...Object.entries(j.stats_by_class).map(([cls, s]) => rawRow(cls, s)), rawRow('TOTAL', j.stats)]);
  const headings = ['ID', 'PGS', 'STORED', ...(verbose ? ['(DATA)', '(OMAP)'] : []), 'OBJECTS', 'USED', ...(verbose ? ['(DATA)', '(OMAP)'] : []), '%USED', 'MAX AVAIL'];
  if (verbose) headings.push('QUOTA OBJECTS', 'QUOTA BYTES', 'DIRTY', 'USED COMPR', 'UNDER COMPR');
  const rows = j.pools.map((p) => {
    const s = p.stats as Json;
    const id = num(p, 'id');
    const row: Array<string | number> = [String(p.name), id, pgNum.get(id) ?? 0, byteU(num(s, 'stored'))];
    if (verbose) row.push(byteU(num(s, 'stored_data')), byteU(num(s, 'stored_omap')));
    row.push(siU(num(s, 'objects')), byteU(num(s, 'bytes_used')));
    if (verbose) row.push(byteU(num(s, 'data_bytes_used')), byteU(num(s, 'omap_bytes_used')));
    row.push(percentify(Math.fround(num(s, 'percent_used')) * 100), byteU(num(s, 'max_avail')));
    if (verbose) {
      row.push(num(s, 'quota_objects') ? siU(num(s, 'quota_objects')) : 'N/A', num(s, 'quota_bytes') ? byteU(num(s, 'quota_bytes')) : 'N/A');
      row.push(tiers.has(id) ? siU(num(s, 'dirty')) : 'N/A', byteU(num(s, 'compress_bytes_used')), byteU(num(s, 'compress_under_bytes')));
    }
    return row;
  });
  const pools = textTable([col('POOL', L), ...headings.map((h) => col(h))], rows);
  return `--- RAW STORAGE ---\n${raw} \n--- POOLS ---\n${pools}`;
}
