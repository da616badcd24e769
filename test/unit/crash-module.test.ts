// Issue 16 item 5: the crash module (Ceph's `crash ls|ls-new|info|archive|
// archive-all|rm|prune|stat|json_report|post`) and RECENT_CRASH /
// RECENT_MGR_MODULE_CRASH, raised from the reports the simulator's crash
// agent posts when a scenario crashes a daemon. Outputs as Ceph's module
// prints them (PrettyTable without border; json.dumps(indent=4, sort_keys)).

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CommandCaller } from '../../src/server/daemon-server.js';
import type { SimRunner } from '../../src/sim/sim-runner.js';
import { crashStat, crashTable, parseReport, pyJsonPretty } from '../../modules/crash/crash-format.js';
import { waitFor, type TestMgr } from '../helpers/harness.js';
import { scenarioClusterHooks } from '../helpers/sim-scenario.js';

const ADMIN: CommandCaller = { entity: 'client.admin', read: true, write: true };
const CRASH_AGENT: CommandCaller = { entity: 'client.crash', read: true, write: false, writePrefixes: ['crash post'] };

describe('crash module formats', () => {
  it('`crash ls` with no report prints nothing, as the reference cluster did', () => {
    const ref = readFileSync(new URL('../fixtures/ceph-reference/cli/tell_mgr_crash_ls.txt', import.meta.url), 'utf8');
    expect(ref).toBe('$ ceph crash ls\n[rc=0]\n');
    expect(crashTable([])).toBe('');
  });

  it('prints the PrettyTable Ceph prints', () => {
    expect(crashTable([
      ['2026-12-01T10:00:00.000001Z_0a1b2c3d-0000-4000-a000-000000000001', 'osd.3', '*'],
      ['2026-12-02T10:00:00.000001Z_0a1b2c3d-0000-4000-a000-000000000002', 'mon.node-0001', ''],
    ])).toBe([
      'ID                                                                ENTITY         NEW  ',
      '2026-12-01T10:00:00.000001Z_0a1b2c3d-0000-4000-a000-000000000001  osd.3           *   ',
      '2026-12-02T10:00:00.000001Z_0a1b2c3d-0000-4000-a000-000000000002  mon.node-0001       ',
    ].join('\n'));
  });

  it('dumps JSON as Python does, and counts crashes by age', () => {
    expect(pyJsonPretty({ b: 'é', a: [1, { d: 1, c: 2 }] })).toBe('{\n    "a": [\n        1,\n        {\n            "c": 2,\n            "d": 1\n        }\n    ],\n    "b": "\\u00e9"\n}');
    expect(crashStat([], 0)).toBe('0 crashes recorded\n\n\n');
    const r = parseReport(JSON.stringify({ crash_id: 'x_1', timestamp: '2026-01-01 00:00:00.000000' }));
    expect(crashStat([r], Date.UTC(2026, 0, 5) / 1000)).toBe('1 crashes recorded\n1 older than 1 days old:\nx_1\n1 older than 3 days old:\nx_1\n');
  });

  it('refuses malformed reports naming the problem', () => {
    expect(() => parseReport('{')).toThrow();
    expect(() => parseReport('{"timestamp": "2026-01-01T00:00:00.000000Z"}')).toThrow("missing 'crash_id' field");
    expect(() => parseReport('{"crash_id": "a", "timestamp": "yesterday"}')).toThrow(/time data 'yesterday' does not match/);
    expect(() => parseReport(JSON.stringify({ crash_id: 'a', timestamp: '2026-01-01T00:00:00.0Z', backtrace: [1] }))).toThrow(/backtrace/);
    const sig = parseReport(JSON.stringify({ crash_id: 'a', timestamp: '2026-01-01T00:00:00.000000Z', backtrace: ['(foo+0x10) [0x1]', 'abort()'] })).stack_sig;
    expect(sig).toMatch(/^[0-9a-f]{64}$/);
    // The offsets and addresses do not change the signature.
    expect(parseReport(JSON.stringify({ crash_id: 'b', timestamp: '2026-01-01T00:00:00.000000Z', backtrace: ['(foo+0x99) [0x7]', 'abort()'] })).stack_sig).toBe(sig);
  });
});

