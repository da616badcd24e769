// Open-file descriptors: how many this process may open (the soft RLIMIT_NOFILE
// of `ulimit -n`, from /proc/self/limits) and has open. A process that needs
// one per daemon checks at start and refuses with the fix, instead of leaving
// the daemons past the limit silently unable to connect.

import { readdirSync, readFileSync } from 'node:fs';

/** Descriptors beyond the daemons' a process needs for itself (stdio, the loop, log files, listeners). */
export const FD_HEADROOM = 64;

/** The soft open-file limit, or undefined where it cannot be read (not Linux). */
export function openFileLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (!m) return undefined;
    return m[1] === 'unlimited' ? Infinity : Number(m[1]);
  } catch {
    return undefined;
  }
}

/** Descriptors open now, or 0 where they cannot be counted. */
export function openFiles(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return 0;
  }
}

/**
 * Why `need` more descriptors cannot be had (with the fix), or undefined when
 * they can or the limit is unknown. `what` names them, `fix` adds a way out.
 */
export function descriptorShortfall(need: number, what: string, fix: string): string | undefined {
  const limit = openFileLimit();
  if (limit === undefined) return undefined;
  const want = openFiles() + need + FD_HEADROOM;
  if (want <= limit) return undefined;
  const raise = Math.ceil(want / 1024) * 1024;
  return `${what} need ${need} file descriptors (${want} with this process's own and some headroom), ` +
    `but the open-file limit is ${limit} (ulimit -n). Raise it (ulimit -n ${raise}; systemd: LimitNOFILE=${raise}; ` +
    `the hard limit ulimit -Hn caps it), or ${fix}`;
}
