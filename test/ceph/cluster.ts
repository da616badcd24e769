// A real Ceph cluster for tests and benchmarks: test/ceph/up.sh in a temp dir
// on free ports, the `ceph`/`rados` CLIs against it, stopped by PID
// (down.sh). Packages: scripts/test-deps/ceph.list.

import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../../src/common/paths.js';

const run = promisify(execFile);
// The scripts beside this file's source (also when compiled elsewhere, as the benchmarks are).
const HERE = join(packageRoot(), 'test/ceph');
/** Set to a running cluster's WORK dir to reuse it instead of starting one (development). */
export const REUSE_ENV = 'MGRD_CEPH_CLUSTER';
export const INSTALL_HINT = 'sudo ./scripts/install-test-deps.sh (Debian packages ceph-mon ceph-mgr ceph-osd ceph-common ceph-mgr-modules-core)';

export interface CephCluster {
  work: string;
  conf: string;
  /** client.admin's keyring (the tests' own `ceph` calls). */
  adminKeyring: string;
  /** client.mgrd: mon 'allow r', mgr 'allow r' (what the agent gets). */
  agentKeyring: string;
  agentName: string;
  asokDir: string;
  /** The real ceph-mgr's prometheus module. */
  promPort: number;
  env: NodeJS.ProcessEnv;
  /** `ceph ARGS -f json` as client.admin, parsed. */
  json<T = unknown>(...args: string[]): Promise<T>;
  /** A CLI (ceph, rados, ceph-osd...) as client.admin: stdout. */
  cli(bin: string, ...args: string[]): Promise<string>;
  /** PID of a daemon (osd.2, mon.a, mgr.x) from its PID file. */
  pid(daemon: string): number;
  /** Starts a stopped daemon again (ceph-osd -i 2); it reads its own keyring from ceph.conf. */
  startDaemon(type: 'osd' | 'mon' | 'mgr', id: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startCephCluster(opts: { env?: Record<string, string> } = {}): Promise<CephCluster> {
  for (const b of ['ceph-mon', 'ceph-mgr', 'ceph-osd', 'ceph', 'rados']) {
    if (spawnSync('sh', ['-c', `command -v ${b}`]).status !== 0) throw new Error(`${b} not found on PATH: install it with ${INSTALL_HINT}`);
  }
  // A developer's cluster, started once with `WORK=DIR test/ceph/up.sh`, reused across runs (and left running).
  const reused = process.env[REUSE_ENV];
  if (reused !== undefined && reused !== '') {
    const mon = join(reused, 'run', 'mon.a.pid');
    if (!existsSync(mon)) throw new Error(`${REUSE_ENV}=${reused}: no cluster there (start one with WORK=${reused} test/ceph/up.sh)`);
    return attach(reused, () => Promise.resolve());
  }
  const work = mkdtempSync(join(tmpdir(), 'mgrd-ceph-'));
  const stop = async (): Promise<void> => {
    await run(join(HERE, 'down.sh'), [work, '--wipe'], { timeout: 60_000 });
  };
  try {
    await run(join(HERE, 'up.sh'), [], { env: { ...process.env, WORK: work, ...opts.env }, timeout: 240_000, maxBuffer: 16 << 20 });
  } catch (err) {
    await stop().catch(() => undefined);
    const e = err as { stderr?: string; message: string };
    throw new Error(`test/ceph/up.sh failed: ${e.message}\n${(e.stderr ?? '').slice(-3000)}`);
  }
  return attach(work, stop);
}

/** The cluster up.sh started in `work` (its env.sh). */
function attach(work: string, stop: () => Promise<void>): CephCluster {
  const vars = Object.fromEntries(readFileSync(join(work, 'env.sh'), 'utf8').trim().split('\n').map((l) => l.split('=', 2) as [string, string]));
  const env = { ...process.env, CEPH_CONF: vars.CEPH_CONF, CEPH_KEYRING: vars.CEPH_KEYRING };
  const cli = async (bin: string, ...args: string[]): Promise<string> => (await run(bin, args, { env, timeout: 120_000, maxBuffer: 64 << 20 })).stdout;
  return {
    work,
    conf: vars.CEPH_CONF!,
    adminKeyring: vars.CEPH_KEYRING!,
    agentKeyring: vars.AGENT_KEYRING!,
    agentName: vars.AGENT_NAME!,
    asokDir: vars.ASOK_DIR!,
    promPort: Number(vars.PROM_PORT),
    env,
    cli,
    json: async <T>(...args: string[]): Promise<T> => JSON.parse(await cli('ceph', ...args, '-f', 'json')) as T,
    startDaemon: async (type, id) => {
      await run(`ceph-${type}`, ['-i', id], { env: { ...process.env, CEPH_CONF: vars.CEPH_CONF }, timeout: 60_000 });
    },
    pid: (daemon: string) => Number(readFileSync(join(work, 'run', `${daemon}.pid`), 'utf8').trim()),
    stop,
  };
}
