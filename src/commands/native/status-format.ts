// The plain text of `status` (Ceph's `ceph -s` layout, Monitor::get_cluster_status)
// and of `health [detail]` (HealthMonitor::get_health_status). Pure functions.

import { byteU, cFixed, timespanStr } from '../../state/ceph-format.js';
import type { HealthReport } from '../../mgr-module/health.js';
import { cacheIoText, clientIoText, recoveryLines, recoveryRateText } from './io-format.js';
import { shortHealth, siU } from './table-format.js';

/**
 * "HEALTH_WARN 1 osds down; 1 host (1 osds) down": the status, then the
 * summaries of unmuted checks. `sep1` follows the status, `sep2` joins the rest
 * (`status` breaks them onto indented lines).
 */
export function healthLine(h: HealthReport, sep1: string, sep2: string): string {
  const checks = Object.entries(h.checks);
  const summaries = checks.filter(([, c]) => !c.muted).map(([, c]) => c.summary.message);
  const muted = checks.filter(([, c]) => c.muted).map(([code]) => code);
  let out: string = h.status;
  if (summaries.length) out += sep1 + summaries.join(sep2);
  if (muted.length) out += (summaries.length ? sep2 : sep1) + `(muted: ${muted.join(' ')})`;
  return out;
}

/** `health [detail]` as text: the one-liner, then with detail "[WRN] CODE: summary" and indented details. */
export function healthText(h: HealthReport, detail: boolean): string {
  let out = healthLine(h, ' ', '; ') + '\n';
  if (!detail) return out;
  for (const [code, c] of Object.entries(h.checks)) {
    out += `${c.muted ? '(MUTED) ' : ''}[${shortHealth(c.severity)}] ${code}: ${c.summary.message}\n`;
    for (const d of c.detail) out += `    ${d.message}\n`;
  }
  return out;
}

export interface StatusText {
  fsid: string;
  health: HealthReport;
  mon: { count: number; quorumNames: string[]; outOfQuorum: string[]; ageS: number };
  /** MgrMap summary ("x(active, since 15s), standbys: y"). */
  mgr: string;
  /** FSMap daemon summary, when a filesystem exists. */
  mds: string | undefined;
  /** OSDMap summary, newline-terminated, with its flags line when flags are set. */
  osd: string;
  /** Non-core services of the service map, with their summaries. */
  services: Array<{ name: string; summary: string }>;
  /** Width of the service name column (3, or the longest service name). */
  serviceWidth: number;
  /** "1/1 healthy", when a filesystem exists. */
  volumes: string | undefined;
  /** The pgmap section of `status -f json`. */
  pgmap: Record<string, unknown>;
}

/** Continuation indent under "    health: " and under "    pgs:     ". */
const HEALTH_INDENT = ' '.repeat(12);
const PGS_INDENT = ' '.repeat(13);

/** The data section's pgmap lines and the io section (PGMapDigest::print_summary). */
export function pgmapText(pg: Record<string, unknown>): { data: string; io: string } {
  const num = (k: string): number => (typeof pg[k] === 'number' ? pg[k] : 0);
  let data = `    pools:   ${num('num_pools')} pools, ${num('num_pgs')} pgs\n`;
  data += `    objects: ${siU(num('num_objects'))} objects, ${byteU(num('data_bytes'))}\n`;
  data += `    usage:   ${byteU(num('bytes_used'))} used, ${byteU(num('bytes_avail'))} / ${byteU(num('bytes_total'))} avail\n`;
  const lines: string[] = [];
  if (typeof pg.unknown_pgs_ratio === 'number') lines.push(`${cFixed(pg.unknown_pgs_ratio * 100, 3)}% pgs unknown`);
  if (typeof pg.inactive_pgs_ratio === 'number') lines.push(`${cFixed(pg.inactive_pgs_ratio * 100, 3)}% pgs not active`);
  lines.push(...recoveryLines(pg));
  const states = Array.isArray(pg.pgs_by_state) ? (pg.pgs_by_state as Array<{ state_name: string; count: number }>) : [];
  const width = Math.max(1, ...states.map((s) => String(s.count).length));
  for (const s of states) lines.push(`${String(s.count).padEnd(width)} ${s.state_name}`);
  data += `    pgs:     ${lines.join(`\n${PGS_INDENT}`)}\n`;
  let io = '';
  const client = clientIoText(pg);
  const recovery = recoveryRateText(pg);
  const cache = cacheIoText(pg);
  if (client) io += `    client:   ${client}\n`;
  if (recovery) io += `    recovery: ${recovery}\n`;
  if (cache) io += `    cache:    ${cache}\n`;
  return { data, io };
}

/** `ceph -s`: sections separated by a line holding one space, as Ceph prints them. */
export function statusText(p: StatusText): string {
  const spacing = ' '.repeat(p.serviceWidth - 3);
  const health = healthLine(p.health, `\n${HEALTH_INDENT}`, `\n${HEALTH_INDENT}`);
  let out = '  cluster:\n';
  out += `    id:     ${p.fsid}\n`;
  out += `    health: ${health}\n`;
  out += ' \n  services:\n';
  out += `    mon: ${spacing}${p.mon.count} daemons, quorum ${p.mon.quorumNames.join(',')} (age ${timespanStr(p.mon.ageS)})`;
  if (p.mon.outOfQuorum.length) out += `, out of quorum: ${p.mon.outOfQuorum.join(', ')}`;
  out += '\n';
  out += `    mgr: ${spacing}${p.mgr}\n`;
  if (p.mds !== undefined) out += `    mds: ${spacing}${p.mds}\n`;
  out += `    osd: ${spacing}${p.osd}`;
  for (const s of p.services) out += `    ${s.name}: ${' '.repeat(p.serviceWidth - s.name.length)}${s.summary}\n`;
  out += ' \n  data:\n';
  if (p.volumes !== undefined) out += `    volumes: ${p.volumes}\n`;
  const pg = pgmapText(p.pgmap);
  out += pg.data;
  if (pg.io) out += ` \n  io:\n${pg.io}`;
  return `${out} \n`;
}
