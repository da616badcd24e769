// The OSD map reads that are mon commands in Ceph (`osd dump`, `osd tree`,
// `osd pool ls [detail]`), answered by the simulated mon from the maps it
// sends: JSON with --format json|json-pretty, Ceph's text otherwise.

import { Errno, type CommandResult } from '../../common/errno.js';
import type { SourceCommandDecl } from '../../protocol/messages.js';
import type { SimCluster } from './sim-cluster.js';

export const SIM_MAP_COMMANDS: readonly SourceCommandDecl[] = [
  { cmd: 'osd dump name=epoch,type=CephInt,range=0,req=false', desc: 'print summary of OSD map', perm: 'r' },
  { cmd: 'osd tree name=epoch,type=CephInt,range=0,req=false', desc: 'print OSD tree', perm: 'r' },
  { cmd: 'osd pool ls name=detail,type=CephChoices,strings=detail,req=false', desc: 'list pools', perm: 'r' },
];

type Json = Record<string, unknown>;
type Pool = Json & { pool: number; pool_name: string };

/** JSON as Ceph's formatters write it: json compact, json-pretty with four-space indent. */
function out(cmd: Record<string, unknown>, data: unknown, plain: () => string): CommandResult {
  const f = cmd.format;
  if (f === 'json' || f === 'json-pretty') return { r: 0, outs: '', outb: f === 'json' ? JSON.stringify(data) : `${JSON.stringify(data, null, 4)}\n` };
  return { r: 0, outs: '', outb: plain() };
}

export function runMapCommand(c: SimCluster, prefix: string, cmd: Record<string, unknown>): CommandResult | undefined {
  if (prefix !== 'osd dump' && prefix !== 'osd tree' && prefix !== 'osd pool ls') return undefined;
  const maps = c.maps();
  const osdMap = maps.osd_map as Json & { epoch: number; pools: Pool[] };
  if (typeof cmd.epoch === 'number' && cmd.epoch !== osdMap.epoch) {
    // The simulated mon keeps only its current map.
    return { r: -Errno.ENOENT, outb: '', outs: `there is no map for epoch ${cmd.epoch}` };
  }
  switch (prefix) {
    case 'osd dump':
      return out(cmd, osdMap, () => dumpText(osdMap));
    case 'osd tree':
      return out(cmd, maps.osd_map_tree, () => treeText(maps.osd_map_tree as { nodes: Json[] }));
    default: {
      const pools = osdMap.pools;
      if (cmd.detail !== 'detail') return out(cmd, pools.map((p) => p.pool_name), () => pools.map((p) => `${p.pool_name}\n`).join(''));
      const detail = pools.map(({ pool, ...rest }) => ({ pool_id: pool, ...rest }));
      return out(cmd, detail, () => pools.map((p) => `pool ${p.pool} '${p.pool_name}' ${poolText(p)}\n\n`).join(''));
    }
  }
}

/** pg_pool_t's operator<< (what `osd dump` and `osd pool ls detail` print after the name). */
function poolText(p: Json): string {
  const w: string[] = [];
  w.push(p.type === 3 ? `erasure profile ${String(p.erasure_code_profile)}` : 'replicated');
  w.push(`size ${String(p.size)} min_size ${String(p.min_size)} crush_rule ${String(p.crush_rule)} object_hash rjenkins`);
  w.push(`pg_num ${String(p.pg_num)} pgp_num ${String(p.pg_placement_num)} autoscale_mode ${String(p.pg_autoscale_mode)} last_change ${String(p.last_change)}`);
  if (p.flags_names !== '') w.push(`flags ${String(p.flags_names)}`);
  if (p.quota_max_bytes !== 0) w.push(`max_bytes ${String(p.quota_max_bytes)}`);
  if (p.quota_max_objects !== 0) w.push(`max_objects ${String(p.quota_max_objects)}`);
  w.push(`stripe_width ${String(p.stripe_width)}`);
  for (const [k, v] of Object.entries((p.options ?? {}) as Record<string, unknown>)) w.push(`${k} ${String(v)}`);
  const apps = Object.keys(p.application_metadata ?? {});
  if (apps.length > 0) w.push(`application ${apps.join(',')}`);
  return w.join(' ');
}

