// The command grammar against Ceph 16.2.15's own output: every mgr descriptor of
// get_command_descriptions parses and round-trips byte for byte, help matches
// `ceph tell mgr help` and `ceph -h`, and argv/cmdmap refusals are EINVAL sentences.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Errno, ErrnoError } from '../../src/common/errno.js';
import {
  CommandFlag,
  checkJsonValue,
  checkWord,
  conciseSig,
  describeAll,
  descriptorToJson,
  findDescriptor,
  helpHeader,
  helpText,
  matchArgv,
  parseDescriptor,
  validateCmdmap,
  type ArgSpec,
  type CommandDescriptor,
} from '../../src/commands/grammar.js';
import { mulberry32 } from '../helpers/prng.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/ceph-reference/cli/${name}`, import.meta.url), 'utf8');

interface RefCommand {
  sig: (string | Record<string, string>)[];
  help: string;
  module: string;
  perm: string;
  flags: number;
}
const REF_RAW = fixture('mgr_get_command_descriptions.json');
const REF = JSON.parse(REF_RAW) as Record<string, RefCommand>;

/** A reference entry back as a descriptor string, keys in writing order (name, type, rest) to prove the sort. */
function toDescriptor(c: RefCommand): string {
  return c.sig
    .map((s) => {
      if (typeof s === 'string') return s;
      const { name, type, ...rest } = s;
      return [`name=${name}`, `type=${type}`, ...Object.entries(rest).map(([k, v]) => `${k}=${v}`)].join(',');
    })
    .join(' ');
}
const REF_DESCS = Object.values(REF).map((c) => parseDescriptor(toDescriptor(c), c.help, c.perm, c.module, c.flags));

const D = [
  ['hello name=who,type=CephString,req=false', 'Say hello'],
  ['hello stats', 'Show what the hello module has counted'],
  ['osd pool stats name=pool_name,type=CephPoolname,req=false', 'pool stats'],
  ['pg dump name=dumpcontents,type=CephChoices,strings=all|summary|sum|delta|pools|osds|pgs|pgs_brief,n=N,req=false', 'dump'],
  ['config set name=who,type=CephString name=name,type=CephString name=value,type=CephString', 'set'],
  ['osd ok-to-stop name=ids,type=CephString,n=N name=max,type=CephInt,req=false', 'ok to stop'],
  ['set pct name=pct,type=CephInt,range=0|100', 'pct'],
  ['set weight name=weight,type=CephFloat,range=0.0|1.0', 'weight'],
  ['set min name=n,type=CephInt,range=0', 'min'],
  ['set max name=n,type=CephInt,range=|10', 'max'],
  ['mds_sessions name=cap_dump,type=CephBool,req=false', 'sessions'],
  ['pg ls-by-osd name=osd,type=CephOsdName name=pool,type=CephInt,req=false name=states,type=CephString,n=N,req=false', 'ls'],
  ['mgr module enable name=module,type=CephString name=force,type=CephChoices,strings=--force,req=false', 'enable'],
  ['orch host ls name=format,type=CephChoices,strings=plain|json|json-pretty|yaml,req=false name=host_pattern,type=CephString,req=false', 'hosts'],
].map(([cmd, help]) => parseDescriptor(cmd!, help!, 'r'));
const desc = (prefix: string) => findDescriptor(D, prefix)!;
const arg = (decl: string): ArgSpec => parseDescriptor(`t ${decl}`, '', 'r').args[0]!;

/** Runs f and returns the ErrnoError it throws (failing if it returns or throws anything else). */
function einval(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ErrnoError);
    expect((err as ErrnoError).errno).toBe(Errno.EINVAL);
    return (err as ErrnoError).message;
  }
  throw new Error('expected ErrnoError(EINVAL)');
}

