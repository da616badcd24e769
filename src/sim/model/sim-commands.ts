// The commands the simulated cluster answers as Ceph's mon does (OSDMonitor):
// declared to the manager in the MAP (`commands`), forwarded by it as
// MON_COMMAND, answered here with Ceph's status lines. They change the model
// through its control API, so maps, health and metrics follow.

import { Errno, type CommandResult } from '../../common/errno.js';
import type { SourceCommandDecl } from '../../protocol/messages.js';
import { flagBits, SETTABLE_FLAGS } from './osdmap-flags.js';
import type { SimCluster } from './sim-cluster.js';
import { runMapCommand, SIM_MAP_COMMANDS } from './sim-map-commands.js';
import { runPoolCommand, SIM_POOL_COMMANDS } from './sim-pool-commands.js';

const FLAG_CHOICES = SETTABLE_FLAGS.join('|');

/** Descriptors as Pacific's MonCommands.h writes them. */
export const SIM_COMMANDS: readonly SourceCommandDecl[] = [
  { cmd: `osd set name=key,type=CephChoices,strings=${FLAG_CHOICES}|pglog_hardlimit name=yes_i_really_mean_it,type=CephBool,req=false`, desc: 'set <key>', perm: 'rw' },
  { cmd: `osd unset name=key,type=CephChoices,strings=${FLAG_CHOICES}`, desc: 'unset <key>', perm: 'rw' },
  { cmd: 'osd down name=ids,type=CephString,n=N name=definitely_dead,type=CephBool,req=false', desc: 'set osd(s) <id> [<id>...] down, or use <any|all> to set all osds down', perm: 'rw' },
  { cmd: 'osd out name=ids,type=CephString,n=N', desc: 'set osd(s) <id> [<id>...] out, or use <any|all> to set all osds out', perm: 'rw' },
  { cmd: 'osd in name=ids,type=CephString,n=N', desc: 'set osd(s) <id> [<id>...] in, can use <any|all> to automatically set all previously out osds in', perm: 'rw' },
  { cmd: 'osd reweight name=id,type=CephOsdName type=CephFloat,name=weight,range=0.0|1.0', desc: 'reweight osd to 0.0 < <weight> < 1.0', perm: 'rw' },
  { cmd: 'osd scrub name=who,type=CephString', desc: 'initiate scrub on osd <who>, or use <all|any> to scrub all', perm: 'rw' },
  { cmd: 'osd deep-scrub name=who,type=CephString', desc: 'initiate deep scrub on osd <who>, or use <all|any> to deep scrub all', perm: 'rw' },
  { cmd: 'osd repair name=who,type=CephString', desc: 'initiate repair on osd <who>, or use <all|any> to repair all', perm: 'rw' },
  ...SIM_POOL_COMMANDS,
  ...SIM_MAP_COMMANDS,
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
    case 'osd reweight':
      return reweight(c, cmd.id, cmd.weight);
    case 'osd scrub':
    case 'osd deep-scrub':
    case 'osd repair':
      return scrub(c, prefix.slice(4), String(cmd.who));
    default:
      return runPoolCommand(c, prefix, cmd) ?? runMapCommand(c, prefix, cmd) ?? err(Errno.EINVAL, `unrecognized command '${prefix}'`);
  }
}

/** OSDMonitor's `osd reweight`: the weight as 16.16 fixed point, printed in hex as Ceph does. */
function reweight(c: SimCluster, id: unknown, weight: unknown): CommandResult {
  if (typeof id !== 'number' || !Number.isInteger(id)) return err(Errno.EINVAL, `unable to parse osd id value '${String(id)}'`);
  if (typeof weight !== 'number' || !Number.isFinite(weight)) return err(Errno.EINVAL, `unable to parse weight value '${String(weight)}'`);
  if (weight < 0) return err(Errno.EINVAL, 'weight must be >= 0');
  if (id < 0 || id >= c.osd.count) return err(Errno.ENOENT, `osd.${id} does not exist`);
  const fixed = c.control.reweight(id, Math.min(1, weight));
  return ok(`reweighted osd.${id} to ${cppDouble(weight)} (${fixed.toString(16)})`);
}

/** A double as C++'s ostream prints it by default (6 significant digits, no trailing zeros). */
function cppDouble(x: number): string {
  return String(Number(x.toPrecision(6)));
}

/** `osd scrub|deep-scrub|repair <who>`: an up OSD scrubs the PGs it is primary for (repair: a deep scrub that repairs). */
function scrub(c: SimCluster, what: string, who: string): CommandResult {
  const deep = what !== 'scrub';
  if (who === '*' || who === 'all' || who === 'any') {
    const up: number[] = [];
    for (let id = 0; id < c.osd.count; id++) if (c.osd.isUp[id] === 1) up.push(id);
    // Every up OSD scrubs the PGs it is primary for: every active PG.
    c.control.scrub(undefined, deep);
    return ok(`osds ${up.join(',')} instructed to ${what}`);
  }
  const m = /^(?:osd\.)?(\d+)$/.exec(who);
  if (!m) return err(Errno.EINVAL, `invalid osd id '${who}'`);
  const id = Number(m[1]);
  if (id >= c.osd.count || c.osd.isUp[id] !== 1) return err(Errno.EAGAIN, `osd.${id} is not up`);
  c.control.scrubOsd(id, deep);
  return ok(`osd.${id} instructed to ${what}`);
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