/** OSDMap::print: the header, the pools, then one line per OSD. */
function dumpText(m: Json & { pools: Pool[] }): string {
  const lines = [
    `epoch ${String(m.epoch)}`, `fsid ${String(m.fsid)}`, `created ${String(m.created)}`, `modified ${String(m.modified)}`, `flags ${String(m.flags)}`,
    `crush_version ${String(m.crush_version)}`, `full_ratio ${String(m.full_ratio)}`, `backfillfull_ratio ${String(m.backfillfull_ratio)}`,
    `nearfull_ratio ${String(m.nearfull_ratio)}`, `require_min_compat_client ${String(m.require_min_compat_client)}`,
    `min_compat_client ${String(m.min_compat_client)}`, `require_osd_release ${String(m.require_osd_release)}`, 'stretch_mode_enabled false', '',
  ];
  for (const p of m.pools) lines.push(`pool ${p.pool} '${p.pool_name}' ${poolText(p)}`);
  lines.push('', `max_osd ${String(m.max_osd)}`);
  for (const o of m.osds as Json[]) {
    const addr = (k: string): string => `[${((o[k] as { addrvec: Array<{ type: string; addr: string; nonce: number }> }).addrvec).map((a) => `${a.type}:${a.addr}/${a.nonce}`).join(',')}]`;
    lines.push(`osd.${String(o.osd)} ${o.up === 1 ? 'up  ' : 'down'} ${o.in === 1 ? 'in ' : 'out'} weight ${weight(o.weight as number)} up_from ${String(o.up_from)} up_thru ${String(o.up_thru)} down_at ${String(o.down_at)} `
      + `last_clean_interval [${String(o.last_clean_begin)},${String(o.last_clean_end)}) ${addr('public_addrs')} ${addr('cluster_addrs')} ${addr('heartbeat_back_addrs')} ${addr('heartbeat_front_addrs')} `
      + `${(o.state as string[]).join(',')} ${String(o.uuid)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A weight as C++'s ostream prints a float (six significant digits). */
function weight(w: number): string {
  return String(Number(w.toPrecision(6)));
}

/** `osd tree` text: ID CLASS WEIGHT TYPE NAME STATUS REWEIGHT PRI-AFF, indented by depth, numbers right-aligned. */
function treeText(tree: { nodes: Json[] }): string {
  const byId = new Map(tree.nodes.map((n) => [n.id as number, n]));
  const rows: string[][] = [['ID', 'CLASS', 'WEIGHT', 'TYPE NAME', 'STATUS', 'REWEIGHT', 'PRI-AFF']];
  const crushWeight = (n: Json): number => (n.type === 'osd' ? (n.crush_weight as number) : ((n.children ?? []) as number[]).reduce((s, id) => s + crushWeight(byId.get(id) ?? {}), 0));
  const visit = (n: Json, depth: number): void => {
    if (n.type === 'osd') {
      rows.push([String(n.id), String(n.device_class), crushWeight(n).toFixed(5), `${'    '.repeat(depth)}${String(n.name)}`, String(n.status), (n.reweight as number).toFixed(5), (n.primary_affinity as number).toFixed(5)]);
      return;
    }
    rows.push([String(n.id), '', crushWeight(n).toFixed(5), `${'    '.repeat(depth)}${String(n.type)} ${String(n.name)}`, '', '', '']);
    for (const id of [...((n.children ?? []) as number[])].sort((a, b) => Math.abs(a) - Math.abs(b))) {
      const child = byId.get(id);
      if (child) visit(child, depth + 1);
    }
  };
  for (const n of tree.nodes) if (n.type === 'root') visit(n, 0);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const left = new Set([3]);
  return rows.map((r) => r.map((cell, i) => (left.has(i) ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}
