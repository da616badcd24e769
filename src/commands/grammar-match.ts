// What Ceph's CLI does client-side (ceph_argparse.validate_command), and the same
// checks for JSON cmdmaps: pick the descriptor whose prefix words lead argv
// (longest wins), bind the remaining words by name or by position, type them.
// Every refusal is ErrnoError(EINVAL) with a sentence naming what was wrong.

import { Errno, ErrnoError } from '../common/errno.js';
import { CommandFlag, FORMATS, type ArgScalar, type ArgSpec, type CmdValue, type Cmdmap, type CommandDescriptor } from './grammar-types.js';
import { argLabel, checkJsonValue, checkWord, invalidValue, pyRepr } from './grammar-values.js';
import { noValidCommand } from './grammar-closest.js';

export interface ArgvMatch {
  desc: CommandDescriptor;
  cmdmap: Cmdmap;
}

/** The generic `format` argument every command accepts. */
const FORMAT_SPEC: ArgSpec = {
  name: 'format',
  type: 'CephChoices',
  req: false,
  n: 1,
  strings: FORMATS,
  attrs: { name: 'format', type: 'CephChoices', strings: FORMATS.join('|'), req: 'false' },
};

/** Keys a JSON cmdmap may carry besides the descriptor's arguments. */
const GENERIC_KEYS = new Set(['prefix', 'format', 'target']);

/** Confirmation words Ceph lets through as positional values although they start with "--". */
const DASH_WORDS = new Set(['--yes-i-really-mean-it', '--yes-i-really-really-mean-it', '--yes-i-really-really-mean-it-not-faking', '--force']);

const einval = (msg: string) => new ErrnoError(Errno.EINVAL, msg);
const missing = (spec: ArgSpec) => einval(`missing required parameter ${argLabel(spec)}`);

/** Pulls `--format X`, `--format=X` and `format=X` out of argv. */
function stripFormat(argv: readonly string[]): { words: string[]; format: string | undefined } {
  const words: string[] = [];
  let format: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i]!;
    if (w === '--format') {
      if (i + 1 >= argv.length) throw einval(`--format needs a value (${FORMATS.join('|')})`);
      format = argv[++i];
    } else if (w.startsWith('--format=')) {
      format = w.slice('--format='.length);
    } else if (w.startsWith('format=')) {
      format = w.slice('format='.length);
    } else {
      words.push(w);
    }
  }
  return { words, format };
}

class Binder {
  readonly bound = new Map<string, CmdValue>();

  constructor(private readonly desc: CommandDescriptor) {}

  /** `--max-osds`, `--max_osds` and `max_osds` all name the argument max_osds. */
  lookup(key: string): ArgSpec | undefined {
    const args = this.desc.args;
    return args.find((a) => a.name === key) ?? args.find((a) => a.name === key.replace(/-/g, '_'));
  }

  named(spec: ArgSpec, raw: string): void {
    if (spec.n === 'N') {
      const prior = this.bound.get(spec.name);
      const vals = raw.split(',').map((p) => checkWord(spec, p));
      this.bound.set(spec.name, [...(Array.isArray(prior) ? prior : []), ...vals]);
      return;
    }
    if (this.bound.has(spec.name)) throw einval(`argument ${spec.name} given more than once`);
    this.bound.set(spec.name, checkWord(spec, raw));
  }

  /** Binds `--name=v`, `--name v`, `--flag` and `name=v` words; returns the positional rest. */
  bindNamed(words: readonly string[]): string[] {
    const positional: string[] = [];
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      const eq = /^--([^=]+)=(.*)$/s.exec(w) ?? /^([^-=][^=]*)=(.*)$/s.exec(w);
      const eqSpec = eq ? this.lookup(eq[1]!) : undefined;
      if (eq && eqSpec) {
        this.named(eqSpec, eq[2]!);
        continue;
      }
      const dash = /^--([^=]+)$/s.exec(w);
      const spec = dash ? this.lookup(dash[1]!) : undefined;
      if (spec?.type === 'CephBool') this.named(spec, 'true');
      else if (spec?.type === 'CephChoices' && spec.strings?.includes(w)) this.named(spec, w);
      else if (spec && i + 1 < words.length) this.named(spec, words[++i]!);
      else positional.push(w);
    }
    return positional;
  }

  /** Positional binding in declared order; an optional argument that refuses a word passes it on. */
  bindPositional(words: string[]): void {
    let saved: { word: string; err: ErrnoError } | undefined;
    const attempt = (spec: ArgSpec, w: string): ArgScalar[] | ErrnoError => {
      if (w.startsWith('--') && spec.type !== 'CephChoices' && !DASH_WORDS.has(w)) return einval(`Unexpected argument ${pyRepr(w)}`);
      try {
        // Ceph splits a repeated non-string word on commas ("pg dump pools,osds").
        const parts = spec.n === 'N' && spec.type !== 'CephString' ? w.split(',') : [w];
        return parts.map((p) => checkWord(spec, p));
      } catch (err) {
        if (err instanceof ErrnoError) return err;
        throw err;
      }
    };
    for (const spec of this.desc.args) {
      if (this.bound.has(spec.name)) continue;
      const vals: ArgScalar[] = [];
      while (words.length > 0 && (spec.n === 'N' || vals.length === 0)) {
        const r = attempt(spec, words[0]!);
        if (r instanceof ErrnoError) {
          if (spec.req && vals.length === 0) throw r;
          if (saved?.word !== words[0]) saved = { word: words[0]!, err: r };
          break;
        }
        vals.push(...r);
        words.shift();
        saved = undefined;
      }
      if (vals.length > 0) this.bound.set(spec.name, spec.n === 'N' ? vals : vals[0]!);
      else if (spec.req) throw missing(spec);
    }
    if (words.length > 0) {
      if (saved && saved.word === words[0]) throw saved.err;
      throw einval(`unused arguments: [${words.map(pyRepr).join(', ')}]`);
    }
  }

  cmdmap(): Cmdmap {
    const out: Cmdmap = { prefix: this.desc.prefixText };
    for (const a of this.desc.args) if (this.bound.has(a.name)) out[a.name] = this.bound.get(a.name);
    return out;
  }
}

