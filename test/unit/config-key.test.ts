// `config-key get|set|rm|exists|ls`: Ceph's key-value store over the module
// stores, through the one dispatcher, with the rights it demands.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Errno } from '../../src/common/errno.js';
import type { CommandCaller } from '../../src/server/daemon-server.js';
import { startTestMgr, type TestMgr } from '../helpers/harness.js';

const ADMIN: CommandCaller = { entity: 'client.admin', read: true, write: true };
const READER: CommandCaller = { entity: 'client.ro', read: true, write: false };

describe('config-key', () => {
  let t: TestMgr;
  const run = (cmd: Record<string, unknown>, caller = ADMIN, inbuf = ''): ReturnType<TestMgr['mgr']['commands']['dispatch']> => t.mgr.commands.dispatch(caller, { cmd, inbuf });

  beforeAll(async () => {
    t = await startTestMgr({ modules: [] });
  });
  afterAll(() => t.stop());

  it('set, get, exists, ls and rm a key; a module store key is the same key', async () => {
    expect(await run({ prefix: 'config-key set', key: 'mgr/restful/crt', val: 'PEM' })).toEqual({ r: 0, outb: '', outs: 'set mgr/restful/crt' });
    expect(t.store.kvGet('store/mgr/restful/crt')).toBe('PEM');
    expect(await run({ prefix: 'config-key get', key: 'mgr/restful/crt' })).toEqual({ r: 0, outb: 'PEM', outs: "obtained 'mgr/restful/crt'" });
    expect((await run({ prefix: 'config-key set', key: 'mgr/restful/key' }, ADMIN, 'from -i')).r).toBe(0);
    expect((await run({ prefix: 'config-key get', key: 'mgr/restful/key' })).outb).toBe('from -i');
    expect((await run({ prefix: 'config-key exists', key: 'mgr/restful/crt' })).r).toBe(0);
    expect(JSON.parse((await run({ prefix: 'config-key ls', format: 'json' })).outb)).toEqual(expect.arrayContaining(['mgr/restful/crt', 'mgr/restful/key']));
    expect(await run({ prefix: 'config-key rm', key: 'mgr/restful/crt' })).toEqual({ r: 0, outb: '', outs: 'key deleted' });
    expect(await run({ prefix: 'config-key get', key: 'mgr/restful/crt' })).toEqual({ r: -Errno.ENOENT, outb: '', outs: "error obtaining 'mgr/restful/crt': (2) No such file or directory" });
    expect((await run({ prefix: 'config-key exists', key: 'mgr/restful/crt' })).r).toBe(-Errno.ENOENT);
  });

  it('reading a value needs w (module stores hold secrets); names need only r', async () => {
    await run({ prefix: 'config-key set', key: 'mgr/restful/keys/admin', val: 'secret' });
    expect((await run({ prefix: 'config-key get', key: 'mgr/restful/keys/admin' }, READER)).r).toBe(-Errno.EACCES);
    expect((await run({ prefix: 'config-key set', key: 'x', val: 'y' }, READER)).r).toBe(-Errno.EACCES);
    expect((await run({ prefix: 'config-key exists', key: 'mgr/restful/keys/admin' }, READER)).r).toBe(0);
    expect((await run({ prefix: 'config-key ls' }, READER)).outb).toContain('mgr/restful/keys/admin');
  });
});
