// Ceph's semantics for a module that keeps failing, against a real manager
// (issue 8 items 4, 5 and 6): failed after consecutive faults, -EIO for its
// commands, shown by `mgr module ls`, restarted by disable + enable; a timed-out
// handler never overlaps the next; queue drops counted with a health check;
// option declarations and names checked.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestMgr, waitFor, type TestMgr } from '../helpers/harness.js';
import { Errno } from '../../src/common/errno.js';
import type { CommandCaller } from '../../src/server/daemon-server.js';

const ADMIN: CommandCaller = { entity: 'client.admin', read: true, write: true };
const osdMap = (epoch: number) => ({ epoch, fsid: 'f', osds: [], pools: [], nearfull_ratio: 0.85, full_ratio: 0.95, backfillfull_ratio: 0.9 });

describe('module faults (Ceph semantics)', () => {
  let t: TestMgr;
  const run = (...argv: string[]) => t.mgr.runCommand(ADMIN, { argv });
  const health = () => t.mgr.cluster.health();

  beforeAll(async () => {
    t = await startTestMgr({
      modulePaths: ['test/fixtures/modules'],
      modules: ['flaky', 'slowpoke', 'servefail', 'badopts', 'opts', 'busy'],
      set: { mgr_module_op_timeout_ms: 300, mgr_module_shutdown_timeout_ms: 300, mgr_module_queue_max: 8, mgr_module_max_consecutive_faults: 3 },
    });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('a module whose notify keeps throwing is failed after mgr_module_max_consecutive_faults, and its commands answer -EIO', async () => {
    expect(await run('flaky', 'ok')).toEqual({ r: 0, outb: 'fine', outs: '' });
    const instance = t.mgr.registry.get('flaky')!.instance as unknown as { shutdowns: number };
    for (let epoch = 2; epoch < 6 && !t.mgr.registry.get('flaky')!.failed; epoch++) {
      const before = t.mgr.registry.get('flaky')!.faults;
      t.mgr.cluster.applyMap({ osd_map: osdMap(epoch) });
      t.mgr.notifyAll('osd_map', '');
      await waitFor(() => t.mgr.registry.get('flaky')!.faults > before, 5000, 'a flaky fault');
    }
    const e = t.mgr.registry.get('flaky')!;
    expect(e.failed).toBe(true);
    expect(e.running).toBe(false);
    expect(instance.shutdowns).toBe(1);
    const check = health().checks.MGR_MODULE_ERROR!;
    expect(check.severity).toBe('HEALTH_ERR');
    expect(check.detail.map((d) => d.message)).toContain("Module 'flaky' has failed: notify: 3 faults in a row, last: notify: flaky notify");
    const r = await run('flaky', 'ok');
    expect(r.r).toBe(-Errno.EIO);
    expect(r.outs).toBe("Module 'flaky' has experienced an error and cannot handle commands: notify: 3 faults in a row, last: notify: flaky notify");
    // No more notifications reach a failed module.
    t.mgr.notifyAll('osd_map', '');
    expect(t.mgr.registry.get('flaky')!.queue).toBeUndefined();
  });

  it('`mgr module ls` shows a failed module with its error; disable + enable runs it again', async () => {
    // Plain is Ceph's pretty JSON too; failed_modules is mgrd's addition.
    const ls = JSON.parse((await run('mgr', 'module', 'ls')).outb) as { failed_modules: Array<{ name: string; error_string: string }> };
    expect(ls.failed_modules).toContainEqual({ name: 'flaky', error_string: 'notify: 3 faults in a row, last: notify: flaky notify' });
    expect(ls.failed_modules).toContainEqual({ name: 'servefail', error_string: 'cannot bind' });
    const json = JSON.parse((await run('mgr', 'module', 'ls', '--format', 'json')).outb) as { enabled_modules: string[]; failed_modules: Array<{ name: string; error_string: string }> };
    expect(json.enabled_modules).toContain('flaky');
    expect(json.failed_modules).toContainEqual({ name: 'servefail', error_string: 'cannot bind' });
    expect((await run('mgr', 'module', 'disable', 'flaky')).r).toBe(0);
    await waitFor(() => !t.mgr.registry.get('flaky')!.failed, 5000, 'flaky to be disabled');
    expect(JSON.stringify(health().checks.MGR_MODULE_ERROR ?? {})).not.toContain("'flaky'");
    expect((await run('mgr', 'module', 'enable', 'flaky')).r).toBe(0);
    await waitFor(() => t.mgr.registry.get('flaky')!.running, 5000, 'flaky to run again');
    expect(await run('flaky', 'ok')).toEqual({ r: 0, outb: 'fine', outs: '' });
  });

  it("a module whose serve() throws is failed with Ceph's message", () => {
    const detail = health().checks.MGR_MODULE_ERROR!.detail.map((d) => d.message);
    expect(detail).toContain("Module 'servefail' has failed: cannot bind");
  });

  it('a timed-out command is answered ETIMEDOUT, and the next waits for it: hooks never overlap', async () => {
    const slow = run('slowpoke', 'sleep', '450'); // past the 300 ms timeout, back before twice it
    const r = await slow;
    expect(r.r).toBe(-Errno.ETIMEDOUT);
    // Still running: another command is refused at once rather than run beside it.
    const busy = await run('slowpoke', 'stats');
    expect(busy.r).toBe(-Errno.EAGAIN);
    expect(busy.outs).toMatch(/its command handler overran 300 ms and has not returned/);
    const inst = t.mgr.registry.get('slowpoke')!.instance as unknown as { finished: number };
    await waitFor(() => inst.finished === 1, 5000, 'the abandoned handler to finish');
    const ok = await run('slowpoke', 'stats');
    expect(ok.r).toBe(0);
    expect(JSON.parse(ok.outb)).toEqual({ maxActive: 1, finished: 2 });
    // It returned within twice the timeout: a fault, not a failure.
    expect(t.mgr.registry.get('slowpoke')!.failed).toBe(false);
  });

  it('a full queue drops notifications: counted, exported, and MGR_MODULE_QUEUE_FULL names the module', async () => {
    for (let i = 0; i < 30; i++) t.mgr.notifyAll('perf_schema_update', `osd.${i}`);
    const e = t.mgr.registry.get('busy')!;
    expect(e.dropped).toBeGreaterThanOrEqual(30 - 8 - 1);
    await waitFor(() => health().checks.MGR_MODULE_QUEUE_FULL, 5000, 'MGR_MODULE_QUEUE_FULL');
    const check = health().checks.MGR_MODULE_QUEUE_FULL!;
    expect(check.severity).toBe('HEALTH_WARN');
    expect(check.summary.message).toMatch(/^Module 'busy' dropped \d+ notification\(s\): its queue is full \(mgr_module_queue_max\)$/);
    expect(t.mgr.mgrdStats().modules.find((m) => m.name === 'busy')).toMatchObject({ dropped: e.dropped, failed: false, running: true });
  });

  it('a module declaring an option default of the wrong type does not run, and says why', () => {
    const e = t.mgr.registry.get('badopts')!;
    expect(e.running).toBe(false);
    expect(e.canRunReason).toBe("MODULE_OPTIONS: invalid value 'often' for option interval: must be an integer");
    expect(health().checks.MGR_MODULE_DEPENDENCY?.detail.map((d) => d.message)).toContain(
      "Module 'badopts' has failed dependency: MODULE_OPTIONS: invalid value 'often' for option interval: must be an integer");
  });

  it('options read back typed as declared; one without a default reads as the fallback; an undeclared name raises', async () => {
    const get = async (name: string) => {
      const r = await run('opts', 'get', name);
      return r.r === 0 ? JSON.parse(r.outb) as unknown : r;
    };
    expect(await get('count')).toEqual({ value: 5, type: 'number' });
    expect(await get('on')).toEqual({ value: true, type: 'boolean' });
    expect(await get('ratio')).toEqual({ value: 0.5, type: 'number' });
    expect(await get('min_size')).toEqual({ value: 'fallback', type: 'string' });
    expect(await get('nope')).toEqual({ r: -Errno.EIO, outb: '', outs: "Module 'opts' failed on 'opts get': Config option 'nope' is not in Module.MODULE_OPTIONS" });
    expect((await run('config', 'set', 'mgr', 'mgr/opts/min_size', '3')).r).toBe(0);
    expect(await get('min_size')).toEqual({ value: 3, type: 'number' });
    const ls = JSON.parse((await run('mgr', 'module', 'ls', '--format', 'json')).outb) as { disabled_modules: unknown[] };
    expect(ls.disabled_modules).toBeDefined();
    const info = t.mgr.registry.availableModules().find((m) => m.name === 'opts')!.module_options;
    expect(info.min_size!.default_value).toBe('');
    expect(info.count!.default_value).toBe('5');
  });

  it('a malformed health check is refused back to the module, not stored', async () => {
    const r = await run('opts', 'badcheck');
    expect(r).toEqual({ r: -22, outb: '', outs: 'setHealthChecks: check MGR_OPTS_BAD of module opts: severity must be HEALTH_WARN or HEALTH_ERR, got \'HEALTH_MAYBE\'' });
    expect(health().checks.MGR_OPTS_BAD).toBeUndefined();
    expect((await run('health', 'detail')).r).toBe(0);
  });
});
