// Event-loop stalls of this (main) thread, each with what the thread did over
// it: its own CPU time, the time it was runnable but waiting for a CPU (Linux
// schedstat), the GC pauses inside it, and the CPU other processes on the
// machine took meanwhile (the real servers a benchmark starts, the simulator).
// A stall whose main-thread CPU is near its length is work on this thread
// (ours, the core's or GC); one that is mostly runqueue wait is the thread not
// being scheduled: the CPUs were someone else's.
//
// A 1 ms interval timer finds the stalls (a gap between two firings longer
// than `overMs`, as bench/stall.ts does); the thread's own schedstat is read at
// every firing (~2 µs), the other processes' every `sampleMs` (so their CPU
// over a stall covers up to sampleMs more before it).

import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import { constants as perfConstants, performance, PerformanceObserver } from 'node:perf_hooks';

export interface CpuStall {
  /** Start on the monotonic clock a --cpu-prof profile's timestamps use, µs. */
  readonly startUs: number;
  readonly wallMs: number;
  /** This thread's CPU over the stall (its code, the core's, GC on this thread). */
  readonly cpuMs: number;
  /** Time this thread was runnable but waiting for a CPU. */
  readonly waitMs: number;
  /** GC pauses that began inside the stall, summed, and how many were major (mark-compact). */
  readonly gcMs: number;
  readonly majorGcs: number;
  /** CPU ms each watched group of processes used over the stall (see sampleMs above). */
  readonly others: ReadonlyArray<readonly [string, number]>;
}

/** The threads of a process (their schedstat is each thread's own CPU); none when it is gone or unknown. */
export function threadsOf(pid: number | undefined): number[] {
  if (pid === undefined) return [];
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    return [];
  }
}

/** A group of processes whose CPU is read over each stall (e.g. a server and its database). */
export interface ProcGroup {
  readonly name: string;
  readonly pids: readonly number[];
}

const buf = Buffer.alloc(256);

/** [cpu ns, runqueue wait ns] from an open schedstat file; undefined once the task is gone. */
function readSchedstat(fd: number): [number, number] | undefined {
  try {
    const n = readSync(fd, buf, 0, buf.length, 0);
    const [cpu, wait] = buf.toString('latin1', 0, n).split(' ');
    return [Number(cpu), Number(wait)];
  } catch {
    return undefined;
  }
}

/** The schedstat of a process's main thread: the whole process for single-threaded servers (PostgreSQL, zabbix_server). */
function openSchedstat(path: string): number | undefined {
  try {
    return openSync(path, 'r');
  } catch {
    return undefined;
  }
}

export class StallCpuWatch {
  /** The stalls found, each with its span on the performance clock (its GC pauses are matched in stop()). */
  private readonly stalls: Array<Omit<CpuStall, 'gcMs' | 'majorGcs'> & { from: number; to: number }> = [];
  private readonly gcs: Array<{ start: number; ms: number; major: boolean }> = [];
  private readonly gcObs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = ((e as { detail?: unknown }).detail as { kind?: number } | undefined)?.kind;
      this.gcs.push({ start: e.startTime, ms: e.duration, major: kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR });
    }
  });
  private timer: NodeJS.Timeout | undefined;
  private selfFd: number | undefined;
  private groupFds: number[][] = [];

  constructor(private readonly overMs: number, private readonly groups: readonly ProcGroup[], private readonly sampleMs = 20) {}

  private groupNs(): number[] {
    return this.groupFds.map((fds) => {
      let ns = 0;
      for (const fd of fds) ns += readSchedstat(fd)?.[0] ?? 0; // a process gone: its CPU no longer counts (rare: servers' workers live on)
      return ns;
    });
  }

  start(): void {
    this.stalls.length = 0;
    this.gcs.length = 0;
    this.selfFd = openSchedstat('/proc/thread-self/schedstat');
    if (this.selfFd === undefined) return; // not Linux: no stalls reported
    this.groupFds = this.groups.map((g) => g.pids.map((p) => openSchedstat(`/proc/${p}/schedstat`)).filter((fd): fd is number => fd !== undefined));
    this.gcObs.observe({ entryTypes: ['gc'] });
    const self = this.selfFd;
    let last = performance.now();
    let lastSelf = readSchedstat(self)!;
    let sampledAt = last;
    let sampled = this.groupNs();
    this.timer = setInterval(() => {
      const now = performance.now();
      const cur = readSchedstat(self)!;
      if (now - last > this.overMs + 1) {
        const others = this.groupNs();
        this.stalls.push({
          startUs: Number(process.hrtime.bigint() / 1000n) - Math.round((now - last) * 1000),
          wallMs: now - last,
          cpuMs: (cur[0] - lastSelf[0]) / 1e6,
          waitMs: (cur[1] - lastSelf[1]) / 1e6,
          from: last,
          to: now,
          others: this.groups.map((g, i) => [g.name, (others[i]! - sampled[i]!) / 1e6] as const),
        });
        sampled = others;
        sampledAt = now;
      } else if (now - sampledAt >= this.sampleMs) {
        sampled = this.groupNs();
        sampledAt = now;
      }
      last = now;
      lastSelf = cur;
    }, 1);
  }

  /** The stalls since start(), each with its GC pauses (call after a turn has passed: GC entries come late). */
  stop(): CpuStall[] {
    clearInterval(this.timer);
    for (const e of this.gcObs.takeRecords()) {
      const kind = ((e as { detail?: unknown }).detail as { kind?: number } | undefined)?.kind;
      this.gcs.push({ start: e.startTime, ms: e.duration, major: kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR });
    }
    this.gcObs.disconnect();
    for (const fd of [this.selfFd, ...this.groupFds.flat()]) if (fd !== undefined) closeSync(fd);
    this.selfFd = undefined;
    this.groupFds = [];
    return this.stalls.map(({ from, to, ...s }) => {
      const inside = this.gcs.filter((g) => g.start >= from && g.start < to);
      return { ...s, gcMs: inside.reduce((a, g) => a + g.ms, 0), majorGcs: inside.filter((g) => g.major).length };
    });
  }
}

/** One stall as text: "wall ms (main-thread CPU / runqueue wait / GC; others)". */
export function stallText(s: CpuStall): string {
  const f = (x: number): string => x.toFixed(0);
  const others = s.others.map(([n, ms]) => `${n} ${f(ms)}`).join(', ');
  return `${s.wallMs.toFixed(1)} ms at ${s.startUs} µs (CPU ${f(s.cpuMs)}, waiting for a CPU ${f(s.waitMs)}, GC ${f(s.gcMs)}${s.majorGcs > 0 ? ` incl. ${s.majorGcs} major` : ''}; ${others})`;
}
