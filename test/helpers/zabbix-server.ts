// A real Zabbix 6.0 server for tests and the benchmark, private to the run:
// PostgreSQL in a temp dir (unix socket only) with Zabbix's schema, zabbix_server
// with its own config on a free trapper port, and the frontend's JSON-RPC API
// under `php -S` on a free loopback port. Everything runs as the `zabbix` user
// when we are root (PostgreSQL refuses root) and is stopped by PID.
// Packages: scripts/test-deps/zabbix.list and zabbix.sh.

import { spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, poll, spawnLogged, which } from './procs.js';

const INSTALL = 'scripts/install-test-deps.sh (Debian zabbix-server-pgsql, zabbix-frontend-php, php-cli, postgresql; see scripts/test-deps/zabbix.list)';
const SQL_DIR = '/usr/share/zabbix-server-pgsql';
const FRONTEND = '/usr/share/zabbix';
const FRONTEND_CONF = '/etc/zabbix/zabbix.conf.php';
/** PostgreSQL listens on its unix socket only; the port number just names the socket file. */
const PG_PORT = 5432;

export interface ZabbixServerStack {
  dir: string;
  /** The trapper: where mgrd sends. */
  trapperPort: number;
  apiUrl: string;
  /** A JSON-RPC call as Admin (logged in at start); throws with the API's error. */
  api<T = unknown>(method: string, params: unknown): Promise<T>;
  /** One SQL statement through psql, rows as tab-separated lines. */
  sql(statement: string): string;
  serverLog(): string;
  stop(): Promise<void>;
}

export interface ZabbixServerOptions {
  /** zabbix_server's CacheUpdateFrequency (s): how soon new items and hosts take values. */
  cacheUpdateFrequencyS?: number;
  startTrappers?: number;
  /** Extra zabbix_server.conf lines. */
  extraConfig?: string[];
}

function pgBinDir(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin/postgres'))).sort((a, b) => Number(b) - Number(a)) : [];
  if (versions.length === 0) throw new Error(`PostgreSQL server binaries not found under ${base}: install them with ${INSTALL}`);
  return join(base, versions[0]!, 'bin');
}

/** uid/gid to run the servers as: the zabbix user when we are root, else ourselves. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number => {
    const r = spawnSync('id', [flag, 'zabbix'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`no 'zabbix' user to run PostgreSQL and zabbix_server as: install zabbix-server-pgsql with ${INSTALL}`);
    return Number(r.stdout.trim());
  };
  return { uid: id('-u'), gid: id('-g') };
}

/** A free TCP port in [lo, hi] on 127.0.0.1 (zabbix_server takes ListenPort 1024..32767 only). */
async function freePortIn(lo: number, hi: number): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = lo + Math.floor(Math.random() * (hi - lo + 1));
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error(`no free port in ${lo}..${hi}`);
}

/** Stops a server we started detached (its own process group) by PID, then anything of its group left behind. */
async function stopGroup(child: ChildProcess | undefined, signal: NodeJS.Signals, ms = 15_000): Promise<void> {
  if (child?.pid === undefined) return;
  const pid = child.pid;
  const killGroup = (): void => {
    try {
      process.kill(-pid, 'SIGKILL'); // e.g. zabbix_server's workers when its main process died first
    } catch { /* none left */ }
  };
  if (child.exitCode !== null || child.signalCode !== null) return killGroup();
  const done = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    process.kill(pid, signal);
  } catch {
    return killGroup();
  }
  const timer = setTimeout(killGroup, ms);
  await done;
  clearTimeout(timer);
  killGroup();
}

