// The PGMap checks read from each OSD's own report (Ceph 16's
// PGMap::get_health_checks): OSD_SLOW_PING_TIME_BACK / _FRONT from the
// heartbeat ping times, the objectstore alerts (BLUESTORE_DISK_SIZE_MISMATCH,
// BLUESTORE_SPURIOUS_READ_ERRORS...), OSD_TOO_MANY_REPAIRS and TOO_MANY_PGS.
// Wording, counts and detail order are Ceph's. The per-OSD ones are judges fed
// one OSD at a time (health-osd-scan.ts), so a scan can stop between two OSDs.

import { PING, PING_FIELDS, PING_IFACE } from '../protocol/ping-times.js';
import type { AddCheck } from './health-types.js';
import type { HealthConfig } from './health.js';
import type { OsdMap } from '../mgr-module/map-types.js';
import type { CrushTopology } from './crush-topology.js';
import type { PGMap } from './pg-map.js';
import type { OsdStatEntry } from './osd-stat-table.js';
import { OSD_COL } from './stat-vectors.js';

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

/** Where an item goes among the kept ones: after every one that sorts before it or equal (a stable sort's place). */
function comesBefore(a: PingItem, pingtime: number, from: number, to: number): boolean {
  return a.pingtime !== pingtime ? a.pingtime < pingtime : a.from !== from ? a.from < from : a.to <= to;
}

/**
 * The pings over the threshold on one interface: how many, and the
 * MAX_PING_DETAIL slowest, as Ceph's full sort by (pingtime, from, to) would
 * end (ties: the later one ranks higher, as a stable sort leaves them). A
 * cluster whose every link is slow has ~600,000 of them at 10,000 OSDs: they
 * are counted, not kept.
 */
class SlowestPings {
  count = 0;
  /** Ascending; at most MAX_PING_DETAIL. */
  readonly top: PingItem[] = [];

  offer(pingtime: number, from: number, to: number, improving: boolean): void {
    this.count++;
    const top = this.top;
    let i = top.length;
    if (i === MAX_PING_DETAIL && !comesBefore(top[0]!, pingtime, from, to)) return;
    while (i > 0 && !comesBefore(top[i - 1]!, pingtime, from, to)) i--;
    top.splice(i, 0, { pingtime, from, to, improving });
    if (top.length > MAX_PING_DETAIL) top.shift();
  }
}

/** OSD_SLOW_PING_TIME_BACK / _FRONT, fed one OSD's report at a time. */
export class SlowPingJudge {
  private readonly threshold: number;
  private readonly maxAgeS: number;
  private readonly back = new SlowestPings();
  private readonly front = new SlowestPings();

  constructor(private readonly nowS: number, cfg: HealthConfig) {
    this.threshold = cfg.monWarnOnSlowPingTimeMs > 0 ? cfg.monWarnOnSlowPingTimeMs * 1000 : cfg.osdHeartbeatGraceS * 1e6 * cfg.monWarnOnSlowPingRatio;
    this.maxAgeS = cfg.osdHeartbeatGraceS * 60;
  }

  visit(e: OsdStatEntry): void {
    const threshold = this.threshold;
    if (!(threshold > 0)) return;
    // The packed rows (protocol/ping-times.ts): window averages in µs, as Ceph's hb_pingtime.
    const p = e.ping;
    for (let row = 0; row + PING_FIELDS <= p.length; row += PING_FIELDS) {
      // Maybe source info is old (Ceph: older than 60 heartbeat graces).
      if (!(this.nowS - p[row + PING.lastUpdate]! <= this.maxAgeS)) continue;
      const to = p[row + PING.osd]!;
      const b0 = p[row + BACK]!, b1 = p[row + BACK + 1]!, b2 = p[row + BACK + 2]!;
      const b = Math.max(b0, b1, b2);
      if (b > threshold) this.back.offer(b, e.osd, to, b0 < b1 && b1 < b2);
      const f0 = p[row + FRONT]!, f1 = p[row + FRONT + 1]!, f2 = p[row + FRONT + 2]!;
      const f = Math.max(f0, f1, f2);
      // Ceph compares the front 5-minute average with the *back* 15-minute one here; kept as it is.
      if (f > threshold) this.front.offer(f, e.osd, to, f0 < f1 && f1 < b2);
    }
  }

