// Heartbeat ping times (osd_stat_t's hb_pingtime) packed: one u32 row per
// peer, in microseconds as Ceph keeps them, instead of the ~430 bytes of JSON
// and a dozen objects each peer costs as `network_ping_times`. An OSD reports
// ~32 peers every period: at 10,000 OSDs the JSON form was 33 MB/s to parse
// and allocate. PG_STATS_BIN carries the rows (docs/protocol.md), the manager
// keeps each OSD's as one Uint32Array, and the JSON shape is built only when
// a command or a module reads it (unpackPingTimes).

import type { PeerPingTimes, PingInterface, PingWindows } from './messages.js';

/** Malformed JSON ping times (the message naming the entry and field). */
export class PingTimesError extends Error {}

/** u32 values per peer: osd, last update, then back and front (PING_IFACE_FIELDS each). */
export const PING_FIELDS = 22;
/** Bytes of one peer on the wire. */
export const PING_RECORD_BYTES = 4 * PING_FIELDS;
/** Offsets in a peer's row. */
export const PING = { osd: 0, lastUpdate: 1, back: 2, front: 12 } as const;
/** Offsets in an interface's block: averages, minima, maxima over 1/5/15 min, then the last ping. */
export const PING_IFACE = { average: 0, min: 3, max: 6, last: 9 } as const;
export const PING_IFACE_FIELDS = 10;
/** Peers an OSD may report ping times for (Ceph's hb peers: a few dozen at most). */
export const MAX_PING_PEERS = 1024;
/** Largest OSD id (int32). */
const MAX_OSD_ID = 0x7fffffff;
const U32_MAX = 0xffffffff;

/** No peers. */
export const NO_PING_TIMES: Uint32Array = new Uint32Array(0);

const IFACES = [['back', PING.back], ['front', PING.front]] as const;

const WINDOW_KEYS = ['1min', '5min', '15min'] as const;

function windows(v: unknown, what: string): PingWindows {
  if (typeof v !== 'object' || v === null) throw new PingTimesError(`${what} must be an object with 1min, 5min, 15min`);
  const o = v as Record<string, unknown>;
  for (const w of WINDOW_KEYS) {
    const x = o[w];
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) throw new PingTimesError(`${what}.${w} must be a number of ms >= 0`);
  }
  return { '1min': o['1min'] as number, '5min': o['5min'] as number, '15min': o['15min'] as number };
}

/** Checks an osd_stat's network_ping_times; returns a copy of what is kept. */
export function checkPingTimes(v: unknown): PeerPingTimes[] {
  if (!Array.isArray(v)) throw new PingTimesError('osd_stat.network_ping_times must be an array');
  if (v.length > MAX_PING_PEERS) throw new PingTimesError(`osd_stat.network_ping_times: at most ${MAX_PING_PEERS} peers`);
  return v.map((raw: unknown, i) => {
    const where = `osd_stat.network_ping_times[${i}]`;
    if (typeof raw !== 'object' || raw === null) throw new PingTimesError(`${where} must be an object`);
    const e = raw as Record<string, unknown>;
    if (!Number.isInteger(e.osd) || (e.osd as number) < 0 || (e.osd as number) > MAX_OSD_ID) throw new PingTimesError(`${where}.osd must be an OSD id`);
    const stamp = e['last update'];
    if (typeof stamp !== 'string' || stamp.length > 64) throw new PingTimesError(`${where}["last update"] must be a date string`);
    if (!Array.isArray(e.interfaces) || e.interfaces.length > 2) throw new PingTimesError(`${where}.interfaces must be an array of back and front`);
    const interfaces = e.interfaces.map((f: unknown, j): PingInterface => {
      const w = `${where}.interfaces[${j}]`;
      if (typeof f !== 'object' || f === null) throw new PingTimesError(`${w} must be an object`);
      const x = f as Record<string, unknown>;
      if (x.interface !== 'back' && x.interface !== 'front') throw new PingTimesError(`${w}.interface must be "back" or "front"`);
      if (typeof x.last !== 'number' || !Number.isFinite(x.last)) throw new PingTimesError(`${w}.last must be a number of ms`);
      return { interface: x.interface, average: windows(x.average, `${w}.average`), min: windows(x.min, `${w}.min`), max: windows(x.max, `${w}.max`), last: x.last };
    });
    return { osd: e.osd as number, 'last update': stamp, interfaces };
  });
}

/** Milliseconds (JSON) to Ceph's u32 microseconds: what `pg dump` prints is µs / 1000, so this is exact for it. */
export function msToUs(ms: number): number {
  const us = Math.round(ms * 1000);
  return us > 0 ? Math.min(us, U32_MAX) : 0;
}