function bind(desc: CommandDescriptor, rest: readonly string[], format: string | undefined): Cmdmap {
  const b = new Binder(desc);
  const own = desc.args.find((a) => a.name === 'format');
  if (format !== undefined && own) b.named(own, format);
  b.bindPositional(b.bindNamed(rest));
  const cmdmap = b.cmdmap();
  if (format !== undefined && !own) cmdmap.format = checkWord(FORMAT_SPEC, format) as string;
  return cmdmap;
}

const requiredCount = (d: CommandDescriptor) => d.args.filter((a) => a.req).length;

/**
 * Matches argv against descriptors as Ceph's CLI does: the descriptor whose prefix
 * words lead argv wins, the longest prefix first; the rest binds by name
 * (`--max 3`, `--max=3`, `max=3`, `--flag`) or by position. `--format X` is taken
 * out into cmdmap.format. Throws ErrnoError(EINVAL) for anything it cannot bind.
 */
export function matchArgv(descs: readonly CommandDescriptor[], argv: readonly string[]): ArgvMatch {
  const { words, format } = stripFormat(argv);
  let best: CommandDescriptor[] = [];
  let bestLen = 0;
  for (const d of descs) {
    if (d.flags & CommandFlag.OBSOLETE || d.prefix.length > words.length) continue;
    if (!d.prefix.every((p, i) => words[i] === p)) continue;
    if (d.prefix.length > bestLen) {
      bestLen = d.prefix.length;
      best = [d];
    } else if (d.prefix.length === bestLen) {
      best.push(d);
    }
  }
  // As Ceph's CLI: the closest signatures, then "invalid command" (`mgrd tell` prints the errno line last, as `ceph` does).
  if (best.length === 0) throw einval(noValidCommand(descs, words));
  // Same prefix twice (rare): try the one with fewer required arguments first, as Ceph grades them.
  const ordered = [...best].sort((a, b) => requiredCount(a) - requiredCount(b));
  let first: ErrnoError | undefined;
  for (const desc of ordered) {
    try {
      return { desc, cmdmap: bind(desc, words.slice(bestLen), format) };
    } catch (err) {
      if (!(err instanceof ErrnoError)) throw err;
      first ??= err;
    }
  }
  throw first!;
}

/**
 * Validates a JSON cmdmap (`{"prefix":"osd perf","format":"json"}`) against its
 * descriptor: unknown keys, missing required arguments, types, ranges and choices.
 * Numeric strings become numbers for CephInt/CephFloat; a lone value for an n=N
 * argument becomes a one-element array. Returns the normalised cmdmap.
 */
export function validateCmdmap(desc: CommandDescriptor, cmdmap: Record<string, unknown>): Cmdmap {
  if (typeof cmdmap !== 'object' || cmdmap === null || Array.isArray(cmdmap)) throw einval('a cmdmap must be a JSON object');
  const prefix = cmdmap.prefix;
  if (typeof prefix !== 'string' || prefix.trim().split(/\s+/).join(' ') !== desc.prefixText) {
    throw einval(`cmdmap prefix ${JSON.stringify(prefix)} does not name command '${desc.prefixText}'`);
  }
  const names = new Set(desc.args.map((a) => a.name));
  for (const key of Object.keys(cmdmap)) {
    if (!names.has(key) && !GENERIC_KEYS.has(key)) throw einval(`unknown argument ${pyRepr(key)} for command '${desc.prefixText}'`);
  }
  const out: Cmdmap = { prefix: desc.prefixText };
  for (const spec of desc.args) {
    const v = cmdmap[spec.name];
    if (v === undefined || v === null || (spec.n === 'N' && Array.isArray(v) && v.length === 0)) {
      if (spec.req) throw missing(spec);
      continue;
    }
    if (spec.n === 'N') out[spec.name] = (Array.isArray(v) ? v : [v]).map((x) => checkJsonValue(spec, x));
    else if (Array.isArray(v)) throw invalidValue(spec, v, 'expected a single value');
    else out[spec.name] = checkJsonValue(spec, v);
  }
  if (!names.has('format') && cmdmap.format !== undefined && cmdmap.format !== null) {
    out.format = checkJsonValue(FORMAT_SPEC, cmdmap.format) as string;
  }
  if (!names.has('target') && cmdmap.target !== undefined) out.target = cmdmap.target;
  return out;
}
