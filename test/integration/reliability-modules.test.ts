// Module faults against a real `mgrd run` (the built CLI as a child process):
// each attack is a deliberately bad module loaded from a temp folder through
// `--set mgr_module_path=...`. Throughout each attack mgrd must keep answering
// /api/v1/health and /metrics within 1 s, with bounded RSS.

import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { MGRD_BIN, poll, ROOT, spawnLogged, startMgrd, stopChild, type MgrdProcess } from '../helpers/procs.js';

const SDK = pathToFileURL(join(ROOT, 'dist/src/mgr-module/index.js')).href;

/** Writes module.js for each `name: body` into a fresh module folder; returns the folder. */
function moduleDir(mods: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mgrd-badmods-'));
  for (const [name, body] of Object.entries(mods)) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'module.js'), `import { MgrModule, healthCheck } from '${SDK}';\n${body}\n`);
  }
  return dir;
}

async function timed(url: string, init?: RequestInit): Promise<{ ms: number; status: number }> {
  const t0 = performance.now();
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(1000) });
  await res.arrayBuffer();
  return { ms: performance.now() - t0, status: res.status };
}

/** Asserts health and /metrics answer within 1 s every 200 ms for `ms`; returns the worst latency and the RSS range (kB). */
async function keepsAnswering(m: MgrdProcess, ms: number): Promise<{ worstMs: number; rssKb: number[] }> {
  const end = Date.now() + ms;
  let worstMs = 0;
  const rssKb: number[] = [];
  while (Date.now() < end) {
    const h = await timed(`${m.adminUrl}/api/v1/health`);
    expect(h.status).toBe(200);
    const p = await timed(`${m.prometheusUrl}metrics`);
    expect(p.status).toBe(200);
    worstMs = Math.max(worstMs, h.ms, p.ms);
    rssKb.push(rss(m));
    await new Promise((r) => setTimeout(r, 200));
  }
  return { worstMs, rssKb };
}

