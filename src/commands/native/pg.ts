// Native commands that read the PGMap's per-PG records: `pg stat`, `pg dump`,
// `pg ls` and `osd ok-to-stop`. `pg dump` and `pg ls` grow with the cluster, so
// they estimate their reply first and refuse one that could not be delivered.

import { Errno, cmdErr, type CommandResult } from '../../common/errno.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../../protocol/frames.js';
import { CRUSH_ITEM_NONE } from '../../state/ceph-format.js';
import type { OsdMap } from '../../mgr-module/map-types.js';
import type { PGMap, PgRecord } from '../../state/pg-map.js';
import { pgStatJson, type PgDumpWhat } from '../../state/pg-map-views.js';
import { PG_STATE_WORDS } from '../../state/pg-states.js';
import { osdStatJson, statfsJson } from '../../state/stat-vectors.js';
import type { CommandContext, Format, NativeCommand } from '../native-command.js';
import { formatOf, render } from '../native-command.js';
import { osdRow, pgDumpText, pgLsRow, pgLsText, pgRow, pgStatText, poolStatsText } from './pg-format.js';
import { textTable, col } from './table-format.js';

// --- reply size guard ---

/** V8's longest string (String::kMaxLength on 64-bit): no reply can be longer. */
const V8_MAX_STRING = 0x1fffffe8;
/** Room for what the estimate leaves out: the reply's envelope, the frame header, a dump's fixed sums. */
const ENVELOPE_BYTES = 64 * 1024;
const SAMPLE = 16;

/**
 * The largest reply mgrd can deliver, and what sets it: a COMMAND_REPLY frame
 * must fit the session's send buffer and the client's frame limit, and no
 * reply can exceed V8's longest string.
 */
function replyLimit(ctx: CommandContext): { bytes: number; by: string } {
  const limits = [
    { bytes: ctx.options.num('ms_session_max_buffered_bytes'), by: 'ms_session_max_buffered_bytes' },
    { bytes: DEFAULT_MAX_FRAME_BYTES, by: "the client's frame limit" },
    { bytes: V8_MAX_STRING, by: "V8's longest string" },
  ];
  const min = limits.reduce((a, b) => (b.bytes < a.bytes ? b : a));
  return { bytes: min.bytes - ENVELOPE_BYTES, by: min.by };
}

/** outb travels as a JSON string (quotes and newlines escaped): its length as such. */
const wireLength = (s: string): number => JSON.stringify(s).length;

/**
 * Estimated reply bytes of `count` items like `sample`: JSON items (array
 * items `depth` levels into the reply, for the indentation of json-pretty),
 * or the text of `plainRows` when the format is plain.
 */
function sectionBytes(count: number, sample: unknown[], fmt: Format, depth: number, plainRows?: () => string): number {
  if (count === 0 || sample.length === 0) return 0;
  let text: string;
  let extra = 0;
  if (fmt === 'plain') text = plainRows?.() ?? '';
  else if (fmt === 'json') text = JSON.stringify(sample);
  else {
    text = JSON.stringify(sample, null, 4);
    // The sample is an array at the top level; in the reply its items sit `depth` levels in.
    extra = text.split('\n').length * (depth - 1) * 4;
  }
  return ((wireLength(text) + extra) / sample.length) * count;
}

function firstPgs(m: PGMap, n: number): PgRecord[] {
  const out: PgRecord[] = [];
  for (const r of m.pgs()) {
    if (out.length >= n) break;
    out.push(r);
  }
  return out;
}

