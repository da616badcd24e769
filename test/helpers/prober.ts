// Probes a running mgrd from its own process while a test attacks it: the
// latency of each GET (so what the attacking test process does to its own
// event loop never counts against mgrd), and mgrd's RSS at each round.

import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ProbeRound {
  /** ms since the prober started. */
  t: number;
  /** Date.now() when the round started. */
  at: number;
  /** Per URL: ms to the whole answer, or -1 when it failed or took longer than the deadline. */
  ms: number[];
  status: number[];
  errors: string[];
  rss: number;
}

// Plain JavaScript for `node -e`: fetch each URL with a deadline, one JSON line per round.
const SCRIPT = `
const [urls, pid, everyMs, deadlineMs] = JSON.parse(process.argv[1]);
const fs = require('node:fs');
const t0 = Date.now();
const rss = () => { try { return Number(/^VmRSS:\\s+(\\d+) kB/m.exec(fs.readFileSync('/proc/' + pid + '/status', 'utf8'))[1]) * 1024; } catch { return -1; } };
async function one(url) {
  const s = performance.now();
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(deadlineMs) });
    await r.arrayBuffer();
    return { ms: performance.now() - s, status: r.status, error: '' };
  } catch (e) {
    return { ms: -1, status: 0, error: String(e && e.message || e) };
  }
}
(async () => {
  for (;;) {
    const start = Date.now();
    const res = await Promise.all(urls.map(one));
    process.stdout.write(JSON.stringify({ t: start - t0, at: start, ms: res.map((r) => r.ms), status: res.map((r) => r.status), errors: res.map((r) => r.error), rss: rss() }) + '\\n');
    await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (Date.now() - start))));
  }
})();
`;

export interface Prober {
  rounds: ProbeRound[];
  /** Rounds where any URL failed, answered non-200, or took longer than the deadline. */
  bad(): ProbeRound[];
  maxRss(): number;
  stop(): void;
}

export function startProber(urls: string[], pid: number, everyMs = 200, deadlineMs = 1000): Prober {
  const child: ChildProcess = spawn(process.execPath, ['-e', SCRIPT, JSON.stringify([urls, pid, everyMs, deadlineMs])], { stdio: ['ignore', 'pipe', 'inherit'] });
  const rounds: ProbeRound[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => rounds.push(JSON.parse(line) as ProbeRound));
  return {
    rounds,
    bad: () => rounds.filter((r) => r.ms.some((ms) => ms < 0 || ms > deadlineMs) || r.status.some((s) => s !== 200)),
    maxRss: () => Math.max(0, ...rounds.map((r) => r.rss)),
    stop: () => {
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
    },
  };
}