function rss(m: MgrdProcess): number {
  const status = readProc(`/proc/${m.child.pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
}

const readProc = (p: string): string => readFileSync(p, 'utf8');

/** One sample of /metrics by family name and label text, e.g. metric(m, 'mgrd_module_faults_total', 'module="x"'). */
async function metric(m: MgrdProcess, name: string, labels: string): Promise<number | undefined> {
  const body = await (await fetch(`${m.prometheusUrl}metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const line = body.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function enable(m: MgrdProcess, name: string): Promise<void> {
  const r = await m.command({ prefix: 'mgr module enable', module: name });
  expect(r.retval, r.outs).toBe(0);
}

describe('module faults against a real mgrd run', () => {
  let m: MgrdProcess | undefined;
  afterEach(async () => {
    await m?.stop();
    m = undefined;
  });

  it('a module whose health notify throws does not lock mgrd up (issue 8 item 2)', async () => {
    const dir = moduleDir({
      healththrow: `export class Module extends MgrModule {
  static NOTIFY_TYPES = ['health'];
  serve() { this.setHealthChecks({ MGR_HEALTHTHROW_HELLO: healthCheck('HEALTH_WARN', 'hello', 1, []) }); }
  notify() { throw new Error('health notify exploded'); }
}`,
    });
    m = await startMgrd({ set: { mgr_module_path: dir } });
    await enable(m, 'healththrow');
    const { worstMs, rssKb } = await keepsAnswering(m, 8000);
    expect(worstMs).toBeLessThan(1000);
    expect(Math.max(...rssKb) - Math.min(...rssKb)).toBeLessThan(64 * 1024);
    // Its faults change MGR_MODULE_ERROR, which is a 'health' change: at most one notification per tick (2 s).
    const faults = await metric(m, 'mgrd_module_faults_total', 'module="healththrow"');
    expect(faults).toBeGreaterThan(0);
    expect(faults).toBeLessThan(12);
  });

  it('a module that rewrites its own health check on each health notification is not re-fed without bound (issue 8 item 2)', async () => {
    const dir = moduleDir({
      healthloop: `export class Module extends MgrModule {
  static NOTIFY_TYPES = ['health'];
  n = 0;
  serve() { this.bump(); }
  notify() { this.bump(); }
  bump() { this.n++; this.setHealthChecks({ MGR_HEALTHLOOP_COUNT: healthCheck('HEALTH_WARN', 'seen ' + this.n, 1, []) }); }
}`,
    });
    m = await startMgrd({ set: { mgr_module_path: dir } });
    await enable(m, 'healthloop');
    const { worstMs } = await keepsAnswering(m, 6000);
    expect(worstMs).toBeLessThan(1000);
    const r = await m.command({ prefix: 'health', detail: 'detail', format: 'json' });
    const msg = (JSON.parse(r.outb) as { checks: Record<string, { summary: { message: string } }> }).checks.MGR_HEALTHLOOP_COUNT?.summary.message;
    // One 'health' notification per tick period (2 s) over ~6 s, not thousands.
    const seen = Number(/seen (\d+)/.exec(msg ?? '')?.[1]);
    expect(seen).toBeGreaterThan(1);
    expect(seen).toBeLessThan(10);
  });

  it('stray exceptions and rejections of modules are charged to them; failing modules are failed as Ceph fails them (issue 8 items 3, 4)', async () => {
    const dir = moduleDir({
      // A throw from its own timer, every 300 ms (Node would exit the process on the first).
      timerthrow: `export class Module extends MgrModule {
  serve() { setInterval(() => { throw new Error('timer boom'); }, 300); }
}`,
      // A promise rejected with nobody listening, every 300 ms.
      rejecter: `export class Module extends MgrModule {
  serve() { setInterval(() => { Promise.reject(new Error('lost promise')); }, 300); }
}`,
      // A throw from queueMicrotask (no async context reaches it: found by its folder in the stack).
      microtask: `export class Module extends MgrModule {
  serve() { setInterval(() => queueMicrotask(() => { throw new Error('microtask boom'); }), 300); }
}`,
      servefail: `export class Module extends MgrModule {
  static COMMANDS = [{ cmd: 'servefail hello', desc: 'never answers', perm: 'r' }];
  async serve() { throw new Error('cannot bind 1.2.3.4:1'); }
  handleCommand() { return [0, 'hello', '']; }
}`,
      // Its notify never returns: abandoned after the op timeout, failed after twice it.
      hangs: `export class Module extends MgrModule {
  static COMMANDS = [{ cmd: 'hangs status', desc: 'status', perm: 'r' }];
  static NOTIFY_TYPES = ['mgr_map'];
  notify() { return new Promise(() => undefined); }
  handleCommand() { return [0, 'ok', '']; }
}`,
    });
    m = await startMgrd({ set: { mgr_module_path: dir, mgr_module_op_timeout_ms: 500, mgr_module_shutdown_timeout_ms: 500 } });
    for (const name of ['timerthrow', 'rejecter', 'microtask', 'servefail', 'hangs']) await enable(m, name);
    const { worstMs, rssKb } = await keepsAnswering(m, 8000);
    expect(m.child.exitCode).toBeNull();
    expect(worstMs).toBeLessThan(1000);
    expect(Math.max(...rssKb) - Math.min(...rssKb)).toBeLessThan(64 * 1024);

    const detail = await poll('every bad module to be failed', 20_000, async () => {
      const r = await m!.command({ prefix: 'health', detail: 'detail', format: 'json' });
      const lines = (JSON.parse(r.outb) as { checks: Record<string, { detail: Array<{ message: string }> }> }).checks.MGR_MODULE_ERROR?.detail.map((d) => d.message) ?? [];
      return lines.filter((l) => l.includes('has failed')).length === 5 ? lines : undefined;
    });
    expect(detail).toContain("Module 'timerthrow' has failed: async: 5 faults in a row, last: async: uncaughtException: timer boom");
    expect(detail).toContain("Module 'rejecter' has failed: async: 5 faults in a row, last: async: unhandledRejection: lost promise");
    expect(detail).toContain("Module 'microtask' has failed: async: 5 faults in a row, last: async: uncaughtException: microtask boom");
    expect(detail).toContain("Module 'servefail' has failed: cannot bind 1.2.3.4:1");
    expect(detail).toContain("Module 'hangs' has failed: notify: notify did not return within 1000 ms");
    const cmd = await m.command({ prefix: 'servefail hello' });
    expect(cmd.retval).toBe(-5);
    expect(cmd.outs).toBe("Module 'servefail' has experienced an error and cannot handle commands: cannot bind 1.2.3.4:1");
    expect((await m.command({ prefix: 'hangs status' })).retval).toBe(-5);
    const ls = await m.command({ prefix: 'mgr module ls', format: 'plain' });
    expect((JSON.parse(ls.outb) as { failed_modules: unknown[] }).failed_modules).toContainEqual({ name: 'servefail', error_string: 'cannot bind 1.2.3.4:1' });
    expect(await metric(m, 'mgrd_module_failed', 'module="timerthrow"')).toBe(1);
    // Their leftovers (the timers a failed module never cleared) keep throwing: still contained.
    await keepsAnswering(m, 2000);
    expect(m.child.exitCode).toBeNull();
    // The rest of the manager is untouched.
    expect((await m.command({ prefix: 'hello' })).retval).toBe(0);
    const log = readFileSync(m.logFile, 'utf8');
    expect(log).not.toMatch(/outside any module/);
  });

  it('a module that cannot keep up drops notifications: counted on /metrics and in health, never silently (issue 8 item 5)', async () => {
    const dir = moduleDir({
      laggard: `export class Module extends MgrModule {
  static NOTIFY_TYPES = ['perf_schema_update'];
  async notify() { await new Promise((r) => setTimeout(r, 200)); }
}`,
    });
    m = await startMgrd({ set: { mgr_module_path: dir, mgr_module_queue_max: 8 } });
    await enable(m, 'laggard');
    const info = JSON.parse(readFileSync(join(m.dataDir, 'mgrd.json'), 'utf8')) as { daemon_addr: string };
    // 30 OSDs declaring their counter schema: 30 distinct perf_schema_update ids against a queue of 8.
    const sim = spawnLogged(process.execPath, [MGRD_BIN, 'sim', '--mgr', info.daemon_addr.replace(/^0\.0\.0\.0:/, '127.0.0.1:'),
      '--keyring', join(m.dataDir, 'keyring'), '--osds', '30', '--log-level', 'warn'], `${m.logFile}.sim`);
    try {
      const dropped = await poll('laggard drops on /metrics', 30_000, async () => {
        const v = await metric(m!, 'mgrd_module_queue_dropped_total', 'module="laggard"');
        return v !== undefined && v > 0 ? v : undefined;
      });
      expect(dropped).toBeGreaterThan(0);
      const { worstMs } = await keepsAnswering(m, 3000);
      expect(worstMs).toBeLessThan(1000);
      const r = await m.command({ prefix: 'health', detail: 'detail', format: 'json' });
      const check = (JSON.parse(r.outb) as { checks: Record<string, { summary: { message: string } }> }).checks.MGR_MODULE_QUEUE_FULL;
      expect(check?.summary.message).toMatch(/^Module 'laggard' dropped \d+ notification\(s\): its queue is full \(mgr_module_queue_max\)$/);
      expect(readFileSync(m.logFile, 'utf8')).toMatch(/module laggard: queue full, a notify was dropped/);
    } finally {
      await stopChild(sim);
    }
  });
});
