// Devices, as ceph-mgr's DaemonState tracks them: each daemon's metadata names
// the devices it sits on (`device_ids`: "sdb=VENDOR_MODEL_SERIAL,sdc=..."), so
// a device is known by its id with where it is attached (host:dev) and which
// daemons use it; a predicted life expectancy can be set on it (`device
// set-life-expectancy`, what the disk-failure predictors call), kept in the
// store under `device/<devid>`. get('devices') and `device ls|info` answer
// from here, in DeviceState::dump's shape. Pure.

import { utimeString } from './ceph-format.js';

export interface DeviceLocation {
  host: string;
  dev: string;
  path: string;
}

export interface LifeExpectancy {
  /** Unix seconds; 0 for "unknown". */
  fromS: number;
  toS: number;
  stampS: number;
}

export interface DeviceDump {
  devid: string;
  location: DeviceLocation[];
  daemons: string[];
  life_expectancy_min?: string;
  life_expectancy_max?: string;
  life_expectancy_stamp?: string;
}

export interface DaemonDevices {
  /** "osd.3". */
  name: string;
  metadata: Readonly<Record<string, string>>;
}

/** The devices named by the daemons' metadata, sorted by id, with their life expectancy when one is set. */
export function deviceList(daemons: Iterable<DaemonDevices>, life: ReadonlyMap<string, LifeExpectancy>): DeviceDump[] {
  const byId = new Map<string, { location: DeviceLocation[]; daemons: Set<string> }>();
  for (const d of daemons) {
    const host = d.metadata.hostname ?? '';
    const paths = new Map<string, string>();
    for (const p of (d.metadata.device_paths ?? '').split(',')) {
      const eq = p.indexOf('=');
      if (eq > 0) paths.set(p.slice(0, eq), p.slice(eq + 1));
    }
    for (const item of (d.metadata.device_ids ?? '').split(',')) {
      const eq = item.indexOf('=');
      if (eq <= 0 || eq === item.length - 1) continue;
      const dev = item.slice(0, eq);
      const devid = item.slice(eq + 1);
      let e = byId.get(devid);
      if (!e) byId.set(devid, (e = { location: [], daemons: new Set() }));
      if (!e.location.some((l) => l.host === host && l.dev === dev)) e.location.push({ host, dev, path: paths.get(dev) ?? '' });
      e.daemons.add(d.name);
    }
  }
  const ids = new Set([...byId.keys(), ...life.keys()]);
  return [...ids].sort().map((devid) => {
    const e = byId.get(devid);
    const out: DeviceDump = { devid, location: e?.location ?? [], daemons: e ? [...e.daemons].sort(daemonOrder) : [] };
    const l = life.get(devid);
    if (l && l.fromS > 0) {
      out.life_expectancy_min = utimeString(l.fromS);
      out.life_expectancy_max = l.toS > 0 ? utimeString(l.toS) : '0.000000';
      out.life_expectancy_stamp = utimeString(l.stampS);
    }
    return out;
  });
}

/** Ceph's DaemonKey order: by type, then id (numeric ids compare as numbers here, as osd.2 < osd.10 reads). */
function daemonOrder(a: string, b: string): number {
  const [ta, ia] = [a.slice(0, a.indexOf('.')), a.slice(a.indexOf('.') + 1)];
  const [tb, ib] = [b.slice(0, b.indexOf('.')), b.slice(b.indexOf('.') + 1)];
  if (ta !== tb) return ta < tb ? -1 : 1;
  if (/^\d+$/.test(ia) && /^\d+$/.test(ib)) return Number(ia) - Number(ib);
  return ia < ib ? -1 : ia > ib ? 1 : 0;
}

/** The stored record of a device's life expectancy (`device/<devid>`). */
export function parseLifeExpectancy(json: string): LifeExpectancy | undefined {
  try {
    const v = JSON.parse(json) as Partial<LifeExpectancy>;
    if (typeof v.fromS === 'number' && typeof v.toS === 'number' && typeof v.stampS === 'number') return { fromS: v.fromS, toS: v.toS, stampS: v.stampS };
  } catch {
    // An unreadable record counts as none.
  }
  return undefined;
}

/** The store prefix of life expectancy records. */
export const DEVICE_STORE_PREFIX = 'device/';

/** Life expectancies kept in a key-value store, by device id. */
export function lifeRecords(kvList: (prefix: string) => Record<string, string>): Map<string, LifeExpectancy> {
  const out = new Map<string, LifeExpectancy>();
  for (const [k, v] of Object.entries(kvList(DEVICE_STORE_PREFIX))) {
    const l = parseLifeExpectancy(v);
    if (l) out.set(k.slice(DEVICE_STORE_PREFIX.length), l);
  }
  return out;
}

/** Every device named by these daemons, with the stored life expectancies (get('devices'), `device ls`). */
export function knownDevices(kvList: (prefix: string) => Record<string, string>, daemons: Iterable<{ type: string; id: string; metadata: Readonly<Record<string, string>> }>): DeviceDump[] {
  const named = [...daemons].map((d) => ({ name: `${d.type}.${d.id}`, metadata: d.metadata }));
  return deviceList(named, lifeRecords(kvList));
}