export async function startZabbixServer(o: ZabbixServerOptions = {}): Promise<ZabbixServerStack> {
  const zabbixServer = which('/usr/sbin/zabbix_server', INSTALL);
  const php = which('php', INSTALL);
  which(join(FRONTEND, 'api_jsonrpc.php'), INSTALL);
  which(join(SQL_DIR, 'schema.sql.gz'), INSTALL);
  if (!existsSync(FRONTEND_CONF) || !readFileSync(FRONTEND_CONF, 'utf8').includes('mgrd-test-frontend')) {
    throw new Error(`${FRONTEND_CONF} is missing or not mgrd's: run ${INSTALL} (scripts/test-deps/zabbix.sh writes it)`);
  }
  const bin = pgBinDir();
  const as = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'mgrd-zbx-'));
  if (as) chownSync(dir, as.uid, as.gid);
  const children: ChildProcess[] = [];
  const spawnAs = (cmd: string, args: string[], log: string, env?: NodeJS.ProcessEnv): ChildProcess => {
    const c = spawnLogged(cmd, args, join(dir, log), env, { ...as, detached: true });
    children.push(c);
    return c;
  };
  const run = (cmd: string, args: string[], input?: string): string => {
    const r = spawnSync(cmd, args, { ...as, input, encoding: 'utf8', maxBuffer: 64 << 20, cwd: dir });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${(r.stderr || r.stdout || '').slice(-2000)}`);
    return r.stdout;
  };
  let pg: ChildProcess | undefined;
  let zbx: ChildProcess | undefined;
  let web: ChildProcess | undefined;
  const stop = async (): Promise<void> => {
    await stopGroup(web, 'SIGTERM');
    await stopGroup(zbx, 'SIGTERM');
    await stopGroup(pg, 'SIGINT'); // fast shutdown
    if (process.env.MGRD_KEEP_ZABBIX_DIR === '1') console.error(`kept ${dir} (MGRD_KEEP_ZABBIX_DIR=1)`);
    else rmSync(dir, { recursive: true, force: true });
  };
  try {
    run(join(bin, 'initdb'), ['-D', join(dir, 'pg'), '-U', 'zabbix', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8']);
    pg = spawnAs(join(bin, 'postgres'), ['-D', join(dir, 'pg'), '-k', dir, '-p', String(PG_PORT), '-c', 'listen_addresses=',
      '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'], 'postgres.log');
    const psql = join(bin, 'psql');
    const sql = (db: string, statement: string): string => run(psql, ['-X', '-q', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-h', dir, '-p', String(PG_PORT), '-U', 'zabbix', '-d', db, '-c', statement]);
    await poll(`PostgreSQL in ${dir} (log: ${join(dir, 'postgres.log')})`, 30_000, () => {
      if (pg!.exitCode !== null) throw new Error(`postgres exited: ${readFileSync(join(dir, 'postgres.log'), 'utf8').slice(-1500)}`);
      return sql('postgres', 'select 1').trim() === '1';
    }, 100);
    sql('postgres', 'create database zabbix');
    const load = spawnSync('sh', ['-c', `zcat ${SQL_DIR}/schema.sql.gz ${SQL_DIR}/images.sql.gz ${SQL_DIR}/data.sql.gz | "${psql}" -X -q -v ON_ERROR_STOP=1 --single-transaction -h "${dir}" -p ${PG_PORT} -U zabbix -d zabbix`],
      { ...as, encoding: 'utf8', cwd: dir, maxBuffer: 64 << 20 });
    if (load.status !== 0) throw new Error(`loading the Zabbix schema failed: ${load.stderr.slice(-2000)}`);
    // The stock "Zabbix server" host polls an agent that is not there: off.
    sql('zabbix', "update hosts set status = 1 where host = 'Zabbix server'");

    const trapperPort = await freePortIn(20_000, 32_767);
    const conf = [
      'ListenIP=127.0.0.1', `ListenPort=${trapperPort}`, `PidFile=${dir}/zabbix_server.pid`, `SocketDir=${dir}`, 'LogType=console',
      `DBHost=${dir}`, `DBPort=${PG_PORT}`, 'DBName=zabbix', 'DBUser=zabbix',
      `CacheUpdateFrequency=${o.cacheUpdateFrequencyS ?? 1}`, 'HousekeepingFrequency=0', 'Timeout=30',
      'StartPollers=1', 'StartPollersUnreachable=1', `StartTrappers=${o.startTrappers ?? 2}`, 'StartPingers=0', 'StartDiscoverers=0',
      'StartHTTPPollers=0', 'StartTimers=1', 'StartEscalators=1', 'StartAlerters=1', 'StartLLDProcessors=2', 'StartPreprocessors=2',
      'StartDBSyncers=2', 'StartReportWriters=0', 'StartJavaPollers=0', 'StartVMwareCollectors=0', 'StartProxyPollers=0',
      'StartHistoryPollers=1', 'StartODBCPollers=0',
      ...(o.extraConfig ?? []),
    ];
    writeFileSync(join(dir, 'zabbix_server.conf'), conf.join('\n') + '\n');
    if (as) chownSync(join(dir, 'zabbix_server.conf'), as.uid, as.gid);
    zbx = spawnAs(zabbixServer, ['-f', '-c', join(dir, 'zabbix_server.conf')], 'zabbix_server.log');
    const serverLog = (): string => readFileSync(join(dir, 'zabbix_server.log'), 'utf8');
    await poll(`zabbix_server's trappers (log: ${join(dir, 'zabbix_server.log')})`, 60_000, () => {
      if (zbx!.exitCode !== null) throw new Error(`zabbix_server exited: ${serverLog().slice(-1500)}`);
      return /started \[trapper #1\]/.test(serverLog());
    }, 100);

    const webPort = await freePort();
    web = spawnAs(php, ['-S', `127.0.0.1:${webPort}`, '-t', FRONTEND], 'php.log', {
      ...process.env, MGRD_ZBX_DB_HOST: dir, MGRD_ZBX_DB_PORT: String(PG_PORT), MGRD_ZBX_DB_NAME: 'zabbix', MGRD_ZBX_DB_USER: 'zabbix',
      MGRD_ZBX_SERVER_PORT: String(trapperPort),
    });
    const apiUrl = `http://127.0.0.1:${webPort}/api_jsonrpc.php`;
    const session: { auth?: string } = {};
    let id = 0;
    const api = async <T>(method: string, params: unknown): Promise<T> => {
      const res = await fetch(apiUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json-rpc' },
        body: JSON.stringify({ jsonrpc: '2.0', method, params, id: ++id, ...(session.auth !== undefined && method !== 'apiinfo.version' && method !== 'user.login' ? { auth: session.auth } : {}) }),
      });
      const body = (await res.json()) as { result?: T; error?: { message: string; data: string } };
      if (body.error) throw new Error(`Zabbix API ${method}: ${body.error.message} ${body.error.data}`);
      return body.result as T;
    };
    await poll(`the Zabbix API at ${apiUrl} (log: ${join(dir, 'php.log')})`, 30_000, async () => {
      if (web!.exitCode !== null) throw new Error(`php -S exited: ${readFileSync(join(dir, 'php.log'), 'utf8').slice(-1500)}`);
      return (await api<string>('apiinfo.version', {})).startsWith('6.0');
    }, 100);
    session.auth = await api<string>('user.login', { username: 'Admin', password: 'zabbix' });
    return { dir, trapperPort, apiUrl, api, sql: (s) => sql('zabbix', s), serverLog, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
