// What the agent reads from a ceph.conf: where the daemons' admin sockets are
// (`admin_socket`, `run_dir`, per section, with Ceph's metavariables). The
// cluster connection itself reads the file through librados.

import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Ceph's default run_dir. */
export const DEFAULT_RUN_DIR = '/var/run/ceph';

/** The ceph.conf the `ceph` CLI would read: $CEPH_CONF, else /etc/ceph/<cluster>.conf. */
export function defaultCephConf(cluster: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.CEPH_CONF || `/etc/ceph/${cluster}.conf`;
}

/** Sections of an INI file, keys normalised as Ceph does (spaces and dashes are underscores). */
export function parseCephConf(text: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  let section = out.get('global') ?? new Map<string, string>();
  out.set('global', section);
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)[#;].*$/, '').trim();
    if (!line) continue;
    const sec = /^\[([^\]]+)\]$/.exec(line);
    if (sec) {
      const name = sec[1]!.trim();
      section = out.get(name) ?? new Map<string, string>();
      out.set(name, section);
      continue;
    }
    const kv = /^([^=]+?)\s*=\s*(.*)$/.exec(line);
    if (!kv) continue;
    section.set(kv[1]!.trim().replace(/[ -]+/g, '_'), kv[2]!.trim().replace(/^"(.*)"$/, '$1'));
  }
  return out;
}

/**
 * The directories holding the daemons' admin sockets, from the conf file
 * (when it exists): each section's admin_socket directory, with $run_dir and
 * $cluster expanded; Ceph's default run dir when nothing says otherwise.
 */
export function asokDirsFromConf(confPath: string, cluster: string): string[] {
  if (!existsSync(confPath)) return [DEFAULT_RUN_DIR];
  const conf = parseCephConf(readFileSync(confPath, 'utf8'));
  const global = conf.get('global')!;
  const dirs = new Set<string>();
  for (const [name, section] of conf) {
    if (name !== 'global' && !/^(osd|mon|mgr|mds|client\.rgw)(\.|$)/.test(name)) continue;
    const runDir = section.get('run_dir') ?? global.get('run_dir') ?? DEFAULT_RUN_DIR;
    const asok = section.get('admin_socket') ?? global.get('admin_socket') ?? '$run_dir/$cluster-$name.asok';
    const dir = dirname(asok.replace(/\$(run_dir|\{run_dir\})/g, runDir).replace(/\$(cluster|\{cluster\})/g, cluster));
    // A directory that depends on the daemon's name cannot be listed once for all.
    if (!dir.includes('$')) dirs.add(dir);
  }
  if (dirs.size === 0) dirs.add(DEFAULT_RUN_DIR);
  return [...dirs];
}
