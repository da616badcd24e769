// The commands the simulated cluster answers as Ceph's mon does (OSDMonitor):
// declared to the manager in the MAP (`commands`), forwarded by it as
// MON_COMMAND, answered here with Ceph's status lines. They change the model
// through its control API, so maps, health and metrics follow.

import { Errno, type CommandResult } from '../../common/errno.js';
import type { SourceCommandDecl } from '../../protocol/messages.js';
import { flagBits, SETTABLE_FLAGS } from './osdmap-flags.js';
import type { SimCluster } from './sim-cluster.js';

const FLAG_CHOICES = SETTABLE_FLAGS.join('|');

/** Descriptors as Pacific's MonCommands.h writes them. */
export const SIM_COMMANDS: readonly SourceCommandDecl[] = [
  { cmd: `osd set name=key,type=CephChoices,strings=${FLAG_CHOICES}|pglog_hardlimit name=yes_i_really_mean_it,type=CephBool,req=false`, desc: 'set <key>', perm: 'rw' },
  { cmd: `osd unset name=key,type=CephChoices,strings=${FLAG_CHOICES}`, desc: 'unset <key>', perm: 'rw' },
  { cmd: 'osd down name=ids,type=CephString,n=N name=definitely_dead,type=CephBool,req=false', desc: 'set osd(s) <id> [<id>...] down, or use <any|all> to set all osds down', perm: 'rw' },
  { cmd: 'osd out name=ids,type=CephString,n=N', desc: 'set osd(s) <id> [<id>...] out, or use <any|all> to set all osds out', perm: 'rw' },
  { cmd: 'osd in name=ids,type=CephString,n=N', desc: 'set osd(s) <id> [<id>...] in, can use <any|all> to automatically set all previously out osds in', perm: 'rw' },
];

const ok = (outs: string): CommandResult => ({ r: 0, outb: '', outs });
const err = (errno: number, outs: string): CommandResult => ({ r: -errno, outb: '', outs });

/** Answers one forwarded cmdmap; never throws for bad input (the caller gets -EINVAL naming it). */
export function runSimCommand(c: SimCluster, cmd: Record<string, unknown>): CommandResult {
  const prefix = String(cmd.prefix);
  switch (prefix) {
    case 'osd set':
    case 'osd unset':
      return setFlag(c, String(cmd.key), prefix === 'osd set');
    case 'osd down':
    case 'osd out':
    case 'osd in':
      return markOsds(c, prefix.slice(4) as 'down' | 'out' | 'in', cmd.ids);
    default:
      return err(Errno.EINVAL, `unrecognized command '${prefix}'`);
  }
}

function setFlag(c: SimCluster, key: string, on: boolean): CommandResult {
  if (key === 'pglog_hardlimit') {
    // Already set on every Pacific cluster (and never unset).
    return ok('pglog_hardlimit is set');
  }
  if (flagBits(key) === undefined) return err(Errno.EINVAL, `unrecognized flag '${key}'`);
  c.control.setFlag(key, on);
  // OSDMonitor::prepare_set_flag prints get_flag_string of the bits: `pause` is two flags.
  const name = key === 'pause' ? 'pauserd,pausewr' : key;
  return ok(`${name} is ${on ? 'set' : 'unset'}`);
}

/** OSD ids from `ids` words ("3", "osd.3", "any"/"all"); -EINVAL names a bad one. */
function osdIds(c: SimCluster, ids: unknown): number[] | CommandResult {
  const words = Array.isArray(ids) ? ids.map(String) : [String(ids)];
  if (words.some((w) => w === 'any' || w === 'all')) return Array.from({ length: c.osd.count }, (_, i) => i);
  const out: number[] = [];
  for (const w of words) {
    const m = /^(?:osd\.)?(\d+)$/.exec(w);
    if (!m) return err(Errno.EINVAL, `invalid osd id '${w}'`);
    out.push(Number(m[1]));
  }
  return out;
}

function markOsds(c: SimCluster, what: 'down' | 'out' | 'in', ids: unknown): CommandResult {
  const list = osdIds(c, ids);
  if (!Array.isArray(list)) return list;
  let outs = '';
  for (const id of list) {
    if (id >= c.osd.count) {
      outs += `osd.${id} does not exist. `;
      continue;
    }
    const already = what === 'down' ? c.osd.isUp[id] !== 1 : what === 'out' ? c.osd.isIn[id] !== 1 : c.osd.isIn[id] === 1;
    if (already) {
      outs += `osd.${id} is already ${what}. `;
      continue;
    }
    if (what === 'down') c.control.markDown(id);
    else if (what === 'out') c.control.markOut(id, false);
    else c.control.markIn(id);
    outs += `marked ${what} osd.${id}. `;
  }
  return ok(outs);
}
