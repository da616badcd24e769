// Words no command takes, answered as Ceph's CLI does (ceph_argparse.validate_command):
// "no valid command found; N closest matches:", the closest signatures, then
// "Error EINVAL: invalid command" — byte for byte against the reference capture
// of `ceph tell mgr no-such-command`; and mgrd's tie-break that puts
// `mgr module ls` first for `module ls` (the leading `mgr` forgotten).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorText } from '../../src/cli/tell.js';
import { Errno, ErrnoError } from '../../src/common/errno.js';
import { closestMatches, matchScore, noValidCommand } from '../../src/commands/grammar-closest.js';
import { CommandFlag, conciseSig, matchArgv, parseDescriptor, type CommandDescriptor } from '../../src/commands/grammar.js';
import { NATIVE_COMMANDS } from '../../src/commands/native/index.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/ceph-reference/cli/${name}`, import.meta.url), 'utf8');
const parse = (cmds: readonly string[]): CommandDescriptor[] => cmds.map((c) => parseDescriptor(c, '', 'r'));

/** The admin-socket commands a Pacific mgr answers to `ceph tell mgr` (`ceph tell mgr help` lists those with help), shuffled. */
const TELL_MGR = parse([
  'version', 'perf dump name=logger,type=CephString,req=false name=counter,type=CephString,req=false', 'config show', '2',
  'config set name=var,type=CephString name=val,type=CephString,n=N', 'abort', 'dump_cache', 'help', 'config diff', '0',
  'config unset name=var,type=CephString', 'config help name=var,type=CephString,req=false', 'assert', 'git_version',
  'config diff get name=var,type=CephString', 'log dump', '1', 'config get name=var,type=CephString', 'mgr_status', 'status',
  'injectargs name=injected_args,type=CephString,n=N', 'dump_osd_network name=value,type=CephInt,req=false',
]);

/** What `mgrd tell` prints on stderr for an argv the manager refused. */
function cliStderr(descs: readonly CommandDescriptor[], argv: string[]): string {
  try {
    matchArgv(descs, argv);
  } catch (err) {
    if (!(err instanceof ErrnoError)) throw err;
    return errorText(-err.errno, `${err.message}\n`);
  }
  throw new Error(`${argv.join(' ')} matched`);
}

describe('no valid command found', () => {
  it('prints what `ceph tell mgr no-such-command` prints, byte for byte', () => {
    const ref = fixture('tell_mgr_bad_command.txt').split('\n');
    // The capture: the command line, the answer on stderr, then "[rc=22]".
    const expected = ref.slice(1, ref.indexOf('[rc=22]')).join('\n') + '\n';
    expect(cliStderr(TELL_MGR, ['no-such-command'])).toBe(expected);
  });

  it('scores as ceph_argparse matchnum: whole leading words, a partly typed last word, nothing', () => {
    const [ls] = parse(['mgr module ls']);
    expect(matchScore(ls!, ['mgr', 'module'])).toBe(2.5);
    expect(matchScore(ls!, ['mgr', 'mod'])).toBe(2);
    expect(matchScore(ls!, ['mgr', 'mod', 'x'])).toBe(1.5);
    expect(matchScore(ls!, ['module', 'ls'])).toBe(0.5);
    expect(matchScore(ls!, [])).toBe(0.5);
  });

  it('keeps only the best tier, as Ceph: `mgr modul` and `mgr module` list the three module commands', () => {
    const descs = NATIVE_COMMANDS.map((c) => parseDescriptor(c.cmd, c.desc, c.perm));
    const want = ['mgr module disable <module>', 'mgr module enable <module> [--force]', 'mgr module ls'];
    expect(closestMatches(descs, ['mgr', 'modul']).map(conciseSig)).toEqual(want);
    expect(closestMatches(descs, ['mgr', 'module']).map(conciseSig)).toEqual(want);
    expect(noValidCommand(descs, ['mgr', 'module'])).toBe(['no valid command found; 3 closest matches:', ...want, 'invalid command'].join('\n'));
  });

  it('`module ls` (the leading `mgr` forgotten) lists `mgr module ls` first among ten', () => {
    const descs = NATIVE_COMMANDS.map((c) => parseDescriptor(c.cmd, c.desc, c.perm));
    const lines = cliStderr(descs, ['module', 'ls']).split('\n');
    expect(lines[0]).toBe('no valid command found; 10 closest matches:');
    expect(lines[1]).toBe('mgr module ls');
    expect(lines.slice(1, 11)).toHaveLength(10);
    expect(lines.slice(11)).toEqual(['Error EINVAL: invalid command', '']);
  });

  it('leaves out hidden and deprecated commands, and obsolete ones from the scoring', () => {
    const descs = [
      parseDescriptor('pool ls', '', 'r'),
      parseDescriptor('pool rm', '', 'r', 'mgr', CommandFlag.HIDDEN),
      parseDescriptor('pool old', '', 'r', 'mgr', CommandFlag.DEPRECATED),
      parseDescriptor('pool gone', '', 'r', 'mgr', CommandFlag.OBSOLETE),
    ];
    expect(closestMatches(descs, ['pool']).map(conciseSig)).toEqual(['pool ls']);
    expect(closestMatches(descs, ['pool', 'gone']).map(conciseSig)).toEqual(['pool ls']);
  });

  it('an error that is not the closest-matches answer keeps the one `Error X:` line', () => {
    expect(errorText(-Errno.ENOENT, "mgr.y not found\n")).toBe('Error ENOENT: mgr.y not found\n');
  });
});
