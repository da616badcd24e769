// Hosts, OSDs and service daemons of a simulated cluster: who lives where,
// with which disk. Built once from the options and the seed; never changes.

import { Rng } from './rng.js';
import { hostName, publicIp, clusterIp, diskName, TIB } from './format.js';

export type DeviceClass = 'hdd' | 'ssd';

export interface SimHost {
  index: number;
  name: string;
  ip: string;
  clusterIp: string;
  /** First OSD id on this host; OSD ids on a host are contiguous. */
  osdStart: number;
  osdCount: number;
  deviceClass: DeviceClass;
  memTotalKb: number;
}

export interface SimOsd {
  id: number;
  host: number;
  sizeBytes: number;
  deviceClass: DeviceClass;
  /** CRUSH weight in 16.16 fixed point (TiB * 0x10000), as the crush map stores it. */
  crushWeightFixed: number;
  uuid: string;
  /** The daemon's address nonce (its pid in Ceph). */
  nonce: number;
  /** First of the 8 ports this OSD binds (public v2/v1, cluster v2/v1, hb back, hb front). */
  portBase: number;
  /** Unix seconds the OSD was created (mkfs). */
  createdS: number;
  disk: string;
  deviceId: string;
  /** Relative speed (latency multiplier) of this disk: 0.8 fast ... 1.4 slow. */
  latencyFactor: number;
}

export interface SimMon {
  name: string;
  rank: number;
  host: number;
  ip: string;
  nonce: number;
}

export interface SimServiceDaemon {
  /** Daemon id without the type: "node-0002". */
  id: string;
  host: number;
  gid: number;
  nonce: number;
}

export interface Topology {
  hosts: SimHost[];
  osds: SimOsd[];
  mons: SimMon[];
  mds: SimServiceDaemon[];
  rgws: SimServiceDaemon[];
  /** Device classes present, in crush order (hdd first). */
  classes: DeviceClass[];
}

export interface TopologyOptions {
  osds: number;
  osdsPerHost: number;
  mons: number;
  rgws: number;
  /** Unix seconds the cluster was created. */
  createdS: number;
  /** Clusters under 8 hosts, 2+ OSDs on each: every second OSD of a host gets another disk size, the same mix on every host. */
  mixedSizes: boolean;
}

const HDD_SIZES = [4e12, 8e12, 12e12, 16e12];
const SSD_SIZES = [1.92e12, 3.84e12, 7.68e12];
const HDD_MODELS = ['ST16000NM001G-2KK103', 'HGST_HUH721212ALE600', 'TOSHIBA_MG08ACA16TE', 'WDC_WUH721816ALE6L4'];
const SSD_MODELS = ['SAMSUNG_MZ7LH3T8HMLT-00005', 'INTEL_SSDSC2KG038T8', 'Micron_5300_MTFDDAK3T8TDS'];

export function buildTopology(o: TopologyOptions, rng: Rng): Topology {
  const numHosts = Math.max(3, Math.ceil(o.osds / o.osdsPerHost));
  const base = Math.floor(o.osds / numHosts);
  const extra = o.osds % numHosts;
  // Hosts of small clusters hold equal capacity (CRUSH cannot balance 3 unequal hosts for
  // size-3 pools); with mixedSizes and at least 2 OSDs on every host the disks within a
  // host differ (e.g. 4 and 12 TB), as on clusters that grew by adding bigger disks.
  const uniformSize = rng.pick(HDD_SIZES);
  const otherSize = HDD_SIZES[(HDD_SIZES.indexOf(uniformSize) + 2) % HDD_SIZES.length] as number;
  const hosts: SimHost[] = [];
  const osds: SimOsd[] = [];
  let next = 0;
  for (let h = 0; h < numHosts; h++) {
    const ssd = numHosts >= 8 && rng.float() < 0.125;
    const deviceClass: DeviceClass = ssd ? 'ssd' : 'hdd';
    const size = numHosts < 8 ? uniformSize : ssd ? rng.pick(SSD_SIZES) : rng.pick(HDD_SIZES);
    const count = base + (h < extra ? 1 : 0);
    const host: SimHost = {
      index: h,
      name: hostName(h),
      ip: publicIp(h),
      clusterIp: clusterIp(h),
      osdStart: next,
      osdCount: count,
      deviceClass,
      memTotalKb: rng.pick([131_919_204, 263_846_588, 395_828_224]),
    };
    hosts.push(host);
    const model = ssd ? rng.pick(SSD_MODELS) : rng.pick(HDD_MODELS);
    for (let i = 0; i < count; i++) {
      const id = next++;
      const sizeBytes = numHosts < 8 && base >= 2 && o.mixedSizes && i % 2 === 1 ? otherSize : size;
      osds.push({
        id,
        host: h,
        sizeBytes,
        deviceClass,
        crushWeightFixed: Math.round((sizeBytes / TIB) * 0x10000),
        uuid: rng.uuid(),
        nonce: 1000 + rng.int(4_000_000),
        portBase: 6800 + 8 * i,
        createdS: o.createdS + 60 + id * 3,
        disk: diskName(i),
        deviceId: `${model}_${rng.hex(8).toUpperCase()}`,
        latencyFactor: 0.8 + 0.6 * rng.float() * rng.float(),
      });
    }
  }
  const mons: SimMon[] = [];
  for (let r = 0; r < o.mons; r++) {
    const host = r % numHosts;
    mons.push({ name: monName(r), rank: r, host, ip: publicIp(host), nonce: 0 });
  }
  const mdsHost = 1 % numHosts;
  const mds: SimServiceDaemon[] = [{ id: hostName(mdsHost), host: mdsHost, gid: 4100 + rng.int(20000), nonce: 1000 + rng.int(4_000_000) }];
  const rgws: SimServiceDaemon[] = [];
  for (let i = 0; i < o.rgws; i++) {
    const host = (2 + i) % numHosts;
    rgws.push({ id: hostName(host), host, gid: 24100 + i * 7 + rng.int(5000), nonce: 1000 + rng.int(4_000_000) });
  }
  const classes: DeviceClass[] = hosts.some((h) => h.deviceClass === 'ssd') ? ['hdd', 'ssd'] : ['hdd'];
  if (!hosts.some((h) => h.deviceClass === 'hdd')) classes.splice(0, 1);
  return { hosts, osds, mons, mds, rgws, classes };
}

/** Mon names a, b, ..., z, aa, ab, ... */
export function monName(rank: number): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  if (rank < 26) return letters[rank] as string;
  return `${letters[Math.floor(rank / 26) - 1]}${letters[rank % 26]}`;
}
