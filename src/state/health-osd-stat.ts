// The PGMap checks read from each OSD's own report (Ceph 16's
// PGMap::get_health_checks): OSD_SLOW_PING_TIME_BACK / _FRONT from the
// heartbeat ping times, the objectstore alerts (BLUESTORE_DISK_SIZE_MISMATCH,
// BLUESTORE_SPURIOUS_READ_ERRORS...), and TOO_MANY_PGS. Wording, counts and
// detail order are Ceph's.

import { PING, PING_FIELDS, PING_IFACE } from '../protocol/ping-times.js';
import type { AddCheck } from './health-types.js';
import type { HealthConfig } from './health.js';
import type { OsdMap } from '../mgr-module/map-types.js';
import type { CrushTopology } from './crush-topology.js';
import type { PGMap } from './pg-map.js';

/** Longest detail list of a slow-ping check, as Ceph (then a "Truncated" line). */
const MAX_PING_DETAIL = 10;

/** OSD_OBJECTSTORE alert summaries (PGMap's OBJECT_STORE_WARN), after "<n> OSD(s)". */
const OS_ALERT_SUMMARY: Record<string, string> = {
  BLUEFS_SPILLOVER: 'experiencing BlueFS spillover',
  BLUESTORE_NO_COMPRESSION: 'have broken BlueStore compression',
  BLUESTORE_LEGACY_STATFS: 'reporting legacy (not per-pool) BlueStore stats',
  BLUESTORE_DISK_SIZE_MISMATCH: 'have dangerous mismatch between BlueStore block device and free list sizes',
  BLUESTORE_NO_PER_PG_OMAP: 'reporting legacy (not per-pg) BlueStore omap',
  BLUESTORE_NO_PER_POOL_OMAP: 'reporting legacy (not per-pool) BlueStore omap usage stats',
  BLUESTORE_SPURIOUS_READ_ERRORS: 'have spurious read errors',
};

const BACK = PING.back + PING_IFACE.average;
const FRONT = PING.front + PING_IFACE.average;

interface PingItem {
  /** µs, the largest of the three window averages. */
  pingtime: number;
  from: number;
  to: number;
  improving: boolean;
}

/** Ceph's fixed_u_to_string(us, 3): microseconds as milliseconds with three decimals. */
function usToMs(us: number): string {
  return `${Math.floor(us / 1000)}.${String(us % 1000).padStart(3, '0')}`;
}

/** osd_parentage: the CRUSH buckets above an OSD, but the root and the host level, as Ceph's set<string> prints them. */
function parentage(topo: CrushTopology | undefined, osd: number): string {
  const names: string[] = [];
  for (let cur = topo?.node(osd)?.parent; cur !== undefined; cur = topo?.node(cur)?.parent) {
    const n = topo!.node(cur)!;
    if (n.type !== 'root' && n.type !== 'host') names.push(n.name);
  }
  return names.sort().join(',');
}