describe("Ceph's own descriptors", () => {
  it('parses all 286 mgr commands and round-trips each to its reference JSON, key order included', () => {
    expect(REF_DESCS).toHaveLength(286);
    Object.values(REF).forEach((c, i) => expect(JSON.stringify(descriptorToJson(REF_DESCS[i]!))).toBe(JSON.stringify(c)));
  });

  it('describeAll reproduces mgr_get_command_descriptions.json byte for byte', () => {
    expect(`${JSON.stringify(describeAll(REF_DESCS), null, 1)}\n`).toBe(REF_RAW);
  });

  it('help for every mgr command appears verbatim, in order, in `ceph -h`', () => {
    const all = `\n${fixture('ceph_help_all.txt')}`;
    let last = -1;
    for (const block of helpText(REF_DESCS).split(/\n(?=\S)/)) {
      const at = all.indexOf(`\n${block.endsWith('\n') ? block : `${block}\n`}`);
      expect(at, block).toBeGreaterThan(last);
      last = at;
    }
  });

  it('reproduces `ceph tell mgr help` exactly, sorted, skipping commands without help', () => {
    const sock: [string, string][] = [
      ['version', 'get ceph version'], ['perf schema', 'dump perfcounters schema'], ['abort', ''], ['0', ''],
      ['config diff', 'dump diff of current config and default config'],
      ['config diff get name=var,type=CephString', 'dump diff get <field>: dump diff of current and default config setting <field>'],
      ['config get name=var,type=CephString', 'config get <field>: get the config value'],
      ['config help name=var,type=CephString,req=false', 'get config setting schema and descriptions'],
      ['config set name=var,type=CephString name=val,type=CephString,n=N', 'config set <field> <val> [<val> ...]: set a config variable'],
      ['config show', 'dump current config settings'], ['config unset name=var,type=CephString', 'config unset <field>: unset a config variable'],
      ['dump_cache', 'show in-memory metadata cache contents'], ['dump_mempools', 'get mempool stats'],
      ['dump_osd_network name=value,type=CephInt,req=false', 'Dump osd heartbeat network ping times'],
      ['get_command_descriptions', 'list available commands'], ['git_version', 'get git sha1'], ['help', 'list available commands'],
      ['injectargs name=injected_args,type=CephString,n=N', 'inject configuration arguments into running daemon'],
      ['kick_stale_sessions', 'kick sessions that were remote reset'], ['log dump', 'dump recent log entries to log file'],
      ['log flush', 'flush log entries to log file'], ['log reopen', 'reopen log file'], ['mds_requests', 'show in-progress mds requests'],
      ['mds_sessions name=cap_dump,type=CephBool,req=false', 'show mds session state'], ['mgr_status', 'Dump mgr status'],
      ['objecter_requests', 'show in-progress osd requests'],
      ['perf dump name=logger,type=CephString,req=false name=counter,type=CephString,req=false', 'dump perfcounters value'],
      ['perf histogram dump name=logger,type=CephString,req=false name=counter,type=CephString,req=false', 'dump perf histogram values'],
      ['perf histogram schema', 'dump perf histogram schema'],
      ['perf reset name=var,type=CephString', 'perf reset <name>: perf reset all or one perfcounter name'],
      ['status', 'show overall client status'],
    ];
    const descs = sock.map(([c, h]) => parseDescriptor(c, h, 'r'));
    descs.push(parseDescriptor('secret', 'hidden', 'r', 'mgr', CommandFlag.HIDDEN), parseDescriptor('old', 'gone', 'r', 'mgr', CommandFlag.OBSOLETE));
    expect(`$ ceph tell mgr help\n${helpHeader('Tell mgr commands')}${helpText(descs)}[rc=0]\n`).toBe(fixture('tell_mgr_help.txt'));
  });

  it('writes signatures with Ceph’s notation', () => {
    const sig = (p: string) => conciseSig(REF_DESCS.find((d) => d.prefixText === p)!);
    expect(sig('osd ok-to-stop')).toBe('osd ok-to-stop <ids>... [<max:int>]');
    expect(sig('pg dump')).toBe('pg dump [all|summary|sum|delta|pools|osds|pgs|pgs_brief...]');
    expect(sig('osd destroy')).toBe('osd destroy <id|osd.id> [--force] [--yes-i-really-mean-it]');
    expect(sig('orch host ls')).toBe('orch host ls [--format {plain|json|json-pretty|yaml|xml-pretty|xml}] [<host_pattern>] [<label>] [<host_status>]');
  });
});

