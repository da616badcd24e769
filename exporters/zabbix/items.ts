// The items of one interval: every key Ceph's zabbix module sends, in its order,
// with its value semantics (module.py get_data(); the capture in
// test/fixtures/ceph-reference/zabbix/data_request_decoded.json). Pure: reads
// the snapshots it is handed, builds [key, text] pairs.
//
// Where Ceph's module would send garbage we send nothing: an unknown health
// status has no overall_status_int (Ceph sent "None"), a non-finite number is
// left out, an OSD with no capacity yet has no per-OSD figures (as in Ceph).

import type { Snapshot } from '../../src/mgr-module/index.js';
import type { ZabbixItem } from './sender-protocol.js';
import { floatText, intText } from './values.js';

/** The views the items are built from. */
export const ITEM_SOURCES = ['health', 'mon_status', 'df', 'osd_map', 'osd_stats_brief', 'pg_status'] as const;
export type ItemSourceName = (typeof ITEM_SOURCES)[number];

/** What building the items reads (a module's get(), or a fixture). */
export interface ItemSource {
  get<N extends ItemSourceName>(name: N): Snapshot<N>;
}

export const HEALTH_INT: Readonly<Record<string, number>> = { HEALTH_OK: 0, HEALTH_WARN: 1, HEALTH_ERR: 2 };

/** The PG states Ceph's module counts (num_pg_<state>), in its order. */
export const PG_STATES = [
  'active', 'peering', 'clean', 'scrubbing', 'undersized', 'backfilling', 'recovering', 'degraded', 'inconsistent',
  'remapped', 'backfill_toofull', 'backfill_wait', 'recovery_wait',
] as const;

class ItemList {
  items: ZabbixItem[] = [];
  constructor(readonly sliceSize: number) {}
  add(key: string, value: string | undefined): void {
    if (value !== undefined) this.items.push({ key: `ceph.${key}`, value });
  }
  get full(): boolean {
    return this.items.length >= this.sliceSize;
  }
  take(): ZabbixItem[] {
    const out = this.items;
    this.items = [];
    return out;
  }
}

const num = (x: unknown): number => (typeof x === 'number' ? x : NaN);

function avg(xs: readonly number[]): number {
  let sum = 0;
  for (const x of xs) sum += x;
  return xs.length === 0 ? 0 : sum / xs.length;
}

function minMax(xs: readonly number[]): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const x of xs) {
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return [min, max];
}

/**
 * The items in slices of about `sliceSize` (a 10,000-OSD cluster has 60,000
 * per-OSD items), built as each is asked for: the module asks its shared Slicer
 * for room before each, so no turn of the event loop builds many.
 */
export function* itemSlices(src: ItemSource, sliceSize = 5000): Generator<ZabbixItem[], void, void> {
  const out = new ItemList(sliceSize);
  health(src, out);
  yield* pools(src, out);
  yield* osds(src, out);
  pgStates(src, out);
  if (out.items.length > 0) yield out.take();
}

export function buildItems(src: ItemSource): ZabbixItem[] {
  return [...itemSlices(src, Infinity)].flat();
}

function health(src: ItemSource, out: ItemList): void {
  const h = JSON.parse(src.get('health').json) as { status?: string; overall_status?: string };
  const status = h.status ?? h.overall_status;
  out.add('overall_status', status);
  out.add('overall_status_int', status === undefined ? undefined : intText(HEALTH_INT[status]));
  const mon = JSON.parse(src.get('mon_status').json) as { monmap?: { mons?: unknown[] } };
  out.add('num_mon', intText(mon.monmap?.mons?.length ?? 0));
}

function* pools(src: ItemSource, out: ItemList): Generator<ZabbixItem[], void, void> {
  const df = src.get('df');
  out.add('num_pools', intText(df.pools.length));
  out.add('total_used_bytes', intText(df.stats.total_used_bytes));
  out.add('total_bytes', intText(df.stats.total_bytes));
  out.add('total_avail_bytes', intText(df.stats.total_avail_bytes));
  let wrOps = 0;
  let rdOps = 0;
  let wrBytes = 0;
  let rdBytes = 0;
  for (const pool of df.pools) {
    const s = pool.stats;
    wrOps += num(s.wr);
    rdOps += num(s.rd);
    wrBytes += num(s.wr_bytes);
    rdBytes += num(s.rd_bytes);
    const p = `[${pool.name},`;
    out.add(`${p}rd_bytes]`, intText(s.rd_bytes));
    out.add(`${p}wr_bytes]`, intText(s.wr_bytes));
    out.add(`${p}rd_ops]`, intText(s.rd));
    out.add(`${p}wr_ops]`, intText(s.wr));
    out.add(`${p}bytes_used]`, intText(s.bytes_used));
    out.add(`${p}stored_raw]`, intText(s.stored_raw));
    out.add(`${p}percent_used]`, floatText(num(s.percent_used) * 100));
    if (out.full) yield out.take();
  }
  out.add('wr_ops', intText(wrOps));
  out.add('rd_ops', intText(rdOps));
  out.add('wr_bytes', intText(wrBytes));
  out.add('rd_bytes', intText(rdBytes));
}

