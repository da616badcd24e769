// Simulated clusters and the open-file limit (issue 17 item 4), on the real CLI:
// - `mgrd run --sim` links its daemons to the manager in process: 1,000 OSDs
//   all report under `ulimit -n 256` (over loopback each took two descriptors
//   of the one process, and the daemons past the limit never registered), and
//   `mgrd tell` still gets in;
// - `mgrd sim` (its own process, a socket per daemon) refuses at start when
//   its limit cannot hold them, naming the limit and the fix;
// - a manager whose daemon connections near its limit says so (MGR_WIRE_LIMIT)
//   instead of losing the connections past it unseen.

import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MGRD_BIN, poll, spawnLogged, startMgrd, stopChild, underFileLimit, type MgrdProcess } from '../helpers/procs.js';

const OSDS = 1000;

interface IngestStat { sessions: number; daemons: number }

function cli(args: string[], ulimitFiles?: number): { code: number | null; stdout: string; stderr: string } {
  const [bin, argv] = underFileLimit(ulimitFiles, process.execPath, [MGRD_BIN, ...args]);
  const r = spawnSync(bin, argv, { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('simulated daemons and the open-file limit', () => {
  let m: MgrdProcess | undefined;
  let sim: ChildProcess | undefined;

  afterEach(async () => {
    await stopChild(sim);
    await m?.stop();
    sim = undefined;
    m = undefined;
  });

  const ingest = async (p: MgrdProcess): Promise<IngestStat> => JSON.parse((await p.command({ prefix: 'mgr ingest stat', format: 'json' })).outb) as IngestStat;

  it(`mgrd run --sim: ${OSDS} OSDs under ulimit -n 256 all report, and mgrd tell gets in`, async () => {
    m = await startMgrd({ args: ['--sim', '--sim-osds', String(OSDS), '--log-level', 'warn'], ulimitFiles: 256, timeoutMs: 120_000 });
    const p = m;
    await poll(`all ${OSDS} simulated OSDs to send PG stats`, 240_000, async () => {
      const r = await p.command({ prefix: 'osd perf', format: 'json' });
      return r.retval === 0 && (JSON.parse(r.outb) as { osdstats: { osd_perf_infos: unknown[] } }).osdstats.osd_perf_infos.length === OSDS;
    }, 1000);
    const s = await ingest(p);
    expect(s.daemons).toBeGreaterThan(OSDS); // the OSDs, the mons and the rest
    expect(s.sessions).toBeGreaterThanOrEqual(s.daemons);
    // The sessions hold no descriptor of the process.
    expect(readdirSync(`/proc/${p.child.pid!}/fd`).length).toBeLessThan(200);
    const r = cli(['tell', '--data-dir', p.dataDir, 'mgr', 'osd', 'perf', '--format', 'json']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect((JSON.parse(r.stdout) as { osdstats: { osd_perf_infos: unknown[] } }).osdstats.osd_perf_infos).toHaveLength(OSDS);
  }, 400_000);

  it('mgrd sim refuses at start when its open-file limit cannot hold a socket per daemon, with the fix', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mgrd-sim-fd-'));
    const keyring = join(dir, 'keyring');
    expect(cli(['keyring', keyring]).code).toBe(0);
    const r = cli(['sim', '--mgr', '127.0.0.1:9', '--keyring', keyring, '--osds', '300', '--log-level', 'warn'], 200);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^mgrd: sim: \d+ simulated daemons \(300 OSDs\) need \d+ file descriptors \(\d+ with this process's own and some headroom\), but the open-file limit is 200 \(ulimit -n\)\. Raise it \(ulimit -n \d+;/);
    expect(r.stderr).toContain('mgrd run --sim --sim-osds 300');
  });

  it('a manager near its open-file limit raises MGR_WIRE_LIMIT naming it (connections past it are dropped unseen)', async () => {
    m = await startMgrd({ args: ['--log-level', 'warn'], ulimitFiles: 160 });
    const p = m;
    sim = spawnLogged(process.execPath, [MGRD_BIN, 'sim', '--mgr', p.daemonAddr, '--keyring', join(p.dataDir, 'keyring'), '--osds', '150', '--log-level', 'warn'],
      join(p.dataDir, 'sim.log'));
    const detail = await poll('MGR_WIRE_LIMIT for open files', 120_000, async () => {
      const r = await p.command({ prefix: 'health', detail: 'detail', format: 'json' });
      const check = (JSON.parse(r.outb) as { checks: Record<string, { detail: Array<{ message: string }> }> }).checks.MGR_WIRE_LIMIT;
      return check?.detail.map((d) => d.message).find((msg) => msg.startsWith('open_files:'));
    }, 500);
    expect(detail).toMatch(/connections open \(last from 127\.0\.0\.1\) and the open-file limit is 160 \(ulimit -n\): daemons connecting past it are dropped unseen/);
  }, 200_000);
});