describe('parseDescriptor', () => {
  it('builds typed specs and keeps the attributes as written', () => {
    const d = parseDescriptor('osd ok-to-stop name=ids,type=CephString,n=N name=max,type=CephInt,req=False', 'check', 'r');
    expect(d).toEqual({
      signature: 'osd ok-to-stop name=ids,type=CephString,n=N name=max,type=CephInt,req=False',
      prefix: ['osd', 'ok-to-stop'], prefixText: 'osd ok-to-stop', desc: 'check', perm: 'r', module: 'mgr', flags: 0,
      args: [
        { name: 'ids', type: 'CephString', req: true, n: 'N', attrs: { name: 'ids', type: 'CephString', n: 'N' } },
        { name: 'max', type: 'CephInt', req: false, n: 1, attrs: { name: 'max', type: 'CephInt', req: 'False' } },
      ],
    });
    expect(arg('name=p,type=CephInt,range=0|100').range).toEqual([0, 100]);
    expect(arg('name=p,type=CephInt,range=0').range).toEqual([0, Infinity]);
    expect(arg('name=p,type=CephInt,range=|10').range).toEqual([-Infinity, 10]);
    expect(arg('name=p,type=CephFloat,range=0.5|1e3').range).toEqual([0.5, 1000]);
    expect(arg('name=c,type=CephChoices,strings=a|b').strings).toEqual(['a', 'b']);
    expect(arg('name=s,type=CephString,goodchars=[A-Za-z0-9-_.]').goodchars).toBe('[A-Za-z0-9-_.]');
  });

  it.each([
    ['foo name=x,type=CephWidget', "argument x: unknown type 'CephWidget'"],
    ['foo name=x,type=CephInt,range=a|b', "argument x: bad range 'a|b' ('a' is not an integer)"],
    ['foo name=x,type=CephFloat,range=0|z', "argument x: bad range '0|z' ('z' is not a number)"],
    ['foo name=x,type=CephInt,range=10|1', "argument x: bad range '10|1' (min > max)"],
    ['foo name=x,type=CephInt,range=1|2|3', "argument x: bad range '1|2|3' (expected min or min|max)"],
    ['foo name=x,type=CephInt,range=|', "argument x: bad range '|' (no bounds)"],
    ['foo name=x,type=CephString,range=1', 'argument x: range is only for CephInt and CephFloat'],
    ['foo name=x,type=CephChoices', 'argument x: CephChoices needs strings=a|b|...'],
    ['foo name=x,type=CephChoices,strings=a||b', 'argument x: CephChoices needs strings=a|b|...'],
    ['foo name=x,type=CephInt,strings=a', 'argument x: strings is only for CephChoices'],
    ['foo name=x,type=CephInt,goodchars=[a]', 'argument x: goodchars is only for CephString'],
    ['foo name=x,type=CephString name=x,type=CephInt', "duplicate argument name 'x'"],
    ['foo name=xs,type=CephString,n=N,req=false name=y,type=CephString', 'required argument y after n=N argument xs can never be reached'],
    ['foo name=x,type=CephString,req=maybe', 'argument x: req=maybe is not true or false'],
    ['foo name=x,type=CephString,n=3', 'argument x: n=3 (expected n=N)'],
    ['foo type=CephString', "'type=CephString' has no name"],
    ['foo name=x', 'argument x has no type'],
    ['foo name=x,type=CephString,color=red', "unknown key 'color' in 'name=x,type=CephString,color=red'"],
    ['foo name=x,type=CephString,name=y', "key 'name' given twice in 'name=x,type=CephString,name=y'"],
    ['foo name=x,type=CephString,req', "'req' in 'name=x,type=CephString,req' is not key=value"],
    ['foo name=1x,type=CephString', "bad argument name '1x'"],
    ['foo name=prefix,type=CephString', "argument name 'prefix' is reserved"],
    ['foo name=x,type=CephString bar', "literal word 'bar' after the arguments"],
    ['name=x,type=CephString', 'no prefix words'],
  ])('rejects %s', (cmd, what) => {
    expect(() => parseDescriptor(cmd, '', 'r')).toThrow(`bad command descriptor '${cmd}': ${what}`);
  });

  it('rejects a bad goodchars expression, an empty descriptor and an unknown perm', () => {
    expect(() => parseDescriptor('foo name=x,type=CephString,goodchars=[a-', '', 'r')).toThrow(/goodchars '\[a-' is not a valid expression/);
    expect(() => parseDescriptor('  ', '', 'r')).toThrow("bad command descriptor '  ': empty descriptor");
    expect(() => parseDescriptor('foo', '', 'z')).toThrow("bad command descriptor 'foo': perm 'z' is not one of r, w, rw, x");
  });
});

