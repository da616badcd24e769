// `mgrd agent ceph`: a real Ceph cluster's daemons (and, with --cluster-stats,
// its maps, health and PG stats) reported to a running mgrd. Also the options
// `mgrd run --ceph` shares with it.

import { Command, InvalidArgumentError, Option } from 'commander';
import { createLogger, type Logger } from '../common/log.js';
import { AGENT_DEFAULTS, CephAgent, type CephAgentOptions } from '../agent/ceph-agent.js';
import { DAEMON_TYPES, type DaemonType } from '../agent/asok-discovery.js';
import { asokDirsFromConf, defaultCephConf } from '../agent/ceph-conf.js';
import { Keyring } from '../protocol/keyring.js';
import { existsSync } from 'node:fs';
import { connectableAddr, keyringPath, readRuntimeInfo, runtimeInfoPath } from './runtime-info.js';
import { DEFAULT_DAEMON_PORT } from './defaults.js';
import { mgrAddrList } from './listen-addr.js';

/** The Ceph-side options of `agent ceph` and `run --ceph`, as commander parses them. */
export interface CephFlags {
  cluster: string;
  cephConf?: string;
  cephName: string;
  cephKeyring?: string;
  asokDir: string[];
  daemonTypes: DaemonType[];
  interval: number;
  pgInterval: number;
  commandTimeout: number;
  pgTimeout: number;
  asokTimeoutMs: number;
  python?: string;
}

function seconds(flag: string, min: number, max: number, unit = 'seconds') {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`${flag} must be a number of ${unit} in [${min}, ${max}]`);
    return n;
  };
}

function daemonTypes(v: string): DaemonType[] {
  const list = v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const t of list) if (!(DAEMON_TYPES as readonly string[]).includes(t)) throw new InvalidArgumentError(`--daemon-types: '${t}' is not one of ${DAEMON_TYPES.join(', ')}`);
  if (list.length === 0) throw new InvalidArgumentError('--daemon-types: give at least one of ' + DAEMON_TYPES.join(', '));
  return list as DaemonType[];
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

/**
 * Adds the Ceph-side options to a command: where the cluster is (agent ceph
 * and run --ceph), and with `full` the agent's intervals and timeouts too
 * (run --ceph keeps their defaults, so `run` does not grow a dozen flags).
 */
export function addCephOptions(cmd: Command, full = true): Command {
  const d = AGENT_DEFAULTS;
  cmd
    .option('--cluster <name>', "Ceph's cluster name (admin sockets are <cluster>-<type>.<id>.asok)", d.cluster)
    .option('--ceph-conf <file>', 'ceph.conf of the cluster (default: $CEPH_CONF, else /etc/ceph/<cluster>.conf)')
    .option('--ceph-name <entity>', 'Ceph entity for the cluster connection', d.cephName)
    .option('--ceph-keyring <file>', "its keyring (default: librados' search from ceph.conf)")
    .addOption(new Option('--asok-dir <dir>', "directory of the daemons' admin sockets (repeatable)").argParser(collect).default([], 'from ceph.conf, else /var/run/ceph'))
    .addOption(new Option('--daemon-types <list>', `daemon types reported, of ${DAEMON_TYPES.join(',')}`).argParser(daemonTypes).default(d.daemonTypes, d.daemonTypes.join(',')));
  if (!full) {
    for (const [k, v] of Object.entries({ interval: d.intervalS, pgInterval: d.pgIntervalS, commandTimeout: d.commandTimeoutS, pgTimeout: d.pgTimeoutS, asokTimeoutMs: d.asokTimeoutMs })) cmd.setOptionValueWithSource(k, v, 'default');
    return cmd;
  }
  return cmd
    .option('--interval <s>', 'seconds between looks at the sockets and between map/health rounds', seconds('--interval', 0.5, 3600), d.intervalS)
    .option('--pg-interval <s>', "seconds between 'pg dump's", seconds('--pg-interval', 1, 3600), d.pgIntervalS)
    .option('--command-timeout <s>', 'timeout of each cluster command', seconds('--command-timeout', 1, 600), d.commandTimeoutS)
    .option('--pg-timeout <s>', "timeout of 'pg dump'", seconds('--pg-timeout', 1, 3600), d.pgTimeoutS)
    .option('--asok-timeout-ms <ms>', 'timeout of each admin socket read', seconds('--asok-timeout-ms', 50, 600_000, 'milliseconds'), d.asokTimeoutMs)
    .option('--python <path>', "python3 with the rados bindings (default: the ceph CLI's interpreter)");
}

