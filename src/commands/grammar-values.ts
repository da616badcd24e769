// One argument value against its ArgSpec: the per-type checks of Ceph's
// ceph_argparse (CephInt.valid, CephPgid.valid, ...), used for argv words and for
// JSON cmdmap values alike, so both ways in reject the same things the same way.

import { isIPv4, isIPv6 } from 'node:net';
import { Errno, ErrnoError } from '../common/errno.js';
import type { ArgScalar, ArgSpec } from './grammar-types.js';

type Parsed = { ok: true; value: ArgScalar } | { ok: false; reason: string };

const ok = (value: ArgScalar): Parsed => ({ ok: true, value });
const bad = (reason: string): Parsed => ({ ok: false, reason });

/** Python's repr() of a str, as Ceph's messages show words ('abc'). */
export function pyRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = s
    .replace(/\\/g, '\\\\')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .split(q)
    .join(`\\${q}`);
  return `${q}${body}${q}`;
}

/** Python's repr() of a float: `1.0`, `0.5`, `inf`. */
export function pyFloat(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  return Number.isInteger(n) && Math.abs(n) < 1e16 ? n.toFixed(1) : String(n);
}

function bound(spec: ArgSpec, n: number): string {
  return spec.type === 'CephFloat' ? pyFloat(n) : Number.isFinite(n) ? String(n) : pyFloat(n);
}

/** The range as Ceph prints it in "not in range": `[0, 100]`, or `[0]` for a lower bound only. */
export function rangeText(spec: ArgSpec): string {
  const [min, max] = spec.range ?? [-Infinity, Infinity];
  return max === Infinity ? `[${bound(spec, min)}]` : `[${bound(spec, min)}, ${bound(spec, max)}]`;
}

/** Ceph's str() of the type instance: `<int[0-100]>`, `<poolname>`, `a|b|c`. */
export function typeLabel(spec: ArgSpec): string {
  switch (spec.type) {
    case 'CephInt':
    case 'CephFloat': {
      const base = spec.type === 'CephInt' ? 'int' : 'float';
      if (!spec.range) return `<${base}>`;
      const [min, max] = spec.range;
      const hi = max === Infinity ? '' : bound(spec, max);
      return `<${base}[${bound(spec, min)}-${hi}]>`;
    }
    case 'CephString':
      return spec.goodchars ? `<string(goodchars ${spec.goodchars})>` : '<string>';
    case 'CephChoices':
      return (spec.strings ?? []).join('|');
    case 'CephBool':
      return '<bool>';
    case 'CephPoolname':
      return '<poolname>';
    case 'CephObjectname':
      return '<objectname>';
    case 'CephPgid':
      return '<pgid>';
    case 'CephName':
      return '<name (type.id)>';
    case 'CephOsdName':
      return '<osdname (id|osd.id)>';
    case 'CephUUID':
      return '<uuid>';
    case 'CephIPAddr':
      return '<IPaddr[:port]>';
  }
}

/** Ceph's str() of an argdesc: `max(<int>)`, `ids(<string>)...`, `--force`, `[...]` when optional. */
export function argLabel(spec: ArgSpec): string {
  let s: string;
  if (spec.type === 'CephChoices' && spec.strings?.length === 1) s = typeLabel(spec);
  else s = `${spec.name}(${typeLabel(spec)})${spec.n === 'N' ? '...' : ''}`;
  return spec.req ? s : `[${s}]`;
}

/** Python int(s, base): surrounding whitespace and a sign allowed. */
function pyInt(s: string, re: RegExp, base: number): number | undefined {
  const t = s.trim();
  if (!re.test(t)) return undefined;
  const neg = t.startsWith('-');
  const digits = t.replace(/^[+-]/, '');
  const big = BigInt(base === 16 && !/^0[xX]/.test(digits) ? `0x${digits}` : digits);
  const n = Number(neg ? -big : big);
  return Number.isSafeInteger(n) ? n : undefined;
}

