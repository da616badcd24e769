// Which Ceph daemons run on this host: their admin sockets in the run
// directories, named `<cluster>-<type>.<id>.asok` (Ceph's default
// `admin_socket = $run_dir/$cluster-$name.asok`). RGW daemons are
// `client.rgw.<id>` to Ceph and `rgw.<id>` to the manager. A socket file's
// identity (inode, change time) tells a restarted daemon from the old one.

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export const DAEMON_TYPES = ['osd', 'mon', 'mgr', 'mds', 'rgw'] as const;
export type DaemonType = (typeof DAEMON_TYPES)[number];

export interface LocalDaemon {
  /** The manager's name for it: osd.3, mon.a, rgw.gw1. */
  name: string;
  type: DaemonType;
  id: string;
  /** Ceph's own name (client.rgw.gw1 for an RGW). */
  cephName: string;
  path: string;
  /** Inode and change time of the socket file: a new pair is a new daemon process. */
  identity: string;
}

/** The daemon an admin socket file belongs to, or undefined (a client's socket, another cluster's). */
export function parseAsokName(file: string, cluster: string): { name: string; type: DaemonType; id: string; cephName: string } | undefined {
  const prefix = `${cluster}-`;
  if (!file.startsWith(prefix) || !file.endsWith('.asok')) return undefined;
  const cephName = file.slice(prefix.length, -'.asok'.length);
  const rgw = /^client\.rgw\.(.+)$/.exec(cephName);
  if (rgw) return { name: `rgw.${rgw[1]!}`, type: 'rgw', id: rgw[1]!, cephName };
  const m = /^(osd|mon|mgr|mds)\.([A-Za-z0-9_.:-]+)$/.exec(cephName);
  if (!m) return undefined;
  if (m[1] === 'osd' && !/^\d+$/.test(m[2]!)) return undefined;
  return { name: cephName, type: m[1] as DaemonType, id: m[2]!, cephName };
}

/** The local daemons of the wanted types in `dirs` (a missing directory has none). */
export async function discoverDaemons(dirs: readonly string[], cluster: string, types: ReadonlySet<DaemonType>): Promise<LocalDaemon[]> {
  const found = new Map<string, LocalDaemon>();
  for (const dir of dirs) {
    let files: string[];
    try {
      files = await readdir(dir);
    } catch {
      continue;
    }
    for (const file of files) {
      const p = parseAsokName(file, cluster);
      if (!p || !types.has(p.type) || found.has(p.name)) continue;
      const path = join(dir, file);
      try {
        const st = await stat(path);
        if (!st.isSocket()) continue;
        found.set(p.name, { ...p, path, identity: `${st.ino}:${st.ctimeMs}` });
      } catch {
        // gone between readdir and stat: the daemon is going away
      }
    }
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
}
