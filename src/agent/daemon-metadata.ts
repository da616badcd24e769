// A daemon's OPEN metadata: what `ceph <type> metadata <id>` says (the
// strings ceph-mgr itself keeps for the daemon), or, without a cluster
// connection, what its admin socket tells (`version`, `git_version`) and the
// host name.

import { hostname } from 'node:os';
import { adminSocketJson } from './admin-socket.js';
import type { LocalDaemon } from './asok-discovery.js';
import type { RadosClient } from './rados-client.js';

/** The mon command giving a daemon's metadata, and its id argument. */
function metadataCommand(d: LocalDaemon): Record<string, unknown> | undefined {
  switch (d.type) {
    case 'osd':
      return { prefix: 'osd metadata', id: Number(d.id) };
    case 'mon':
      return { prefix: 'mon metadata', id: d.id };
    case 'mds':
      return { prefix: 'mds metadata', who: d.id };
    case 'mgr':
      return { prefix: 'mgr metadata', who: d.id };
    default:
      return undefined; // rgw: its service-map entry, sent with the maps
  }
}

/** Ceph's metadata answer as the string map OPEN carries (its own id/name keys left out, as ceph-mgr keeps it). */
export function metadataStrings(m: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) {
    if (k === 'id' || k === 'name') continue;
    out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}

export async function socketMetadata(d: LocalDaemon, timeoutMs: number): Promise<Record<string, string>> {
  const opts = { timeoutMs };
  const [v, g] = await Promise.all([
    adminSocketJson<{ version?: string; release?: string; release_type?: string }>(d.path, { prefix: 'version', format: 'json' }, opts),
    adminSocketJson<{ git_version?: string }>(d.path, { prefix: 'git_version', format: 'json' }, opts).catch(() => ({ git_version: undefined })),
  ]);
  const out: Record<string, string> = { hostname: hostname() };
  if (v.version) {
    out.ceph_version = `ceph version ${v.version}${g.git_version ? ` (${g.git_version})` : ''} ${v.release ?? ''} (${v.release_type ?? 'stable'})`.replace(/  +/g, ' ');
    out.ceph_version_short = v.version;
  }
  if (v.release) out.ceph_release = v.release;
  return out;
}

/** Metadata from the cluster when it answers, else from the daemon's socket. */
export async function daemonMetadata(d: LocalDaemon, rados: RadosClient | undefined, commandTimeoutMs: number, asokTimeoutMs: number): Promise<Record<string, string>> {
  const cmd = metadataCommand(d);
  if (rados && cmd) {
    try {
      return metadataStrings(await rados.json<Record<string, unknown>>('mon', cmd, commandTimeoutMs));
    } catch {
      // not reachable (or not allowed): the socket's answer below
    }
  }
  return socketMetadata(d, asokTimeoutMs);
}
