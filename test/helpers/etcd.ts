// A real etcd (Debian etcd-server) for tests and benchmarks: one member on
// 127.0.0.1 free ports with a temporary data dir, stopped by PID, restartable
// on the same data dir (the etcd-outage tests).

import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, poll, spawnLogged, stopChild, which } from './procs.js';

export interface EtcdServer {
  endpoint: string;
  dataDir: string;
  logFile: string;
  child: ChildProcess | undefined;
  /** Stops it (SIGTERM by PID); `start()` brings it back on the same ports and data. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its data. */
  destroy(): Promise<void>;
}

export async function startEtcd(): Promise<EtcdServer> {
  const bin = which('etcd', 'apt-get install etcd-server (scripts/install-test-deps.sh)');
  const dataDir = mkdtempSync(join(tmpdir(), 'mgrd-etcd-'));
  const client = await freePort();
  const peer = await freePort();
  const endpoint = `http://127.0.0.1:${client}`;
  const logFile = `${dataDir}.log`;
  const args = [
    '--name', 'mgrd-test', '--data-dir', join(dataDir, 'data'),
    '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
    '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
    '--initial-cluster', `mgrd-test=http://127.0.0.1:${peer}`, '--log-level', 'warn',
  ];
  const s: EtcdServer = {
    endpoint, dataDir, logFile, child: undefined,
    start: async () => {
      const child = spawnLogged(bin, args, logFile, { ...process.env, ETCD_UNSUPPORTED_ARCH: process.arch === 'x64' ? '' : process.arch });
      s.child = child;
      await poll(`etcd to answer on ${endpoint} (log: ${logFile})`, 30_000, async () => {
        if (child.exitCode !== null) throw new Error(`etcd exited with ${child.exitCode}`);
        const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
        return res.ok && ((await res.json()) as { health?: string }).health === 'true';
      }, 100);
    },
    stop: async () => {
      await stopChild(s.child);
      s.child = undefined;
    },
    destroy: async () => {
      await s.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await s.start();
  return s;
}