const human = (bytes: number): string => (bytes >= 1 << 30 ? `${(bytes / (1 << 30)).toFixed(1)} GiB` : bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`);

/** -ERANGE naming the estimate, the limit and what to ask for instead; undefined when the reply fits. */
function tooLarge(ctx: CommandContext, what: string, estimate: number, instead: string): CommandResult | undefined {
  const limit = replyLimit(ctx);
  if (estimate <= limit.bytes) return undefined;
  return cmdErr(Errno.ERANGE, `${what} would be about ${human(estimate)}, more than the ${human(limit.bytes)} one reply can carry (${limit.by}); ${instead}`);
}

/** Rendering a reply that slipped past the estimate can still hit V8's string limit: answer -ERANGE, not EIO. */
function renderGuarded(cmd: Parameters<typeof render>[0], data: () => unknown, plain: () => string, what: string): CommandResult {
  try {
    return render(cmd, data(), plain);
  } catch (err) {
    if (err instanceof RangeError) return cmdErr(Errno.ERANGE, `${what} is too large for one reply (${err.message})`);
    throw err;
  }
}

function estimatePgDump(m: PGMap, what: ReadonlySet<string>, fmt: Format): number {
  const all = what.size === 0 || what.has('all');
  if (!all && (what.has('summary') || what.has('sum'))) return 0;
  const depth = all ? 3 : 2;
  const pgs = firstPgs(m, SAMPLE);
  let bytes = 0;
  if (all || what.has('pgs')) bytes += sectionBytes(m.numPgs, pgs.map((r) => pgStatJson(m, r)), fmt, depth, () => textTable(PLAIN_PROBE, pgs.map((r) => pgRow(m, r, false))));
  if (what.has('pgs_brief')) bytes += sectionBytes(m.numPgs, pgs.map((r) => ({ pgid: r.pgid, state: m.states.name(r.stateId), up: r.up, acting: r.acting, up_primary: r.upPrimary, acting_primary: r.actingPrimary })), fmt, depth, () => textTable(PLAIN_PROBE, pgs.map((r) => pgRow(m, r, true))));
  if (all || what.has('pools')) {
    const ids = m.poolIds();
    // Pools are few: their text is rendered whole; their JSON is sampled like the rest.
    if (fmt === 'plain') bytes += wireLength(poolStatsText(m, true));
    else bytes += sectionBytes(ids.length, ids.slice(0, SAMPLE).map((id) => ({ poolid: id, num_pg: 0, ...m.poolSum(id)!.dump(m.poolStore(id)) })), fmt, depth);
  }
  if (all || what.has('osds')) {
    const ids = m.osdIds();
    const osds = ids.slice(0, SAMPLE).map((id) => m.osdStat(id)!);
    bytes += sectionBytes(ids.length, osds.map((e) => osdStatJson(e.vec, { osd: 0, upFrom: e.upFrom, seq: e.seq, hbPeers: e.hbPeers, ping: e.ping, alerts: e.alerts }, true)), fmt, depth, () => textTable(PLAIN_PROBE, ids.slice(0, SAMPLE).map((id) => osdRow(m, id, 0))));
    // pool_statfs: an entry per OSD and pool it stores (JSON only), extrapolated from the sampled OSDs.
    const statfs = osds.flatMap((e) => [...e.pools].map(([poolid, v]) => ({ poolid, osd: 0, ...statfsJson(v) })));
    if (fmt !== 'plain' && osds.length > 0) bytes += sectionBytes(Math.ceil((statfs.length / osds.length) * ids.length), statfs, fmt, depth);
  }
  return bytes;
}

/** Columns only for measuring rows: widths come from the rows, so headings do not matter. */
const PLAIN_PROBE = Array.from({ length: 24 }, () => col(''));

// --- osd ok-to-stop (Ceph's offline_pg_report) ---

interface OfflineReport {
  osds: number[];
  ok: number;
  notOk: number;
  unknown: string[];
  badNoPool: string[];
  badAlreadyInactive: string[];
  badBecomeInactive: string[];
  okBecomeDegraded: string[];
  okBecomeMoreDegraded: string[];
}

const okToStop = (r: OfflineReport): boolean => r.notOk === 0 && r.unknown.length === 0;
const byPgid = (a: PgRecord, b: PgRecord): number => a.pool - b.pool || a.ps - b.ps;

/** The PGs of each OSD's acting sets, and the PGs in state unknown, indexed once per command. */
class PgIndex {
  readonly byOsd = new Map<number, PgRecord[]>();
  readonly unknown: string[] = [];

  constructor(readonly m: PGMap) {
    const unknown: PgRecord[] = [];
    for (const r of m.pgs()) {
      if (m.states.has(r.stateId, 'unknown')) unknown.push(r);
      for (const o of r.acting) {
        let l = this.byOsd.get(o);
        if (!l) this.byOsd.set(o, (l = []));
        l.push(r);
      }
    }
    this.unknown = unknown.sort(byPgid).map((r) => r.pgid);
  }
}

/**
 * DaemonServer::_check_offlines_pgs: what stopping `osds` does to each PG they
 * hold. The acting set stands for avail_no_missing of degraded PGs (mgrd's
 * reports do not say which replicas miss objects).
 */
function checkOfflinePgs(idx: PgIndex, osdMap: OsdMap, osds: ReadonlySet<number>): OfflineReport {
  const m = idx.m;
  const pools = new Map(osdMap.pools.map((p) => [p.pool, p]));
  const touched = new Set<PgRecord>();
  for (const o of osds) for (const r of idx.byOsd.get(o) ?? []) touched.add(r);
  const rep: OfflineReport = { osds: [...osds].sort((a, b) => a - b), ok: 0, notOk: 0, unknown: idx.unknown, badNoPool: [], badAlreadyInactive: [], badBecomeInactive: [], okBecomeDegraded: [], okBecomeMoreDegraded: [] };
  for (const r of [...touched].sort(byPgid)) {
    if (m.states.has(r.stateId, 'unknown')) continue;
    const left = new Set(r.acting.filter((o) => !osds.has(o) && o !== CRUSH_ITEM_NONE && o >= 0));
    const pool = pools.get(r.pool);
    let bad = false;
    if (!pool) {
      rep.badNoPool.push(r.pgid);
      bad = true;
    }
    if (!m.states.has(r.stateId, 'active')) {
      rep.badAlreadyInactive.push(r.pgid);
      bad = true;
    }
    if (pool && left.size < pool.min_size) {
      rep.badBecomeInactive.push(r.pgid);
      bad = true;
    }
    if (bad) rep.notOk++;
    else {
      rep.ok++;
      (m.states.has(r.stateId, 'degraded') ? rep.okBecomeMoreDegraded : rep.okBecomeDegraded).push(r.pgid);
    }
  }
  return rep;
}

/**
 * DaemonServer::_maximize_ok_to_stop_set: while the set is safe and below
 * `max`, add up OSDs under the first OSD's parent bucket, then its parent's...
 */
function maximizeOkToStop(ctx: CommandContext, idx: PgIndex, osdMap: OsdMap, orig: ReadonlySet<number>, max: number): OfflineReport {
  let out = checkOfflinePgs(idx, osdMap, orig);
  const topo = ctx.cluster.pgMap.topology;
  if (!okToStop(out) || orig.size >= max || !topo) return out;
  const up = new Set(osdMap.osds.filter((o) => o.up === 1).map((o) => o.osd));
  const osds = new Set(orig);
  let parent: number | undefined = Math.min(...orig);
  for (;;) {
    parent = topo.node(parent)?.parent;
    if (parent === undefined) return out;
    let failed = 0;
    for (const o of topo.osdsUnder(parent).sort((a, b) => a - b)) {
      if (!up.has(o) || osds.has(o)) continue;
      osds.add(o);
      const rep = checkOfflinePgs(idx, osdMap, osds);
      if (!okToStop(rep)) {
        osds.delete(o);
        failed++;
        continue;
      }
      out = rep;
      if (osds.size >= max) return out;
    }
    if (failed) return out;
  }
}

function offlineReportJson(r: OfflineReport): Record<string, unknown> {
  const out: Record<string, unknown> = { ok_to_stop: okToStop(r), osds: r.osds, num_ok_pgs: r.ok, num_not_ok_pgs: r.notOk };
  const lists: Array<[string, string[]]> = [
    ['unknown_pgs', r.unknown],
    ['bad_no_pool_pgs', r.badNoPool],
    ['bad_already_inactive', r.badAlreadyInactive],
    ['bad_become_inactive', r.badBecomeInactive],
    ['ok_become_degraded', r.okBecomeDegraded],
    ['ok_become_more_degraded', r.okBecomeMoreDegraded],
  ];
  for (const [k, v] of lists) if (v.length) out[k] = v;
  return out;
}

/**
 * OSDMap::parse_osd_id_list: "3", "osd.3", or any|all|* first for every OSD.
 * Unlike Ceph, an id the osd map lacks is -ENOENT: it holds no PGs, so Ceph
 * calls it safe to stop, which hides a typo.
 */
function parseOsdIds(ids: readonly string[], osdMap: OsdMap): Set<number> | { errno: number; why: string } {
  const known = new Set(osdMap.osds.map((o) => o.osd));
  if (ids.length > 0 && ['any', 'all', '*'].includes(ids[0]!)) return known;
  const out = new Set<number>();
  for (const s of ids) {
    const m = /^(?:osd\.)?(\d+)$/.exec(s);
    const id = m ? Number(m[1]) : NaN;
    if (!Number.isSafeInteger(id)) return { errno: Errno.EINVAL, why: `invalid osd id '${s}'` };
    if (id > 0xffff) return { errno: Errno.ERANGE, why: `osd id ${id} is too large` };
    if (!known.has(id)) return { errno: Errno.ENOENT, why: `osd.${id} does not exist` };
    out.add(id);
  }
  return out;
}

const ecPools = (osdMap: OsdMap | undefined): Set<number> => new Set((osdMap?.pools ?? []).filter((p) => p.type === 3).map((p) => p.pool));

export const PG_COMMANDS: NativeCommand[] = [
  {
    cmd: 'pg stat',
    desc: 'show placement group status.',
    perm: 'r',
    run: (ctx, cmd) => {
      const json = ctx.cluster.pgMap.pgStatCommand();
      return render(cmd, json, () => pgStatText(json as Parameters<typeof pgStatText>[0]));
    },
  },
  {
    cmd: 'pg dump name=dumpcontents,type=CephChoices,strings=all|summary|sum|delta|pools|osds|pgs|pgs_brief,n=N,req=false',
    desc: "show human-readable versions of pg map (only 'all' valid with plain)",
    perm: 'r',
    run: (ctx, cmd) => {
      const m = ctx.cluster.pgMap;
      const what = new Set((cmd.dumpcontents as PgDumpWhat[] | undefined) ?? []);
      if (what.size === 0) what.add('all');
      const label = [...what].sort().join(',');
      const fmt = formatOf(cmd, 'plain');
      const refused = tooLarge(ctx, `pg dump ${label} of ${m.numPgs} PGs`, estimatePgDump(m, what, fmt), "ask for less: 'pg dump pgs_brief', 'pg dump pools', 'pg dump osds', 'pg stat', or 'pg ls <pool> [<states>...]'");
      if (refused) return refused;
      const r = renderGuarded(cmd, () => m.pgDumpCommand([...what]), () => pgDumpText(m, what), `pg dump ${label}`);
      if (r.r === 0) r.outs = `dumped ${label}`;
      return r;
    },
  },
  {
    cmd: 'pg ls name=pool,type=CephInt,req=false name=states,type=CephString,n=N,req=false',
    desc: 'list pg with specific pool, osd, state',
    perm: 'r',
    run: (ctx, cmd) => {
      const c = ctx.cluster;
      const m = c.pgMap;
      const pool = typeof cmd.pool === 'number' && cmd.pool >= 0 ? cmd.pool : undefined;
      if (pool !== undefined && !c.osdMap?.pools.some((p) => p.pool === pool)) return cmdErr(Errno.ENOENT, `pool ${pool} does not exist`);
      const states = (cmd.states as string[] | undefined) ?? [];
      const bad = states.find((s) => !PG_STATE_WORDS.includes(s));
      if (bad !== undefined) return cmdErr(Errno.EINVAL, `invalid state ${bad}`);
      const want = new Set(states);
      const pgs: PgRecord[] = [];
      for (const r of m.pgs()) {
        if (pool !== undefined && r.pool !== pool) continue;
        if (want.size > 0 && ![...m.states.info(r.stateId).words].some((w) => want.has(w))) continue;
        pgs.push(r);
      }
      pgs.sort(byPgid);
      const now = Date.now() / 1000;
      const sample = pgs.slice(0, SAMPLE);
      const estimate = sectionBytes(pgs.length, sample.map((r) => pgStatJson(m, r)), formatOf(cmd, 'plain'), 2, () => textTable(PLAIN_PROBE, sample.map((r) => pgLsRow(m, r, now))));
      const refused = tooLarge(ctx, `pg ls of ${pgs.length} PGs`, estimate, "narrow it: 'pg ls <pool> [<states>...]', or 'pg dump pgs_brief'");
      if (refused) return refused;
      const ec = ecPools(c.osdMap);
      return renderGuarded(cmd, () => ({ pg_ready: m.isPgReady(), pg_stats: pgs.map((r) => pgStatJson(m, r, ec)) }), () => pgLsText(m, pgs, now), 'pg ls');
    },
  },
  {
    cmd: 'osd ok-to-stop name=ids,type=CephString,n=N name=max,type=CephInt,req=false',
    desc: 'check whether osd(s) can be safely stopped without reducing immediate data availability',
    perm: 'r',
    run: (ctx, cmd) => {
      const c = ctx.cluster;
      const osdMap = c.osdMap;
      if (!osdMap) return cmdErr(Errno.EAGAIN, 'no osd map from the cluster yet; cannot draw any conclusions');
      const parsed = parseOsdIds((cmd.ids as string[] | undefined) ?? [], osdMap);
      if (!(parsed instanceof Set)) return cmdErr(parsed.errno, parsed.why);
      if (parsed.size === 0) return cmdErr(Errno.EINVAL, 'must specify one or more OSDs');
      const max = Math.max(typeof cmd.max === 'number' ? cmd.max : 1, parsed.size);
      const report = maximizeOkToStop(ctx, new PgIndex(c.pgMap), osdMap, parsed, max);
      // Ceph answers JSON whatever the format, data and verdict together.
      const outb = JSON.stringify(offlineReportJson(report), null, formatOf(cmd, 'json') === 'json-pretty' ? 4 : undefined) + '\n';
      if (report.unknown.length) return { r: -Errno.EAGAIN, outb, outs: `${report.unknown.length} pgs have unknown state; cannot draw any conclusions` };
      if (!okToStop(report)) return { r: -Errno.EBUSY, outb, outs: `unsafe to stop osd(s) at this time (${report.notOk} PGs are or would become offline)` };
      return { r: 0, outb, outs: '' };
    },
  },
];