describe('crashing simulated daemons', () => {
  let t: TestMgr;
  let sim: SimRunner;
  const cluster = scenarioClusterHooks({
    osds: 6,
    seed: 7,
    events: [
      { atS: 1, action: 'crash', daemon: 'osd.2' },
      { atS: 1, action: 'crash', daemon: 'mgr.x', mgrModule: 'balancer' },
    ],
  });
  beforeAll(() => ({ t, sim } = cluster()));

  const run = (caller: CommandCaller, ...argv: string[]) => t.mgr.runCommand(caller, { argv });
  const health = async () => JSON.parse((await run(ADMIN, 'health', 'detail', '--format', 'json')).outb) as { checks: Record<string, { severity: string; summary: { message: string; count: number }; detail: Array<{ message: string }> }> };

  it('raises RECENT_CRASH and RECENT_MGR_MODULE_CRASH from the posted reports', async () => {
    const h = await waitFor(async () => {
      const x = await health();
      return x.checks.RECENT_CRASH && x.checks.RECENT_MGR_MODULE_CRASH ? x : undefined;
    }, 30_000, 'RECENT_CRASH and RECENT_MGR_MODULE_CRASH');
    const host = sim.cluster.topo.hosts[sim.cluster.topo.osds[2]!.host]!.name;
    expect(h.checks.RECENT_CRASH).toMatchObject({ severity: 'HEALTH_WARN', summary: { message: '1 daemons have recently crashed', count: 1 } });
    expect(h.checks.RECENT_CRASH!.detail[0]!.message).toMatch(new RegExp(`^osd\\.2 crashed on host ${host} at \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z$`));
    expect(h.checks.RECENT_MGR_MODULE_CRASH).toMatchObject({ severity: 'HEALTH_WARN', summary: { message: '1 mgr modules have recently crashed', count: 1 } });
    expect(h.checks.RECENT_MGR_MODULE_CRASH!.detail[0]!.message).toMatch(/^mgr module balancer crashed in daemon mgr\.x on host node-0001 at /);
    // The OSD came back by itself (systemd restart) after it crashed.
    await waitFor(() => sim.cluster.isUp('osd.2'), 30_000, 'osd.2 restarted');
  });

  it('lists, shows and archives them; archiving clears the checks', async () => {
    const ls = JSON.parse((await run(ADMIN, 'crash', 'ls', '--format', 'json')).outb) as Array<{ crash_id: string; entity_name: string; stack_sig: string }>;
    expect(ls.map((c) => c.entity_name).sort()).toEqual(['mgr.x', 'osd.2']);
    const osd = ls.find((c) => c.entity_name === 'osd.2')!;
    expect(osd.stack_sig).toMatch(/^[0-9a-f]{64}$/);
    const plain = (await run(ADMIN, 'crash', 'ls')).outb.split('\n');
    expect(plain[0]).toMatch(/^ID {2,}ENTITY {2,}NEW {2}$/);
    expect(plain.slice(1).every((l) => l.endsWith(' *   '))).toBe(true);
    const info = await run(ADMIN, 'crash', 'info', osd.crash_id);
    expect(info.r).toBe(0);
    expect(JSON.parse(info.outb)).toMatchObject({ crash_id: osd.crash_id, entity_name: 'osd.2', process_name: 'ceph-osd', ceph_version: '16.2.15' });
    expect(await run(ADMIN, 'crash', 'info', 'nope')).toMatchObject({ r: -22, outs: 'crash info: nope not found' });
    expect((await run(ADMIN, 'crash', 'archive', osd.crash_id)).r).toBe(0);
    expect((await health()).checks.RECENT_CRASH).toBeUndefined();
    const fresh = JSON.parse((await run(ADMIN, 'crash', 'ls-new', '--format', 'json')).outb) as Array<{ entity_name: string }>;
    expect(fresh.map((c) => c.entity_name)).toEqual(['mgr.x']);
    expect((await run(ADMIN, 'crash', 'archive-all')).r).toBe(0);
    expect((await health()).checks.RECENT_MGR_MODULE_CRASH).toBeUndefined();
    expect((await run(ADMIN, 'crash', 'stat')).outb.split('\n')[0]).toBe('2 crashes recorded');
    expect(await run(ADMIN, 'crash', 'json_report', '24')).toMatchObject({ r: 0, outs: '{"ceph-mgr": 1, "ceph-osd": 1}' });
  });

  it('takes posts from the crash agent only for `crash post`, and refuses bad reports', async () => {
    expect(await run(CRASH_AGENT, 'crash', 'rm', 'x')).toMatchObject({ r: -13 });
    const bad = await t.mgr.runCommand(CRASH_AGENT, { argv: ['crash', 'post'], inbuf: '{"timestamp": "2026-01-01T00:00:00.000000Z"}' });
    expect(bad).toMatchObject({ r: -22, outs: "malformed crash metadata: missing 'crash_id' field" });
    const ok = await t.mgr.runCommand(CRASH_AGENT, { argv: ['crash', 'post'], inbuf: JSON.stringify({ crash_id: 'old_1', timestamp: '2020-01-01T00:00:00.000000Z', entity_name: 'osd.0' }) });
    expect(ok.r).toBe(0);
    // Older than warn_recent_interval: kept, but no warning.
    expect((await health()).checks.RECENT_CRASH).toBeUndefined();
    expect((await run(ADMIN, 'crash', 'rm', 'old_1')).r).toBe(0);
  });
});