const DEC_INT = /^[+-]?\d+$/;
const HEX_INT = /^[+-]?(?:0[xX])?[0-9a-fA-F]+$/;
// int(s, 0): 0x/0o/0b prefixes; a decimal other than zero has no leading zeros.
const AUTO_INT = /^[+-]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|[1-9]\d*|0+)$/;
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function inRange(spec: ArgSpec, n: number, shown: string): Parsed {
  if (spec.range && (n < spec.range[0] || n > spec.range[1])) return bad(`${shown} not in range ${rangeText(spec)}`);
  return ok(n);
}

function checkInt(spec: ArgSpec, s: string): Parsed {
  const n = pyInt(s, AUTO_INT, 0);
  if (n === undefined) return bad(AUTO_INT.test(s.trim()) ? 'too large for an int' : "doesn't represent an int");
  return inRange(spec, n, String(n));
}

function checkFloat(spec: ArgSpec, s: string): Parsed {
  const t = s.trim();
  const n = Number(t);
  if (!FLOAT.test(t) || !Number.isFinite(n)) return bad("doesn't represent a float");
  return inRange(spec, n, pyFloat(n));
}

function checkBool(s: string): Parsed {
  const l = s.toLowerCase();
  if (l === 'true' || l === '1') return ok(true);
  if (l === 'false' || l === '0') return ok(false);
  return bad("not one of 'true', 'false'");
}

// Python's string.printable: CephString's goodchars picks from these.
const PRINTABLE = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~ \t\n\r\x0b\x0c';

/** Compiles a goodchars class the way Python's re.match sees it; throws on a bad expression. */
export function goodcharsSet(goodchars: string): Set<string> {
  const re = new RegExp(`^(?:${goodchars})`);
  return new Set([...PRINTABLE].filter((c) => re.test(c)));
}

function checkString(spec: ArgSpec, s: string): Parsed {
  if (spec.goodchars) {
    const good = goodcharsSet(spec.goodchars);
    const badChars = [...new Set([...s].filter((c) => !good.has(c)))];
    if (badChars.length > 0) return bad(`invalid chars ${badChars.join('')}`);
  }
  return ok(s);
}

function checkPgid(s: string): Parsed {
  const dot = s.indexOf('.');
  if (dot === -1) return bad('pgid has no .');
  const poolS = s.slice(0, dot);
  const pgnumS = s.slice(dot + 1);
  const pool = pyInt(poolS, DEC_INT, 10);
  if (pool === undefined) return bad(`pool ${poolS} not integer`);
  if (pool < 0) return bad(`pool ${pool} < 0`);
  if (pyInt(pgnumS, HEX_INT, 16) === undefined) return bad(`pgnum ${pgnumS} not hex integer`);
  return ok(s);
}

const NAME_TYPES = ['osd', 'mon', 'client', 'mds', 'mgr'];

function checkName(s: string): Parsed {
  if (s === '*' || s === 'mgr' || s === 'mon') return ok(s);
  const dot = s.indexOf('.');
  if (dot === -1) return bad('no . in name (expected type.id)');
  const t = s.slice(0, dot);
  const id = s.slice(dot + 1);
  if (!NAME_TYPES.includes(t)) return bad(`unknown type ${t}`);
  if (t === 'osd' && id !== '*' && pyInt(id, DEC_INT, 10) === undefined) return bad(`osd id ${id} not integer`);
  return ok(s);
}

function checkOsdName(s: string): Parsed {
  if (s === '*') return ok(s);
  let id = s;
  const dot = s.indexOf('.');
  if (dot !== -1) {
    const t = s.slice(0, dot);
    if (t !== 'osd') return bad(`unknown type ${t}`);
    id = s.slice(dot + 1);
  }
  const n = pyInt(id, DEC_INT, 10);
  if (n === undefined) return bad(`osd id ${id} not integer`);
  if (n < 0) return bad(`osd id ${n} is less than 0`);
  return ok(n);
}

function checkUuid(s: string): Parsed {
  const hex = s.replace('urn:', '').replace('uuid:', '').replace(/^[{}]+|[{}]+$/g, '').replace(/-/g, '');
  return /^[0-9a-fA-F]{32}$/.test(hex) ? ok(s) : bad('badly formed hexadecimal UUID string');
}

function checkPort(p: string): string | undefined {
  if (!/^\d+$/.test(p)) return `bad port number ${p}`;
  return Number(p) > 65535 ? `${p} not a valid port number` : undefined;
}