  report(osdMap: OsdMap, topo: CrushTopology | undefined, add: AddCheck): void {
    if (this.back.count === 0 && this.front.count === 0) return;
    const down = new Set<number>();
    for (const o of osdMap.osds ?? []) if (o.up !== 1) down.add(o.osd);
    const report = (items: SlowestPings, iface: 'back' | 'front', code: string): void => {
      if (items.count === 0) return;
      const detail: string[] = [];
      for (let i = items.top.length - 1; i >= 0; i--) {
        const it = items.top[i]!;
        detail.push(`Slow OSD heartbeats on ${iface} from osd.${it.from} [${parentage(topo, it.from)}]${down.has(it.from) ? ' (down)' : ''}` +
          ` to osd.${it.to} [${parentage(topo, it.to)}]${down.has(it.to) ? ' (down)' : ''} ${usToMs(it.pingtime)} msec${it.improving ? ' possibly improving' : ''}`);
      }
      if (items.count > MAX_PING_DETAIL) detail.push('Truncated long network list.  Use ceph daemon mgr.# dump_osd_network for more information');
      add(code, 'HEALTH_WARN', `Slow OSD heartbeats on ${iface} (longest ${usToMs(items.top[items.top.length - 1]!.pingtime)}ms)`, items.count, detail);
    };
    report(this.back, 'back', 'OSD_SLOW_PING_TIME_BACK');
    report(this.front, 'front', 'OSD_SLOW_PING_TIME_FRONT');
  }
}

/** The objectstore alerts OSDs report, one check per alert name ("<n> OSD(s) have spurious read errors"), fed one OSD at a time. */
export class OsAlertJudge {
  private readonly hits: OsdStatEntry[] = [];

  constructor(private readonly maxDetail: number) {}

  visit(e: OsdStatEntry): void {
    for (const _ in e.alerts) {
      this.hits.push(e);
      return;
    }
  }

  report(add: AddCheck): void {
    const byName = new Map<string, string[]>();
    // By OSD id, as Ceph walks its osd_stat map.
    for (const e of this.hits.sort((a, b) => a.osd - b.osd)) {
      const alerts = e.alerts;
      let left = this.maxDetail;
      for (const name of Object.keys(alerts).sort()) {
        let l = byName.get(name);
        if (!l) byName.set(name, (l = []));
        l.push(` osd.${e.osd} ${alerts[name]!}`);
        if (--left === 0) break;
      }
    }
    for (const [name, detail] of [...byName].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const what = OS_ALERT_SUMMARY[name];
      add(name, 'HEALTH_WARN', `${detail.length} OSD(s)${what === undefined ? '' : ` ${what}`}`, detail.length, detail);
    }
  }
}

/** OSD_TOO_MANY_REPAIRS, fed one OSD at a time. */
export class RepairedReadsJudge {
  private readonly hits: Array<[number, number]> = [];

  constructor(private readonly cfg: HealthConfig) {}

  visit(e: OsdStatEntry): void {
    const n = e.vec[OSD_COL.numShardsRepaired]!;
    if (n > this.cfg.monOsdWarnNumRepaired) this.hits.push([e.osd, n]);
  }

  report(add: AddCheck): void {
    const detail = this.hits.sort((a, b) => a[0] - b[0]).map(([osd, n]) => `osd.${osd} had ${n} reads repaired`);
    if (detail.length) add('OSD_TOO_MANY_REPAIRS', 'HEALTH_WARN', `Too many repaired reads on ${detail.length} OSDs`, detail.length, detail);
  }
}

/** TOO_MANY_PGS: PG replicas per in OSD above mon_max_pg_per_osd. */
export function tooManyPgsCheck(m: PGMap, osdMap: OsdMap, cfg: HealthConfig, add: AddCheck): void {
  let numIn = 0;
  for (const o of osdMap.osds ?? []) if (o.in === 1) numIn++;
  if (numIn === 0 || cfg.monMaxPgPerOsd <= 0) return;
  const per = Math.floor(Math.max(m.clusterSum.up, m.numPgs) / numIn);
  if (per > cfg.monMaxPgPerOsd) add('TOO_MANY_PGS', 'HEALTH_WARN', `too many PGs per OSD (${per} > max ${cfg.monMaxPgPerOsd})`, per - cfg.monMaxPgPerOsd);
}
