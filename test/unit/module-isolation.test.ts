// Deliberately bad modules (test/fixtures/modules) against a real manager:
// throwing, rejecting, hanging, slow and failed modules stay contained.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestMgr, waitFor, type TestMgr } from '../helpers/harness.js';
import type { MgrClient } from '../../src/client/mgr-client.js';
import { Errno } from '../../src/common/errno.js';
import type { CommandCaller } from '../../src/server/daemon-server.js';

const ADMIN: CommandCaller = { entity: 'client.admin', read: true, write: true };
const osdMap = (epoch: number) => ({ epoch, fsid: 'f', osds: [], pools: [], nearfull_ratio: 0.85, full_ratio: 0.95, backfillfull_ratio: 0.9 });

describe('module isolation', () => {
  let t: TestMgr;
  let admin: MgrClient;
  const run = (argv: string[]) => t.mgr.runCommand(ADMIN, { argv });

  beforeAll(async () => {
    t = await startTestMgr({
      modulePaths: ['test/fixtures/modules'],
      modules: ['good', 'thrower', 'hanger', 'servefail', 'cantrun', 'busy'],
      // thrower's notify faults on every osd_map: high enough that it is never failed here (module-faults.test.ts fails modules).
      set: { mgr_module_op_timeout_ms: 300, mgr_module_shutdown_timeout_ms: 300, mgr_module_queue_max: 16, mgr_module_max_consecutive_faults: 1000 },
    });
    admin = await t.admin();
  });
  afterAll(async () => {
    await t.stop();
  });

  it('runs module code on its own queue, never inline', () => {
    const good = t.mgr.registry.get('good')!.instance as unknown as { notified: number };
    const before = good.notified;
    t.mgr.notifyAll('osd_map', '');
    expect(good.notified).toBe(before);
  });

  it('a throwing module returns -EIO with the error and keeps serving', async () => {
    const r = await run(['thrower', 'throw']);
    expect(r.r).toBe(-Errno.EIO);
    expect(r.outs).toContain('kaboom');
    const rej = await run(['thrower', 'reject']);
    expect(rej.r).toBe(-Errno.EIO);
    expect(rej.outs).toContain('async kaboom');
    const bad = await run(['thrower', 'badreturn']);
    expect(bad.r).toBe(-Errno.EIO);
    expect(bad.outs).toContain('not [retval, stdout, stderr]');
    const ok = await run(['thrower', 'ok']);
    expect(ok).toEqual({ r: 0, outb: 'still here', outs: '' });
  });

  it('notify faults raise MGR_MODULE_ERROR naming the module and are counted', async () => {
    const faultsBefore = t.mgr.registry.get('thrower')!.faults;
    t.mgr.cluster.applyMap({ osd_map: osdMap(2) });
    t.mgr.notifyAll('osd_map', '');
    await waitFor(() => t.mgr.registry.get('thrower')!.faults > faultsBefore, 5000, 'thrower fault');
    const health = t.mgr.cluster.health();
    const check = health.checks.MGR_MODULE_ERROR;
    expect(check).toBeDefined();
    // Several modules are at fault here: one check, one detail line per module.
    expect(JSON.stringify(check)).toMatch(/Module 'thrower'/);
    expect(JSON.stringify(check)).toContain('notify exploded');
    const stats = t.mgr.mgrdStats().modules.find((m) => m.name === 'thrower')!;
    expect(stats.faults).toBeGreaterThan(0);
  });

  it('a module whose serve() fails is failed (HEALTH_ERR) without touching the others', async () => {
    await waitFor(() => t.mgr.registry.get('servefail')!.failed, 5000, 'servefail failure');
    const detail = JSON.stringify(t.mgr.cluster.health().checks.MGR_MODULE_ERROR);
    expect(detail).toContain("Module 'servefail' has failed");
    expect(detail).toContain('cannot bind');
    expect(t.mgr.cluster.health().status).toBe('HEALTH_ERR');
  });

  it('a hanging module delays neither other modules nor their commands, and is failed when its notify never returns', async () => {
    const hanger = t.mgr.registry.get('hanger')!.instance as unknown as { started: number } | undefined;
    const good = t.mgr.registry.get('good')!.instance as unknown as { notified: number };
    const before = good.notified;
    for (let i = 0; i < 50; i++) t.mgr.notifyAll('osd_map', '');
    await waitFor(() => good.notified > before, 2000, 'good module to be notified');
    // The hanger holds one notify; the rest coalesce into one waiting item instead of piling up.
    expect(t.mgr.registry.get('hanger')!.queue?.depth ?? 0).toBeLessThanOrEqual(2);
    expect(hanger === undefined || hanger.started > 0).toBe(true);
    const r = await admin.command({ argv: ['good', 'count'] });
    expect(r.r).toBe(0);
    // Still running twice the op timeout (300 ms) after it started: failed, as Ceph fails a module.
    await waitFor(() => t.mgr.registry.get('hanger')!.failed, 5000, 'hanger to be failed');
    const detail = JSON.stringify(t.mgr.cluster.health().checks.MGR_MODULE_ERROR);
    expect(detail).toContain("Module 'hanger' has failed: notify: notify did not return within 600 ms");
    const hang = await run(['hanger', 'hang']);
    expect(hang.r).toBe(-Errno.EIO);
    expect(hang.outs).toBe("Module 'hanger' has experienced an error and cannot handle commands: notify: notify did not return within 600 ms");
  });

  it('coalesces notifications by (type, id) while a module is busy', async () => {
    for (let round = 0; round < 5; round++) for (const id of ['osd.1', 'osd.2', 'osd.1']) t.mgr.notifyAll('perf_schema_update', id);
    await new Promise((r) => setTimeout(r, 400));
    const busy = t.mgr.registry.get('busy')!.instance as unknown as { seen: string[] };
    // 15 notifications of 2 distinct (type, id) pairs: far fewer than 15 reach the module.
    expect(busy.seen.length).toBeLessThanOrEqual(4);
    expect(new Set(busy.seen)).toEqual(new Set(['osd.1', 'osd.2']));
  });

  it('a module that cannot run is not started, raises MGR_MODULE_DEPENDENCY, and is listed with its reason', async () => {
    const e = t.mgr.registry.get('cantrun')!;
    expect(e.running).toBe(false);
    expect(t.mgr.cluster.health().checks.MGR_MODULE_DEPENDENCY?.summary.message).toBe("Module 'cantrun' has failed dependency: needs a library this host lacks");
    expect((await run(['mgr', 'module', 'disable', 'cantrun'])).r).toBe(0);
    await waitFor(() => !t.mgr.cluster.health().checks.MGR_MODULE_DEPENDENCY, 5000, 'the dependency check to clear');
    const r = await run(['mgr', 'module', 'ls', '--format', 'json']);
    const ls = JSON.parse(r.outb) as { disabled_modules: Array<{ name: string; can_run: boolean; error_string: string }> };
    expect(ls.disabled_modules.find((m) => m.name === 'cantrun')).toMatchObject({ can_run: false, error_string: 'needs a library this host lacks' });
  });

  it('a full queue refuses commands with -EAGAIN instead of growing', async () => {
    // busy answers at once, but 40 commands do not fit its queue of 16 behind its 50 ms notifications.
    for (let i = 0; i < 10; i++) t.mgr.notifyAll('perf_schema_update', `osd.${i}`);
    const results = await Promise.all(Array.from({ length: 40 }, () => run(['busy', 'seen'])));
    expect(results.some((r) => r.r === -Errno.EAGAIN)).toBe(true);
    expect(results.some((r) => r.r === 0)).toBe(true);
  }, 60_000);

  it('disabling a failed module whose shutdown() hangs completes within the bound and clears its error', async () => {
    const r = await run(['mgr', 'module', 'disable', 'hanger']);
    expect(r.r).toBe(0);
    await waitFor(() => !t.mgr.registry.get('hanger')!.failed, 5000, 'hanger to be disabled');
    expect(JSON.stringify(t.mgr.cluster.health().checks.MGR_MODULE_ERROR ?? {})).not.toContain("'hanger'");
    const cmd = await run(['hanger', 'hang']);
    expect(cmd.r).toBe(-Errno.EOPNOTSUPP);
  });
});
