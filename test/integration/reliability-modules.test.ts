// Module faults against a real `mgrd run` (the built CLI as a child process):
// each attack is a deliberately bad module loaded from a temp folder through
// `--set mgr_module_path=...`. Throughout each attack mgrd must keep answering
// /api/v1/health and /metrics within 1 s, with bounded RSS.

import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, startMgrd, type MgrdProcess } from '../helpers/procs.js';

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
});