describe('argument types', () => {
  const cases: [string, [string, unknown][], [string, string][]][] = [
    ['name=v,type=CephInt', [['42', 42], ['-7', -7], ['0x1f', 31], [' 5 ', 5], ['0', 0]],
      [['abc', "doesn't represent an int"], ['1.5', "doesn't represent an int"], ['', "doesn't represent an int"], ['010', "doesn't represent an int"], ['99999999999999999999', 'too large for an int']]],
    ['name=v,type=CephFloat', [['1.5', 1.5], ['-2', -2], ['1e3', 1000], ['.5', 0.5]],
      [['abc', "doesn't represent a float"], ['', "doesn't represent a float"], ['inf', "doesn't represent a float"], ['0x10', "doesn't represent a float"]]],
    ['name=v,type=CephBool', [['true', true], ['TRUE', true], ['1', true], ['false', false], ['False', false], ['0', false]],
      [['yes', "not one of 'true', 'false'"], ['', "not one of 'true', 'false'"]]],
    ['name=v,type=CephChoices,strings=a|b', [['a', 'a'], ['b', 'b']], [['c', 'not in a|b'], ['A', 'not in a|b']]],
    ['name=v,type=CephString', [['x', 'x'], ['', ''], ['a b=c', 'a b=c'], ['é', 'é']], []],
    ['name=v,type=CephString,goodchars=[A-Za-z0-9-_.]', [['ok-name_1.2', 'ok-name_1.2']], [['a/b', 'invalid chars /'], ['a!b!?', 'invalid chars !?']]],
    ['name=v,type=CephPoolname', [['rbd', 'rbd'], ['.mgr', '.mgr']], []],
    ['name=v,type=CephObjectname', [['obj.1', 'obj.1']], []],
    ['name=v,type=CephOsdName', [['osd.3', 3], ['3', 3], ['*', '*']],
      [['mon.3', 'unknown type mon'], ['osd.x', 'osd id x not integer'], ['-1', 'osd id -1 is less than 0'], ['x', 'osd id x not integer']]],
    ['name=v,type=CephName', [['osd.3', 'osd.3'], ['client.admin', 'client.admin'], ['mgr', 'mgr'], ['*', '*'], ['mds.a', 'mds.a']],
      [['foo.bar', 'unknown type foo'], ['osd.x', 'osd id x not integer'], ['admin', 'no . in name (expected type.id)']]],
    ['name=v,type=CephPgid', [['1.2f', '1.2f'], ['0.0', '0.0'], ['3.0x1a', '3.0x1a']],
      [['12', 'pgid has no .'], ['x.1', 'pool x not integer'], ['-1.0', 'pool -1 < 0'], ['1.zz', 'pgnum zz not hex integer']]],
    ['name=v,type=CephUUID', [['8c3c2f3a-1d2b-4e5f-9a8b-7c6d5e4f3a2b', '8c3c2f3a-1d2b-4e5f-9a8b-7c6d5e4f3a2b'], ['{8C3C2F3A1D2B4E5F9A8B7C6D5E4F3A2B}', '{8C3C2F3A1D2B4E5F9A8B7C6D5E4F3A2B}']],
      [['not-a-uuid', 'badly formed hexadecimal UUID string'], ['8c3c2f3a', 'badly formed hexadecimal UUID string']]],
    ['name=v,type=CephIPAddr', [['10.0.0.1', '10.0.0.1'], ['10.0.0.1:6789', '10.0.0.1:6789'], ['v2:10.0.0.1:3300', 'v2:10.0.0.1:3300'], ['::1', '::1'], ['[::1]:6789', '[::1]:6789']],
      [['10.0.0.256', 'invalid IPv4 address'], ['10.0.0.1:70000', '70000 not a valid port number'], ['[::1', 'missing terminating ]'], ['zzz', 'not a valid IPv6 address']]],
  ];
  for (const [decl, good, badValues] of cases) {
    const spec = arg(decl);
    it(`${decl} accepts and types good values`, () => {
      for (const [w, v] of good) expect(checkWord(spec, w)).toEqual(v);
    });
    if (badValues.length > 0) it(`${decl} refuses bad values, naming argument, type and value`, () => {
      for (const [w, reason] of badValues) {
        expect(einval(() => checkWord(spec, w))).toBe(`invalid value '${w}' for argument v (${spec.type}): ${reason}`);
      }
    });
  }

  it('checks ranges, one-sided ranges included, and prints them as Ceph does', () => {
    expect(checkWord(arg('name=v,type=CephInt,range=0|100'), '100')).toBe(100);
    expect(einval(() => checkWord(arg('name=v,type=CephInt,range=0|100'), '150'))).toBe("invalid value '150' for argument v (CephInt): 150 not in range [0, 100]");
    expect(einval(() => checkWord(arg('name=v,type=CephInt,range=0'), '-1'))).toBe("invalid value '-1' for argument v (CephInt): -1 not in range [0]");
    expect(einval(() => checkWord(arg('name=v,type=CephInt,range=|10'), '11'))).toBe("invalid value '11' for argument v (CephInt): 11 not in range [-inf, 10]");
    expect(einval(() => checkWord(arg('name=v,type=CephFloat,range=0|1'), '1.5'))).toBe("invalid value '1.5' for argument v (CephFloat): 1.5 not in range [0.0, 1.0]");
  });

  it('types JSON values: numbers, booleans, numeric strings', () => {
    expect(checkJsonValue(arg('name=v,type=CephInt'), '12')).toBe(12);
    expect(checkJsonValue(arg('name=v,type=CephFloat'), 2)).toBe(2);
    expect(checkJsonValue(arg('name=v,type=CephOsdName'), 4)).toBe(4);
    expect(checkJsonValue(arg('name=v,type=CephBool'), false)).toBe(false);
    expect(einval(() => checkJsonValue(arg('name=v,type=CephString'), 3))).toBe('invalid value 3 for argument v (CephString): expected a string');
    expect(einval(() => checkJsonValue(arg('name=v,type=CephInt'), true))).toBe('invalid value true for argument v (CephInt): expected a number');
    expect(einval(() => checkJsonValue(arg('name=v,type=CephInt'), 1.5))).toBe("invalid value 1.5 for argument v (CephInt): doesn't represent an int");
  });
});