/**
 * Packs checked JSON ping times (osd-ping.ts checkPingTimes). Values are kept
 * to the microsecond, as Ceph keeps them; an unreadable "last update" is 0
 * (never), which health treats as stale, as it did the unreadable string.
 */
export function packPingTimes(peers: readonly PeerPingTimes[]): Uint32Array {
  const out = new Uint32Array(Math.min(peers.length, MAX_PING_PEERS) * PING_FIELDS);
  for (let i = 0; i < out.length / PING_FIELDS; i++) {
    const p = peers[i]!;
    const row = i * PING_FIELDS;
    out[row + PING.osd] = Math.min(Math.max(0, Math.trunc(p.osd)), MAX_OSD_ID);
    const lu = parseCtime(p['last update']);
    out[row + PING.lastUpdate] = lu > 0 && lu <= U32_MAX ? lu : 0;
    for (const [name, at] of IFACES) {
      const f = p.interfaces.find((x) => x.interface === name);
      if (f === undefined) continue;
      const o = row + at;
      WINDOW_KEYS.forEach((w, j) => {
        out[o + PING_IFACE.average + j] = msToUs(f.average[w]);
        out[o + PING_IFACE.min + j] = msToUs(f.min[w]);
        out[o + PING_IFACE.max + j] = msToUs(f.max[w]);
      });
      out[o + PING_IFACE.last] = msToUs(f.last);
    }
  }
  return out;
}

/** Peers in packed ping times. */
export function pingPeerCount(p: Uint32Array): number {
  return Math.floor(p.length / PING_FIELDS);
}

/**
 * The JSON `network_ping_times` of packed ping times, as Ceph's
 * osd_stat_t::dump writes hb_pingtime: ms = µs / 1000, "last update" a
 * ctime() string (UTC here), and the front interface only when it has
 * values (a peer reached only on the back network has none; a JSON entry
 * without "front" packs as zeros).
 */
export function unpackPingTimes(p: Uint32Array): PeerPingTimes[] {
  const out: PeerPingTimes[] = [];
  for (let row = 0; row + PING_FIELDS <= p.length; row += PING_FIELDS) {
    const interfaces: PingInterface[] = [iface(p, row + PING.back, 'back')];
    if (hasValues(p, row + PING.front)) interfaces.push(iface(p, row + PING.front, 'front'));
    out.push({ osd: p[row + PING.osd]!, 'last update': ctimeString(p[row + PING.lastUpdate]!), interfaces });
  }
  return out;
}

function hasValues(p: Uint32Array, o: number): boolean {
  for (let i = 0; i < PING_IFACE_FIELDS; i++) if (p[o + i] !== 0) return true;
  return false;
}

function iface(p: Uint32Array, o: number, name: 'back' | 'front'): PingInterface {
  const w = (at: number): PingWindows => ({ '1min': p[o + at]! / 1000, '5min': p[o + at + 1]! / 1000, '15min': p[o + at + 2]! / 1000 });
  return { interface: name, average: w(PING_IFACE.average), min: w(PING_IFACE.min), max: w(PING_IFACE.max), last: p[o + PING_IFACE.last]! / 1000 };
}

/**
 * Reads a PG_STATS_BIN ping section's `count` rows at `at` into `into`
 * (reused when it has the size, else a new array); the section was checked by
 * checkPingRows. Returns the array holding them.
 */
export function readPingRows(v: DataView, at: number, count: number, into: Uint32Array | undefined): Uint32Array {
  const n = count * PING_FIELDS;
  const out = into !== undefined && into.length === n ? into : new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = v.getUint32(at + 4 * i, true);
  return out;
}

/** Why a section's rows cannot be read (a peer id beyond int32); undefined when they can. */
export function checkPingRows(v: DataView, at: number, count: number): string | undefined {
  for (let i = 0; i < count; i++) {
    const peer = v.getUint32(at + i * PING_RECORD_BYTES + 4 * PING.osd, true);
    if (peer > MAX_OSD_ID) return `ping peer ${i} has osd id ${peer}, beyond ${MAX_OSD_ID}`;
  }
  return undefined;
}

/** Writes packed ping times as a section: u32 count, then the rows. Returns the offset after it. */
export function writePingSection(dv: DataView, o: number, p: Uint32Array): number {
  dv.setUint32(o, pingPeerCount(p), true);
  o += 4;
  for (let i = 0; i < pingPeerCount(p) * PING_FIELDS; i++, o += 4) dv.setUint32(o, p[i]!, true);
  return o;
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
