// Ceph's command descriptor grammar (MonCommands.h, ceph_argparse.py): a
// descriptor is prefix words followed by `key=value,...` argument specs, e.g.
// `osd ok-to-stop name=ids,type=CephString,n=N name=max,type=CephInt,req=false`.
// This file parses descriptors and is the one import for the rest of the grammar:
// argv matching and cmdmap validation (grammar-match.ts), value checks
// (grammar-values.ts) and get_command_descriptions/help output (grammar-help.ts).

import { goodcharsSet } from './grammar-values.js';
import { ARG_TYPES, type ArgSpec, type ArgType, type CommandDescriptor, type Perm } from './grammar-types.js';

export * from './grammar-types.js';
export { matchArgv, validateCmdmap, type ArgvMatch } from './grammar-match.js';
export { describeAll, descriptorToJson, helpHeader, helpText, conciseSig, type CommandJson, type SigJson } from './grammar-help.js';
export { checkWord, checkJsonValue, argLabel, typeLabel } from './grammar-values.js';

const SPEC_KEYS = new Set(['name', 'type', 'req', 'n', 'range', 'strings', 'goodchars']);
const PERMS: readonly string[] = ['r', 'w', 'rw', 'x'];
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const INT_RE = /^[+-]?\d+$/;
const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

class DescriptorError extends Error {
  constructor(cmd: string, what: string) {
    super(`bad command descriptor '${cmd}': ${what}`);
    this.name = 'DescriptorError';
  }
}

function parseBool(cmd: string, name: string, v: string): boolean {
  if (v === 'true' || v === 'True') return true;
  if (v === 'false' || v === 'False') return false;
  throw new DescriptorError(cmd, `argument ${name}: req=${v} is not true or false`);
}

function parseRange(cmd: string, name: string, type: ArgType, v: string): [number, number] {
  const parts = v.split('|');
  const re = type === 'CephInt' ? INT_RE : FLOAT_RE;
  const fail = (why: string) => new DescriptorError(cmd, `argument ${name}: bad range '${v}' (${why})`);
  if (parts.length > 2) throw fail('expected min or min|max');
  const [lo = '', hi = ''] = parts;
  if (lo === '' && hi === '') throw fail('no bounds');
  for (const p of [lo, hi]) if (p !== '' && !re.test(p)) throw fail(`'${p}' is not ${type === 'CephInt' ? 'an integer' : 'a number'}`);
  const min = lo === '' ? -Infinity : Number(lo);
  const max = hi === '' ? Infinity : Number(hi);
  if (type === 'CephInt' && ![min, max].every((n) => !Number.isFinite(n) || Number.isSafeInteger(n))) throw fail('bound too large');
  if (min > max) throw fail('min > max');
  return [min, max];
}

function parseSpec(cmd: string, word: string): ArgSpec {
  const attrs: Record<string, string> = {};
  for (const pair of word.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new DescriptorError(cmd, `'${pair}' in '${word}' is not key=value`);
    const key = pair.slice(0, eq);
    if (!SPEC_KEYS.has(key)) throw new DescriptorError(cmd, `unknown key '${key}' in '${word}'`);
    if (key in attrs) throw new DescriptorError(cmd, `key '${key}' given twice in '${word}'`);
    attrs[key] = pair.slice(eq + 1);
  }
  const name = attrs.name;
  if (name === undefined) throw new DescriptorError(cmd, `'${word}' has no name`);
  if (!NAME_RE.test(name)) throw new DescriptorError(cmd, `bad argument name '${name}'`);
  if (name === 'prefix') throw new DescriptorError(cmd, "argument name 'prefix' is reserved");
  const type = attrs.type;
  if (type === undefined) throw new DescriptorError(cmd, `argument ${name} has no type`);
  if (!(ARG_TYPES as readonly string[]).includes(type)) throw new DescriptorError(cmd, `argument ${name}: unknown type '${type}'`);
  const t = type as ArgType;
  const n = attrs.n;
  if (n !== undefined && n !== 'N' && n !== 'n' && n !== '1') throw new DescriptorError(cmd, `argument ${name}: n=${n} (expected n=N)`);
  const spec: { -readonly [K in keyof ArgSpec]: ArgSpec[K] } = {
    name,
    type: t,
    req: attrs.req === undefined ? true : parseBool(cmd, name, attrs.req),
    n: n === 'N' || n === 'n' ? 'N' : 1,
    attrs,
  };
  if (attrs.range !== undefined) {
    if (t !== 'CephInt' && t !== 'CephFloat') throw new DescriptorError(cmd, `argument ${name}: range is only for CephInt and CephFloat`);
    spec.range = parseRange(cmd, name, t, attrs.range);
  }
  if (attrs.strings !== undefined && t !== 'CephChoices') throw new DescriptorError(cmd, `argument ${name}: strings is only for CephChoices`);
  if (t === 'CephChoices') {
    const strings = attrs.strings?.split('|') ?? [];
    if (strings.length === 0 || strings.some((s) => s === '')) {
      throw new DescriptorError(cmd, `argument ${name}: CephChoices needs strings=a|b|...`);
    }
    spec.strings = strings;
  }
  if (attrs.goodchars !== undefined) {
    if (t !== 'CephString') throw new DescriptorError(cmd, `argument ${name}: goodchars is only for CephString`);
    try {
      goodcharsSet(attrs.goodchars);
    } catch (err) {
      throw new DescriptorError(cmd, `argument ${name}: goodchars '${attrs.goodchars}' is not a valid expression (${(err as Error).message})`);
    }
    spec.goodchars = attrs.goodchars;
  }
  return spec;
}

/**
 * Parses a descriptor such as `pg dump name=dumpcontents,type=CephChoices,strings=all|summary,n=N,req=false`.
 * Throws an Error naming the bad part: unknown type or key, bad range, choices without
 * strings, duplicate argument name, a required argument after an n=N one, and so on.
 */
export function parseDescriptor(cmd: string, desc: string, perm: string, module = 'mgr', flags = 0): CommandDescriptor {
  if (typeof cmd !== 'string' || cmd.trim() === '') throw new DescriptorError(String(cmd), 'empty descriptor');
  if (!PERMS.includes(perm)) throw new DescriptorError(cmd, `perm '${perm}' is not one of ${PERMS.join(', ')}`);
  const prefix: string[] = [];
  const args: ArgSpec[] = [];
  let afterN: string | undefined;
  for (const word of cmd.trim().split(/\s+/)) {
    if (!/[=,]/.test(word)) {
      if (args.length > 0) throw new DescriptorError(cmd, `literal word '${word}' after the arguments`);
      prefix.push(word);
      continue;
    }
    const spec = parseSpec(cmd, word);
    if (args.some((a) => a.name === spec.name)) throw new DescriptorError(cmd, `duplicate argument name '${spec.name}'`);
    if (afterN !== undefined && spec.req) {
      throw new DescriptorError(cmd, `required argument ${spec.name} after n=N argument ${afterN} can never be reached`);
    }
    if (spec.n === 'N') afterN = spec.name;
    args.push(spec);
  }
  if (prefix.length === 0) throw new DescriptorError(cmd, 'no prefix words');
  return {
    signature: cmd,
    prefix,
    prefixText: prefix.join(' '),
    args,
    desc,
    perm: perm as Perm,
    module,
    flags,
  };
}

/** Exact prefix lookup, for cmdmaps that arrive with their `prefix` (whitespace-normalised). */
export function findDescriptor(descs: readonly CommandDescriptor[], prefix: string): CommandDescriptor | undefined {
  const p = prefix.trim().split(/\s+/).join(' ');
  return descs.find((d) => d.prefixText === p);
}
