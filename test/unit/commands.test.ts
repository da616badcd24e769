// The command path, both ways in (COMMAND frames and POST /api/v1/command), one
// dispatcher: hello, unknown prefixes, module enable/disable at runtime,
// options with ranges, permissions, and the HTTP errno table.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MgrClient } from '../../src/client/mgr-client.js';
import { Errno } from '../../src/common/errno.js';
import type { CommandCaller } from '../../src/server/daemon-server.js';
import { startTestMgr, waitFor, type TestMgr } from '../helpers/harness.js';

const ADMIN: CommandCaller = { entity: 'client.admin', read: true, write: true };

describe('commands', () => {
  let t: TestMgr;
  let admin: MgrClient;
  const tell = (...argv: string[]) => admin.command({ argv });
  const http = async (body: string, token: string | undefined = t.token): Promise<{ status: number; body: { retval: number; outb: string; outs: string } }> => {
    const res = await fetch(`${t.adminUrl}/api/v1/command`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body,
    });
    return { status: res.status, body: (await res.json()) as { retval: number; outb: string; outs: string } };
  };

  beforeAll(async () => {
    t = await startTestMgr({ modules: ['hello'], modulePaths: ['modules', 'test/fixtures/modules'] });
    admin = await t.admin();
  });
  afterAll(async () => {
    await t.stop();
  });

  it('hello, with and without a name, named or positional', async () => {
    expect(await tell('hello')).toMatchObject({ r: 0, outb: 'Hello World' });
    expect(await tell('hello', 'name=ops')).toMatchObject({ r: 0, outb: 'Hello ops' });
    expect(await tell('hello', 'ops')).toMatchObject({ r: 0, outb: 'Hello ops' });
  });

  it('unknown words get the closest matches as Ceph\'s CLI prints them; an unknown cmdmap prefix is -EINVAL naming it, as Ceph\'s mgr answers', async () => {
    expect(await tell('nosuchcmd')).toMatchObject({ r: -Errno.EINVAL, outs: expect.stringMatching(/^no valid command found; 10 closest matches:\n(.+\n){10}invalid command$/) as unknown });
    expect((await tell('module', 'ls')).outs.split('\n')[1]).toBe('mgr module ls');
    const h = await http('{"prefix":"nosuchcmd"}');
    expect(h).toEqual({ status: 400, body: { retval: -22, outb: '', outs: "No handler found for 'nosuchcmd'" } });
  });

  it('disabling a module makes its commands -EOPNOTSUPP; enabling brings them back without a restart', async () => {
    expect((await tell('mgr', 'module', 'disable', 'hello')).r).toBe(0);
    await waitFor(() => !t.mgr.registry.get('hello')!.running, 5000, 'hello to stop');
    const off = await tell('hello');
    expect(off.r).toBe(-Errno.EOPNOTSUPP);
    expect(off.outs).toMatch(/Module 'hello' is not enabled/);
    const ls = JSON.parse((await tell('mgr', 'module', 'ls', '--format', 'json')).outb) as { enabled_modules: string[]; disabled_modules: Array<{ name: string }> };
    expect(ls.enabled_modules).not.toContain('hello');
    expect(ls.disabled_modules.map((m) => m.name)).toContain('hello');
    expect(t.store.current().modules).not.toContain('hello');
    expect((await tell('mgr', 'module', 'enable', 'hello')).r).toBe(0);
    await waitFor(() => t.mgr.registry.get('hello')!.running, 5000, 'hello to start');
    expect(await tell('hello')).toMatchObject({ r: 0, outb: 'Hello World' });
    expect(await tell('mgr', 'module', 'enable', 'nosuch')).toMatchObject({ r: -Errno.ENOENT });
  });

  it('HTTP answers the same as the wire, and refuses without the token', async () => {
    expect(await http('{"prefix":"hello"}')).toEqual({ status: 200, body: { retval: 0, outb: 'Hello World', outs: '' } });
    expect(await http('{"prefix":"hello","name":"ops"}')).toEqual({ status: 200, body: { retval: 0, outb: 'Hello ops', outs: '' } });
    const none = await http('{"prefix":"hello"}', '');
    expect(none.status).toBe(401);
    expect((await http('{"prefix":"hello"}', 'wrong-token')).status).toBe(401);
    const bad = await http('{"prefix":');
    expect(bad.status).toBe(400);
    expect(bad.body.outs).toMatch(/^invalid JSON body/);
    expect((await http('[1,2]')).body).toMatchObject({ retval: -22 });
    expect(await http('{"prefix":"hello","bogus":1}')).toMatchObject({ status: 400, body: { outs: "unknown argument 'bogus' for command 'hello'" } });
    const health = await fetch(`${t.adminUrl}/api/v1/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ role: 'active', mgr: 'x' });
  });

  it('bad arguments get -EINVAL naming the argument', async () => {
    const r = await tell('mgr', 'dump', 'abc');
    expect(r.r).toBe(-Errno.EINVAL);
    expect(r.outs).toContain("invalid value 'abc' for argument epoch (CephInt)");
    expect((await tell('mgr', 'dump', '-1')).outs).toMatch(/not in range/);
    expect((await tell('hello', 'a', 'b')).outs).toMatch(/unused arguments/);
    expect((await tell('mgr', 'stat', '--format', 'xml')).outs).toMatch(/not in json\|json-pretty\|plain/);
  });

  it('module options are validated with their range, persisted and notified', async () => {
    const bad = await tell('config', 'set', 'mgr', 'mgr/hello/emphasis', '9');
    expect(bad).toMatchObject({ r: -Errno.EINVAL, outs: "invalid value '9' for option mgr/hello/emphasis: must be an integer in [0, 5]" });
    expect((await tell('config', 'set', 'mgr', 'mgr/hello/emphasis', '2')).r).toBe(0);
    expect((await tell('config', 'set', 'mgr', 'mgr/hello/place', 'Lisbon')).r).toBe(0);
    expect(await tell('hello')).toMatchObject({ outb: 'Hello Lisbon!!' });
    expect(t.store.kvGet('config/mgr/hello/place')).toBe('"Lisbon"');
    expect((await tell('config', 'get', 'mgr', 'mgr/hello/place')).outb).toBe('Lisbon\n');
    expect((await tell('config', 'rm', 'mgr', 'mgr/hello/emphasis')).r).toBe(0);
    expect(await tell('hello')).toMatchObject({ outb: 'Hello Lisbon' });
    expect((await tell('config', 'set', 'mgr', 'mgr/hello/nosuch', '1')).outs).toBe("unrecognized config option 'mgr/hello/nosuch'");
  });

  it('manager options are validated and reach the daemons', async () => {
    expect(await tell('config', 'set', 'mgr', 'mgr_stats_period', '0')).toMatchObject({ r: -Errno.EINVAL, outs: "invalid value '0' for option mgr_stats_period: must be a number in [0.05, 3600]" });
    expect((await tell('config', 'set', 'mgr', 'mgr_stats_period', '2')).r).toBe(0);
    expect(t.options.num('mgr_stats_period')).toBe(2);
    const show = JSON.parse((await tell('config', 'show', 'mgr', '--format', 'json')).outb) as Record<string, { value: string; source: string }>;
    expect(show.mgr_stats_period).toEqual({ value: '2', default: '5', source: 'mon' });
    expect(show['mgr/hello/place']).toMatchObject({ value: 'Lisbon' });
    expect((await tell('config', 'set', 'osd', 'x', '1')).r).toBe(-Errno.EINVAL);
  });

  it('a read-only entity cannot run w commands: -EACCES, nothing changes', async () => {
    const ro: CommandCaller = { entity: 'client.ro', read: true, write: false };
    const r = await t.mgr.runCommand(ro, { argv: ['mgr', 'module', 'disable', 'hello'] });
    expect(r.r).toBe(-Errno.EACCES);
    expect(r.outs).toBe("access denied: 'mgr module disable' needs 'w' capability, which client.ro lacks");
    expect(t.store.current().modules).toContain('hello');
    expect((await t.mgr.runCommand(ro, { argv: ['hello'] })).r).toBe(0);
  });

  it('help lists native and module commands with their signatures', async () => {
    const h = (await tell('help')).outb;
    expect(h).toMatch(/^\n Tell mgr commands \n =================\n/);
    expect(h).toMatch(/^hello \[<name>\]\s+Say hello/m);
    expect(h).toMatch(/^mgr module enable <module> \[--force\]/m);
    const d = JSON.parse((await t.mgr.runCommand(ADMIN, { argv: ['get_command_descriptions'] })).outb) as Record<string, { sig: unknown[]; module: string }>;
    const hello = Object.values(d).find((c) => c.sig[0] === 'hello' && c.sig.length === 2)!;
    expect(hello.module).toBe('mgr');
    expect(hello.sig[1]).toEqual({ name: 'name', type: 'CephString', req: 'false' });
  });

  it('a command argv that is not strings is refused', async () => {
    const r = await t.mgr.runCommand(ADMIN, { argv: [1, 2] as unknown as string[] });
    expect(r).toMatchObject({ r: -Errno.EINVAL, outs: 'argv must be an array of strings' });
  });
});
