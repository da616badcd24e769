// `osd pool create|delete|rm|set|set-quota` as Pacific's OSDMonitor answers
// them (status lines and errnos), applied to the simulated cluster through
// PoolChanges. Where the simulator cannot follow Ceph (more than 3 copies or
// shards), the answer says so instead of pretending.

import { Errno, type CommandResult } from '../../common/errno.js';
import type { SourceCommandDecl } from '../../protocol/messages.js';
import { EC_K, EC_M, EC_PROFILE, POOL_FLAG_BITS, type PoolSpec } from './pools.js';
import { MAX_SIZE } from './pg-table.js';
import type { SimCluster } from './sim-cluster.js';

/** The `osd pool set` variables the simulator keeps (Ceph has ~50 more; the manager refuses the others naming `var`). */
const POOL_SET_FLAGS: readonly string[] = ['hashpspool', 'nodelete', 'nopgchange', 'nosizechange', 'noscrub', 'nodeep-scrub'];
const POOL_SET_VARS = ['size', 'min_size', 'pg_num', 'pgp_num', 'crush_rule', 'compression_mode', 'compression_algorithm', ...POOL_SET_FLAGS];
/** Compressor::get_comp_mode_type / get_comp_alg_type's names (Pacific, without brotli, which packages leave out). */
const COMPRESSION_MODES: readonly string[] = ['none', 'passive', 'aggressive', 'force'];
const COMPRESSION_ALGORITHMS: readonly string[] = ['none', 'snappy', 'zlib', 'zstd', 'lz4'];
/** Pool slots (the PG table's Uint16Array) a simulated cluster can use over its life; deleted pools keep theirs. */
const MAX_POOL_SLOTS = 0xffff;
const POOL_DELETE_ARGS = 'name=pool,type=CephPoolname name=pool2,type=CephPoolname,req=false name=yes_i_really_really_mean_it,type=CephBool,req=false name=yes_i_really_really_mean_it_not_faking,type=CephBool,req=false';

/** Descriptors as Pacific's MonCommands.h writes them (`osd pool set` with the variables above). */
export const SIM_POOL_COMMANDS: readonly SourceCommandDecl[] = [
  {
    cmd: 'osd pool create name=pool,type=CephPoolname name=pg_num,type=CephInt,range=0,req=false name=pgp_num,type=CephInt,range=0,req=false '
      + 'name=pool_type,type=CephChoices,strings=replicated|erasure,req=false name=erasure_code_profile,type=CephString,req=false,goodchars=[A-Za-z0-9-_.] '
      + 'name=rule,type=CephString,req=false name=expected_num_objects,type=CephInt,range=0,req=false name=size,type=CephInt,range=0,req=false',
    desc: 'create pool', perm: 'rw',
  },
  { cmd: `osd pool delete ${POOL_DELETE_ARGS}`, desc: 'delete pool', perm: 'rw' },
  { cmd: `osd pool rm ${POOL_DELETE_ARGS}`, desc: 'remove pool', perm: 'rw' },
  {
    cmd: `osd pool set name=pool,type=CephPoolname name=var,type=CephChoices,strings=${POOL_SET_VARS.join('|')} name=val,type=CephString name=yes_i_really_mean_it,type=CephBool,req=false`,
    desc: 'set pool parameter <var> to <val>', perm: 'rw',
  },
  { cmd: 'osd pool set-quota name=pool,type=CephPoolname name=field,type=CephChoices,strings=max_objects|max_bytes name=val,type=CephString', desc: 'set object or byte limit on pool', perm: 'rw' },
];

/** Ceph's defaults for what these commands read. */
const OSD_POOL_DEFAULT_PG_NUM = 32;
const OSD_POOL_DEFAULT_SIZE = 3;
const MON_MAX_POOL_PG_NUM = 65536;
const MON_MAX_PG_PER_OSD = 250;
/** The CRUSH rules of the simulated cluster (maps-osd crush()): name -> id and type (1 replicated, 3 erasure). */
const RULES: Record<string, { id: number; type: number }> = { replicated_rule: { id: 0, type: 1 }, 'cephfs.cephfs.data': { id: 1, type: 3 } };
/** Pools a file system uses (fs_map): Ceph refuses to delete them. */
const CEPHFS_POOLS = new Set(['cephfs.cephfs.meta', 'cephfs.cephfs.data']);

