// The manager's own metadata, in the shape of `ceph mgr metadata`.

import { arch, cpus, hostname, release, totalmem, version } from 'node:os';
import { readFileSync } from 'node:fs';

export const MGRD_VERSION = '0.1.0';
export const CEPH_VERSION_COMPAT = `mgrd version ${MGRD_VERSION} (ceph-mgr compatible, pacific 16.2)`;

function distro(): { id: string; name: string; version: string } {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const get = (k: string): string => new RegExp(`^${k}="?([^"\\n]*)"?`, 'm').exec(text)?.[1] ?? '';
    return { id: get('ID'), name: get('PRETTY_NAME'), version: get('VERSION_ID') };
  } catch {
    return { id: '', name: '', version: '' };
  }
}

export function mgrMetadata(daemonAddr: string, gid: number): Record<string, string> {
  const d = distro();
  return {
    addr: daemonAddr.replace(/:\d+$/, ''),
    addrs: `${daemonAddr}/${gid}`,
    arch: arch() === 'x64' ? 'x86_64' : arch(),
    ceph_release: 'pacific',
    ceph_version: CEPH_VERSION_COMPAT,
    ceph_version_short: MGRD_VERSION,
    container_name: '',
    cpu: cpus()[0]?.model ?? '',
    distro: d.id,
    distro_description: d.name,
    distro_version: d.version,
    hostname: hostname(),
    kernel_description: version(),
    kernel_version: release(),
    mem_swap_kb: '0',
    mem_total_kb: String(Math.round(totalmem() / 1024)),
    os: 'Linux',
  };
}
