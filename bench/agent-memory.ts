// Where the Ceph agent's memory goes, and what node flags and environment do
// to it (issue 9: under 1 % of a core and 80 MB for 4 daemons at a 5 s period).
// On a real Ceph 16.2 cluster (test/ceph/up.sh: 1 mon, 2 mgr, 4 OSDs) and one
// mgrd, each variant runs the agent (`node [flags] bin/mgrd.js agent ceph`,
// with or without --cluster-stats) for a warm-up and a window, then reports
// for the agent and for its librados helper (python3): CPU over the window,
// the highest RSS, and at the end RSS and PSS split into anonymous and
// file-backed (smaps_rollup). PSS shares each page among the processes that
// map it (the node binary with other node processes, libceph-common with the
// host's Ceph daemons): RSS is the conservative figure.
//
// Run (build first: npm run build && npx tsc -p tsconfig.json --outDir bench/out):
//   node bench/out/bench/agent-memory.js [--warmup 30] [--window 30] [--only name,name]

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src/common/paths.js';
import { startCephCluster } from '../test/ceph/cluster.js';
import { freePort, poll, stopChild } from '../test/helpers/procs.js';
import { measureWithHelper } from './lib/proc.js';
import { stopChildrenOnSignal } from './lib/reap.js';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const MGRD_BIN = join(packageRoot(), 'bin/mgrd.js');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const mib = (b: number): string => (b / 1048576).toFixed(1);

interface Variant {
  name: string;
  /** node flags before bin/mgrd.js */
  node: string[];
  env?: Record<string, string>;
  clusterStats: boolean;
}

const VARIANTS: Variant[] = [
  { name: 'daemons', node: [], clusterStats: false },
  { name: 'daemons-shebang', node: ['--max-semi-space-size=4'], clusterStats: false },
  { name: 'daemons-optsize', node: ['--optimize-for-size'], clusterStats: false },
  { name: 'daemons-lite', node: ['--lite-mode'], clusterStats: false },
  { name: 'daemons-pool1', node: ['--v8-pool-size=1'], clusterStats: false },
  { name: 'daemons-arena2', node: [], env: { MALLOC_ARENA_MAX: '2' }, clusterStats: false },
  { name: 'daemons-all', node: ['--lite-mode', '--v8-pool-size=1', '--optimize-for-size'], env: { MALLOC_ARENA_MAX: '2' }, clusterStats: false },
  { name: 'cluster', node: [], clusterStats: true },
  { name: 'cluster-helper-arena2', node: [], env: { MALLOC_ARENA_MAX: '2' }, clusterStats: true },
  { name: 'cluster-helper-ms1', node: [], env: { CEPH_ARGS: '--ms_async_op_threads=1 --admin_socket=' }, clusterStats: true },
  { name: 'cluster-all', node: ['--lite-mode', '--v8-pool-size=1', '--optimize-for-size'], env: { MALLOC_ARENA_MAX: '2', CEPH_ARGS: '--ms_async_op_threads=1 --admin_socket=' }, clusterStats: true },
];

interface Rollup {
  rss: number;
  pss: number;
  pssAnon: number;
  pssFile: number;
  anon: number;
}

function rollup(pid: number): Rollup | undefined {
  try {
    const t = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(t)?.[1] ?? 0) * 1024;
    return { rss: kb('Rss'), pss: kb('Pss'), pssAnon: kb('Pss_Anon'), pssFile: kb('Pss_File'), anon: kb('Anonymous') };
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  stopChildrenOnSignal();
  const warmupS = Number(arg('warmup', '30'));
  const windowS = Number(arg('window', '30'));
  const only = arg('only', '').split(',').filter(Boolean);
  const variants = only.length ? VARIANTS.filter((v) => only.includes(v.name)) : VARIANTS;
  const c = await startCephCluster();
  const children: ChildProcess[] = [];
  const out: string[] = [];
  const say = (l: string): void => {
    out.push(l);
    console.error(l);
  };
  try {
    const dir = mkdtempSync(join(c.work, 'mgrd-'));
    const mgrd = spawn(process.execPath, [MGRD_BIN, 'run', '--data-dir', dir, '--daemon-addr', `127.0.0.1:${await freePort()}`, '--admin-addr', '127.0.0.1:0',
      '--set', 'mgr/prometheus/server_port=0', '--set', 'mgr/prometheus/server_addr=127.0.0.1', '--log-level', 'warn'], { stdio: 'ignore' });
    children.push(mgrd);
    await poll('mgrd.json', 30_000, () => readFileSync(join(dir, 'mgrd.json'), 'utf8'));
    say(`agent memory, node ${process.version}, ${warmupS} s warm-up, ${windowS} s window; load at start ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    say('');
    say('| variant | node flags / env | load | agent CPU | agent RSS max | agent RSS end (anon) | agent PSS (anon + file) | helper CPU | helper RSS max | helper PSS (anon + file) | both RSS max | both PSS |');
    say('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const v of variants) {
      const a = spawn(process.execPath, [...v.node, MGRD_BIN, 'agent', 'ceph', '--data-dir', dir, '--ceph-name', c.agentName, '--log-level', 'warn', ...(v.clusterStats ? ['--cluster-stats'] : [])],
        { stdio: 'ignore', env: { ...process.env, CEPH_CONF: c.conf, ...v.env } });
      children.push(a);
      await sleep(warmupS * 1000);
      const pid = a.pid!;
      const f = await measureWithHelper(pid, windowS);
      const h = f.helperPid;
      const ar = rollup(pid)!;
      const hr = h ? rollup(h) : undefined;
      const pct = (x: number): string => `${x.toFixed(2)} %`;
      const flags = [...v.node, ...Object.entries(v.env ?? {}).map(([k, x]) => `${k}=${x}`)].join(' ') || '(none)';
      say(`| ${v.name} | ${flags} | ${loadavg()[0]!.toFixed(1)} | ${pct(f.agentCpuPct)} | ${mib(f.agentRss)} | ${mib(ar.rss)} (${mib(ar.anon)}) | ${mib(ar.pss)} (${mib(ar.pssAnon)} + ${mib(ar.pssFile)}) | `
        + `${f.helperRss ? pct(f.helperCpuPct) : '-'} | ${f.helperRss ? mib(f.helperRss) : '-'} | ${hr ? `${mib(hr.pss)} (${mib(hr.pssAnon)} + ${mib(hr.pssFile)})` : '-'} | ${mib(f.agentRss + f.helperRss)} | ${mib(ar.pss + (hr?.pss ?? 0))} |`);
      await stopChild(a);
    }
    say('');
    say(`load at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await Promise.all(children.map((ch) => stopChild(ch))); // the agents are stopped already; mgrd last of all
    await c.stop();
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
