// Process measurements from /proc (Linux): CPU seconds and resident memory of a PID.

import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_S = 100; // USER_HZ on Linux

export interface ProcSample {
  cpuS: number;
  rssBytes: number;
  hwmBytes: number;
}

export function sampleProc(pid: number): ProcSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the ")" of the command name: state is field 3, utime 14, stime 15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { cpuS: (utime + stime) / TICKS_PER_S, rssBytes: kb('VmRSS'), hwmBytes: kb('VmHWM') };
}

/** Child PIDs of a process, whichever of its threads started them (the agent's librados helper, a benchmark's servers). */
export function childrenOf(pid: number): number[] {
  const pids: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return pids;
  }
  for (const task of tasks) {
    try {
      for (const p of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/)) if (p) pids.push(Number(p));
    } catch {
      // the thread ended
    }
  }
  return pids;
}

export interface WithHelperFigures {
  agentCpuPct: number;
  helperCpuPct: number;
  /** Highest RSS sampled each second. */
  agentRss: number;
  helperRss: number;
  /** The helper's PID at the start of the window (undefined: none running). */
  helperPid: number | undefined;
}

/** CPU over a window and the highest RSS, of a process and of its first child (if it has one, and the same one throughout). */
export async function measureWithHelper(pid: number, windowS: number): Promise<WithHelperFigures> {
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  const helper = (): number | undefined => childrenOf(pid)[0];
  const h = helper();
  const a0 = sampleProc(pid);
  const h0 = h ? sampleProc(h) : undefined;
  let agentRss = 0;
  let helperRss = 0;
  for (let s = 0; s < windowS; s++) {
    await sleep(1000);
    agentRss = Math.max(agentRss, sampleProc(pid).rssBytes);
    const hn = helper();
    if (hn) helperRss = Math.max(helperRss, sampleProc(hn).rssBytes);
  }
  const a1 = sampleProc(pid);
  const h1 = h && helper() === h ? sampleProc(h) : undefined;
  return {
    agentCpuPct: (100 * (a1.cpuS - a0.cpuS)) / windowS,
    helperCpuPct: h0 && h1 ? (100 * (h1.cpuS - h0.cpuS)) / windowS : 0,
    agentRss,
    helperRss,
    helperPid: h,
  };
}
