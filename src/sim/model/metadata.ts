// Daemon metadata as Ceph daemons report it (`ceph osd metadata`, `mon metadata`,
// `mds metadata`, the rgw service-map entry). Key sets follow a real 16.2.15
// cluster (test/fixtures/ceph-reference/mgr_internals/get_metadata.*.json).

import type { SimHost, SimOsd, SimMon, SimServiceDaemon } from './topology.js';
import { addrvecString, cephStampZ } from './format.js';
import type { OsdObjectstore } from './objectstore.js';

export const CEPH_VERSION = 'ceph version 16.2.15 (618f440892089921c3e944a991122ddc44e60516) pacific (stable)';
export const CEPH_VERSION_SHORT = '16.2.15';

/** What every daemon's collect_sys_info() adds. */
function sysInfo(host: SimHost): Record<string, string> {
  return {
    arch: 'x86_64',
    ceph_release: 'pacific',
    ceph_version: CEPH_VERSION,
    ceph_version_short: CEPH_VERSION_SHORT,
    cpu: 'Intel(R) Xeon(R) Gold 6230R CPU @ 2.10GHz',
    distro: 'centos',
    distro_description: 'CentOS Stream 8',
    distro_version: '8',
    hostname: host.name,
    kernel_description: '#1 SMP Thu Nov 16 11:48:54 UTC 2023',
    kernel_version: '4.18.0-526.el8.x86_64',
    mem_swap_kb: '0',
    mem_total_kb: String(host.memTotalKb),
    os: 'Linux',
  };
}

function sorted(m: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(m).sort()) out[k] = m[k] as string;
  return out;
}

/**
 * `ceph osd metadata` of one OSD. bluestore: the key set of the reference's
 * osd.3, but on a block device as ceph-volume deploys it (an LVM volume on one
 * disk) where osd.3 used a file: KernelDevice::collect_metadata then reports
 * `bluestore_bdev_access_mode: blk`, `bluestore_bdev_dev_node` and
 * `bluestore_bdev_partition_path` (the dm node) instead of `bluestore_bdev_path`;
 * the disk under it is in `devices`, `device_ids`, `device_paths`.
 * memstore: osd.0's key set (no bluefs / bluestore_* keys, no
 * objectstore_numa_unknown_devices, and, as a memstore OSD has no block device,
 * empty `devices`, `device_ids` and `device_paths`).
 */
export function osdMetadata(osd: SimOsd, host: SimHost, fsid: string, store: OsdObjectstore): Record<string, string> {
  const p = osd.portBase;
  const rot = osd.deviceClass === 'hdd' ? '1' : '0';
  const pciSlot = (0x3b + (osd.id % 4)).toString(16).padStart(2, '0');
  const common: Record<string, string> = {
    ...sysInfo(host),
    back_addr: addrvecString(host.clusterIp, p + 2, p + 3, osd.nonce),
    back_iface: 'eth1',
    ceph_version_when_created: CEPH_VERSION,
    container_name: `ceph-${fsid}-osd-${osd.id}`,
    created_at: cephStampZ(osd.createdS),
    default_device_class: osd.deviceClass,
    device_ids: '',
    device_paths: '',
    devices: '',
    front_addr: addrvecString(host.ip, p, p + 1, osd.nonce),
    front_iface: 'eth0',
    hb_back_addr: addrvecString(host.clusterIp, p + 4, p + 5, osd.nonce),
    hb_front_addr: addrvecString(host.ip, p + 6, p + 7, osd.nonce),
    journal_rotational: rot,
    network_numa_unknown_ifaces: 'back_iface,front_iface',
    osd_data: `/var/lib/ceph/osd/ceph-${osd.id}`,
    osd_objectstore: store,
    osdspec_affinity: 'default_drive_group',
    rotational: rot,
  };
  if (store === 'memstore') return sorted(common);
  // ceph-volume's LVs are the host's device-mapper nodes, one per OSD in OSD order.
  const dmNode = `/dev/dm-${osd.id - host.osdStart}`;
  return sorted({
    ...common,
    bluefs: '1',
    bluefs_dedicated_db: '0',
    bluefs_dedicated_wal: '0',
    bluefs_single_shared_device: '1',
    bluestore_bdev_access_mode: 'blk',
    bluestore_bdev_block_size: '4096',
    bluestore_bdev_devices: osd.disk,
    bluestore_bdev_driver: 'KernelDevice',
    bluestore_bdev_dev_node: dmNode,
    bluestore_bdev_partition_path: dmNode,
    bluestore_bdev_rotational: rot,
    bluestore_bdev_size: String(osd.sizeBytes),
    bluestore_bdev_support_discard: osd.deviceClass === 'ssd' ? '1' : '0',
    bluestore_bdev_type: osd.deviceClass,
    bluestore_min_alloc_size: '4096',
    device_ids: `${osd.disk}=${osd.deviceId}`,
    device_paths: `${osd.disk}=/dev/disk/by-path/pci-0000:${pciSlot}:00.0-scsi-0:0:${osd.id % 64}:0`,
    devices: osd.disk,
    objectstore_numa_unknown_devices: osd.disk,
  });
}

export function monMetadata(mon: SimMon, host: SimHost, fsid: string): Record<string, string> {
  return sorted({
    ...sysInfo(host),
    addrs: `[v2:${mon.ip}:3300/0,v1:${mon.ip}:6789/0]`,
    compression_algorithms: 'none, snappy, zlib, zstd, lz4',
    container_name: `ceph-${fsid}-mon-${mon.name}`,
    // The host's OS disk, one per host (a serial of its own: `device ls` lists one device per mon host).
    device_ids: `sda=SAMSUNG_MZ7LH480HAHQ-00005_S45PNA0M${String(512345 + host.index).padStart(6, '0')}`,
    device_paths: 'sda=/dev/disk/by-path/pci-0000:00:17.0-ata-1',
    devices: 'sda',
  });
}

export function mdsMetadata(mds: SimServiceDaemon, host: SimHost): Record<string, string> {
  return sorted({ ...sysInfo(host), addr: addrvecString(host.ip, 6800, 6801, mds.nonce) });
}

/** The metadata an rgw puts in its service-map entry (Pacific: keyed by gid, name in "id"). */
export function rgwMetadata(rgw: SimServiceDaemon, host: SimHost, zoneIds: { realm: string; zonegroup: string; zone: string }): Record<string, string> {
  return sorted({
    ...sysInfo(host),
    'frontend_config#0': 'beast port=80',
    'frontend_type#0': 'beast',
    id: rgw.id,
    num_handles: '1',
    pid: String(rgw.nonce),
    realm_id: zoneIds.realm,
    realm_name: '',
    zone_id: zoneIds.zone,
    zone_name: 'default',
    zonegroup_id: zoneIds.zonegroup,
    zonegroup_name: 'default',
  });
}
