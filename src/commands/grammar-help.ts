// Descriptors out: Ceph's get_command_descriptions JSON (DaemonServer's
// dump_cmddesc_to_json) and the two-column help listing the `ceph` CLI prints
// (format_help/concise_sig in ceph.in and ceph_argparse.py, Pacific). Pure functions.

import { CommandFlag, type ArgSpec, type CommandDescriptor } from './grammar-types.js';

/** One element of a JSON signature: a prefix word, or an argument's key/value pairs. */
export type SigJson = string | Record<string, string>;

export interface CommandJson {
  sig: SigJson[];
  help: string;
  module: string;
  perm: string;
  flags: number;
}

/** A descriptor as get_command_descriptions reports it; argument keys sorted, values as written. */
export function descriptorToJson(d: CommandDescriptor): CommandJson {
  const sig: SigJson[] = [...d.prefix];
  for (const a of d.args) {
    const obj: Record<string, string> = {};
    for (const k of Object.keys(a.attrs).sort()) obj[k] = a.attrs[k]!;
    sig.push(obj);
  }
  return { sig, help: d.desc, module: d.module, perm: d.perm, flags: d.flags };
}

/** The whole get_command_descriptions object: `cmd000`, `cmd001`, ... in the order given. */
export function describeAll(descs: readonly CommandDescriptor[]): Record<string, CommandJson> {
  const out: Record<string, CommandJson> = {};
  descs.forEach((d, i) => {
    out[`cmd${String(i).padStart(3, '0')}`] = descriptorToJson(d);
  });
  return out;
}

/** ceph_argparse's argdesc.helpstr(): `<name>`, `<max:int>`, `a|b`, `--flag`, `[...]`, `...`. */
function helpChunk(a: ArgSpec): string {
  let s: string;
  switch (a.type) {
    case 'CephBool':
      s = `--${a.name.replace(/_/g, '-')}`;
      break;
    case 'CephChoices': {
      const choices = (a.strings ?? []).join('|');
      s = a.name === 'format' ? `--format {${choices}}` : choices;
      break;
    }
    case 'CephOsdName':
      s = '<id|osd.id>';
      break;
    case 'CephName':
      s = '<type.id>';
      break;
    case 'CephInt':
      s = `<${a.name}:int>`;
      break;
    case 'CephFloat':
      s = `<${a.name}:float>`;
      break;
    default:
      s = `<${a.name}>`;
  }
  if (a.n === 'N') s += '...';
  return a.req ? s : `[${s}]`;
}

/** The signature as help shows it: `osd ok-to-stop <ids>... [<max:int>]`. */
export function conciseSig(d: CommandDescriptor): string {
  return [...d.prefix, ...d.args.map(helpChunk)].join(' ');
}

// ceph.in's wrap(): break anywhere except inside a run of these characters.
const DONTSPLIT = new Set('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ{[<>]}');

function wrap(text: string, firstWidth: number): string[] {
  const lines: string[] = [];
  let s = text;
  let width = firstWidth;
  let leader = '';
  while (s.length > 0) {
    if (s.length <= width) {
      lines.push(leader + s);
      break;
    }
    let splitpos = width;
    while (splitpos > 0 && DONTSPLIT.has(s[splitpos - 1]!)) splitpos--;
    if (splitpos === 0) splitpos = width;
    lines.push(leader + s.slice(0, splitpos).replace(/^\s+/, ''));
    if (leader === '') {
      leader = ' ';
      width -= 1;
    }
    s = s.slice(splitpos);
  }
  return lines;
}

const SIG_WIDTH = 39;
const HELP_WIDTH = 40;
const HIDDEN_FLAGS = CommandFlag.OBSOLETE | CommandFlag.DEPRECATED | CommandFlag.HIDDEN;

/**
 * The plain-text listing `ceph tell mgr help` prints: signature column (39 wide)
 * and help column (40 wide), both wrapped as ceph.in wraps, sorted by signature.
 * Commands without help, or obsolete, deprecated or hidden, are left out.
 */
export function helpText(descs: readonly CommandDescriptor[]): string {
  const rows = descs
    .filter((d) => d.desc !== '' && (d.flags & HIDDEN_FLAGS) === 0)
    .map((d) => ({ sig: conciseSig(d), help: d.desc }))
    .sort((a, b) => (a.sig < b.sig ? -1 : a.sig > b.sig ? 1 : 0));
  let out = '';
  for (const { sig, help } of rows) {
    const sigLines = wrap(sig, SIG_WIDTH);
    const helpLines = wrap(help, HELP_WIDTH);
    for (let i = 0; i < Math.max(sigLines.length, helpLines.length); i++) {
      out += `${(sigLines[i] ?? '').padEnd(SIG_WIDTH)} ${helpLines[i] ?? ''}\n`;
    }
  }
  return out;
}

/** The section header the CLI prints above a listing: `\n Tell mgr commands \n =================\n`. */
export function helpHeader(title: string): string {
  return `\n ${title} \n ${'='.repeat(title.length)}\n`;
}