describe('matchArgv', () => {
  const m = (...argv: string[]) => matchArgv(D, argv).cmdmap;
  it('binds positionally in declared order, by name in any of four spellings, and types values', () => {
    expect(m('hello')).toEqual({ prefix: 'hello' });
    expect(m('hello', 'bob')).toEqual({ prefix: 'hello', who: 'bob' });
    expect(m('config', 'set', 'mgr', 'debug_mgr', '20')).toEqual({ prefix: 'config set', who: 'mgr', name: 'debug_mgr', value: '20' });
    expect(m('config', 'set', 'mgr', 'value=20', 'name=debug_mgr')).toEqual({ prefix: 'config set', who: 'mgr', name: 'debug_mgr', value: '20' });
    expect(m('config', 'set', 'mgr', 'x=y', 'z')).toEqual({ prefix: 'config set', who: 'mgr', name: 'x=y', value: 'z' });
    for (const argv of [['1', '--max', '3'], ['--max=3', '1'], ['max=3', '1'], ['1', '--max', '3']]) {
      expect(m('osd', 'ok-to-stop', ...argv)).toEqual({ prefix: 'osd ok-to-stop', ids: ['1'], max: 3 });
    }
    expect(m('mds_sessions', '--cap-dump')).toEqual({ prefix: 'mds_sessions', cap_dump: true });
    expect(m('mds_sessions', '--cap_dump=false')).toEqual({ prefix: 'mds_sessions', cap_dump: false });
    expect(m('mds_sessions', 'true')).toEqual({ prefix: 'mds_sessions', cap_dump: true });
    expect(m('mds_sessions', 'cap_dump=0')).toEqual({ prefix: 'mds_sessions', cap_dump: false });
    expect(m('pg', 'ls-by-osd', 'osd.3', '2', 'active', 'clean')).toEqual({ prefix: 'pg ls-by-osd', osd: 3, pool: 2, states: ['active', 'clean'] });
    // An optional argument that refuses a word passes it on to the next one.
    expect(m('pg', 'ls-by-osd', '3', 'active')).toEqual({ prefix: 'pg ls-by-osd', osd: 3, states: ['active'] });
    expect(m('mgr', 'module', 'enable', 'foo', '--force')).toEqual({ prefix: 'mgr module enable', module: 'foo', force: '--force' });
    expect(m('set', 'pct', '0x10')).toEqual({ prefix: 'set pct', pct: 16 });
  });

  it('collects n=N repetition: the rest of the words, name=v repeats, and commas where Ceph splits them', () => {
    expect(m('osd', 'ok-to-stop', '1', '2', '3')).toEqual({ prefix: 'osd ok-to-stop', ids: ['1', '2', '3'] });
    expect(m('osd', 'ok-to-stop', 'ids=1', 'ids=2')).toEqual({ prefix: 'osd ok-to-stop', ids: ['1', '2'] });
    expect(m('osd', 'ok-to-stop', '--ids=1,2')).toEqual({ prefix: 'osd ok-to-stop', ids: ['1', '2'] });
    expect(m('osd', 'ok-to-stop', '1,2')).toEqual({ prefix: 'osd ok-to-stop', ids: ['1,2'] });
    expect(m('pg', 'dump', 'pools,osds', 'pgs')).toEqual({ prefix: 'pg dump', dumpcontents: ['pools', 'osds', 'pgs'] });
    expect(m('pg', 'dump')).toEqual({ prefix: 'pg dump' });
  });

  it('picks the longest matching prefix whatever the order of descriptors', () => {
    expect(matchArgv(D, ['hello', 'stats']).desc.prefixText).toBe('hello stats');
    expect(matchArgv([...D].reverse(), ['hello', 'stats']).desc.prefixText).toBe('hello stats');
    expect(matchArgv(REF_DESCS, ['orch', 'daemon', 'rm', 'mgr.x']).cmdmap).toEqual({ prefix: 'orch daemon rm', names: ['mgr.x'] });
    expect(matchArgv(REF_DESCS, ['orch', 'daemon', 'restart', 'mgr.x']).cmdmap).toEqual({ prefix: 'orch daemon', action: 'restart', name: 'mgr.x' });
    expect(einval(() => m('hello', 'stats', 'x'))).toBe("unused arguments: ['x']");
  });

  it('refuses what it cannot bind with EINVAL sentences', () => {
    // Words no command takes: Ceph's CLI lists the closest signatures (test/unit/closest-matches.test.ts).
    expect(einval(() => m('osd'))).toBe('no valid command found; 2 closest matches:\nosd ok-to-stop <ids>... [<max:int>]\nosd pool stats [<pool_name>]\ninvalid command');
    expect(einval(() => m('no-such-command'))).toMatch(/^no valid command found; 10 closest matches:\n(.+\n){10}invalid command$/);
    expect(einval(() => m())).toMatch(/^no valid command found; 10 closest matches:\n/);
    expect(einval(() => m('config', 'set', 'mgr'))).toBe('missing required parameter name(<string>)');
    expect(einval(() => m('osd', 'ok-to-stop'))).toBe('missing required parameter ids(<string>)...');
    expect(einval(() => m('pg', 'ls-by-osd'))).toBe('missing required parameter osd(<osdname (id|osd.id)>)');
    expect(einval(() => m('config', 'set', 'a', 'b', 'c', 'd', "it's"))).toBe(`unused arguments: ['d', "it's"]`);
    expect(einval(() => m('osd', 'ok-to-stop', '1', '--max', 'abc'))).toBe("invalid value 'abc' for argument max (CephInt): doesn't represent an int");
    expect(einval(() => m('pg', 'dump', 'all', 'bogus'))).toBe("invalid value 'bogus' for argument dumpcontents (CephChoices): not in all|summary|sum|delta|pools|osds|pgs|pgs_brief");
    expect(einval(() => m('set', 'pct', '150'))).toBe("invalid value '150' for argument pct (CephInt): 150 not in range [0, 100]");
    expect(einval(() => m('set', 'weight', '1.5'))).toBe("invalid value '1.5' for argument weight (CephFloat): 1.5 not in range [0.0, 1.0]");
    expect(einval(() => m('mds_sessions', 'maybe'))).toBe("invalid value 'maybe' for argument cap_dump (CephBool): not one of 'true', 'false'");
    expect(einval(() => m('osd', 'pool', 'stats', '--bogus'))).toBe("Unexpected argument '--bogus'");
    expect(einval(() => m('osd', 'ok-to-stop', '1', '--max'))).toBe("Unexpected argument '--max'");
    expect(einval(() => m('hello', 'who=bob', '--who', 'alice'))).toBe('argument who given more than once');
    // Named binding comes first, so the positional word has nowhere to go.
    expect(einval(() => m('hello', 'bob', 'who=alice'))).toBe("unused arguments: ['bob']");
  });

  it('takes --format X, --format=X and format=X out into cmdmap.format', () => {
    expect(m('hello', '--format', 'json')).toEqual({ prefix: 'hello', format: 'json' });
    expect(m('--format=json-pretty', 'hello', 'bob')).toEqual({ prefix: 'hello', who: 'bob', format: 'json-pretty' });
    expect(m('hello', 'format=plain')).toEqual({ prefix: 'hello', format: 'plain' });
    expect(einval(() => m('hello', '--format', 'xml'))).toBe("invalid value 'xml' for argument format (CephChoices): not in json|json-pretty|plain");
    expect(einval(() => m('hello', '--format'))).toBe('--format needs a value (json|json-pretty|plain)');
    // A command that declares its own format argument validates it by its own type.
    expect(m('orch', 'host', 'ls', '--format', 'yaml')).toEqual({ prefix: 'orch host ls', format: 'yaml' });
    expect(einval(() => m('orch', 'host', 'ls', 'format=xml'))).toBe("invalid value 'xml' for argument format (CephChoices): not in plain|json|json-pretty|yaml");
  });

  it('skips obsolete commands', () => {
    const old = parseDescriptor('old', 'gone', 'r', 'mgr', CommandFlag.OBSOLETE);
    expect(einval(() => matchArgv([old], ['old']))).toBe('no valid command found; 0 closest matches:\ninvalid command');
  });
});

