// Which module a piece of running code belongs to, so that a fault surfacing
// later and elsewhere (a throw from a module's timer, an unhandled rejection in
// its promises, an error event of its server) can be charged to that module
// instead of ending the process.
//
// The registry runs every module hook inside runAsModule(); Node's
// AsyncLocalStorage carries the scope into the timers, immediates, promises and
// sockets the hook creates, and the process-level handlers read it back
// (measured: timer, interval, setImmediate, nextTick, promise rejection, HTTP
// request handler and EventEmitter 'error' all keep it; an exception thrown
// from queueMicrotask does not, so the error's stack is matched against the
// module folders as a fallback). AsyncLocalStorage is process-wide by nature,
// and so are the handlers reading it: this file is the one place for both.

import { AsyncLocalStorage } from 'node:async_hooks';
import { sep } from 'node:path';

export interface ModuleScope {
  readonly module: string;
  /** The module's folder, for matching stacks. */
  readonly dir: string;
  /** Whether an instance of the module runs (of two registries holding a folder, the one running it owns a stack match). */
  running(): boolean;
  /** Charges an asynchronous fault (uncaught exception, unhandled rejection) to this module. */
  report(err: unknown, origin: string): void;
}

const storage = new AsyncLocalStorage<ModuleScope>();
/** Scopes of running module instances (stack fallback). */
const live = new Set<ModuleScope>();

/** Runs module code (a hook, the constructor) as `scope`: what it starts stays charged to it. */
export function runAsModule<T>(scope: ModuleScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/** Runs core code outside any module's scope (timers the core starts on a module's behalf). */
export function runAsCore<T>(fn: () => T): T {
  return storage.exit(fn);
}

export function currentScope(): ModuleScope | undefined {
  return storage.getStore();
}

export function addLiveScope(scope: ModuleScope): void {
  live.add(scope);
}

export function removeLiveScope(scope: ModuleScope): void {
  live.delete(scope);
}

/** The module an error belongs to: the async context it surfaced in, else a module folder in its stack. */
export function scopeOf(err: unknown): ModuleScope | undefined {
  const current = storage.getStore();
  if (current) return current;
  const stack = err instanceof Error ? err.stack ?? '' : '';
  let match: ModuleScope | undefined;
  for (const s of live) {
    if (!stack.includes(s.dir + sep)) continue;
    if (s.running()) return s;
    match ??= s;
  }
  return match;
}
