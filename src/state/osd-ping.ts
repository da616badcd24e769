// What an OSD reports beside its usage: the heartbeat ping times to its peers
// (osd_stat_t's hb_pingtime, shown as `network_ping_times` in `pg dump osds`
// and get('osd_ping_times')) and its objectstore's alerts (os_alerts:
// BLUESTORE_SPURIOUS_READ_ERRORS...). Checked here at ingest, kept per OSD,
// read by the health checks (health-osd-stat.ts).

import type { PeerPingTimes, PingInterface, PingWindows } from '../protocol/messages.js';

export type { PeerPingTimes } from '../protocol/messages.js';

/** What health reads of one peer entry: the largest window average per interface (µs, as Ceph's uint32), and when. */
export interface PeerPingSummary {
  readonly to: number;
  /** Window averages [1min, 5min, 15min] in µs. */
  readonly back: readonly [number, number, number];
  readonly front: readonly [number, number, number];
  /** Unix seconds of the last update; NaN when unreadable. */
  readonly lastUpdateS: number;
}

/** Peers an OSD may report ping times for (Ceph's hb peers: a few dozen at most). */
export const MAX_PING_PEERS = 1024;
/** Alerts one OSD's store may raise, and the longest message kept. */
export const MAX_OS_ALERTS = 32;
const MAX_ALERT_CHARS = 1024;

export class OsdExtrasError extends Error {}

const WINDOWS = ['1min', '5min', '15min'] as const;

function windows(v: unknown, what: string): PingWindows {
  if (typeof v !== 'object' || v === null) throw new OsdExtrasError(`${what} must be an object with 1min, 5min, 15min`);
  const o = v as Record<string, unknown>;
  for (const w of WINDOWS) {
    const x = o[w];
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) throw new OsdExtrasError(`${what}.${w} must be a number of ms >= 0`);
  }
  return { '1min': o['1min'] as number, '5min': o['5min'] as number, '15min': o['15min'] as number };
}

/** Checks an osd_stat's network_ping_times; returns a copy of what is kept. */
export function checkPingTimes(v: unknown): PeerPingTimes[] {
  if (!Array.isArray(v)) throw new OsdExtrasError('osd_stat.network_ping_times must be an array');
  if (v.length > MAX_PING_PEERS) throw new OsdExtrasError(`osd_stat.network_ping_times: at most ${MAX_PING_PEERS} peers`);
  return v.map((raw: unknown, i) => {
    const where = `osd_stat.network_ping_times[${i}]`;
    if (typeof raw !== 'object' || raw === null) throw new OsdExtrasError(`${where} must be an object`);
    const e = raw as Record<string, unknown>;
    if (!Number.isInteger(e.osd) || (e.osd as number) < 0) throw new OsdExtrasError(`${where}.osd must be an OSD id`);
    const stamp = e['last update'];
    if (typeof stamp !== 'string' || stamp.length > 64) throw new OsdExtrasError(`${where}["last update"] must be a date string`);
    if (!Array.isArray(e.interfaces) || e.interfaces.length > 2) throw new OsdExtrasError(`${where}.interfaces must be an array of back and front`);
    const interfaces = e.interfaces.map((f: unknown, j): PingInterface => {
      const w = `${where}.interfaces[${j}]`;
      if (typeof f !== 'object' || f === null) throw new OsdExtrasError(`${w} must be an object`);
      const x = f as Record<string, unknown>;
      if (x.interface !== 'back' && x.interface !== 'front') throw new OsdExtrasError(`${w}.interface must be "back" or "front"`);
      if (typeof x.last !== 'number' || !Number.isFinite(x.last)) throw new OsdExtrasError(`${w}.last must be a number of ms`);
      return { interface: x.interface, average: windows(x.average, `${w}.average`), min: windows(x.min, `${w}.min`), max: windows(x.max, `${w}.max`), last: x.last };
    });
    return { osd: e.osd as number, 'last update': stamp, interfaces };
  });
}

/** Checks an osd_stat's alerts ({"BLUESTORE_SPURIOUS_READ_ERRORS": "Detected 3 spurious read errors"}). */
export function checkOsAlerts(v: unknown): Record<string, string> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new OsdExtrasError('osd_stat.alerts must be an object of alert name -> message');
  const out: Record<string, string> = {};
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length > MAX_OS_ALERTS) throw new OsdExtrasError(`osd_stat.alerts: at most ${MAX_OS_ALERTS} alerts`);
  for (const [name, msg] of entries) {
    if (!/^[A-Z][A-Z0-9_]{0,63}$/.test(name)) throw new OsdExtrasError(`osd_stat.alerts: bad alert name ${JSON.stringify(name.slice(0, 80))}`);
    if (typeof msg !== 'string' || msg.length > MAX_ALERT_CHARS) throw new OsdExtrasError(`osd_stat.alerts.${name} must be a string of at most ${MAX_ALERT_CHARS} characters`);
    out[name] = msg;
  }
  return out;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** ctime() without the newline, UTC: "Thu Nov 26 17:41:22 2026" (what Ceph writes as "last update"). */
export function ctimeString(unixS: number): string {
  const d = new Date(Math.floor(unixS) * 1000);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const day = String(d.getUTCDate()).padStart(2, ' ');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${day} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/** Reads a ctime() string back (as UTC); NaN when it is not one. */
export function parseCtime(s: string): number {
  const m = /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/.exec(s);
  if (!m) return Number.NaN;
  const month = MONTHS.indexOf(m[1]!);
  if (month < 0) return Number.NaN;
  return Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])) / 1000;
}

/** The window averages health compares with the threshold (hb_pingtime's back/front_pingtime, µs). */
export function summarizePing(p: PeerPingTimes): PeerPingSummary {
  const us = (w: PingWindows | undefined): [number, number, number] =>
    w === undefined ? [0, 0, 0] : [Math.trunc(w['1min'] * 1000), Math.trunc(w['5min'] * 1000), Math.trunc(w['15min'] * 1000)];
  const back = p.interfaces.find((f) => f.interface === 'back')?.average;
  const front = p.interfaces.find((f) => f.interface === 'front')?.average;
  return { to: p.osd, back: us(back), front: us(front), lastUpdateS: parseCtime(p['last update']) };
}