describe('validateCmdmap and findDescriptor', () => {
  const v = (prefix: string, cmd: Record<string, unknown>) => validateCmdmap(desc(prefix), { prefix, ...cmd });
  it('normalises: numeric strings to numbers, lone values to arrays, osd names to ids, bools', () => {
    expect(v('osd ok-to-stop', { ids: ['1', '2'], max: '5', format: 'json' })).toEqual({ prefix: 'osd ok-to-stop', ids: ['1', '2'], max: 5, format: 'json' });
    expect(v('osd ok-to-stop', { ids: '1' })).toEqual({ prefix: 'osd ok-to-stop', ids: ['1'] });
    expect(v('pg ls-by-osd', { osd: 'osd.3', pool: 2 })).toEqual({ prefix: 'pg ls-by-osd', osd: 3, pool: 2 });
    expect(v('mds_sessions', { cap_dump: 'true' })).toEqual({ prefix: 'mds_sessions', cap_dump: true });
    expect(v('set weight', { weight: '0.25' })).toEqual({ prefix: 'set weight', weight: 0.25 });
    expect(v('hello', { who: null, target: ['mon-mgr', ''] })).toEqual({ prefix: 'hello', target: ['mon-mgr', ''] });
    expect(v('orch host ls', { format: 'yaml' })).toEqual({ prefix: 'orch host ls', format: 'yaml' });
    expect(validateCmdmap(desc('hello'), { prefix: ' hello ' })).toEqual({ prefix: 'hello' });
    // A declared argument named like a generic key is validated as the argument.
    const own = parseDescriptor('tell name=target,type=CephName', '', 'r');
    expect(validateCmdmap(own, { prefix: 'tell', target: 'osd.1' })).toEqual({ prefix: 'tell', target: 'osd.1' });
    expect(einval(() => validateCmdmap(own, { prefix: 'tell', target: 'x' }))).toBe("invalid value 'x' for argument target (CephName): no . in name (expected type.id)");
  });

  it('refuses unknown keys, missing, out-of-range and bad values with EINVAL', () => {
    expect(einval(() => v('osd ok-to-stop', { ids: ['1'], foo: 1 }))).toBe("unknown argument 'foo' for command 'osd ok-to-stop'");
    expect(einval(() => v('osd ok-to-stop', {}))).toBe('missing required parameter ids(<string>)...');
    expect(einval(() => v('osd ok-to-stop', { ids: [] }))).toBe('missing required parameter ids(<string>)...');
    expect(einval(() => v('set pct', { pct: 150 }))).toBe('invalid value 150 for argument pct (CephInt): 150 not in range [0, 100]');
    expect(einval(() => v('set pct', { pct: '150' }))).toBe("invalid value '150' for argument pct (CephInt): 150 not in range [0, 100]");
    expect(einval(() => v('set pct', { pct: [1] }))).toBe('invalid value [1] for argument pct (CephInt): expected a single value');
    expect(einval(() => v('pg dump', { dumpcontents: ['all', 'bogus'] }))).toBe("invalid value 'bogus' for argument dumpcontents (CephChoices): not in all|summary|sum|delta|pools|osds|pgs|pgs_brief");
    expect(einval(() => v('pg ls-by-osd', { osd: -1 }))).toBe('invalid value -1 for argument osd (CephOsdName): osd id -1 is less than 0');
    expect(einval(() => v('hello', { format: 'xml' }))).toBe("invalid value 'xml' for argument format (CephChoices): not in json|json-pretty|plain");
    expect(einval(() => v('hello', { format: 5 }))).toBe('invalid value 5 for argument format (CephChoices): expected a string');
    expect(einval(() => validateCmdmap(desc('hello'), { prefix: 'hello stats' }))).toBe(`cmdmap prefix "hello stats" does not name command 'hello'`);
    expect(einval(() => validateCmdmap(desc('hello'), null as unknown as Record<string, unknown>))).toBe('a cmdmap must be a JSON object');
  });

  it('finds descriptors by exact, whitespace-normalised prefix', () => {
    expect(findDescriptor(D, ' osd  ok-to-stop ')?.prefixText).toBe('osd ok-to-stop');
    expect(findDescriptor(D, 'osd')).toBeUndefined();
    expect(findDescriptor(D, 'hello')?.args).toHaveLength(1);
  });
});