/** OSD_SLOW_PING_TIME_BACK / _FRONT. */
export function slowPingChecks(m: PGMap, osdMap: OsdMap, topo: CrushTopology | undefined, nowS: number, cfg: HealthConfig, add: AddCheck): void {
  const threshold = cfg.monWarnOnSlowPingTimeMs > 0 ? cfg.monWarnOnSlowPingTimeMs * 1000 : cfg.osdHeartbeatGraceS * 1e6 * cfg.monWarnOnSlowPingRatio;
  if (!(threshold > 0)) return;
  const back: PingItem[] = [];
  const front: PingItem[] = [];
  const maxAgeS = cfg.osdHeartbeatGraceS * 60;
  for (const e of m.osdTable.entries()) {
    // The packed rows (protocol/ping-times.ts): window averages in µs, as Ceph's hb_pingtime.
    const p = e.ping;
    for (let row = 0; row + PING_FIELDS <= p.length; row += PING_FIELDS) {
      // Maybe source info is old (Ceph: older than 60 heartbeat graces).
      if (!(nowS - p[row + PING.lastUpdate]! <= maxAgeS)) continue;
      const to = p[row + PING.osd]!;
      const b0 = p[row + BACK]!, b1 = p[row + BACK + 1]!, b2 = p[row + BACK + 2]!;
      const b = Math.max(b0, b1, b2);
      if (b > threshold) back.push({ pingtime: b, from: e.osd, to, improving: b0 < b1 && b1 < b2 });
      const f0 = p[row + FRONT]!, f1 = p[row + FRONT + 1]!, f2 = p[row + FRONT + 2]!;
      const f = Math.max(f0, f1, f2);
      // Ceph compares the front 5-minute average with the *back* 15-minute one here; kept as it is.
      if (f > threshold) front.push({ pingtime: f, from: e.osd, to, improving: f0 < f1 && f1 < b2 });
    }
  }
  if (back.length === 0 && front.length === 0) return;
  const down = new Set((osdMap.osds ?? []).filter((o) => o.up !== 1).map((o) => o.osd));
  const report = (items: PingItem[], iface: 'back' | 'front', code: string): void => {
    if (items.length === 0) return;
    items.sort((a, b) => a.pingtime - b.pingtime || a.from - b.from || a.to - b.to);
    const detail: string[] = [];
    for (let i = items.length - 1; i >= 0; i--) {
      if (detail.length === MAX_PING_DETAIL) {
        detail.push('Truncated long network list.  Use ceph daemon mgr.# dump_osd_network for more information');
        break;
      }
      const it = items[i]!;
      detail.push(`Slow OSD heartbeats on ${iface} from osd.${it.from} [${parentage(topo, it.from)}]${down.has(it.from) ? ' (down)' : ''}` +
        ` to osd.${it.to} [${parentage(topo, it.to)}]${down.has(it.to) ? ' (down)' : ''} ${usToMs(it.pingtime)} msec${it.improving ? ' possibly improving' : ''}`);
    }
    add(code, 'HEALTH_WARN', `Slow OSD heartbeats on ${iface} (longest ${usToMs(items[items.length - 1]!.pingtime)}ms)`, items.length, detail);
  };
  report(back, 'back', 'OSD_SLOW_PING_TIME_BACK');
  report(front, 'front', 'OSD_SLOW_PING_TIME_FRONT');
}

/** The objectstore alerts OSDs report, one check per alert name ("<n> OSD(s) have spurious read errors"). */
export function osAlertChecks(m: PGMap, maxDetail: number, add: AddCheck): void {
  const byName = new Map<string, string[]>();
  for (const osd of m.osdIds()) {
    const alerts = m.osdStat(osd)!.alerts;
    let left = maxDetail;
    for (const name of Object.keys(alerts).sort()) {
      let l = byName.get(name);
      if (!l) byName.set(name, (l = []));
      l.push(` osd.${osd} ${alerts[name]!}`);
      if (--left === 0) break;
    }
  }
  for (const [name, detail] of [...byName].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const what = OS_ALERT_SUMMARY[name];
    add(name, 'HEALTH_WARN', `${detail.length} OSD(s)${what === undefined ? '' : ` ${what}`}`, detail.length, detail);
  }
}

/** TOO_MANY_PGS: PG replicas per in OSD above mon_max_pg_per_osd. */
export function tooManyPgsCheck(m: PGMap, osdMap: OsdMap, cfg: HealthConfig, add: AddCheck): void {
  const numIn = (osdMap.osds ?? []).filter((o) => o.in === 1).length;
  if (numIn === 0 || cfg.monMaxPgPerOsd <= 0) return;
  const per = Math.floor(Math.max(m.clusterSum.up, m.numPgs) / numIn);
  if (per > cfg.monMaxPgPerOsd) add('TOO_MANY_PGS', 'HEALTH_WARN', `too many PGs per OSD (${per} > max ${cfg.monMaxPgPerOsd})`, per - cfg.monMaxPgPerOsd);
}
