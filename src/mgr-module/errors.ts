// Errors the module API throws that a module is expected to handle.

/**
 * What get() throws for a map the cluster has not sent yet: the first maps
 * arrive just after the manager becomes active, so a module that reads in
 * serve() or a timer may run before them. Test with isNotReady() and try later.
 */
export class NotReadyError extends Error {
  readonly code = 'ENOTREADY';

  constructor(readonly what: string) {
    super(`${what} not received from the cluster yet`);
    this.name = 'NotReadyError';
  }
}

/** Whether `err` is get()'s "not ready" (also from another copy of the SDK, by its code). */
export function isNotReady(err: unknown): err is NotReadyError {
  return err instanceof NotReadyError || (err instanceof Error && (err as { code?: unknown }).code === 'ENOTREADY');
}
