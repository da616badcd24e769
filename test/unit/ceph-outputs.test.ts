// Outputs scripts parse, against Ceph 16.2.15's captures: `mgr module ls` as
// Pacific's MgrMonitor prints it (JSON in every format, always-on modules apart,
// disabled ones with can_run/error_string/module_options), and `config get <who>`
// / `config dump` as ConfigMonitor prints them (the `WHO MASK LEVEL OPTION VALUE
// RO` TextTable, can_update_at_runtime from the option's runtime flag).

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Errno } from '../../src/common/errno.js';
import { configTable } from '../../src/commands/native/config.js';
import { optionInfo, toOptionSpec } from '../../src/registry/module-entry.js';
import type { CommandCaller } from '../../src/server/daemon-server.js';
import { startTestMgr, waitFor, type TestMgr } from '../helpers/harness.js';

const ADMIN: CommandCaller = { entity: 'client.admin', read: true, write: true };
const fixture = (name: string) => readFileSync(new URL(`../fixtures/ceph-reference/cli/${name}`, import.meta.url), 'utf8');

/** A capture's output: the lines between the `$ ceph ...` line and `[rc=N]`. */
function captured(name: string): string {
  const lines = fixture(name).split('\n');
  return lines.slice(1, lines.findIndex((l) => /^\[rc=\d+\]$/.test(l))).join('\n').replace(/^\n/, '') + '\n';
}

interface ModuleLs {
  always_on_modules: string[];
  enabled_modules: string[];
  disabled_modules: Array<{ name: string; can_run: boolean; error_string: string; module_options: Record<string, Record<string, unknown>> }>;
}