/** CephAgentOptions from parsed flags. */
export function agentOptions(f: CephFlags, mgrAddrs: string[], keyring: Keyring, clusterStats: boolean, log: Logger): CephAgentOptions {
  const cephConf = f.cephConf ?? defaultCephConf(f.cluster);
  return {
    mgrAddrs,
    keyring,
    cluster: f.cluster,
    cephConf,
    cephName: f.cephName,
    cephKeyring: f.cephKeyring,
    asokDirs: f.asokDir.length ? f.asokDir : asokDirsFromConf(cephConf, f.cluster),
    daemonTypes: new Set(f.daemonTypes),
    clusterStats,
    intervalS: f.interval,
    pgIntervalS: f.pgInterval,
    commandTimeoutS: f.commandTimeout,
    pgTimeoutS: f.pgTimeout,
    asokTimeoutMs: f.asokTimeoutMs,
    python: f.python,
    log,
  };
}

/** Resolves once DIR holds a running mgrd's address and keyring (logged once while waiting). */
async function waitForMgrd(dir: string, log: Logger): Promise<void> {
  let said = false;
  while (!existsSync(runtimeInfoPath(dir)) || !existsSync(keyringPath(dir))) {
    if (!said) log.info({ dataDir: dir }, 'waiting for mgrd to start in its data dir (mgrd.json, keyring)');
    said = true;
    await new Promise((r) => setTimeout(r, 500));
  }
}

export function agentCommand(): Command {
  const agent = new Command('agent').description('report a real storage cluster to mgrd');
  const ceph = agent
    .command('ceph')
    .description("report this host's Ceph daemons (admin sockets) to mgrd; with --cluster-stats also the cluster's maps, health and PG stats")
    .option('--mgr <host:port[,host:port...]>', `every manager's daemon address, followed to the active (default: from --data-dir, else 127.0.0.1:${DEFAULT_DAEMON_PORT})`, mgrAddrList('--mgr'))
    .option('--keyring <file>', "mgrd's keyring (osd.*, mon.* ... keys; default: <data-dir>/keyring)")
    .option('--data-dir <dir>', 'data dir of a local mgrd: its address and keyring', './.mgrd')
    .option('--cluster-stats', 'also be the cluster source: maps, health, PG stats (one agent per cluster)')
    .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'silent']).default('info'));
  addCephOptions(ceph).action(async (flags: CephFlags & { mgr?: string[]; keyring?: string; dataDir: string; clusterStats?: boolean; logLevel: string }) => {
    const log = createLogger({ level: flags.logLevel as 'info', name: 'mgrd-agent' });
    // From a local mgrd's data dir: wait for it to be up (an agent started with, or before, its manager).
    if (!flags.mgr) await waitForMgrd(flags.dataDir, log);
    const info = flags.mgr ? undefined : readRuntimeInfo(flags.dataDir);
    const mgrs = flags.mgr ?? [info ? connectableAddr(info.daemon_addr) : `127.0.0.1:${DEFAULT_DAEMON_PORT}`];
    let keyring: Keyring;
    try {
      keyring = Keyring.load(flags.keyring ?? keyringPath(flags.dataDir));
    } catch (err) {
      process.stderr.write(`mgrd agent ceph: cannot read mgrd's keyring: ${(err as Error).message} (give --keyring FILE or --data-dir DIR)\n`);
      process.exitCode = 2;
      return;
    }
    const agent = new CephAgent(agentOptions(flags, mgrs, keyring, Boolean(flags.clusterStats), log));
    agent.start();
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'stopping');
      setTimeout(() => process.exit(1), 10_000).unref();
      agent.stop().then(
        () => log.flush(() => process.exit(0)),
        () => process.exit(1),
      );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
  return agent;
}
