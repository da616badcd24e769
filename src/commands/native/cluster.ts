// Cluster-wide native commands: `status`, `health [detail]`, `df [detail]`,
// `osd stat`, `osd perf`, `osd df`, `osd pool stats`, `service dump`. JSON in
// the shapes of Ceph 16 (test/fixtures/ceph-reference/cli/), text as Ceph
// prints it (the *-format.ts renderers). Descriptors are Ceph's own.

import { Errno, cmdErr } from '../../common/errno.js';
import type { HealthReport } from '../../mgr-module/health.js';
import type { OsdMap } from '../../mgr-module/map-types.js';
import { STATFS_COL as F } from '../../state/stat-vectors.js';
import type { CommandContext, NativeCommand } from '../native-command.js';
import { render } from '../native-command.js';
import { dfText, osdDfText, osdPerfText, osdPoolStatsText, type OsdDfTotals } from './osd-format.js';
import { healthText, statusText } from './status-format.js';
import {
  fsDaemonSummaryText, fsMapSummary, fsVolumesText, mgrMapSummary, mgrMapSummaryText, monStatusOf,
  osdMapSummary, osdMapSummaryText, serviceNameWidth, serviceSummaries,
} from './summary-format.js';

const EMPTY_SERVICE_MAP = { epoch: 0, modified: '', services: {} };

const nowS = (): number => Date.now() / 1000;

/** health_check_map_t::dump as `health [detail] -f json` and `status` show it: detail only when asked. */
export function healthJson(h: HealthReport, detail: boolean): Record<string, unknown> {
  const checks: Record<string, unknown> = {};
  for (const [code, c] of Object.entries(h.checks)) {
    checks[code] = {
      severity: c.severity,
      summary: { message: c.summary.message, count: c.summary.count },
      ...(detail ? { detail: c.detail.map((d) => ({ message: d.message })) } : {}),
      muted: c.muted ?? false,
    };
  }
  return { status: h.status, checks, mutes: [...h.mutes] };
}

function monParts(ctx: CommandContext): { status: ReturnType<typeof monStatusOf>; names: string[]; all: Array<{ rank: number; name: string }> } {
  const c = ctx.cluster;
  const status = monStatusOf(c.monStatus);
  // The mon sent quorum_age when it sent mon_status; it has grown since.
  if (c.monStatusAtS > 0) status.quorum_age += Math.max(0, Math.floor(Date.now() / 1000 - c.monStatusAtS));
  const all = (c.monMap?.mons ?? []).map((m) => ({ rank: m.rank, name: m.name })).sort((a, b) => a.rank - b.rank);
  const byRank = new Map(all.map((m) => [m.rank, m.name]));
  return { status, names: status.quorum.map((r) => byRank.get(r) ?? String(r)), all };
}

/** `status -f json` (Monitor::get_cluster_status with a Formatter). */
export function statusJson(ctx: CommandContext): Record<string, unknown> {
  const c = ctx.cluster;
  const mon = monParts(ctx);
  return {
    fsid: c.fsid,
    health: healthJson(c.health(), false),
    election_epoch: mon.status.election_epoch,
    quorum: mon.status.quorum,
    quorum_names: mon.names,
    quorum_age: mon.status.quorum_age,
    monmap: { epoch: c.monMap?.epoch ?? 0, min_mon_release_name: c.monMap?.min_mon_release_name ?? '', num_mons: mon.all.length },
    osdmap: osdMapSummary(c.osdMap),
    pgmap: c.pgMap.pgStatus(false),
    fsmap: fsMapSummary(c.fsMap),
    mgrmap: mgrMapSummary(ctx.store.current()),
    servicemap: c.serviceMap ?? EMPTY_SERVICE_MAP,
    progress_events: {},
  };
}

