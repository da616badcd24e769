// The config file of `mgrd run --config FILE`: ceph.conf style INI. Keys of the
// [mgr] (or [global]) section are either mgrd settings (data_dir, daemon_addr,
// admin_addr, id, log_level, sim, sim_osds, sim_seed, sim_scenario), manager
// options (mgr_stats_period) or module options (mgr/prometheus/server_port).
// Spaces in key names mean underscores, as in ceph.conf.

import { readFileSync } from 'node:fs';

export function parseConfigFile(path: string): Record<string, string> {
  const text = readFileSync(path, 'utf8');
  const out: Record<string, string> = {};
  let section = 'global';
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/[#;].*$/, '').trim();
    if (!line) return;
    const sec = /^\[([^\]]+)\]$/.exec(line);
    if (sec) {
      section = sec[1]!.trim();
      return;
    }
    const kv = /^([^=]+?)\s*=\s*(.*)$/.exec(line);
    if (!kv) throw new Error(`${path}:${i + 1}: expected 'key = value', got '${raw.trim()}'`);
    if (section !== 'global' && section !== 'mgr' && !section.startsWith('mgr.')) return;
    const key = kv[1]!.trim().replace(/ /g, '_');
    out[key] = kv[2]!.trim().replace(/^"(.*)"$/, '$1');
  });
  return out;
}
