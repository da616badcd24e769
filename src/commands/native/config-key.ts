// `config-key get|set|rm|exists|ls`: Ceph's key-value store, where modules keep
// what they persist (`mgr/<module>/<key>`, e.g. `mgr/restful/crt`). mgrd keeps
// it in the map store under `store/`, the module store's own keys, so what a
// module wrote is what config-key reads, and the other way round.
//
// Tighter than Ceph: `get` needs 'rw' (Ceph: 'r'), because module stores hold
// secrets (restful keys, certificate keys) a read-only client must not read.

import { Errno, cmdErr, cmdOk } from '../../common/errno.js';
import type { NativeCommand } from '../native-command.js';
import { render } from '../native-command.js';

const PREFIX = 'store/';

function keyArg(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export const CONFIG_KEY_COMMANDS: NativeCommand[] = [
  {
    cmd: 'config-key get name=key,type=CephString',
    desc: 'get <key>',
    perm: 'rw',
    run: (ctx, cmd) => {
      const key = keyArg(cmd.key);
      const v = ctx.store.kvGet(PREFIX + key);
      return v === undefined ? cmdErr(Errno.ENOENT, `error obtaining '${key}': (2) No such file or directory`) : cmdOk(v, `obtained '${key}'`);
    },
  },
  {
    cmd: 'config-key set name=key,type=CephString name=val,type=CephString,req=false',
    desc: 'set <key> to value <val> (or to the input file)',
    perm: 'rw',
    run: async (ctx, cmd, inbuf) => {
      const key = keyArg(cmd.key);
      if (key === '') return cmdErr(Errno.EINVAL, 'key: an empty key is not allowed');
      const val = typeof cmd.val === 'string' ? cmd.val : inbuf;
      await ctx.store.kvSet(PREFIX + key, val);
      return cmdOk('', `set ${key}`);
    },
  },
  {
    cmd: 'config-key rm name=key,type=CephString',
    desc: 'rm <key>',
    perm: 'rw',
    run: async (ctx, cmd) => {
      const key = keyArg(cmd.key);
      if (ctx.store.kvGet(PREFIX + key) === undefined) return cmdOk('', 'no such key');
      await ctx.store.kvSet(PREFIX + key, undefined);
      return cmdOk('', 'key deleted');
    },
  },
  {
    cmd: 'config-key exists name=key,type=CephString',
    desc: 'check for <key>\'s existence',
    perm: 'r',
    run: (ctx, cmd) => {
      const key = keyArg(cmd.key);
      return ctx.store.kvGet(PREFIX + key) === undefined ? cmdErr(Errno.ENOENT, `key '${key}' doesn't exist`) : cmdOk('', `key '${key}' exists`);
    },
  },
  {
    cmd: 'config-key ls',
    desc: 'list keys',
    perm: 'r',
    run: (ctx, cmd) => render({ format: 'json-pretty', ...cmd }, Object.keys(ctx.store.kvList(PREFIX)).map((k) => k.slice(PREFIX.length)).sort()),
  },
];
