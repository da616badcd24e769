// The child processes of the in-process benchmarks (bench:scrape, bench:stall):
// the simulator (lib/sim-child) and the scraper (lib/scrape-client), each a
// compiled script next to this file that answers with one line on stdout. Starting one makes a
// signal to the benchmark stop every child it has (lib/reap.ts).

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { descriptorShortfall } from '../../src/common/fd-budget.js';
import type { BenchMgr } from './bench-mgr.js';
import { LinkMux } from './link-mux.js';
import { stopChildrenOnSignal } from './reap.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs `lib/<script>` (compiled, beside this file) in its own node process. */
export function libChild(script: string, args: string[]): ChildProcess {
  stopChildrenOnSignal();
  return spawn(process.execPath, [join(HERE, script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
}

/** The child's first line on stdout; rejects if it exits before writing one. */
export async function firstLine(child: ChildProcess): Promise<string> {
  const rl = createInterface({ input: child.stdout! });
  const ac = new AbortController();
  try {
    const line = once(rl, 'line', { signal: ac.signal }) as Promise<[string]>;
    const exit = once(child, 'exit', { signal: ac.signal }).then(([code]) => {
      throw new Error(`child ${child.spawnfile} exited with ${String(code)} before answering`);
    });
    const [first] = await Promise.race([line, exit]);
    return first;
  } finally {
    ac.abort();
    rl.close();
  }
}

/**
 * The simulator of `osds` OSDs reporting to the manager over loopback, once its sessions are opening.
 * `mux`: every session over one socket (lib/link-mux.ts); by default when a socket per daemon would
 * pass this process's open-file limit (~9,000 OSDs and more under `ulimit -n` 20,000).
 */
export async function startSim(m: BenchMgr, osds: number, opts: { mux?: boolean } = {}): Promise<ChildProcess> {
  const keyringFile = join(m.dir, 'keyring');
  m.keyring.save(keyringFile);
  const args = [m.daemonAddr, keyringFile, String(osds), '1'];
  let mux: Server | undefined;
  const short = descriptorShortfall(Math.ceil(osds * 1.01) + 16, `${osds} OSDs' sessions`, 'multiplex them');
  if (opts.mux ?? short !== undefined) {
    console.error(`  simulator sessions over one multiplexed socket (lib/link-mux.ts)${short ? `: ${short}` : ''}`);
    mux = createServer({ noDelay: true }, (socket) => new LinkMux(socket, () => m.mgr.server.connectLocal()));
    mux.listen(0, '127.0.0.1');
    await once(mux, 'listening');
    args.push(`127.0.0.1:${(mux.address() as AddressInfo).port}`);
  }
  const child = libChild('sim-child.js', args);
  child.once('exit', () => mux?.close());
  const line = await firstLine(child);
  if (!line.startsWith('ready')) throw new Error(`simulator: ${line}`);
  return child;
}

/** Stops a child, also one paused with SIGSTOP. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = once(child, 'exit');
  process.kill(child.pid, 'SIGCONT');
  process.kill(child.pid, 'SIGTERM');
  await exited;
}

/** Waits until every OSD has reported perf counters and PG stats, and the PGMap is ready. */
export async function waitForCluster(m: BenchMgr, osds: number, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    let reporting = 0;
    m.mgr.views.forEachDaemonCounters(() => reporting++, 'osd');
    const withStats = m.mgr.cluster.pgMap.osdIds().length;
    const status = `${reporting}/${osds} OSDs reporting, PG stats of ${withStats}, pg_ready ${m.mgr.cluster.pgMap.isPgReady()}`;
    if (status !== last) console.error(`  ${status}`);
    last = status;
    if (reporting >= osds && withStats >= osds && m.mgr.cluster.pgMap.isPgReady()) return;
    if (Date.now() > end) throw new Error(`cluster not complete after ${timeoutMs} ms: ${status}`);
    await sleep(2000);
  }
}

/**
 * Waits until every daemon's ring holds `samples` reports. A ring is allocated zeroed at full size
 * but its pages become resident only as reports fill them: a module-less RSS taken before this
 * still grows by itself (docs/decisions.md, "Memory of the influx module and the agent").
 */
export async function waitForRingsFull(m: BenchMgr, samples: number, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    let short = 0;
    for (const d of m.mgr.daemons.values()) if (d.ring.size < samples) short++;
    if (short === 0) return;
    if (Date.now() > end) throw new Error(`${short} daemons' rings not full after ${timeoutMs} ms`);
    await sleep(2000);
  }
}
