// Each map's print_summary, as Ceph has it twice: a Formatter dump (the
// sections of `status -f json`, `osd stat -f json`) and an ostream line (the
// `ceph -s` services). Pure functions of the maps and "now".

import { timespanStr } from '../../state/ceph-format.js';
import type { FsMap, OsdMap, OsdMapOsd, ServiceMap } from '../../mgr-module/map-types.js';
import type { MgrMap } from '../../mgr-module/mgr-map-types.js';
import { parseUtime } from './table-format.js';

// --- OSDMap::print_summary ---

const exists = (o: OsdMapOsd): boolean => !Array.isArray(o.state) || o.state.length === 0 || o.state.includes('exists');

/** `osd stat -f json` and the osdmap section of `status -f json`. */
export function osdMapSummary(m: OsdMap | undefined): Record<string, number> {
  const osds = (m?.osds ?? []).filter(exists);
  return {
    epoch: m?.epoch ?? 0,
    num_osds: osds.length,
    num_up_osds: osds.filter((o) => o.up === 1).length,
    osd_up_since: Math.floor(parseUtime(m?.last_up_change) ?? 0),
    num_in_osds: osds.filter((o) => o.in === 1).length,
    osd_in_since: Math.floor(parseUtime(m?.last_in_change) ?? 0),
    num_remapped_pgs: Array.isArray(m?.pg_temp) ? m.pg_temp.length : 0,
  };
}

/** Flags `ceph -s` does not show (CEPH_OSDMAP_SEMIHIDDEN_FLAGS). */
const SEMIHIDDEN_FLAGS = new Set(['sortbitwise', 'recovery_deletes', 'purged_snapdirs', 'pglog_hardlimit', 'require_jewel_osds', 'require_kraken_osds', 'require_luminous_osds']);

/**
 * "4 osds: 4 up (since 86s), 4 in (since 93s)" and, when set, a second line
 * "<prefix>flags noout". `extra` adds "; epoch: e30" as `osd stat` does.
 */
export function osdMapSummaryText(m: OsdMap | undefined, nowS: number, prefix: string, extra: boolean): string {
  const j = osdMapSummary(m);
  const since = (stamp: unknown): string => {
    const t = parseUtime(stamp);
    return t === undefined ? '' : ` (since ${timespanStr(Math.max(0, nowS - t))})`;
  };
  let out = `${j.num_osds} osds: ${j.num_up_osds} up${since(m?.last_up_change)}, ${j.num_in_osds} in${since(m?.last_in_change)}`;
  if (extra) out += `; epoch: e${j.epoch}`;
  if (j.num_remapped_pgs) out += `; ${j.num_remapped_pgs} remapped pgs`;
  out += '\n';
  const flags = (typeof m?.flags === 'string' ? m.flags.split(',') : []).filter((f) => f !== '' && !SEMIHIDDEN_FLAGS.has(f));
  if (flags.length > 0) out += `${prefix}flags ${flags.join(',')}\n`;
  return out;
}

// --- MgrMap::print_summary ---

export function mgrMapSummary(map: MgrMap): Record<string, unknown> {
  return { available: map.available, num_standbys: map.standbys.length, modules: [...map.modules].sort(), services: { ...map.services } };
}

/** "x(active, since 15s), standbys: y, z". */
export function mgrMapSummaryText(map: MgrMap, nowS: number): string {
  let out: string;
  if (map.active_name) {
    out = map.active_name + (map.available ? '(active' : '(active, starting');
    const t = parseUtime(map.active_change);
    if (t !== undefined) out += `, since ${timespanStr(Math.max(0, nowS - t))}`;
    out += ')';
  } else {
    out = 'no daemons active';
  }
  if (map.standbys.length > 0) out += `, standbys: ${map.standbys.map((s) => s.name).join(', ')}`;
  return out;
}

// --- FSMap::print_summary / print_daemon_summary / print_fs_summary ---

type MdsInfo = { gid?: number; name?: string; rank?: number; state?: string };
type Fs = FsMap['filesystems'][number];

const infos = (fs: Fs): MdsInfo[] => Object.values(fs.mdsmap.info ?? {});
const listOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const upCount = (fs: Fs): number => Object.keys((fs.mdsmap.up as Record<string, number> | undefined) ?? {}).length;

/** The fsmap section of `status -f json`. */
export function fsMapSummary(m: FsMap | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { epoch: m?.epoch ?? 0 };
  const fss = m?.filesystems ?? [];
  for (const fs of fss) Object.assign(out, { id: fs.id, up: upCount(fs), in: listOf(fs.mdsmap.in).length, max: fs.mdsmap.max_mds });
  const byState = new Map<string, number>([['up:standby', (m?.standbys ?? []).length]]);
  const byRank: Array<Record<string, unknown>> = [];
  for (const fs of fss) {
    for (const info of infos(fs)) {
      const state = info.state ?? 'up:active';
      byRank.push({ filesystem_id: fs.id, rank: info.rank ?? -1, name: info.name ?? '', status: state, gid: info.gid ?? 0 });
      byState.set(state, (byState.get(state) ?? 0) + 1);
    }
  }
  out.by_rank = byRank;
  for (const [state, n] of byState) out[state] = n;
  return out;
}

