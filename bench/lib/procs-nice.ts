// Lower CPU priority for a benchmark's other processes (the servers, the
// simulator), as if they ran on cores of their own: they take a CPU only when
// mgrd leaves it. A measurement condition, not a setting of mgrd.
//
// Two Linux details make `renice -p <pid>` alone not do that:
// - nice is per thread: setpriority(PRIO_PROCESS, pid) changes one thread, so
//   every thread in /proc/<pid>/task is set (threads created later inherit
//   their creator's value);
// - with sched_autogroup_enabled (the default here), a process that called
//   setsid() (a server started `detached`) is in an autogroup of its own, and
//   the scheduler shares the CPUs between autogroups first: a thread's nice
//   only orders it among its own autogroup's threads. Such a process's
//   autogroup is given the nice value too (/proc/<pid>/autogroup); ours (the
//   benchmark's, with mgrd in it) is left alone.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';

/** "/autogroup-7 nice 0" → "/autogroup-7"; undefined when unreadable (not Linux, gone, no autogroup). */
function autogroupOf(pid: number | 'self'): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/autogroup`, 'latin1').split(' ')[0];
  } catch {
    return undefined;
  }
}

/** What niceProcess() did, for the benchmark's header. */
export interface Niced {
  readonly threads: number;
  /** The process's own autogroup was given the nice value (it is not the benchmark's). */
  readonly autogroup: boolean;
}

/**
 * Every thread of `pid` at nice `n` (0 gives the default back: the benchmark runs as root), and its
 * autogroup when that is not the benchmark's own. Throws if the process is gone or the nice value
 * cannot be set: a condition that did not apply must not be reported as measured.
 */
export function niceProcess(pid: number, n: number): Niced {
  if (!Number.isInteger(n) || n < -20 || n > 19) throw new Error(`nice ${n}: not an integer -20..19`);
  const tids = readdirSync(`/proc/${pid}/task`).map(Number);
  let threads = 0;
  for (const tid of tids) {
    try {
      setPriority(tid, n);
      threads++;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') continue; // the thread ended meanwhile
      throw err;
    }
  }
  const own = autogroupOf(pid);
  const autogroup = own !== undefined && own !== autogroupOf('self');
  if (autogroup) writeFileSync(`/proc/${pid}/autogroup`, String(n));
  return { threads, autogroup };
}

/** The nice value of every thread of `pid` (to check that a condition holds, e.g. after the process made threads). */
export function niceOfThreads(pid: number): number[] {
  const out: number[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1');
      out.push(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])); // field 19: nice
    } catch {
      // ended meanwhile
    }
  }
  return out;
}
