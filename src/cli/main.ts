// The `mgrd` command line (commander): run, sim, keyring, tell.

import { Command, InvalidArgumentError, Option } from 'commander';
import { resolve } from 'node:path';
import { createLogger } from '../common/log.js';
import { defaultKeyring, newSecret } from '../protocol/keyring.js';
import { existsSync } from 'node:fs';
import { defaultMgrId } from '../mgr/mgr-standby.js';
import { MGRD_VERSION } from '../mgr/mgr-metadata.js';
import { parseConfigFile } from './config-file.js';
import { flushAndExit, installProcessFaultHandlers } from '../registry/process-faults.js';
import { metricsWhere, startMgrd, waitForStandbyService, type Running, type RunOptions } from './run.js';
import { tell } from './tell.js';
import { mgrAddrList } from './listen-addr.js';
import { runSimCommand, type SimFlags } from './sim.js';
import { DEFAULT_OBJECTSTORE, OBJECTSTORE_MODES } from '../sim/model/objectstore.js';
import { adminTokenPath, connectableAddr } from './runtime-info.js';
import { addCephOptions, agentCommand, agentOptions, type CephFlags } from './agent.js';
import { DEFAULT_ADMIN_ADDR, DEFAULT_DAEMON_ADDR } from './defaults.js';

