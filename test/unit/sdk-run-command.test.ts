// The SDK's runCommand(): a module reaches the manager's one dispatcher, with the
// caller's rights checked there (what the dashboard and restful modules use).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestMgr, type TestMgr } from '../helpers/harness.js';
import { Errno } from '../../src/common/errno.js';
import type { MgrModule } from '../../src/mgr-module/index.js';

describe('MgrModule.runCommand', () => {
  let t: TestMgr;
  let hello: MgrModule;

  beforeAll(async () => {
    t = await startTestMgr({ modulePaths: ['modules'], modules: ['hello'] });
    hello = t.mgr.registry.get('hello')!.instance as MgrModule;
  });
  afterAll(async () => {
    await t.stop();
  });

  it('runs a native command from a cmdmap with the module\'s rights', async () => {
    const [r, , outs] = await hello.runCommand({ prefix: 'config set', who: 'mgr', name: 'mgr/hello/place', value: 'Lisbon' });
    expect([r, outs]).toEqual([0, '']);
    const [r2, outb] = await hello.runCommand({ prefix: 'config get', who: 'mgr', key: 'mgr/hello/place' });
    expect(r2).toBe(0);
    expect(outb.trim()).toBe('Lisbon');
  });

  it('runs argv words, module commands included', async () => {
    const [r, outb] = await hello.runCommand(['hello']);
    expect(r).toBe(0);
    expect(outb).toBe('Hello Lisbon');
  });

  it('refuses a write to a read-only caller with -EACCES and changes nothing', async () => {
    const [r, , outs] = await hello.runCommand({ prefix: 'config set', who: 'mgr', name: 'mgr/hello/place', value: 'Porto' }, '', { entity: 'dashboard.viewer', read: true, write: false });
    expect(r).toBe(-Errno.EACCES);
    expect(outs).toContain('dashboard.viewer');
    expect(t.mgr.registry.get('hello')!.options.get('place')).toBe('Lisbon');
  });

  it('answers a bad argument with -EINVAL naming it, never a throw', async () => {
    const [r, , outs] = await hello.runCommand({ prefix: 'config set', who: 'mgr', name: 'mgr/hello/emphasis', value: '9' });
    expect(r).toBe(-Errno.EINVAL);
    expect(outs).toMatch(/emphasis/);
    const [r2, , outs2] = await hello.runCommand(['no', 'such', 'command']);
    expect(r2).toBe(-Errno.EINVAL);
    expect(outs2).toMatch(/^no valid command found; /);
  });
});

describe('runCommand without a dispatcher (a standby)', () => {
  it('answers -EAGAIN, never a throw', async () => {
    const { moduleContext } = await import('../../src/registry/module-context.js');
    const { ModuleEntry } = await import('../../src/registry/module-entry.js');
    const { silentLogger } = await import('../../src/common/log.js');
    const e = new ModuleEntry({ name: 'hello', dir: '', file: '', cls: undefined, standbyCls: undefined, error: '' });
    const deps = { mode: 'standby', mgrId: 'y', log: silentLogger(), views: undefined } as unknown as Parameters<typeof moduleContext>[0];
    const ctx = moduleContext(deps, e, new AbortController().signal);
    const [r, , outs] = await ctx.runCommand(['mgr', 'services'], '');
    expect(r).toBe(-Errno.EAGAIN);
    expect(outs).toMatch(/only on the active manager/);
  });
});