const ok = (outs: string): CommandResult => ({ r: 0, outb: '', outs });
const err = (errno: number, outs: string): CommandResult => ({ r: -errno, outb: '', outs });

export function runPoolCommand(c: SimCluster, prefix: string, cmd: Record<string, unknown>): CommandResult | undefined {
  switch (prefix) {
    case 'osd pool create':
      return create(c, cmd);
    case 'osd pool delete':
    case 'osd pool rm':
      return remove(c, cmd);
    case 'osd pool set':
      return set(c, String(cmd.pool), String(cmd.var), String(cmd.val));
    case 'osd pool set-quota':
      return setQuota(c, String(cmd.pool), String(cmd.field), String(cmd.val));
    default:
      return undefined;
  }
}

/** OSDMonitor::check_pg_num: PG replicas over mon_max_pg_per_osd per in OSD are refused (-ERANGE). */
function checkPgNum(c: SimCluster, pool: PoolSpec | undefined, pgNum: number, size: number): CommandResult | undefined {
  const inOsds = c.osd.inCount();
  const max = MON_MAX_PG_PER_OSD * inOsds;
  let projected = pool === undefined ? pgNum * size : 0;
  for (const p of c.pools) projected += p === pool ? pgNum * size : p.pgNum * p.size;
  if (projected <= max) return undefined;
  return err(Errno.ERANGE, `${pool !== undefined ? `pool id ${pool.id}` : ''} pg_num ${pgNum} size ${size} would mean ${projected} total pgs, which exceeds max ${max} (mon_max_pg_per_osd ${MON_MAX_PG_PER_OSD} * num_in_osds ${inOsds})`);
}

function pgNumRange(): CommandResult {
  return err(Errno.ERANGE, `'pg_num' must be greater than 0 and less than or equal to ${MON_MAX_POOL_PG_NUM} (you may adjust 'mon max pool pg num' for higher values)`);
}

function create(c: SimCluster, cmd: Record<string, unknown>): CommandResult {
  const name = String(cmd.pool);
  if (c.poolChanges.byName(name) !== undefined) return ok(`pool '${name}' already exists`);
  const erasure = cmd.pool_type === 'erasure';
  const pgNum = typeof cmd.pg_num === 'number' && cmd.pg_num > 0 ? cmd.pg_num : OSD_POOL_DEFAULT_PG_NUM;
  const pgpNum = typeof cmd.pgp_num === 'number' && cmd.pgp_num > 0 ? cmd.pgp_num : pgNum;
  if (pgNum > MON_MAX_POOL_PG_NUM) return pgNumRange();
  if (pgpNum > pgNum) return err(Errno.ERANGE, `'pgp_num' must be greater than 0 and lower or equal than 'pg_num', which in this case is ${pgNum}`);
  let size = OSD_POOL_DEFAULT_SIZE;
  if (erasure) {
    const profile = typeof cmd.erasure_code_profile === 'string' ? cmd.erasure_code_profile : 'default';
    if (profile === 'default') return err(Errno.EINVAL, 'the simulator keeps at most 3 shards of a PG: erasure code profile default has k=2 m=2; use ' + EC_PROFILE);
    if (profile !== EC_PROFILE) return err(Errno.ENOENT, `erasure-code-profile ${profile} does not exist`);
    size = EC_K + EC_M;
  } else if (typeof cmd.size === 'number' && cmd.size > 0) {
    size = cmd.size;
  }
  if (size > MAX_SIZE) return err(Errno.EINVAL, `the simulator keeps at most ${MAX_SIZE} copies of a PG; size ${size} is not simulated`);
  const ruleName = typeof cmd.rule === 'string' ? cmd.rule : erasure ? 'cephfs.cephfs.data' : 'replicated_rule';
  const rule = RULES[ruleName];
  if (rule === undefined) return err(Errno.ENOENT, `specified rule ${ruleName} doesn't exist`);
  if (rule.type !== (erasure ? 3 : 1)) return err(Errno.EINVAL, `Rule ${rule.id} of type ${rule.type} does not support size ${size}`);
  const tooMany = checkPgNum(c, undefined, pgNum, size);
  if (tooMany) return tooMany;
  if (c.loads.length >= MAX_POOL_SLOTS) return err(Errno.ERANGE, `the simulator creates at most ${MAX_POOL_SLOTS} pools over its life`);
  c.poolChanges.create({ name, pgNum, pgpNum, erasure, size, crushRule: rule.id });
  return ok(`pool '${name}' created`);
}