describe('fuzz', () => {
  const all: CommandDescriptor[] = [...REF_DESCS, ...D];
  const tokens = [
    ...new Set(all.flatMap((d) => [...d.prefix, ...d.args.flatMap((a) => [`--${a.name}`, `${a.name}=1`, ...(a.strings ?? [])])])),
    '--format', 'json', 'xml', 'format=json', '--format=yaml', '3', '-1', '0x10', '1.5', '1e400', 'osd.3', '1.2f', 'true', '--force', '--',
    '', '*', 'x,y', 'é', '[::1]:80', 'a=b', '=', '--=', 'prefix=x', '99999999999999999999',
  ];

  it('random argv either matches (and re-validates as a cmdmap unchanged) or throws EINVAL', () => {
    const r = mulberry32(1234);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
    let matched = 0;
    for (let i = 0; i < 20000; i++) {
      const argv: string[] = r() < 0.7 ? [...pick(all).prefix] : [];
      for (let k = Math.floor(r() * 6); k > 0; k--) argv.push(pick(tokens));
      try {
        const { desc: d, cmdmap } = matchArgv(all, argv);
        matched++;
        expect(cmdmap.prefix).toBe(d.prefixText);
        expect(validateCmdmap(d, cmdmap)).toEqual(cmdmap);
      } catch (err) {
        if (!(err instanceof ErrnoError) || err.errno !== Errno.EINVAL) throw new Error(`argv ${JSON.stringify(argv)}: ${String(err)}`);
      }
    }
    expect(matched).toBeGreaterThan(2000);
  }, 120_000); // ~2 s alone; a full unit run at load 20-25 took it past the default 30 s

  it('random JSON cmdmaps either validate or throw EINVAL', () => {
    const r = mulberry32(99);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
    const values: unknown[] = ['1', 1, -1, 1.5, true, 'true', 'osd.2', 'all', ['a', 'b'], [1], [], null, {}, 'x', '', 1e300, 'json'];
    for (let i = 0; i < 5000; i++) {
      const d = pick(all);
      const cmd: Record<string, unknown> = { prefix: d.prefixText };
      for (const a of d.args) if (r() < 0.7) cmd[a.name] = pick(values);
      if (r() < 0.2) cmd[pick(['format', 'target', 'bogus'])] = pick(values);
      try {
        expect(validateCmdmap(d, cmd).prefix).toBe(d.prefixText);
      } catch (err) {
        if (!(err instanceof ErrnoError) || err.errno !== Errno.EINVAL) throw new Error(`cmdmap ${JSON.stringify(cmd)}: ${String(err)}`);
      }
    }
  });
});