/** `status` as text (the `ceph -s` layout). */
function statusPlain(ctx: CommandContext, json: Record<string, unknown>): string {
  const c = ctx.cluster;
  const now = nowS();
  const mon = monParts(ctx);
  const quorum = new Set(mon.status.quorum);
  const width = serviceNameWidth(c.serviceMap);
  return statusText({
    fsid: c.fsid,
    health: c.health(),
    mon: { count: mon.all.length, quorumNames: mon.names, outOfQuorum: mon.all.filter((m) => !quorum.has(m.rank)).map((m) => m.name), ageS: mon.status.quorum_age },
    mgr: mgrMapSummaryText(ctx.store.current(), now),
    mds: fsDaemonSummaryText(c.fsMap),
    osd: osdMapSummaryText(c.osdMap, now, ' '.repeat(width + 6), false),
    services: serviceSummaries(c.serviceMap),
    serviceWidth: width,
    volumes: fsVolumesText(c.fsMap),
    pgmap: json.pgmap as Record<string, unknown>,
  });
}

/** Per-OSD totals of the whole cluster for the TOTAL row of `osd df`. */
function osdTotals(ctx: CommandContext): OsdDfTotals {
  const v = ctx.cluster.pgMap.osdTable.sum;
  return { total: v[F.total]!, usedRaw: v[F.total]! - v[F.available]!, data: v[F.allocated]!, omap: v[F.omap_allocated]!, meta: v[F.internal_metadata]!, avail: v[F.available]! };
}

type OsdDfJson = { nodes: Array<Record<string, unknown>>; stray: Array<Record<string, unknown>>; summary: Record<string, unknown> };

/**
 * The OSDs `osd df <filter>` keeps: those of a device class, or under a CRUSH
 * bucket (or the one OSD) of that name. An error sentence when nothing matches.
 */
function osdDfFilter(ctx: CommandContext, by: string | undefined, filter: string): Set<number> | string {
  const c = ctx.cluster;
  const topo = c.pgMap.topology;
  const ids = (c.osdMap?.osds ?? []).map((o) => o.osd);
  if (by !== 'name') {
    const ofClass = ids.filter((id) => topo?.deviceClass(id) === filter);
    if (ofClass.length > 0) return new Set(ofClass);
    if (by === 'class') return `specified class '${filter}' does not exist`;
  }
  const node = c.osdMapTree?.nodes.find((n) => n.name === filter);
  if (node && topo) return new Set(topo.osdsUnder(node.id));
  const m = /^osd\.(\d+)$/.exec(filter);
  if (m && ids.includes(Number(m[1]))) return new Set([Number(m[1])]);
  return by === 'name' ? `specified name '${filter}' does not exist` : `'${filter}' is neither a device class nor a CRUSH bucket or OSD name`;
}

/** Keeps the OSDs in `keep` and recomputes the summary over them, as Ceph's filtered dump does (average stays global). */
function filterOsdDf(j: OsdDfJson, keep: ReadonlySet<number>): OsdDfJson {
  const nodes = j.nodes.filter((n) => keep.has(n.id as number));
  const stray = j.stray.filter((n) => keep.has(n.id as number));
  const avg = j.summary.average_utilization as number;
  const sum = (k: string): number => [...nodes, ...stray].reduce((a, n) => a + (n[k] as number), 0);
  let minVar = -1;
  let maxVar = -1;
  let dev = 0;
  let weight = 0;
  for (const n of [...nodes, ...stray]) {
    const w = n.reweight as number;
    if (w <= 0) continue;
    const v = n.var as number;
    if (minVar < 0 || v < minVar) minVar = v;
    if (maxVar < 0 || v > maxVar) maxVar = v;
    dev += w * ((n.utilization as number) - avg) ** 2;
    weight += w;
  }
  return {
    nodes,
    stray,
    summary: {
      total_kb: sum('kb'),
      total_kb_used: sum('kb_used'),
      total_kb_used_data: sum('kb_used_data'),
      total_kb_used_omap: sum('kb_used_omap'),
      total_kb_used_meta: sum('kb_used_meta'),
      total_kb_avail: sum('kb_avail'),
      average_utilization: avg,
      min_var: minVar,
      max_var: maxVar,
      dev: weight > 0 ? Math.sqrt(dev / weight) : 0,
    },
  };
}

function poolIdByName(osdMap: OsdMap | undefined, name: string): number | undefined {
  return osdMap?.pools.find((p) => p.pool_name === name)?.pool;
}

