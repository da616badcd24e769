// One catalogue of errno values for commands and the one errno -> HTTP status table
// (STYLE.md 5). Commands return negative errno with a sentence, as Ceph does.

import { Errno, type ErrnoName } from '../mgr-module/errno.js';

// The numbers are the SDK's (modules return them too); the core takes them from here.
export { Errno, type ErrnoName };

const NAMES = new Map<number, ErrnoName>(Object.entries(Errno).map(([k, v]) => [v, k as ErrnoName]));

export function errnoName(code: number): string {
  return NAMES.get(Math.abs(code)) ?? `E${Math.abs(code)}`;
}

/** HTTP status for a command's return value (0 or negative errno). */
export function httpStatusForRetval(retval: number): number {
  if (retval >= 0) return 200;
  switch (-retval) {
    case Errno.EINVAL:
    case Errno.ERANGE:
      return 400;
    case Errno.EPERM:
    case Errno.EACCES:
      return 403;
    case Errno.ENOENT:
    case Errno.ENODATA:
      return 404;
    case Errno.EEXIST:
    case Errno.ENOTEMPTY:
    case Errno.EBUSY:
      return 409;
    case Errno.EOPNOTSUPP:
    case Errno.ENOSYS:
      return 501;
    case Errno.EAGAIN:
      return 503;
    case Errno.ETIMEDOUT:
      return 504;
    default:
      return 500;
  }
}

/** A command's result: Ceph's (retval, outb, outs) triple. */
export interface CommandResult {
  /** 0 on success, negative errno on failure. */
  r: number;
  /** Data: what `mgrd tell` prints on stdout. */
  outb: string;
  /** Status: what `mgrd tell` prints on stderr. */
  outs: string;
}

export function cmdOk(outb = '', outs = ''): CommandResult {
  return { r: 0, outb, outs };
}

export function cmdErr(errno: number, outs: string): CommandResult {
  return { r: -Math.abs(errno), outb: '', outs };
}

/** An error that carries an errno; thrown inside command handlers and option validation. */
export class ErrnoError extends Error {
  constructor(readonly errno: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ErrnoError';
  }
}
