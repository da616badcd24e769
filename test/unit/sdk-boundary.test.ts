// The SDK boundary in-process (the source run: vitest resolves `mgrd/module` to
// src/, as the compiled manager resolves it to dist/; the real `mgrd run` case is
// test/integration/sdk-out-of-tree.test.ts). Modules from a folder outside the
// repo, in TypeScript and JavaScript; get() before the first map answers a typed
// "not ready"; snapshots are read-only the moment they are handed out.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Errno, NotReadyError, isNotReady, type GetName } from '../../src/mgr-module/index.js';
import type { CommandCaller } from '../../src/server/daemon-server.js';
import { startTestMgr, type TestMgr } from '../helpers/harness.js';
import { writeOutOfTreeModules } from '../helpers/out-of-tree.js';
import { refJson } from '../helpers/pg-cluster.js';

const ADMIN: CommandCaller = { entity: 'client.admin', read: true, write: true };

/** The path of the first object under `v` that is not frozen, or undefined when all are. */
function unfrozen(v: unknown, path = '$'): string | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  if (!Object.isFrozen(v)) return path;
  for (const [k, c] of Object.entries(v)) {
    const u = unfrozen(c, `${path}.${k}`);
    if (u) return u;
  }
  return undefined;
}

describe('the SDK boundary, in-process', () => {
  let t: TestMgr;
  let dir: string;
  const run = (...argv: string[]) => t.mgr.runCommand(ADMIN, { argv });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mgrd-oot-'));
    writeOutOfTreeModules(dir);
    t = await startTestMgr({ modulePaths: [dir], modules: ['poolcount', 'greeter'] });
  });
  afterAll(async () => {
    await t.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads a TypeScript module (with a helper file) and a JavaScript one, both importing mgrd/module', async () => {
    for (const name of ['poolcount', 'greeter']) {
      const e = t.mgr.registry.get(name);
      expect({ name, error: e?.lastError || e?.canRunReason, running: e?.running }).toEqual({ name, error: '', running: true });
    }
    expect(await run('greeter', 'hi', 'ceph')).toEqual({ r: 0, outb: 'hi ceph from mgr.x', outs: '' });
    expect((await run('greeter', 'hi', 'nobody')).r).toBe(-Errno.ENOENT);
  });

  it('get() before the first map throws NotReadyError, which a module tests with isNotReady()', async () => {
    let thrown: unknown;
    try {
      t.mgr.views.get('osd_map');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(NotReadyError);
    expect(isNotReady(thrown)).toBe(true);
    expect((thrown as NotReadyError).what).toBe('osd_map');
    expect(isNotReady(new Error('osd_map not received from the cluster yet'))).toBe(false);
    expect(await run('poolcount', 'show')).toEqual({ r: -Errno.EAGAIN, outb: '', outs: 'no osd map yet, try again' });
  });

  it('a map is read-only the moment get() hands it out, and so is every other answer', async () => {
    // Fallbacks handed out before any map are frozen too.
    expect(unfrozen(t.mgr.views.get('osd_map_tree'))).toBeUndefined();
    t.mgr.cluster.applyMap({ osd_map: refJson('mgr_internals/get.osd_map.json') });
    // No turn of the event loop in between: the background freezer has not run.
    const map = t.mgr.views.get('osd_map');
    expect(unfrozen(map)).toBeUndefined();
    expect(() => {
      (map.pools[0] as { pg_num: number }).pg_num = 1;
    }).toThrow(TypeError);
    const names: GetName[] = ['mgr_map', 'config', 'osd_metadata', 'mgr_ips', 'devices', 'pg_ready', 'df', 'pg_summary', 'health'];
    for (const name of names) expect({ name, unfrozen: unfrozen(t.mgr.views.get(name)) }).toEqual({ name, unfrozen: undefined });

    const r = await run('poolcount', 'show');
    expect(r.r).toBe(0);
    expect(JSON.parse(r.outb)).toEqual({
      epoch: 40,
      frozen: true,
      pools: [{ name: 'device_health_metrics', pg_num: 1 }, { name: 'data', pg_num: 32 }, { name: 'meta', pg_num: 16 }, { name: 'single', pg_num: 8 }],
    });
    expect((await run('poolcount', 'show', 'nope')).r).toBe(-Errno.ENOENT);
  });
});
