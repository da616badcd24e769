// The process-level last resort for faults nobody caught: an exception thrown
// from a timer or an event handler, a promise rejection nobody handled. Module
// code runs in this process, so by default Node would exit on either. Here:
// - charged to a module (its async context, or its folder in the stack): a
//   fault of that module (counted, MGR_MODULE_ERROR, failed if it keeps on),
//   logged, and mgrd carries on;
// - an exception outside any module is a bug in mgrd itself: one fatal log
//   line naming it, then exit (state may be inconsistent, as Node's docs warn);
// - a rejection outside any module is logged as a core bug; mgrd carries on
//   (an unhandled rejection leaves no half-run synchronous code behind).

import type { Logger } from '../common/log.js';
import { scopeOf } from './module-scope.js';

export interface ProcessFaultOptions {
  log: Logger;
  /** Ends the process (after the fatal line is written). */
  exit(code: number): void;
}

/** EX_SOFTWARE: an internal software error. */
export const CORE_BUG_EXIT_CODE = 70;

/** Installs the handlers; returns a function that removes them. */
export function installProcessFaultHandlers(o: ProcessFaultOptions): () => void {
  const onException = (err: unknown, origin: string): void => {
    const scope = scopeOf(err);
    if (scope) {
      scope.report(err, origin);
      return;
    }
    o.log.fatal({ err: stackOf(err), origin }, `uncaught exception outside any module: this is a bug in mgrd; exiting with status ${CORE_BUG_EXIT_CODE}`);
    o.exit(CORE_BUG_EXIT_CODE);
  };
  const onRejection = (reason: unknown): void => {
    const scope = scopeOf(reason);
    if (scope) {
      scope.report(reason, 'unhandledRejection');
      return;
    }
    o.log.error({ err: stackOf(reason) }, 'unhandled promise rejection outside any module: this is a bug in mgrd; carrying on');
  };
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}

function stackOf(err: unknown): string {
  return err instanceof Error ? err.stack ?? err.message : String(err);
}

/** Exits once the log is written (within a second: a stuck log must not keep a broken process up). */
export function flushAndExit(log: Logger, code: number): void {
  setTimeout(() => process.exit(code), 1000).unref();
  log.flush(() => process.exit(code));
}
