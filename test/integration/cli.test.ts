// The real CLI as an operator runs it: `mgrd run --sim` in its own process,
// `mgrd tell` against it, persistence across restarts, a second process on the
// data dir standing by, clean SIGTERM, and the refusals (bad option value, bad
// or busy addresses).

import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffShapes } from '../helpers/shape.js';

const run = promisify(execFile);
const BIN = join(process.cwd(), 'bin/mgrd.js');

async function mgrd(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

function startRun(dir: string, extra: string[] = []): ChildProcess {
  return spawn(process.execPath, [BIN, 'run', '--sim', '--sim-osds', '4', '--data-dir', dir, '--daemon-addr', '127.0.0.1:0',
    '--admin-addr', '127.0.0.1:0', '--set', 'mgr/prometheus/server_port=0', '--set', 'mgr_stats_period=1', '--log-level', 'warn', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
}

async function waitForFile(path: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!existsSync(path)) {
    if (Date.now() > end) throw new Error(`${path} did not appear in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', (code) => r(code)));
}

describe('mgrd CLI', () => {
  let dir: string;
  let child: ChildProcess;
  let stderr = '';

  beforeAll(async () => {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
    dir = mkdtempSync(join(tmpdir(), 'mgrd-cli-'));
    child = startRun(dir);
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitForFile(join(dir, 'mgrd.json'));
    // Wait until the simulated cluster has reported and the PG map is ready.
    for (let i = 0; i < 100; i++) {
      const r = await mgrd(['tell', '--data-dir', dir, 'mgr', 'pg', 'stat', '--format', 'json']);
      if (r.code === 0 && (JSON.parse(r.stdout) as { pg_summary?: { num_pgs?: number } }).pg_summary?.num_pgs) break;
      await new Promise((res) => setTimeout(res, 300));
    }
  }, 120_000);

  afterAll(async () => {
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints where to look on start', () => {
    expect(stderr).toMatch(/mgr\.\S+ is active \(pid \d+\), simulating 4 OSDs/);
    expect(stderr).toMatch(/metrics:\s+http:\/\/127\.0\.0\.1:\d+\/metrics/);
    expect(stderr).toMatch(/admin:\s+http:\/\/127\.0\.0\.1:\d+\/api\/v1\/health/);
    expect(stderr).toContain(`try:      npx mgrd tell --data-dir ${dir} mgr status`);
  });

  it('tell mgr status prints a ceph -s like summary', async () => {
    const r = await mgrd(['tell', '--data-dir', dir, 'mgr', 'status']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}cluster:\n {4}id: {5}[0-9a-f-]{36}\n {4}health: HEALTH_(OK|WARN)/);
    expect(r.stdout).toMatch(/ {4}mon: \d+ daemons, quorum /);
    expect(r.stdout).toMatch(/ {4}osd: 4 osds: 4 up \(since .*\), 4 in \(since .*\)/);
    expect(r.stdout).toMatch(/ {4}pools: {3}\d+ pools, \d+ pgs/);
    expect(r.stdout).toMatch(/ {4}pgs: {5}\d+ active\+clean/);
  });

  it('tell mgr status --format json has the shape of ceph status -f json', async () => {
    const r = await mgrd(['tell', '--data-dir', dir, 'mgr', 'status', '--format', 'json']);
    expect(r.code).toBe(0);
    const ours = JSON.parse(r.stdout) as Record<string, unknown>;
    const refText = readFileSync('test/fixtures/ceph-reference/cli/status_json.txt', 'utf8');
    const ref = JSON.parse(refText.slice(refText.indexOf('{'), refText.lastIndexOf('}') + 1)) as Record<string, unknown>;
    const opts = { mapPaths: ['mgrmap.services', 'servicemap.services', 'health.checks', 'progress_events'] };
    // Every key of the reference is there with its JSON type (we may add rate keys Ceph adds under load).
    const diff = diffShapes(ours, ref, opts);
    expect(diff.missing).toEqual([]);
    expect(diff.typeMismatch).toEqual([]);
  });

  it('hello, exit codes and stderr as ceph tell', async () => {
    expect(await mgrd(['tell', '--data-dir', dir, 'mgr', 'hello'])).toMatchObject({ code: 0, stdout: 'Hello World\n' });
    expect(await mgrd(['tell', '--data-dir', dir, 'mgr', 'hello', 'name=ops'])).toMatchObject({ code: 0, stdout: 'Hello ops\n' });
    const bad = await mgrd(['tell', '--data-dir', dir, 'mgr', 'nosuchcmd']);
    expect(bad.code).toBe(22);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^no valid command found; 10 closest matches:\n(.+\n){10}Error EINVAL: invalid command\n$/);
    const denied = await mgrd(['tell', '--data-dir', dir, '--name', 'client.nobody', 'mgr', 'hello']);
    expect(denied.code).toBe(13);
  });

  it('outputs scripts parse, as ceph prints them: mgr module ls, config dump, a mistyped command', async () => {
    // `tell mgr module ls`, the leading `mgr` forgotten: the closest matches, that command first, then the error line.
    const typo = await mgrd(['tell', '--data-dir', dir, 'mgr', 'module', 'ls']);
    expect(typo.code).toBe(22);
    expect(typo.stdout).toBe('');
    const lines = typo.stderr.split('\n');
    expect(lines[0]).toBe('no valid command found; 10 closest matches:');
    expect(lines[1]).toBe('mgr module ls');
    expect(lines.slice(11)).toEqual(['Error EINVAL: invalid command', '']);
    // Pacific prints `mgr module ls` as pretty JSON (4 spaces) unless asked for another format.
    const ls = await mgrd(['tell', '--data-dir', dir, 'mgr', 'mgr', 'module', 'ls']);
    expect(ls.code).toBe(0);
    const parsed = JSON.parse(ls.stdout) as { always_on_modules: string[]; enabled_modules: string[]; disabled_modules: Array<{ name: string; can_run: boolean; error_string: string }> };
    expect(ls.stdout).toBe(`${JSON.stringify(parsed, null, 4)}\n`);
    expect(Object.keys(parsed)).toEqual(['always_on_modules', 'enabled_modules', 'disabled_modules']);
    expect(parsed.always_on_modules).toEqual(['crash', 'devicehealth']);
    expect(parsed.enabled_modules).toEqual(['hello', 'prometheus']);
    expect(parsed.disabled_modules.find((m) => m.name === 'influx')).toMatchObject({ can_run: true, error_string: '' });
    const compact = await mgrd(['tell', '--data-dir', dir, 'mgr', 'mgr', 'module', 'ls', '--format', 'json']);
    expect(compact.stdout).toBe(`${JSON.stringify(parsed)}\n`);
    // config dump: Ceph's TextTable, every line padded to the header's length.
    const dump = (await mgrd(['tell', '--data-dir', dir, 'mgr', 'config', 'dump'])).stdout.split('\n').filter((l) => l !== '');
    expect(dump[0]).toMatch(/^WHO +MASK +LEVEL +OPTION +VALUE +RO$/);
    expect(dump.length).toBeGreaterThan(1);
    for (const l of dump.slice(1)) {
      expect(l).toMatch(/^ {2}mgr {8}advanced {2}\S+ +\S* +[* ] $/);
      expect(l.length).toBe(dump[0]!.length);
    }
  });

  it('--format yaml (issue 8 item 18): answered by the commands that offer it, refused naming the argument by the others', async () => {
    const help = await mgrd(['tell', '--data-dir', dir, 'mgr', 'help']);
    // Wrapped as Ceph wraps it: the signature's second line below the description.
    expect(help.stdout).toMatch(/healthcheck history ls \[--format +List all the healthchecks being tracked\n +\{plain\|json\|json-pretty\|yaml\}\]/);
    for (const flag of ['--format', '-f']) {
      const y = await mgrd(['tell', '--data-dir', dir, 'mgr', 'healthcheck', 'history', 'ls', flag, 'yaml']);
      expect(y.code, y.stderr).toBe(0);
      expect(y.stdout).toMatch(/^---/);
    }
    const s = await mgrd(['tell', '--data-dir', dir, 'mgr', 'status', '--format', 'yaml']);
    expect(s.code).toBe(22);
    expect(s.stderr).toContain("invalid value 'yaml' for argument format");
  });

  it('module state persists across a restart; SIGTERM exits 0 and cleans up', async () => {
    expect((await mgrd(['tell', '--data-dir', dir, 'mgr', 'mgr', 'module', 'disable', 'hello'])).code).toBe(0);
    // A second process on the same data dir stands by (ha-local.test.ts: it takes over); SIGTERM ends it cleanly.
    const second = startRun(dir, ['--id', 'second']);
    let secondErr = '';
    second.stderr!.on('data', (d: Buffer) => (secondErr += d.toString()));
    for (let i = 0; i < 300 && !/mgr\.second is a standby \(pid \d+\); the active is mgr\./.test(secondErr); i++) await new Promise((r) => setTimeout(r, 100));
    expect(secondErr).toMatch(/mgr\.second is a standby \(pid \d+\); the active is mgr\./);
    second.kill('SIGTERM');
    expect(await exited(second)).toBe(0);
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    expect(existsSync(join(dir, 'mgrd.json'))).toBe(false);

    child = startRun(dir);
    await waitForFile(join(dir, 'mgrd.json'));
    const r = await mgrd(['tell', '--data-dir', dir, 'mgr', 'hello']);
    expect(r.code).toBe(95);
    const ls = JSON.parse((await mgrd(['tell', '--data-dir', dir, 'mgr', 'mgr', 'module', 'ls', '--format', 'json'])).stdout) as { enabled_modules: string[] };
    expect(ls.enabled_modules).not.toContain('hello');
    child.kill('SIGINT');
    expect(await exited(child)).toBe(0);
  }, 90_000);

  it('refuses a bad option value at boot, naming the allowed range', async () => {
    const d = mkdtempSync(join(tmpdir(), 'mgrd-cli-bad-'));
    const r = await mgrd(['run', '--data-dir', d, '--daemon-addr', '127.0.0.1:0', '--admin-addr', '127.0.0.1:0', '--set', 'mgr_stats_threshold=12']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("invalid value '12' for option mgr_stats_threshold: must be an integer in [0, 11]");
    const r2 = await mgrd(['run', '--data-dir', d, '--daemon-addr', '127.0.0.1:0', '--admin-addr', '127.0.0.1:0', '--set', 'mgr/hello/emphasis=7']);
    expect(r2.stderr).toContain("invalid value '7' for option emphasis: must be an integer in [0, 5]");
    rmSync(d, { recursive: true, force: true });
  });

  it('a bad or busy listen address exits non-zero with one clear line on stderr', async () => {
    const d = mkdtempSync(join(tmpdir(), 'mgrd-cli-addr-'));
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const busyAddr = `127.0.0.1:${(busy.address() as AddressInfo).port}`;
    const cases: Array<[string[], RegExp]> = [
      [['--daemon-addr', 'nonsense'], /^mgrd: --daemon-addr 'nonsense': expected HOST:PORT with a port in \[0, 65535\]/],
      [['--daemon-addr', '127.0.0.1:99999'], /^mgrd: --daemon-addr '127\.0\.0\.1:99999': expected HOST:PORT/],
      [['--admin-addr', 'localhost'], /^mgrd: --admin-addr 'localhost': expected HOST:PORT/],
      [['--daemon-addr', busyAddr], new RegExp(`^mgrd: cannot listen for daemons on ${busyAddr} \\(--daemon-addr\\): .*EADDRINUSE`)],
      [['--admin-addr', busyAddr], new RegExp(`^mgrd: cannot listen for the admin API on ${busyAddr} \\(--admin-addr\\): .*EADDRINUSE`)],
    ];
    try {
      for (const [flags, want] of cases) {
        const r = await mgrd(['run', '--data-dir', d, '--daemon-addr', '127.0.0.1:0', '--admin-addr', '127.0.0.1:0', '--log-level', 'warn', ...flags]);
        expect(r.code, flags.join(' ')).toBe(1);
        const lines = r.stderr.split('\n').filter((l) => l !== '');
        expect(lines, flags.join(' ')).toHaveLength(1);
        expect(lines[0]).toMatch(want);
      }
    } finally {
      busy.close();
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('mgrd keyring writes a keyring and refuses to overwrite it', async () => {
    const d = mkdtempSync(join(tmpdir(), 'mgrd-kr-'));
    const f = join(d, 'keyring');
    const r = await mgrd(['keyring', f, '--add', 'client.ro', '--caps', 'allow r']);
    expect(r.code).toBe(0);
    expect(readFileSync(f, 'utf8')).toMatch(/\[client\.ro\]\n\tkey = \S+\n\tcaps mgr = "allow r"/);
    expect((await mgrd(['keyring', f])).code).toBe(17);
    rmSync(d, { recursive: true, force: true });
  });
});
