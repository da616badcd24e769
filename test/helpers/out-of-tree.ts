// Modules written as an author outside this repo writes them (docs/modules.md,
// "A module outside this repo"): they import the SDK only as `mgrd/module`.
// `poolcount` is TypeScript with a helper file; `greeter` is plain JavaScript.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** poolcount/module.ts: pools and their PG counts from get('osd_map'), a typed "not ready" before the first map. */
export const POOLCOUNT_MODULE = `import {
  Errno, MgrModule, isNotReady, type CmdMap, type CommandReturn, type DeepReadonly, type ModuleCommand, type OsdMap,
} from 'mgrd/module';
import { summarize } from './summary.js';

export class Module extends MgrModule {
  static override COMMANDS: readonly ModuleCommand[] = [
    { cmd: 'poolcount show name=pool,type=CephString,req=false', desc: 'Pools and their PG counts', perm: 'r' },
  ];

  override handleCommand(_inbuf: string, cmd: CmdMap): CommandReturn {
    let map: DeepReadonly<OsdMap>;
    try {
      map = this.get('osd_map');
    } catch (err) {
      if (isNotReady(err)) return [-Errno.EAGAIN, '', 'no osd map yet, try again'];
      throw err;
    }
    const pools = map.pools.filter((p) => cmd.pool === undefined || p.pool_name === cmd.pool);
    if (pools.length === 0) return [-Errno.ENOENT, '', \`no pool '\${String(cmd.pool)}'\`];
    return [0, JSON.stringify({ epoch: map.epoch, frozen: Object.isFrozen(map.pools[0]), pools: summarize(pools) }), ''];
  }
}
`;

/** poolcount/summary.ts, imported as './summary.js' (TypeScript's NodeNext spelling). */
export const POOLCOUNT_SUMMARY = `import type { DeepReadonly, OsdMapPool } from 'mgrd/module';

export function summarize(pools: ReadonlyArray<DeepReadonly<OsdMapPool>>): Array<{ name: string; pg_num: number }> {
  return pools.map((p) => ({ name: p.pool_name, pg_num: p.pg_num }));
}
`;

/** Compiled by the author's tsc only (never loaded): a snapshot is read-only in the types too. */
export const POOLCOUNT_TYPE_CHECKS = `import type { MgrModule } from 'mgrd/module';

export function mutate(m: MgrModule): void {
  // @ts-expect-error get() answers are DeepReadonly
  m.get('osd_map').pools[0]!.pg_num = 1;
  // @ts-expect-error get() answers are DeepReadonly
  m.get('df').pools.push({ id: 0, name: '', stats: {} });
}
`;

/** greeter/module.js: plain JavaScript (ES module syntax; the folder above holds {"type": "module"}). */
export const GREETER_MODULE = `import { Errno, MgrModule } from 'mgrd/module';

export class Module extends MgrModule {
  static COMMANDS = [{ cmd: 'greeter hi name=who,type=CephString', desc: 'Say hello', perm: 'r' }];

  handleCommand(_inbuf, cmd) {
    if (cmd.who === 'nobody') return [-Errno.ENOENT, '', 'nobody is here'];
    return [0, 'hi ' + cmd.who + ' from mgr.' + this.getMgrId(), ''];
  }
}
`;

/** Writes poolcount and greeter into `dir` (a folder for mgr_module_path); `typeChecks` adds the file only tsc reads. */
export function writeOutOfTreeModules(dir: string, typeChecks = false): void {
  mkdirSync(join(dir, 'poolcount'), { recursive: true });
  mkdirSync(join(dir, 'greeter'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }) + '\n');
  writeFileSync(join(dir, 'poolcount', 'module.ts'), POOLCOUNT_MODULE);
  writeFileSync(join(dir, 'poolcount', 'summary.ts'), POOLCOUNT_SUMMARY);
  if (typeChecks) writeFileSync(join(dir, 'poolcount', 'type-checks.ts'), POOLCOUNT_TYPE_CHECKS);
  writeFileSync(join(dir, 'greeter', 'module.js'), GREETER_MODULE);
}