export const CLUSTER_COMMANDS: NativeCommand[] = [
  {
    cmd: 'status',
    desc: 'show cluster status',
    perm: 'r',
    run: (ctx, cmd) => {
      const json = statusJson(ctx);
      return render(cmd, json, () => statusPlain(ctx, json));
    },
  },
  {
    cmd: 'health name=detail,type=CephChoices,strings=detail,req=false',
    desc: 'show cluster health',
    perm: 'r',
    run: (ctx, cmd) => {
      const h = ctx.cluster.health();
      const detail = cmd.detail === 'detail';
      return render(cmd, healthJson(h, detail), () => healthText(h, detail));
    },
  },
  {
    cmd: 'df name=detail,type=CephChoices,strings=detail,req=false',
    desc: 'show cluster free space stats',
    perm: 'r',
    run: (ctx, cmd) => {
      const c = ctx.cluster;
      const detail = cmd.detail === 'detail';
      return render(cmd, c.pgMap.dfCommand(detail, c.osdMap), () => {
        const pools = c.osdMap?.pools ?? [];
        const pgNum = new Map(pools.map((p) => [p.pool, p.pg_num]));
        const tiers = new Set(pools.filter((p) => typeof p.tier_of === 'number' && p.tier_of >= 0).map((p) => p.pool));
        return dfText(c.pgMap.dfCommand(true, c.osdMap) as Parameters<typeof dfText>[0], pgNum, tiers, detail);
      });
    },
  },
  {
    cmd: 'osd stat',
    desc: 'print summary of OSD map',
    perm: 'r',
    run: (ctx, cmd) => {
      const m = ctx.cluster.osdMap;
      return render(cmd, osdMapSummary(m), () => osdMapSummaryText(m, nowS(), '', true));
    },
  },
  {
    cmd: 'osd perf',
    desc: 'print dump of OSD perf summary stats',
    perm: 'r',
    run: (ctx, cmd) => {
      const json = ctx.cluster.pgMap.osdPerfCommand();
      return render(cmd, json, () => osdPerfText(json as Parameters<typeof osdPerfText>[0]));
    },
  },
  {
    cmd:
      'osd df name=output_method,type=CephChoices,strings=plain|tree,req=false ' +
      'name=filter_by,type=CephChoices,strings=class|name,req=false name=filter,type=CephString,req=false',
    desc: 'show OSD utilization',
    perm: 'r',
    run: (ctx, cmd) => {
      if (cmd.output_method === 'tree') return cmdErr(Errno.EOPNOTSUPP, "osd df tree is not supported by mgrd; use 'osd df' (optionally with class <name> or name <bucket>)");
      const by = cmd.filter_by as string | undefined;
      const filter = cmd.filter as string | undefined;
      if (by !== undefined && filter === undefined) return cmdErr(Errno.EINVAL, `filter_by '${by}' needs a filter: osd df ${by} <${by === 'class' ? 'device class' : 'bucket or osd name'}>`);
      let json = ctx.cluster.pgMap.osdDfCommand(ctx.cluster.osdMap) as OsdDfJson;
      if (filter !== undefined) {
        const keep = osdDfFilter(ctx, by, filter);
        if (typeof keep === 'string') return cmdErr(Errno.EINVAL, keep);
        json = filterOsdDf(json, keep);
      }
      return render(cmd, json, () => osdDfText(json, osdTotals(ctx)));
    },
  },
  {
    cmd: 'osd pool stats name=pool_name,type=CephPoolname,req=false',
    desc: 'obtain stats from all pools, or from specified pool',
    perm: 'r',
    run: (ctx, cmd) => {
      const c = ctx.cluster;
      const name = cmd.pool_name as string | undefined;
      let id: number | undefined;
      if (name !== undefined) {
        id = poolIdByName(c.osdMap, name);
        if (id === undefined) return cmdErr(Errno.ENOENT, `unrecognized pool '${name}'`);
      }
      const list = c.pgMap.osdPoolStatsCommand(c.osdMap, id);
      const r = render(cmd, list, () => osdPoolStatsText(list));
      if (list.length === 0 && r.outb === '') r.outs = 'there are no pools!';
      return r;
    },
  },
  {
    cmd: 'service dump',
    desc: 'dump service map',
    perm: 'r',
    run: (ctx, cmd) => render(cmd, ctx.cluster.serviceMap ?? EMPTY_SERVICE_MAP),
  },
];
