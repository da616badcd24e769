// A benchmark stopped by a signal (Ctrl-C, `kill`, a CI or `timeout` limit) stops its child processes
// with it: the simulator, the scraper, the prom-client baseline and the real servers it started
// (InfluxDB, VictoriaMetrics, Zabbix, PostgreSQL). Before this they outlived the benchmark, holding
// ports and CPU, and skewed the next run's figures.

import { constants } from 'node:os';
import { childrenOf } from './proc.js';

let installed = false;

/**
 * Sends SIGCONT (a child may be paused with SIGSTOP) and SIGTERM to each child of this process: to its
 * whole process group when it leads one (servers started detached, as Zabbix with its forks is), else
 * to the child alone.
 */
export function stopChildren(): number[] {
  const pids = childrenOf(process.pid);
  for (const pid of pids) {
    for (const sig of ['SIGCONT', 'SIGTERM'] as const) {
      try {
        process.kill(-pid, sig);
      } catch {
        try {
          process.kill(pid, sig);
        } catch {
          // already gone
        }
      }
    }
  }
  return pids;
}

/**
 * On SIGINT, SIGTERM or SIGHUP: stop every child, then exit with 128 + the signal's number, as a
 * process killed by it would. Idempotent; the benchmarks' child starters call it.
 */
export function stopChildrenOnSignal(): void {
  if (installed) return;
  installed = true;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      const pids = stopChildren();
      console.error(`bench: ${sig}: stopped ${pids.length} child process(es) ${pids.join(' ')}`);
      process.exit(128 + constants.signals[sig]);
    });
  }
}
