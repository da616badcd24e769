// The process-level handlers (issue 8 item 3): a stray fault is charged to the
// module whose code it came from (async context, or its folder in the stack);
// an exception outside any module ends the process with one clear line. The
// handlers are called directly here (vitest owns the real process events);
// test/integration/reliability-modules.test.ts throws for real in `mgrd run`.

import { afterEach, describe, expect, it } from 'vitest';
import { addLiveScope, currentScope, removeLiveScope, runAsCore, runAsModule, scopeOf, type ModuleScope } from '../../src/registry/module-scope.js';
import { CORE_BUG_EXIT_CODE, installProcessFaultHandlers } from '../../src/registry/process-faults.js';
import type { Logger } from '../../src/common/log.js';

function fakeScope(module: string, dir = `/nowhere/${module}`): ModuleScope & { reports: string[] } {
  const reports: string[] = [];
  return { module, dir, reports, running: () => true, report: (err, origin) => reports.push(`${origin}: ${(err as Error).message}`) };
}

function fakeLog(): Logger & { lines: Array<[string, string]> } {
  const lines: Array<[string, string]> = [];
  const at = (level: string) => (_obj: unknown, msg: string) => lines.push([level, msg]);
  return { lines, fatal: at('fatal'), error: at('error'), warn: at('warn'), info: at('info') } as unknown as Logger & { lines: Array<[string, string]> };
}

describe('module scope', () => {
  it('follows module code into its timers and promises, not into core code it calls', async () => {
    const scope = fakeScope('a');
    const seen = await new Promise<Array<ModuleScope | undefined>>((resolve) => {
      runAsModule(scope, () => {
        setTimeout(() => {
          void Promise.resolve().then(() => resolve([currentScope(), runAsCore(() => currentScope())]));
        }, 1);
      });
    });
    expect(seen).toEqual([scope, undefined]);
  });

  it("falls back to the module's folder in the error's stack, preferring a running instance", () => {
    const stopped = { ...fakeScope('m', '/mods/m'), running: () => false };
    const running = fakeScope('m', '/mods/m');
    addLiveScope(stopped);
    addLiveScope(running);
    try {
      const err = new Error('boom');
      err.stack = 'Error: boom\n    at file:///mods/m/module.js:3:60\n    at node:internal/process/task_queues:140:7';
      expect(scopeOf(err)).toBe(running);
      expect(scopeOf(new Error('core'))).toBeUndefined();
    } finally {
      removeLiveScope(stopped);
      removeLiveScope(running);
    }
  });
});

describe('process fault handlers', () => {
  let uninstall: (() => void) | undefined;
  afterEach(() => uninstall?.());

  const handlers = (): { exception: (err: unknown, origin: string) => void; rejection: (reason: unknown) => void } => ({
    exception: process.listeners('uncaughtException').at(-1) as (err: unknown, origin: string) => void,
    rejection: process.listeners('unhandledRejection').at(-1) as (reason: unknown) => void,
  });

  it("charges a module's exception and rejection to it and carries on", () => {
    const log = fakeLog();
    const exits: number[] = [];
    uninstall = installProcessFaultHandlers({ log, exit: (c) => exits.push(c) });
    const { exception, rejection } = handlers();
    const scope = fakeScope('a');
    runAsModule(scope, () => {
      exception(new Error('timer boom'), 'uncaughtException');
      rejection(new Error('lost promise'));
    });
    expect(scope.reports).toEqual(['uncaughtException: timer boom', 'unhandledRejection: lost promise']);
    expect(exits).toEqual([]);
  });

  it('ends the process with one fatal line for an exception outside any module; logs a rejection outside any module and carries on', () => {
    const log = fakeLog();
    const exits: number[] = [];
    uninstall = installProcessFaultHandlers({ log, exit: (c) => exits.push(c) });
    const { exception, rejection } = handlers();
    rejection(new Error('core rejection'));
    expect(exits).toEqual([]);
    expect(log.lines).toEqual([['error', 'unhandled promise rejection outside any module: this is a bug in mgrd; carrying on']]);
    exception(new Error('core bug'), 'uncaughtException');
    expect(exits).toEqual([CORE_BUG_EXIT_CODE]);
    expect(log.lines.at(-1)).toEqual(['fatal', `uncaught exception outside any module: this is a bug in mgrd; exiting with status ${CORE_BUG_EXIT_CODE}`]);
  });

  it('removes its handlers', () => {
    const before = process.listenerCount('uncaughtException');
    const off = installProcessFaultHandlers({ log: fakeLog(), exit: () => undefined });
    expect(process.listenerCount('uncaughtException')).toBe(before + 1);
    off();
    expect(process.listenerCount('uncaughtException')).toBe(before);
  });
});
