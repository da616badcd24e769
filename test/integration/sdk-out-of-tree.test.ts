// A module written outside this repo, end to end as docs/modules.md tells it
// (issue 16 item 8): the author type-checks it against the published types
// (`mgrd/module` through package.json "exports", mgrd installed beside it as a
// dependency), then copies the folder, TypeScript sources or JavaScript, with
// nothing installed, to a folder on mgr_module_path of a real `mgrd run` (the
// built CLI), enables it and calls its commands.

import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Errno } from '../../src/mgr-module/index.js';
import { writeOutOfTreeModules } from '../helpers/out-of-tree.js';
import { assertBuilt, poll, ROOT, startMgrd, type MgrdProcess } from '../helpers/procs.js';

const run = promisify(execFile);

describe('a module outside the repo, through the published import', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'mgrd-oot-it-'));
  const project = join(tmp, 'project');
  let m: MgrdProcess | undefined;
  beforeAll(() => {
    assertBuilt();
    writeOutOfTreeModules(project, true);
  });
  afterAll(async () => {
    await m?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("type-checks against mgrd's published types", async () => {
    // `npm install --save-dev mgrd` as a link to this checkout.
    mkdirSync(join(project, 'node_modules'));
    symlinkSync(ROOT, join(project, 'node_modules', 'mgrd'), 'dir');
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true },
      include: ['poolcount'],
    }));
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const r = await run(process.execPath, [tsc, '-p', project, '--listFiles'], { cwd: project }).catch((err: { stdout?: string; code?: number }) => {
      throw new Error(`tsc failed (${err.code}): ${err.stdout ?? ''}`);
    });
    // The SDK's declarations came through the package's "exports" (its "types" condition), not a path into src/.
    expect(r.stdout).toContain(join(ROOT, 'dist/src/mgr-module/index.d.ts'));
    expect(r.stdout).not.toContain(join(ROOT, 'src/mgr-module/index.ts'));
  });

  it('loads the TypeScript and the JavaScript module from mgr_module_path in mgrd run, nothing installed beside them', async () => {
    const modules = join(tmp, 'mgr-modules');
    mkdirSync(modules);
    for (const f of ['package.json', 'poolcount', 'greeter']) cpSync(join(project, f), join(modules, f), { recursive: true });
    rmSync(join(modules, 'poolcount', 'type-checks.ts'));
    m = await startMgrd({ args: ['--sim', '--sim-osds', '3'], set: { mgr_module_path: modules } });
    for (const module of ['poolcount', 'greeter']) {
      const r = await m.command({ prefix: 'mgr module enable', module });
      expect({ module, retval: r.retval, outs: r.outs }).toEqual({ module, retval: 0, outs: '' });
    }
    const ls = await m.command({ prefix: 'mgr module ls', format: 'json' });
    const listed = JSON.parse(ls.outb) as { enabled_modules: string[]; disabled_modules: Array<{ name: string; error_string: string }> };
    expect(listed.enabled_modules).toEqual(expect.arrayContaining(['poolcount', 'greeter']));

    const hi = await m.command({ prefix: 'greeter hi', who: 'ceph' });
    expect(hi).toMatchObject({ retval: 0, outb: expect.stringMatching(/^hi ceph from mgr\.\S+$/) });
    expect((await m.command({ prefix: 'greeter hi', who: 'nobody' })).retval).toBe(-Errno.ENOENT);

    // The simulator's maps arrive shortly after start: until then the module answers its "not ready" EAGAIN.
    const shown = await poll('poolcount show to answer', 30_000, async () => {
      const r = await m!.command({ prefix: 'poolcount show' });
      if (r.retval === -Errno.EAGAIN) return undefined;
      return r;
    });
    expect(shown.retval, shown.outs).toBe(0);
    const out = JSON.parse(shown.outb) as { epoch: number; frozen: boolean; pools: Array<{ name: string; pg_num: number }> };
    expect(out.frozen).toBe(true);
    // The same pools as the manager's own `osd pool stats` sees.
    const stats = JSON.parse((await m.command({ prefix: 'osd pool stats', format: 'json' })).outb) as Array<{ pool_name: string }>;
    expect(out.pools.map((p) => p.name).sort()).toEqual(stats.map((s) => s.pool_name).sort());
    expect(out.pools.every((p) => p.pg_num > 0)).toBe(true);
  });
});