function* osds(src: ItemSource, out: ItemList): Generator<ZabbixItem[], void, void> {
  const map = src.get('osd_map');
  out.add('num_osd', intText(map.osds.length));
  out.add('osd_nearfull_ratio', floatText(map.nearfull_ratio));
  out.add('osd_full_ratio', floatText(map.full_ratio));
  out.add('osd_backfillfull_ratio', floatText(map.backfillfull_ratio));
  const pgTemp = map.pg_temp;
  out.add('num_pg_temp', intText(Array.isArray(pgTemp) ? pgTemp.length : 0));
  let up = 0;
  let in_ = 0;
  for (const o of map.osds) {
    out.add(`[osd.${o.osd},up]`, intText(o.up));
    if (o.up === 1) up++;
    out.add(`[osd.${o.osd},in]`, intText(o.in));
    if (o.in === 1) in_++;
    if (out.full) yield out.take();
  }
  out.add('num_osd_up', intText(up));
  out.add('num_osd_in', intText(in_));

  const fill: number[] = [];
  const pgs: number[] = [];
  const applyNs: number[] = [];
  const commitNs: number[] = [];
  // Ceph's module reads get('osd_stats'); its rows cut to these fields (same values) cost a few ms, not
  // the hundreds the full view with every OSD's per-pool statfs takes at 10,000 OSDs.
  for (const o of src.get('osd_stats_brief').osd_stats) {
    if (!(o.kb > 0)) continue; // no capacity reported yet: Ceph's module skips the OSD (ZeroDivisionError)
    const f = (o.kb_used / o.kb) * 100;
    fill.push(f);
    out.add(`[osd.${o.osd},osd_fill]`, floatText(f));
    pgs.push(o.num_pgs);
    applyNs.push(o.perf_stat.apply_latency_ns);
    commitNs.push(o.perf_stat.commit_latency_ns);
    out.add(`[osd.${o.osd},num_pgs]`, intText(o.num_pgs));
    out.add(`[osd.${o.osd},osd_latency_apply]`, floatText(o.perf_stat.apply_latency_ns / 1e6));
    out.add(`[osd.${o.osd},osd_latency_commit]`, floatText(o.perf_stat.commit_latency_ns / 1e6));
    if (out.full) yield out.take();
  }
  if (fill.length === 0) return; // Ceph's module: max() of nothing raises, the aggregates are not sent
  const [minFill, maxFill] = minMax(fill);
  const [minPgs, maxPgs] = minMax(pgs);
  out.add('osd_max_fill', floatText(maxFill));
  out.add('osd_min_fill', floatText(minFill));
  out.add('osd_avg_fill', floatText(avg(fill)));
  out.add('osd_max_pgs', intText(maxPgs));
  out.add('osd_min_pgs', intText(minPgs));
  out.add('osd_avg_pgs', floatText(avg(pgs)));
  for (const [name, xs] of [['apply', applyNs], ['commit', commitNs]] as const) {
    const [min, max] = minMax(xs);
    out.add(`osd_latency_${name}_max`, floatText(max / 1e6));
    out.add(`osd_latency_${name}_min`, floatText(min / 1e6));
    out.add(`osd_latency_${name}_avg`, floatText(avg(xs) / 1e6));
  }
}

function pgStates(src: ItemSource, out: ItemList): void {
  const status = src.get('pg_status');
  const counts = new Map<string, number>(PG_STATES.map((s) => [s, 0]));
  for (const { state_name, count } of status.pgs_by_state) {
    for (const s of state_name.split('+')) {
      const c = counts.get(s);
      if (c !== undefined) counts.set(s, c + count);
    }
  }
  for (const [s, c] of counts) out.add(`num_pg_${s}`, intText(c));
  out.add('num_pg', intText(status.num_pgs));
}