describe('outputs as Ceph prints them', () => {
  let t: TestMgr;
  const run = (...argv: string[]) => t.mgr.runCommand(ADMIN, { argv });

  beforeAll(async () => {
    t = await startTestMgr();
  });
  afterAll(async () => {
    await t.stop();
  });

  it('mgr module ls: Pacific pretty JSON when plain, compact with --format json, keys in Ceph\'s order', async () => {
    const ref = JSON.parse(captured('mgr_module_ls.txt')) as ModuleLs;
    // Ceph's pretty JSON is JSON.stringify's with 4 spaces, byte for byte: so is ours.
    expect(captured('mgr_module_ls.txt')).toBe(`${JSON.stringify(ref, null, 4)}\n`);
    const plain = await run('mgr', 'module', 'ls');
    expect(plain.r).toBe(0);
    const ours = JSON.parse(plain.outb) as ModuleLs;
    expect(plain.outb).toBe(JSON.stringify(ours, null, 4));
    expect((await run('mgr', 'module', 'ls', '--format', 'json')).outb).toBe(JSON.stringify(ours));
    expect(Object.keys(ours)).toEqual(Object.keys(ref));
    expect(ours.always_on_modules).toEqual(['crash', 'devicehealth']);
    expect(ref.always_on_modules).toEqual(expect.arrayContaining(ours.always_on_modules));
    expect(ours.enabled_modules).toEqual(['hello', 'prometheus']);
    const names = ours.disabled_modules.map((m) => m.name);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['dashboard', 'influx', 'restful', 'zabbix']));
    for (const n of [...ours.always_on_modules, ...ours.enabled_modules]) expect(names).not.toContain(n);
    const refEntry = ref.disabled_modules[0]!;
    const refOption = Object.values(refEntry.module_options)[0]!;
    for (const m of ours.disabled_modules) {
      expect(Object.keys(m)).toEqual(Object.keys(refEntry));
      const opts = Object.keys(m.module_options);
      expect(opts).toEqual([...opts].sort());
      for (const o of Object.values(m.module_options)) expect(Object.keys(o)).toEqual(Object.keys(refOption));
    }
  });

  it('a module option entry is the reference\'s byte for byte (alerts\' interval)', () => {
    const ref = JSON.parse(captured('mgr_module_ls.txt')) as ModuleLs;
    const interval = ref.disabled_modules.find((m) => m.name === 'alerts')!.module_options.interval;
    const spec = toOptionSpec({ name: 'interval', type: 'secs', default: 60, desc: 'How frequently to reexamine health status' });
    expect(JSON.stringify(optionInfo(spec, true), null, 4)).toBe(JSON.stringify(interval, null, 4));
  });

  it('always-on modules: enable says so, disable is refused as Ceph refuses it, and they keep running', async () => {
    expect(await run('mgr', 'module', 'enable', 'crash')).toEqual({ r: 0, outb: '', outs: "module 'crash' is already enabled (always-on)" });
    expect(await run('mgr', 'module', 'disable', 'devicehealth')).toEqual({ r: -Errno.EINVAL, outb: '', outs: "module 'devicehealth' cannot be disabled (always-on)" });
    expect(t.mgr.registry.get('crash')!.running).toBe(true);
    expect(t.mgr.registry.get('devicehealth')!.running).toBe(true);
    // Not in the map's enabled list, as Ceph's `mgr dump` "modules" leaves them out.
    expect(t.store.current().modules).not.toContain('crash');
    // A disabled module appears in disabled_modules and leaves it again.
    expect((await run('mgr', 'module', 'disable', 'hello')).r).toBe(0);
    await waitFor(() => !t.mgr.registry.get('hello')!.running, 5000, 'hello to stop');
    const ls = JSON.parse((await run('mgr', 'module', 'ls')).outb) as ModuleLs;
    expect(ls.enabled_modules).toEqual(['prometheus']);
    expect(ls.disabled_modules.find((m) => m.name === 'hello')).toMatchObject({ can_run: true, error_string: '' });
    expect((await run('mgr', 'module', 'enable', 'hello')).r).toBe(0);
  });

  it('config dump and config get <who> tables are the reference\'s byte for byte from the same rows', () => {
    const dump = JSON.parse(captured('config_dump_json.txt')) as Array<{ section: string; name: string; value: string; level: string; can_update_at_runtime: boolean; mask: string }>;
    const indent = (who: string) => (who === 'global' ? who : who.includes('.') ? `    ${who}` : `  ${who}`);
    const rows = dump.map((o) => ({ who: indent(o.section), mask: o.mask, level: o.level, name: o.name, value: o.value, runtime: o.can_update_at_runtime }));
    expect(configTable(rows)).toBe(captured('config_dump.txt'));
    // `config get mgr`: what applies to a mgr (global, then mgr overrides), by option name, its section unindented.
    const forMgr = dump.filter((o) => o.section === 'global' || o.section === 'mgr').sort((a, b) => (a.name < b.name ? -1 : 1));
    expect(configTable(forMgr.map((o) => ({ who: o.section, mask: o.mask, level: o.level, name: o.name, value: o.value, runtime: o.can_update_at_runtime })))).toBe(captured('config_get_mgr.txt'));
  });

  it('config dump and config get mgr: Ceph\'s columns, JSON keys and RO from the option\'s runtime flag', async () => {
    expect((await run('config', 'set', 'mgr', 'mgr/hello/place', 'Faro')).r).toBe(0);
    expect((await run('config', 'set', 'mgr', 'mgr_module_path', '/nonexistent')).r).toBe(0);
    try {
      const dump = (await run('config', 'dump')).outb.split('\n').filter((l) => l !== '');
      expect(dump[0]).toMatch(/^WHO +MASK +LEVEL +OPTION +VALUE +RO$/);
      // A TextTable pads every cell, the last column too: every line is as long as the header.
      for (const l of dump) expect(l.length).toBe(dump[0]!.length);
      expect(dump).toContainEqual(expect.stringMatching(/^ {2}mgr {8}advanced {2}mgr\/hello\/place +Faro +$/));
      // mgr_module_path takes effect at the next start: read-only at runtime, `*` as Ceph marks such options.
      expect(dump).toContainEqual(expect.stringMatching(/^ {2}mgr {8}advanced {2}mgr_module_path +\/nonexistent +\* $/));
      const refKeys = Object.keys((JSON.parse(captured('config_dump_json.txt')) as object[])[0]!);
      const json = JSON.parse((await run('config', 'dump', '--format', 'json')).outb) as Array<Record<string, unknown>>;
      for (const o of json) expect(Object.keys(o)).toEqual(refKeys);
      expect(json).toContainEqual({ section: 'mgr', name: 'mgr_module_path', value: '/nonexistent', level: 'advanced', can_update_at_runtime: false, mask: '' });
      expect(json).toContainEqual({ section: 'mgr', name: 'mgr/hello/place', value: 'Faro', level: 'advanced', can_update_at_runtime: true, mask: '' });

      const get = (await run('config', 'get', 'mgr')).outb.split('\n');
      expect(get[0]).toMatch(/^WHO +MASK +LEVEL +OPTION +VALUE +RO$/);
      expect(get).toContainEqual(expect.stringMatching(/^mgr {8}advanced {2}mgr\/hello\/place +Faro +$/));
      const getJson = JSON.parse((await run('config', 'get', 'mgr', '--format', 'json')).outb) as Record<string, unknown>;
      expect(getJson['mgr/hello/place']).toEqual({ value: 'Faro', section: 'mgr', mask: {}, can_update_at_runtime: true });
      expect(getJson.mgr_module_path).toEqual({ value: '/nonexistent', section: 'mgr', mask: {}, can_update_at_runtime: false });
      // One value is plain text whatever the format, as Ceph's ConfigMonitor answers it.
      expect(await run('config', 'get', 'mgr', 'mgr/hello/place', '--format', 'json')).toEqual({ r: 0, outb: 'Faro\n', outs: '' });
      expect(await run('config', 'get', 'mgr', 'mgr/hello/nope')).toEqual({ r: -Errno.ENOENT, outb: '', outs: "unrecognized key 'mgr/hello/nope'" });
      expect(await run('config', 'get', 'mgr', 'no_such_option')).toEqual({ r: -Errno.ENOENT, outb: '', outs: "unrecognized key 'no_such_option'" });
    } finally {
      await run('config', 'rm', 'mgr', 'mgr_module_path');
      await run('config', 'rm', 'mgr', 'mgr/hello/place');
    }
  });
});