function remove(c: SimCluster, cmd: Record<string, unknown>): CommandResult {
  const name = String(cmd.pool);
  const p = c.poolChanges.byName(name);
  if (p === undefined) return ok(`pool '${name}' does not exist`);
  const sure = cmd.yes_i_really_really_mean_it === true || cmd.yes_i_really_really_mean_it_not_faking === true;
  if (cmd.pool2 !== name || !sure) {
    return err(Errno.EPERM, `WARNING: this will *PERMANENTLY DESTROY* all data stored in pool ${name}.  If you are *ABSOLUTELY CERTAIN* that is what you want, pass the pool name *twice*, followed by --yes-i-really-really-mean-it.`);
  }
  if (CEPHFS_POOLS.has(name)) return err(Errno.EBUSY, `pool '${name}' is in use by CephFS`);
  if (!c.monAllowPoolDelete) {
    return err(Errno.EPERM, 'pool deletion is disabled; you must first set the mon_allow_pool_delete config option to true before you can destroy a pool');
  }
  if ((p.flags & POOL_FLAG_BITS.nodelete) !== 0) return err(Errno.EPERM, 'pool deletion is disabled; you must unset nodelete flag for the pool first');
  c.poolChanges.remove(p);
  return ok(`pool '${name}' removed`);
}

/** strict_strtoll: a whole decimal number. */
function parseInteger(val: string): number | string {
  return /^[+-]?\d+$/.test(val.trim()) && Number.isSafeInteger(Number(val)) ? Number(val) : `strict_strtoll: expected integer, got: '${val}'`;
}

