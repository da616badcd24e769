// The data dir lock across real processes: processes racing for a data dir
// whose holder was killed (-9) — exactly one wins each round — and a holder's
// death frees the lock at once (issue 8 item 13).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertBuilt, exited, ROOT } from '../helpers/procs.js';

const STORE = join(ROOT, 'dist/src/mgr/map-store-local.js');

/** A process that opens the store, prints "won" (it leads) or "lost" (it follows the holder), holds on for `holdMs`, then exits. */
function opener(dir: string, holdMs: number): ChildProcess {
  const script = `
    const { LocalMapStore } = await import(${JSON.stringify(STORE)});
    try {
      const s = await LocalMapStore.open(${JSON.stringify(dir)});
      process.stdout.write(s.isLeader() ? 'won\\n' : 'lost\\n');
      await new Promise((r) => setTimeout(r, ${holdMs}));
      await s.close();
    } catch (err) {
      process.stdout.write('error ' + err.message + '\\n');
    }`;
  return spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.once('exit', () => resolve(out.split('\n')[0]!));
  });
}

describe('data dir lock across processes', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('three processes racing after the holder was killed -9: exactly one wins, every round', async () => {
    assertBuilt();
    const rounds = 8;
    for (let round = 0; round < rounds; round++) {
      const dir = mkdtempSync(join(tmpdir(), 'mgrd-lock-'));
      dirs.push(dir);
      const holder = opener(dir, 60_000);
      expect(await firstLine(holder)).toBe('won');
      holder.kill('SIGKILL');
      await exited(holder);
      // Each holds what it got until all three have answered (they start at different times under load).
      const racers = [opener(dir, 60_000), opener(dir, 60_000), opener(dir, 60_000)];
      const lines = await Promise.all(racers.map(firstLine));
      for (const r of racers) r.kill('SIGKILL');
      await Promise.all(racers.map(exited));
      expect(lines.sort(), `round ${round}`).toEqual(['lost', 'lost', 'won']);
    }
  }, 120_000);

  it("the holder's death frees the lock at once: a process waiting on it leads within 100 ms", async () => {
    assertBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'mgrd-lock-'));
    dirs.push(dir);
    const holder = opener(dir, 60_000);
    expect(await firstLine(holder)).toBe('won');
    const { LocalMapStore } = (await import(STORE)) as typeof import('../../src/mgr/map-store-local.js');
    const waiting = await LocalMapStore.open(dir);
    try {
      expect(waiting.isLeader()).toBe(false);
      holder.kill('SIGKILL');
      await exited(holder);
      const t0 = Date.now();
      while (!waiting.isLeader() && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 1));
      expect(Date.now() - t0).toBeLessThan(100);
    } finally {
      await waiting.close();
    }
  });
});