function checkIpAddr(s: string): Parsed {
  const a = s.replace(/^(?:v1:|v2:|any:)/, '');
  if (a.startsWith('[')) {
    const end = a.indexOf(']');
    if (end === -1) return bad('missing terminating ]');
    if (!isIPv6(a.slice(1, end))) return bad('not a valid IPv6 address');
    const rest = a.slice(end + 1);
    if (rest === '') return ok(s);
    if (!rest.startsWith(':')) return bad('junk after ]');
    const e = checkPort(rest.slice(1));
    return e ? bad(e) : ok(s);
  }
  if (a.includes('.') && a.split(':').length <= 2) {
    const [host = '', port] = a.split(':');
    if (!isIPv4(host)) return bad('invalid IPv4 address');
    const e = port === undefined ? undefined : checkPort(port);
    return e ? bad(e) : ok(s);
  }
  return isIPv6(a) ? ok(s) : bad('not a valid IPv6 address');
}

/** Checks one word for a spec, returning the typed value or the reason it is refused. */
export function parseWord(spec: ArgSpec, s: string): Parsed {
  switch (spec.type) {
    case 'CephInt':
      return checkInt(spec, s);
    case 'CephFloat':
      return checkFloat(spec, s);
    case 'CephBool':
      return checkBool(s);
    case 'CephChoices':
      return (spec.strings ?? []).includes(s) ? ok(s) : bad(`not in ${typeLabel(spec)}`);
    case 'CephString':
      return checkString(spec, s);
    case 'CephPgid':
      return checkPgid(s);
    case 'CephName':
      return checkName(s);
    case 'CephOsdName':
      return checkOsdName(s);
    case 'CephUUID':
      return checkUuid(s);
    case 'CephIPAddr':
      return checkIpAddr(s);
    case 'CephPoolname':
    case 'CephObjectname':
      return ok(s);
  }
}

/** The EINVAL for a refused value: names the argument, its type and the value. */
export function invalidValue(spec: ArgSpec, value: unknown, reason: string): ErrnoError {
  const shown = typeof value === 'string' ? pyRepr(value) : JSON.stringify(value);
  return new ErrnoError(Errno.EINVAL, `invalid value ${shown} for argument ${spec.name} (${spec.type}): ${reason}`);
}

/** A word for a spec, typed; throws ErrnoError(EINVAL) naming the argument. */
export function checkWord(spec: ArgSpec, word: string): ArgScalar {
  const r = parseWord(spec, word);
  if (!r.ok) throw invalidValue(spec, word, r.reason);
  return r.value;
}

/**
 * One JSON cmdmap value for a spec. Strings go through the word checks (so numeric
 * strings become numbers for CephInt/CephFloat, as Ceph coerces); numbers and
 * booleans are accepted where the type holds them.
 */
export function checkJsonValue(spec: ArgSpec, v: unknown): ArgScalar {
  if (typeof v === 'string') return checkWord(spec, v);
  if (typeof v === 'number') {
    let r: Parsed;
    switch (spec.type) {
      case 'CephInt':
        r = Number.isSafeInteger(v) ? inRange(spec, v, String(v)) : bad("doesn't represent an int");
        break;
      case 'CephFloat':
        r = Number.isFinite(v) ? inRange(spec, v, pyFloat(v)) : bad("doesn't represent a float");
        break;
      case 'CephOsdName':
        r = !Number.isSafeInteger(v) ? bad(`osd id ${v} not integer`) : v < 0 ? bad(`osd id ${v} is less than 0`) : ok(v);
        break;
      case 'CephBool':
        r = v === 0 || v === 1 ? ok(v === 1) : bad("not one of 'true', 'false'");
        break;
      default:
        r = bad('expected a string');
    }
    if (!r.ok) throw invalidValue(spec, v, r.reason);
    return r.value;
  }
  if (typeof v === 'boolean' && spec.type === 'CephBool') return v;
  const want = spec.type === 'CephBool' ? 'a boolean' : spec.type === 'CephInt' || spec.type === 'CephFloat' ? 'a number' : 'a string';
  throw invalidValue(spec, v, `expected ${want}`);
}
