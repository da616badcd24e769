// The commands each write endpoint sends, as Ceph's restful module builds them
// (api/config.py, api/osd.py, api/pool.py, common.py). Pure: a JSON body in,
// waves of cmdmaps (or a refusal with the module's message) out. The commands
// themselves are answered by the manager's dispatcher and the cluster source.

import type { CmdMap } from '../../src/mgr-module/index.js';
import { OSD_IMPLEMENTED_COMMANDS } from './views.js';

export type Waves = CmdMap[][];

/** A refused body: the HTTP status and Ceph's message. */
export class BadRequest extends Error {
  constructor(message: string, readonly status = 400) {
    super(message);
  }
}

type Body = Record<string, unknown>;

/** Flags PATCH /config/osd sets or unsets (Ceph's OSD_FLAGS). */
export const OSD_FLAGS: readonly string[] = ['pause', 'noup', 'nodown', 'noout', 'noin', 'nobackfill', 'norecover', 'noscrub', 'nodeep-scrub'];

/** Pool properties set with `osd pool set`, first wave (Ceph's POOL_PROPERTIES_1) and after it (POOL_PROPERTIES_2). */
const POOL_PROPERTIES_1 = ['size', 'min_size', 'pg_num', 'crush_rule', 'hashpspool'];
const POOL_PROPERTIES_2 = ['pgp_num'];
const POOL_QUOTA_PROPERTIES: ReadonlyArray<readonly [string, string]> = [['quota_max_bytes', 'max_bytes'], ['quota_max_objects', 'max_objects']];
export const POOL_ARGS: readonly string[] = [...POOL_PROPERTIES_1, ...POOL_PROPERTIES_2, ...POOL_QUOTA_PROPERTIES.map(([k]) => k)];

/** The JSON body as an object, or a refusal (Ceph answers a non-object body with a server error). */
export function objectBody(body: unknown): Body {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequest('Bad request: the body must be a JSON object');
  }
  return body as Body;
}

/** PATCH /config/osd {"noout": true, "pause": false}: one wave of osd set/unset. Unknown flags are ignored, as Ceph does (it logs them). */
export function osdFlagCommands(body: Body): { waves: Waves; ignored: string[] } {
  const wave: CmdMap[] = [];
  const ignored: string[] = [];
  for (const [flag, on] of Object.entries(body)) {
    if (!OSD_FLAGS.includes(flag)) {
      ignored.push(flag);
      continue;
    }
    wave.push({ prefix: on ? 'osd set' : 'osd unset', key: flag });
  }
  return { waves: [wave], ignored };
}

/** PATCH /osd/<id> {"in": bool, "up": false, "reweight": float}. */
export function osdPatchCommands(osdId: number, body: Body): Waves {
  const ids = [String(osdId)];
  const wave: CmdMap[] = [];
  if ('in' in body) wave.push({ prefix: body.in ? 'osd in' : 'osd out', ids });
  if ('up' in body) {
    if (body.up) throw new BadRequest('It is not valid to set a down OSD to be up');
    wave.push({ prefix: 'osd down', ids });
  }
  if ('reweight' in body) wave.push({ prefix: 'osd reweight', id: osdId, weight: body.reweight });
  return [wave];
}

/** POST /osd/<id>/command {"command": "scrub"}: for an up OSD, one of the implemented commands. */
export function osdCommand(osdId: number, osdUp: boolean, body: Body): Waves {
  const command = body.command;
  if (!osdUp || typeof command !== 'string' || !OSD_IMPLEMENTED_COMMANDS.includes(command)) {
    throw new BadRequest(`Command "${String(command)}" not available`);
  }
  return [[{ prefix: `osd ${command}`, who: String(osdId) }]];
}

function checkPoolArgs(args: Body): void {
  const invalid = Object.keys(args).filter((a) => !POOL_ARGS.includes(a));
  if (invalid.length > 0) throw new BadRequest(`Invalid arguments found: "[${invalid.map((a) => `'${a}'`).join(', ')}]"`);
}

/** `osd pool set`/`set-quota` for pool properties: quota and most properties first, pgp_num (defaulting to pg_num) after them. */
export function poolUpdateCommands(poolName: string, body: Body): Waves {
  checkPoolArgs(body);
  const args = { ...body };
  if ('pg_num' in args && !('pgp_num' in args)) args.pgp_num = args.pg_num;
  const first: CmdMap[] = [];
  const second: CmdMap[] = [];
  // `val` is a CephString: Ceph's mon reads a JSON number there as its text, mgrd's dispatcher checks types, so it is sent as text.
  for (const v of POOL_PROPERTIES_1) if (v in args) first.push({ prefix: 'osd pool set', pool: poolName, var: v, val: String(args[v]) });
  for (const [v, field] of POOL_QUOTA_PROPERTIES) if (v in args) first.push({ prefix: 'osd pool set-quota', pool: poolName, field, val: String(args[v]) });
  for (const v of POOL_PROPERTIES_2) if (v in args) second.push({ prefix: 'osd pool set', pool: poolName, var: v, val: String(args[v]) });
  return [first, second];
}

/** POST /pool {"name": ..., "pg_num": ..., other pool args}: create, then the settings. */
export function poolCreateCommands(body: Body): Waves {
  const { name, pg_num: pgNum, ...rest } = body;
  if (name === undefined || name === null) throw new BadRequest('You need to specify the pool "name" argument');
  if (typeof name !== 'string' || name === '') throw new BadRequest('The pool "name" argument must be a non-empty string');
  if (pgNum === undefined || pgNum === null) throw new BadRequest('You need to specify the "pg_num" argument');
  const poolName = name;
  return [[{ prefix: 'osd pool create', pool: poolName, pg_num: pgNum }], ...poolUpdateCommands(poolName, rest)];
}

/** DELETE /pool/<id>. */
export function poolDeleteCommands(poolName: string): Waves {
  // Ceph 16's api/pool.py: the name twice and the CephBool of `--yes-i-really-really-mean-it`.
  return [[{ prefix: 'osd pool delete', pool: poolName, pool2: poolName, yes_i_really_really_mean_it: true }]];
}

/**
 * POST /request: a cmdmap runs alone (Ceph); mgrd also takes a list of cmdmaps
 * (run at once) or a list of lists (waves, one after the other).
 */
export function requestCommands(body: unknown): Waves {
  const isCmd = (x: unknown): x is CmdMap => typeof x === 'object' && x !== null && !Array.isArray(x) && typeof (x as Body).prefix === 'string';
  if (isCmd(body)) return [[body]];
  if (Array.isArray(body) && body.length > 0) {
    if (body.every(isCmd)) return [body];
    if (body.every((w) => Array.isArray(w) && w.length > 0 && w.every(isCmd))) return body as Waves;
  }
  throw new BadRequest('Bad request: the body must be a command ({"prefix": "...", ...}), a list of commands, or a list of lists of commands');
}