/** "1/1 daemons up, 1 standby" (the mds line of `ceph -s`), or undefined without a filesystem. */
export function fsDaemonSummaryText(m: FsMap | undefined): string | undefined {
  const fss = m?.filesystems ?? [];
  if (fss.length === 0) return undefined;
  let up = 0;
  let inn = 0;
  let failed = 0;
  let replay = 0;
  for (const fs of fss) {
    up += upCount(fs);
    inn += listOf(fs.mdsmap.in).length;
    failed += listOf(fs.mdsmap.failed).length;
    replay += infos(fs).filter((i) => i.state === 'up:standby-replay').length;
  }
  let out = `${up}/${inn} daemons up`;
  if (failed) out += ` (${failed} failed)`;
  const standby = (m?.standbys ?? []).length;
  if (standby) out += `, ${standby} standby`;
  if (replay) out += `, ${replay} hot standby`;
  return out;
}

/** "volumes: 1/1 healthy" (the first line of the data section), or undefined without a filesystem. */
export function fsVolumesText(m: FsMap | undefined): string | undefined {
  const fss = m?.filesystems ?? [];
  if (fss.length === 0) return undefined;
  let healthy = 0;
  let recovering = 0;
  let failed = 0;
  let stopped = 0;
  let damaged = 0;
  for (const fs of fss) {
    const mm = fs.mdsmap;
    if (listOf(mm.damaged).length) damaged++;
    const up = (mm.up as Record<string, number> | undefined) ?? {};
    const active = new Set(infos(fs).filter((i) => i.state === 'up:active').map((i) => i.rank));
    const degraded = listOf(mm.in).some((rank) => !(`mds_${String(rank)}` in up) || !active.has(rank as number));
    if (listOf(mm.failed).length) failed++;
    else if (degraded) recovering++;
    else if (mm.max_mds === 0) stopped++;
    else healthy++;
  }
  let out = `${healthy}/${fss.length} healthy`;
  if (recovering) out += `, ${recovering} recovering`;
  if (failed) out += `, ${failed} failed`;
  if (stopped) out += `, ${stopped} stopped`;
  if (damaged) out += `; ${damaged} damaged`;
  return out;
}

// --- ServiceMap::Service::get_summary ---

const CORE_SERVICES = new Set(['osd', 'client', 'mon', 'mds', 'mgr']);

/** Services `ceph -s` lists by name (not the core daemon types), with their summaries. */
export function serviceSummaries(m: ServiceMap | undefined): Array<{ name: string; summary: string }> {
  return Object.entries(m?.services ?? {})
    .filter(([name]) => !CORE_SERVICES.has(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, svc]) => ({ name, summary: serviceSummary(svc) }));
}

/** "1 daemon active (1 hosts, 1 zones)", or the service's own summary. */
export function serviceSummary(svc: { daemons: Record<string, unknown>; summary?: string }): string {
  // A dumped service map carries the service summary as daemons.summary too.
  const daemons = Object.entries(svc.daemons ?? {}).filter(([k]) => k !== 'summary');
  const summary = svc.summary ?? (typeof svc.daemons?.summary === 'string' ? svc.daemons.summary : '');
  if (summary) return summary;
  if (daemons.length === 0) return 'no daemons active';
  let type = 'daemon';
  const groups = new Map<string, Set<string>>();
  for (const [, d] of daemons) {
    const md = ((d as { metadata?: Record<string, string> }).metadata ?? {});
    if (md.daemon_type) type = md.daemon_type;
    for (const [group, key] of [['host', 'hostname'], ['zone', 'zone_id']] as const) {
      if (md[key] === undefined) continue;
      let s = groups.get(group);
      if (!s) groups.set(group, (s = new Set()));
      s.add(md[key]);
    }
  }
  let out = `${daemons.length} ${type}${daemons.length > 1 ? 's' : ''} active`;
  const parts = [...groups].sort(([a], [b]) => (a < b ? -1 : 1)).map(([g, s]) => `${s.size} ${g}s`);
  if (parts.length) out += ` (${parts.join(', ')})`;
  return out;
}

/** Width of the service names column in `ceph -s` (at least 3: "mon", "mgr", "osd"). */
export function serviceNameWidth(m: ServiceMap | undefined): number {
  return Math.max(3, ...Object.keys(m?.services ?? {}).map((n) => n.length));
}

/** Election epoch, quorum ranks and quorum age from mon_status, sent plain or as `{json: "..."}` as ceph-mgr's get('mon_status'). */
export function monStatusOf(raw: unknown): { election_epoch: number; quorum: number[]; quorum_age: number } {
  let s = raw as Record<string, unknown> | undefined;
  if (s && typeof s.json === 'string') {
    try {
      s = JSON.parse(s.json) as Record<string, unknown>;
    } catch {
      s = undefined;
    }
  }
  const quorum = Array.isArray(s?.quorum) ? (s.quorum as unknown[]).filter((r): r is number => typeof r === 'number') : [];
  return {
    election_epoch: typeof s?.election_epoch === 'number' ? s.election_epoch : 0,
    quorum,
    quorum_age: typeof s?.quorum_age === 'number' ? s.quorum_age : 0,
  };
}