function int(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}]`);
    return n;
  };
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

const RUN_KEYS = new Set(['data_dir', 'daemon_addr', 'admin_addr', 'id', 'public_addr', 'map_store', 'cluster_name', 'admin_token_file',
  'etcd_endpoints', 'etcd_lease_ttl', 'etcd_ca', 'etcd_cert', 'etcd_key', 'etcd_user', 'etcd_password_file', 'log_level', 'sim', 'sim_osds', 'sim_seed', 'sim_scenario', 'sim_objectstore', 'sim_mon_allow_pool_delete', 'keyring']);

export function buildProgram(): Command {
  const program = new Command('mgrd')
    .description('A manager daemon for Ceph-style storage clusters')
    .version(MGRD_VERSION)
    .showHelpAfterError();

  const run = program
    .command('run')
    .description('run a manager (standby until the map makes it active)')
    .option('--config <file>', 'ceph.conf-style config file ([mgr] section)')
    .option('--data-dir <dir>', 'data directory: map store, keyring, admin token', './.mgrd')
    .option('--daemon-addr <host:port>', 'wire-protocol listener for daemons and `mgrd tell`', DEFAULT_DAEMON_ADDR)
    .option('--admin-addr <host:port>', 'admin HTTP listener', DEFAULT_ADMIN_ADDR)
    .option('--id <name>', 'manager name (as mgr.<id>)', defaultMgrId())
    .addOption(new Option('--map-store <kind>', 'where the MgrMap, module stores and config live: local (the data dir; standbys on this host) or etcd (several hosts)').choices(['local', 'etcd']).default('local'))
    .option('--etcd-endpoints <urls>', 'etcd client URLs, comma-separated (with --map-store etcd)')
    .option('--cluster-name <name>', 'key prefix in etcd: /mgrd/<name>/', 'ceph')
    .option('--etcd-lease-ttl <s>', 'seconds: the active renews its etcd lease every TTL/5, steps down before it can expire; a standby takes over about TTL after the active dies', int('--etcd-lease-ttl', 2, 60), 5)
    .option('--etcd-ca <file>', 'CA certificate of etcd (TLS)')
    .option('--etcd-cert <file>', 'client certificate for etcd (TLS)')
    .option('--etcd-key <file>', 'client key for etcd (TLS)')
    .option('--etcd-user <name>', 'etcd user (password from --etcd-password-file or MGRD_ETCD_PASSWORD)')
    .option('--etcd-password-file <file>', "file holding the etcd user's password")
    .option('--admin-token-file <file>', "the admin API's bearer token (default: DIR/admin_token, created; with etcd, shared by the managers)")
    .option('--public-addr <host>', 'host that clients and other managers reach this one at, when --daemon-addr is a wildcard (default: 127.0.0.1)')
    .option('--keyring <file>', 'keyring to authenticate entities with (default: <data-dir>/keyring, created if missing)')
    .option('--set <key=value>', 'set an option for this run: mgr option or mgr/<module>/<option> (repeatable)', collect, [])
    .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'))
    .option('--sim', 'run the embedded simulated cluster against this manager')
    .option('--sim-osds <n>', 'OSDs of the embedded simulator (default: 3 hosts of 4)', int('--sim-osds', 1, 100_000), 12)
    .option('--sim-seed <n>', 'seed of the embedded simulator', int('--sim-seed', 0, 2 ** 31), 1)
    .option('--scenario <name|file>', 'simulator scenario: osd-down, recovery, scrub, nearfull, mon-down, or a JSON file')
    .addOption(new Option('--sim-objectstore <kind>', 'OSD objectstore of the simulator (its perf schema and device metadata follow)').choices(OBJECTSTORE_MODES).default(DEFAULT_OBJECTSTORE))
    .option('--sim-mon-allow-pool-delete', "the simulated mon's mon_allow_pool_delete (Ceph's default: false, `osd pool delete` refused)")
    .option('--ceph', "report this host's real Ceph cluster (in-process `mgrd agent ceph --cluster-stats`; options below)");
  addCephOptions(run, false).action(async (flags: Record<string, unknown>, cmd: Command) => {
      const fromFile = typeof flags.config === 'string' ? parseConfigFile(flags.config) : {};
      const explicit = (name: string): boolean => cmd.getOptionValueSource(name) === 'cli';
      const pick = <T>(flag: string, key: string, conv: (s: string) => T = (s) => s as unknown as T): T => {
        if (!explicit(flag) && fromFile[key] !== undefined) return conv(fromFile[key]);
        return flags[flag] as T;
      };
      const sets = Object.entries(fromFile).filter(([k]) => !RUN_KEYS.has(k)).map(([k, v]) => `${k}=${v}`);
      const o: RunOptions = {
        dataDir: pick('dataDir', 'data_dir'),
        daemonAddr: pick('daemonAddr', 'daemon_addr'),
        adminAddr: pick('adminAddr', 'admin_addr'),
        id: pick('id', 'id'),
        publicAddr: pick('publicAddr', 'public_addr'),
        mapStore: pick('mapStore', 'map_store'),
        clusterName: pick('clusterName', 'cluster_name'),
        adminTokenFile: pick('adminTokenFile', 'admin_token_file'),
        etcd: {
          endpoints: String(pick('etcdEndpoints', 'etcd_endpoints') ?? '').split(',').map((x) => x.trim()).filter((x) => x !== ''),
          leaseTtlS: pick('etcdLeaseTtl', 'etcd_lease_ttl', int('etcd_lease_ttl', 2, 60)),
          ca: pick('etcdCa', 'etcd_ca'), cert: pick('etcdCert', 'etcd_cert'), key: pick('etcdKey', 'etcd_key'),
          user: pick('etcdUser', 'etcd_user'), passwordFile: pick('etcdPasswordFile', 'etcd_password_file'),
        },
        keyring: pick('keyring', 'keyring'),
        set: [...sets, ...(flags.set as string[])],
        logLevel: pick('logLevel', 'log_level'),
        sim: Boolean(flags.sim) || fromFile.sim === 'true',
        simOsds: pick('simOsds', 'sim_osds', int('sim_osds', 1, 100_000)),
        simSeed: pick('simSeed', 'sim_seed', int('sim_seed', 0, 2 ** 31)),
        simScenario: pick('scenario', 'sim_scenario'),
        simObjectstore: pick('simObjectstore', 'sim_objectstore'),
        simMonAllowPoolDelete: Boolean(flags.simMonAllowPoolDelete) || fromFile.sim_mon_allow_pool_delete === 'true',
        ceph: flags.ceph ? (mgrAddr, keyring, agentLog) => agentOptions(flags as unknown as CephFlags, [mgrAddr], keyring, true, agentLog) : undefined,
      };
      if (o.sim && o.ceph) {
        process.stderr.write('mgrd run: --sim and --ceph exclude each other (a simulated and a real cluster would report as one)\n');
        process.exitCode = 22;
        return;
      }
      const log = createLogger({ level: o.logLevel as 'info' });
      // A module's stray exception or rejection is its fault, not the process's end (src/registry/process-faults.ts).
      installProcessFaultHandlers({ log, exit: (code) => flushAndExit(log, code) });
      const running = await startMgrd(o, log);
      const banner = (): Promise<void> => printBanner(running, o);
      await banner();
      // A standby that takes over says so the same way.
      running.standby.onRole((active) => {
        if (active) void banner();
      });
      let stopping = false;
      const shutdown = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'shutting down');
        const force = setTimeout(() => {
          log.error('shutdown took longer than 15 s; exiting');
          process.exit(1);
        }, 15_000);
        force.unref();
        running.stop().then(
          () => log.flush(() => process.exit(0)),
          (err: unknown) => {
            log.error({ err: String(err) }, 'shutdown failed');
            log.flush(() => process.exit(1));
          },
        );
      };
      process.on('SIGINT', () => shutdown('SIGINT'));
      process.on('SIGTERM', () => shutdown('SIGTERM'));
    });

  program
    .command('sim')
    .description('run a simulated cluster that reports to a manager')
    .requiredOption('--mgr <host:port[,host:port...]>', "managers' daemon addresses (every manager: the simulator follows the active)", mgrAddrList('--mgr'))
    .option('--keyring <file>', 'keyring holding osd.*, mon.*, mds.* keys', './.mgrd/keyring')
    .option('--osds <n>', 'number of OSDs (default: 3 hosts of 4)', int('--osds', 1, 100_000), 12)
    .option('--seed <n>', 'seed (deterministic topology and events)', int('--seed', 0, 2 ** 31), 1)
    .option('--scenario <name|file>', 'osd-down, recovery, scrub, nearfull, mon-down, or a JSON file')
    .option('--pg-stats-interval <s>', 'least seconds between PG_STATS of an OSD (default: with every report, as Ceph)', Number)
    .addOption(new Option('--objectstore <kind>', 'OSD objectstore (its perf schema and device metadata follow)').choices(OBJECTSTORE_MODES).default(DEFAULT_OBJECTSTORE))
    .option('--mon-allow-pool-delete', "the simulated mon's mon_allow_pool_delete (Ceph's default: false, `osd pool delete` refused)")
    .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'silent']).default('info'))
    .action(async (flags: SimFlags) => {
      await runSimCommand(flags);
    });

  program
    .command('keyring')
    .description('create a keyring: client.admin plus one shared key per daemon type')
    .argument('<file>', 'where to write it (refuses to overwrite)')
    .option('--add <entity>', 'add an entity with its own key (repeatable), e.g. osd.3 or client.ro', collect, [])
    .option('--caps <caps>', 'caps for --add entities', 'allow r')
    .action((file: string, flags: { add: string[]; caps: string }) => {
      if (existsSync(file)) {
        process.stderr.write(`mgrd keyring: ${file} exists; not overwriting\n`);
        process.exitCode = 17;
        return;
      }
      const ring = defaultKeyring();
      for (const e of flags.add) ring.add(e, newSecret(), flags.caps);
      ring.save(file);
      process.stdout.write(`wrote ${file}: ${ring.entries().map((e) => e.entity).join(', ')}\n`);
    });

  program
    .command('tell')
    .description('run a command on the manager: mgrd tell mgr <words...>')
    .argument('<target>', 'mgr')
    .argument('[words...]', 'the command and its arguments, e.g. osd perf, or hello name=ops')
    .option('--data-dir <dir>', 'data dir of a local mgrd (address and keyring from there)')
    .option('--mgr <host:port[,host:port...]>', "managers' daemon addresses (the command goes to the active)", mgrAddrList('--mgr'))
    .option('--keyring <file>', 'keyring file')
    .option('-n, --name <entity>', 'entity to authenticate as', 'client.admin')
    .addOption(new Option('-f, --format <format>', "output format (yaml: for commands that offer it, as `healthcheck history ls`)").choices(['json', 'json-pretty', 'plain', 'yaml']))
    .option('--timeout <s>', 'seconds to wait', int('--timeout', 1, 3600), 30)
    .allowUnknownOption()
    .action(async (target: string, words: string[], flags: { dataDir?: string; mgr?: string[]; keyring?: string; name: string; format?: string; timeout: number }) => {
      if (!flags.dataDir && !flags.mgr) flags.dataDir = './.mgrd';
      const out = await tell(target, words, { ...flags, timeoutS: flags.timeout });
      process.stdout.write(out.stdout);
      process.stderr.write(out.stderr);
      process.exitCode = out.code;
    });

  program.addCommand(agentCommand());

  return program;
}

/** Where to look: printed at start (active or standby) and when a standby takes over. */
async function printBanner(running: Running, o: RunOptions): Promise<void> {
  const standby = running.standby;
  const admin = standby.adminAddress();
  const dir = running.dataDir;
  const rel = resolve(dir) === resolve('./.mgrd') ? '.mgrd' : dir;
  const adminLine = `  admin:    http://${admin.host}:${admin.port}/api/v1/health   (token in ${adminTokenPath(rel)})`;
  const role = standby.role();
  let lines: string[];
  if (role.active) {
    const metrics = await metricsWhere(standby, 3000);
    const info = standby.daemonAddress();
    lines = [
      `mgrd ${MGRD_VERSION}: mgr.${o.id} is active (pid ${process.pid})${o.sim ? `, simulating ${o.simOsds} OSDs` : ''}${running.agent() ? `, reporting Ceph from ${running.agent()!.opts.cephConf}` : ''}`,
      `  metrics:  ${metrics}`,
      adminLine,
      `  daemons:  ${connectableAddr(`${o.daemonAddr.replace(/:\d+$/, '')}:${info?.port ?? 0}`)}   (keyring ${rel}/keyring)`,
    ];
  } else {
    const page = await waitForStandbyService(running, 'prometheus', 3000);
    lines = [
      `mgrd ${MGRD_VERSION}: mgr.${o.id} is a standby (pid ${process.pid}); the active is mgr.${role.activeName || '(none)'}`,
      `  takes over when the active stops${o.sim ? `, with its own simulated cluster of ${o.simOsds} OSDs` : ''}`,
      ...(page ? [`  standby:  ${page}   (prometheus standby page)`] : []),
      adminLine,
    ];
  }
  process.stderr.write(['', ...lines, `  data dir: ${dir}`, `  try:      npx mgrd tell --data-dir ${rel} mgr status`, ''].join('\n') + '\n');
}

export async function main(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv);
}
