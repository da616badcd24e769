// Real processes for integration tests: the built `mgrd` CLI and external
// servers (Prometheus, InfluxDB, Zabbix, etcd, Ceph, ...) on 127.0.0.1 and free
// ports, stopped by PID. A missing binary fails with the command that installs
// it; nothing is skipped.

import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/common/paths.js';

/** The package root, also from a compiled copy (bench/out/test/helpers/). */
export const ROOT = packageRoot();
export const MGRD_BIN = join(ROOT, 'bin/mgrd.js');

/** The absolute path of `bin`, or an error naming how to install it. */
export function which(bin: string, install: string): string {
  if (bin.startsWith('/')) {
    if (existsSync(bin)) return bin;
    throw new Error(`${bin} not found: install it with ${install}`);
  }
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  if (r.status !== 0 || r.stdout.trim() === '') throw new Error(`${bin} not found on PATH: install it with ${install}`);
  return r.stdout.trim();
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** Calls `check` every `everyMs` until it returns something other than undefined/false; its last error is quoted on timeout. */
export async function poll<T>(what: string, ms: number, check: () => Promise<T | undefined | false> | T | undefined | false, everyMs = 250): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const exited = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', (code) => r(code)));

/** SIGTERM by PID, SIGKILL after `ms`. */
export async function stopChild(child: ChildProcess | undefined, ms = 5000): Promise<void> {
  if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const done = exited(child);
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
  }, ms);
  await done;
  clearTimeout(timer);
}

/**
 * Spawns a server with stdout and stderr to `logFile`; the caller stops it with stopChild.
 * `as`: another user (uid/gid, when we are root) and/or its own process group (detached).
 */
export function spawnLogged(bin: string, args: string[], logFile: string, env?: NodeJS.ProcessEnv, as: { uid?: number; gid?: number; detached?: boolean } = {}): ChildProcess {
  const log = openSync(logFile, 'w');
  const child = spawn(bin, args, { stdio: ['ignore', log, log], env: env ?? process.env, ...as });
  closeSync(log);
  return child;
}

/** The tests run the built CLI: dist/ must exist and be newer than every source file. */
export function assertBuilt(): void {
  const built = join(ROOT, 'dist/src/cli/main.js');
  if (!existsSync(built)) throw new Error('dist/ is missing: run `npm run build` (npm ci does it) before the integration tests');
  const builtMs = statSync(built).mtimeMs;
  const newest = (dir: string): number => {
    let m = 0;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) m = Math.max(m, newest(p));
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) m = Math.max(m, statSync(p).mtimeMs);
    }
    return m;
  };
  for (const d of ['src', 'exporters', 'modules']) {
    if (existsSync(join(ROOT, d)) && newest(join(ROOT, d)) > builtMs) throw new Error(`dist/ is older than ${d}/: run \`npm run build\``);
  }
}

export interface MgrdProcess {
  child: ChildProcess;
  dataDir: string;
  logFile: string;
  /** Admin HTTP base, e.g. http://127.0.0.1:41234 */
  adminUrl: string;
  /** The wire-protocol listener, host:port. */
  daemonAddr: string;
  token: string;
  /** Prometheus base URI as published in the MgrMap (ends with "/"), when the module is on. */
  prometheusUrl: string | undefined;
  /** POST /api/v1/command. */
  command(cmd: Record<string, unknown>): Promise<{ status: number; retval: number; outb: string; outs: string }>;
  /** `mgrd tell --data-dir DIR mgr <words>` as an operator runs it: exit code, stdout, stderr. */
  tell(...words: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

export interface MgrdOptions {
  /** Extra `mgrd run` arguments (e.g. ['--sim', '--sim-osds', '4']). */
  args?: string[];
  /** `--set KEY=VALUE` pairs. */
  set?: Record<string, string | number>;
  dataDir?: string;
  /** Wait for the prometheus URI to be published (default true). */
  waitPrometheus?: boolean;
  timeoutMs?: number;
  /** Run it under this open-file limit (`ulimit -n`). */
  ulimitFiles?: number;
}

/** `bin args...` under an open-file limit: through sh, which sets it and execs the command (same PID). */
export function underFileLimit(limit: number | undefined, bin: string, args: string[]): [string, string[]] {
  return limit === undefined ? [bin, args] : ['/bin/sh', ['-c', `ulimit -n ${limit} && exec "$0" "$@"`, bin, ...args]];
}

/**
 * `mgrd run` on free ports (daemon, admin and prometheus port 0 on 127.0.0.1),
 * waiting until it is active and has written DIR/mgrd.json.
 */
export async function startMgrd(o: MgrdOptions = {}): Promise<MgrdProcess> {
  assertBuilt();
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'mgrd-it-'));
  const logFile = join(dataDir, '..', `${dataDir.split('/').pop()}.log`);
  const sets: Record<string, string | number> = { 'mgr/prometheus/server_port': 0, 'mgr/prometheus/server_addr': '127.0.0.1', ...o.set };
  const args = [MGRD_BIN, 'run', '--data-dir', dataDir, '--daemon-addr', '127.0.0.1:0', '--admin-addr', '127.0.0.1:0',
    ...Object.entries(sets).flatMap(([k, v]) => ['--set', `${k}=${v}`]), ...(o.args ?? [])];
  const child = spawnLogged(...underFileLimit(o.ulimitFiles, process.execPath, args), logFile);
  const ms = o.timeoutMs ?? 30_000;
  const info = await poll(`mgrd to become active (log: ${logFile})`, ms, () => {
    if (child.exitCode !== null) throw new Error(`mgrd exited with ${child.exitCode}: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
    const p = join(dataDir, 'mgrd.json');
    return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as { admin_addr: string; daemon_addr: string }) : undefined;
  }, 100);
  const adminUrl = `http://${info.admin_addr.replace(/^0\.0\.0\.0:/, '127.0.0.1:')}`;
  const daemonAddr = info.daemon_addr.replace(/^0\.0\.0\.0:/, '127.0.0.1:');
  const token = readFileSync(join(dataDir, 'admin_token'), 'utf8').trim();
  let prometheusUrl: string | undefined;
  if (o.waitPrometheus ?? true) {
    prometheusUrl = await poll('mgrd to publish its prometheus URI', ms, () => {
      const map = JSON.parse(readFileSync(join(dataDir, 'mgr_map.json'), 'utf8')) as { services?: Record<string, string> };
      const u = map.services?.prometheus;
      return u !== undefined && !u.endsWith(':9283/') ? u : undefined;
    });
  }
  const command = async (cmd: Record<string, unknown>): Promise<{ status: number; retval: number; outb: string; outs: string }> => {
    const res = await fetch(`${adminUrl}/api/v1/command`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(cmd) });
    const body = (await res.json()) as { retval: number; outb: string; outs: string };
    return { status: res.status, ...body };
  };
  const tell = (...words: string[]): Promise<{ code: number; stdout: string; stderr: string }> => new Promise((resolve, reject) => {
    execFile(process.execPath, [MGRD_BIN, 'tell', '--data-dir', dataDir, 'mgr', ...words], { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : undefined;
      if (code === undefined) reject(err ?? new Error('mgrd tell: no exit code'));
      else resolve({ code, stdout, stderr });
    });
  });
  return { child, dataDir, logFile, adminUrl, daemonAddr, token, prometheusUrl, command, tell, stop: () => stopChild(child) };
}

/** Resident memory of a process (Linux /proc), bytes. */
export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for PID ${pid}`);
  return Number(m[1]) * 1024;
}
