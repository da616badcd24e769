// CPU time of the calling thread, for tests that bound how long a synchronous
// step may hold the event loop: on a loaded machine wall time measures the
// other processes too, the thread's own CPU time does not.

import { readFileSync } from 'node:fs';

/** Milliseconds this thread has run on a CPU (Linux schedstat; process CPU elsewhere). */
export function threadCpuMs(): number {
  try {
    const s = readFileSync('/proc/thread-self/schedstat', 'latin1');
    return Number(s.slice(0, s.indexOf(' '))) / 1e6;
  } catch {
    const c = process.cpuUsage();
    return (c.user + c.system) / 1000;
  }
}

/** Runs `fn`, returning its result and the thread CPU ms it took. */
export function onCpu<T>(fn: () => T): { value: T; cpuMs: number } {
  const t0 = threadCpuMs();
  const value = fn();
  return { value, cpuMs: threadCpuMs() - t0 };
}
