// What Ceph's CLI answers when no command matches the words typed
// (ceph_argparse.validate_command, Pacific): "no valid command found; N closest
// matches:", the closest signatures one per line (ten at most), then the CLI's
// "Error EINVAL: invalid command". Ceph keeps the commands whose leading words
// match the most typed words (a full word beats a partly typed last word) and
// prints them in the daemon's descriptor order, alphabetical for `ceph tell mgr`
// (the reference capture). mgrd orders that tier by the typed words found in
// order anywhere in a command's prefix first, so `module ls` (the leading `mgr`
// forgotten) lists `mgr module ls` at the top. Pure.

import { conciseSig } from './grammar-help.js';
import { CommandFlag, type CommandDescriptor } from './grammar-types.js';

/** Signatures shown at most (Ceph's "top 10"). */
export const CLOSEST_MATCHES = 10;

/** The first line of the answer; the CLI (`mgrd tell`) recognises it to print the error line last, as `ceph` does. */
export const NO_VALID_COMMAND = 'no valid command found;';

/** The last line: `Error EINVAL: invalid command` once the CLI prefixes the errno. */
export const INVALID_COMMAND = 'invalid command';

/**
 * Ceph's matchnum(args, sig, partial) over the prefix words, as a score: leading words equal to
 * the typed ones count 1 each plus 0.5 when all of them are whole words; the last typed word
 * may instead be the start of the literal (partial), which counts 1 without the half.
 */
export function matchScore(d: CommandDescriptor, words: readonly string[]): number {
  let n = 0;
  while (n < d.prefix.length && n < words.length && d.prefix[n] === words[n]) n++;
  const last = words.length - 1;
  if (n === last && n < d.prefix.length && words[n] !== '' && d.prefix[n]!.startsWith(words[n]!)) return n + 1;
  return n + 0.5;
}

/** Typed words found among the prefix words in the same order, not necessarily leading (mgrd's tie-break). */
function inOrder(d: CommandDescriptor, words: readonly string[]): number {
  let n = 0;
  let at = 0;
  for (const w of words) {
    const i = d.prefix.indexOf(w, at);
    if (i < 0) continue;
    n++;
    at = i + 1;
  }
  return n;
}

const bySig = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The closest descriptors to `words`, best first, at most `max`. */
export function closestMatches(descs: readonly CommandDescriptor[], words: readonly string[], max = CLOSEST_MATCHES): CommandDescriptor[] {
  const scored = descs
    .filter((d) => (d.flags & CommandFlag.OBSOLETE) === 0)
    .map((d) => ({ d, score: matchScore(d, words), order: inOrder(d, words), sig: conciseSig(d) }));
  const best = Math.max(...scored.map((s) => s.score));
  return scored
    .filter((s) => s.score === best && (s.d.flags & (CommandFlag.DEPRECATED | CommandFlag.HIDDEN)) === 0)
    .sort((a, b) => b.order - a.order || bySig(a.sig, b.sig))
    .slice(0, max)
    .map((s) => s.d);
}

/** The EINVAL text for words no command takes: the closest signatures between Ceph's two lines. */
export function noValidCommand(descs: readonly CommandDescriptor[], words: readonly string[]): string {
  const sigs = closestMatches(descs, words).map(conciseSig);
  return [`${NO_VALID_COMMAND} ${sigs.length} closest matches:`, ...sigs, INVALID_COMMAND].join('\n');
}