function set(c: SimCluster, poolName: string, v: string, val: string): CommandResult {
  const p = c.poolChanges.byName(poolName);
  if (p === undefined) return err(Errno.ENOENT, `unrecognized pool '${poolName}'`);
  const n = parseInteger(val);
  const notInt = (): CommandResult => err(Errno.EINVAL, `error parsing integer value '${val}': ${String(n)}`);
  const has = (flag: keyof typeof POOL_FLAG_BITS): boolean => (p.flags & POOL_FLAG_BITS[flag]) !== 0;
  const done = `set pool ${p.id} ${v} to ${val}`;
  switch (v) {
    case 'size': {
      if (has('nosizechange')) return err(Errno.EPERM, 'pool size change is disabled; you must unset nosizechange flag for the pool first');
      if (p.erasure) return err(Errno.EOPNOTSUPP, 'can not change the size of an erasure-coded pool');
      if (typeof n !== 'number') return notInt();
      if (n <= 0 || n > 10) return err(Errno.EINVAL, 'pool size must be between 1 and 10');
      // mon_allow_pool_size_one is false by default (so --yes-i-really-mean-it is never reached).
      if (n === 1) return err(Errno.EPERM, 'configuring pool size as 1 is disabled by default.');
      if (n > MAX_SIZE) return err(Errno.EINVAL, `the simulator keeps at most ${MAX_SIZE} copies of a PG; size ${n} is not simulated`);
      const tooMany = checkPgNum(c, p, p.pgNum, n);
      if (tooMany) return tooMany;
      if (n !== p.size) c.poolChanges.setSize(p, n);
      else c.poolChanges.changed(p, done);
      return ok(done);
    }
    case 'min_size': {
      if (has('nosizechange')) return err(Errno.EPERM, 'pool min size change is disabled; you must unset nosizechange flag for the pool first');
      if (typeof n !== 'number') return notInt();
      const lo = p.erasure ? p.k : 1;
      if (n < lo || n > p.size) return err(Errno.EINVAL, `pool min_size must be between ${lo} and size, which is set to ${p.size}`);
      p.minSize = n;
      c.poolChanges.repeer(p, done);
      return ok(done);
    }
    case 'pg_num': {
      if (has('nopgchange')) return err(Errno.EPERM, 'pool pg_num change is disabled; you must unset nopgchange flag for the pool first');
      if (typeof n !== 'number') return notInt();
      if (n === p.pgNum) return ok('');
      if (n <= 0 || n > MON_MAX_POOL_PG_NUM) return pgNumRange();
      const tooMany = n > p.pgNum ? checkPgNum(c, p, n, p.size) : undefined;
      if (tooMany) return tooMany;
      c.poolChanges.setPgNum(p, n);
      return ok(done);
    }
    case 'pgp_num': {
      if (has('nopgchange')) return err(Errno.EPERM, 'pool pgp_num change is disabled; you must unset nopgchange flag for the pool first');
      if (typeof n !== 'number') return notInt();
      if (n <= 0) return err(Errno.EINVAL, `specified pgp_num must > 0, but you set to ${n}`);
      if (n > p.pgNum) return err(Errno.EINVAL, `specified pgp_num ${n} > pg_num ${p.pgNum}`);
      p.pgpNum = n;
      c.poolChanges.changed(p, done);
      return ok(done);
    }
    case 'crush_rule': {
      const rule = RULES[val];
      if (rule === undefined) return err(Errno.ENOENT, `crush rule ${val} does not exist`);
      if (rule.type !== (p.erasure ? 3 : 1)) return err(Errno.EINVAL, `Rule ${rule.id} of type ${rule.type} does not support size ${p.size}`);
      p.crushRule = rule.id;
      c.poolChanges.changed(p, done);
      return ok(done);
    }
    case 'compression_mode':
    case 'compression_algorithm': {
      const known = v === 'compression_mode' ? COMPRESSION_MODES : COMPRESSION_ALGORITHMS;
      if (!known.includes(val)) return err(Errno.EINVAL, v === 'compression_mode' ? `unrecognized compression mode '${val}'` : `unrecognized compression_algorithm '${val}'`);
      p.options = { ...p.options, [v]: val };
      // What BlueStore holds compressed follows at once (as if the data were rewritten since).
      c.usage.invalidate();
      c.poolChanges.changed(p, done);
      return ok(done);
    }
    default: {
      if (!POOL_SET_FLAGS.includes(v)) return err(Errno.EINVAL, `unrecognized variable '${v}'`);
      const bit = POOL_FLAG_BITS[v as keyof typeof POOL_FLAG_BITS];
      if (val === 'true' || n === 1) p.flags |= bit;
      else if (val === 'false' || n === 0) p.flags &= ~bit;
      else return err(Errno.EINVAL, "expecting value 'true', 'false', '0', or '1'");
      c.poolChanges.changed(p, done);
      return ok(done);
    }
  }
}

const SI = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 } as const;
const IEC = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40, P: 2 ** 50, E: 2 ** 60 } as const;

/** strict_si_cast / strict_iec_cast: a whole number with an optional unit (K, M, G... ; Ki, Mi... for bytes; B allowed). */
function parseUnits(val: string, iec: boolean): number | string {
  const m = /^\s*(\d+)\s*([KMGTPE]?)(i?)(B?)\s*$/.exec(val);
  if (!m || (m[3] === 'i' && m[2] === '') || (!iec && m[4] === 'B')) return `strict_${iec ? 'iec' : 'si'}_cast: unit prefix not recognized`;
  const unit = m[2] as keyof typeof SI;
  const v = Number(m[1]) * (iec || m[3] === 'i' ? IEC[unit] : SI[unit]);
  return Number.isSafeInteger(v) ? v : `strict_${iec ? 'iec' : 'si'}_cast: the value exceeds 2^53`;
}

function setQuota(c: SimCluster, poolName: string, field: string, val: string): CommandResult {
  const p = c.poolChanges.byName(poolName);
  if (p === undefined) return err(Errno.ENOENT, `unrecognized pool '${poolName}'`);
  if (field !== 'max_objects' && field !== 'max_bytes') return err(Errno.EINVAL, `unrecognized field '${field}'; should be 'max_bytes' or 'max_objects'`);
  const value = parseUnits(val, field === 'max_bytes');
  if (typeof value !== 'number') return err(Errno.EINVAL, `error parsing value '${val}': ${value}`);
  if (field === 'max_objects') p.quotaMaxObjects = value;
  else p.quotaMaxBytes = value;
  c.poolChanges.changed(p, `pool '${poolName}' quota ${field} ${value}`);
  return ok(`set-quota ${field} = ${value} for pool ${poolName}`);
}
