// Finds modules on the module paths and imports them. A module is a folder
// holding module.js or module.ts, exporting `Module` and optionally
// `StandbyModule`. The compiled manager loads both (module-hooks.ts: `mgrd/module`
// and TypeScript); under vitest, vite does (vitest.config.ts's alias).

import { existsSync, readdirSync, statSync } from 'node:fs';
import { register } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ModuleClass } from '../mgr-module/mgr-module.js';
import { packageRoot, runningFromDist } from '../common/paths.js';
import type { HooksData } from './module-hooks.js';

export interface LoadedModule {
  name: string;
  dir: string;
  file: string;
  cls: ModuleClass | undefined;
  standbyCls: ModuleClass | undefined;
  /** Why the module cannot be used (import failed, no Module export...). */
  error: string;
}

/** exporters/ and modules/ of this installation, then the configured extra paths. */
export function defaultModulePaths(extra: string): string[] {
  const root = packageRoot();
  const base = runningFromDist() ? join(root, 'dist') : root;
  const paths = [join(base, 'exporters'), join(base, 'modules')];
  for (const p of extra.split(':')) if (p.trim()) paths.push(p.trim());
  return paths;
}

const NAME_RE = /^[a-z][a-z0-9_]*$/;

export function findModuleFolders(paths: readonly string[]): Array<{ name: string; dir: string; file: string }> {
  const found = new Map<string, { name: string; dir: string; file: string }>();
  const preferTs = !runningFromDist();
  for (const base of paths) {
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base).sort()) {
      const dir = join(base, name);
      if (!NAME_RE.test(name) || !statSync(dir).isDirectory() || found.has(name)) continue;
      const js = join(dir, 'module.js');
      const ts = join(dir, 'module.ts');
      const file = preferTs && existsSync(ts) ? ts : existsSync(js) ? js : existsSync(ts) ? ts : undefined;
      if (file) found.set(name, { name, dir, file });
    }
  }
  return [...found.values()];
}

function isModuleClass(v: unknown): v is ModuleClass {
  return typeof v === 'function' && typeof (v as { canRun?: unknown }).canRun === 'function';
}

/**
 * Whether the hooks are registered: once per process, as Node keeps them for the
 * process (every manager in it loads modules the same way).
 */
let hooksRegistered = false;

/** Registers module-hooks.ts when running compiled JavaScript (vite does their work under vitest). */
function registerHooks(): void {
  if (hooksRegistered || !import.meta.url.endsWith('.js')) return;
  hooksRegistered = true;
  const data: HooksData = { packageJsonUrl: pathToFileURL(join(packageRoot(), 'package.json')).href };
  register('./module-hooks.js', { parentURL: import.meta.url, data });
}

export async function importModule(entry: { name: string; dir: string; file: string }): Promise<LoadedModule> {
  const out: LoadedModule = { ...entry, cls: undefined, standbyCls: undefined, error: '' };
  try {
    registerHooks();
    const mod = (await import(pathToFileURL(entry.file).href)) as Record<string, unknown>;
    if (!isModuleClass(mod.Module)) out.error = `${entry.file} does not export class Module extends MgrModule`;
    else out.cls = mod.Module;
    if (isModuleClass(mod.StandbyModule)) out.standbyCls = mod.StandbyModule;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    // A module.js outside any package is CommonJS to Node: say what makes it ESM.
    const hint = /Cannot use import statement outside a module|Unexpected token 'export'/.test(msg)
      ? ` (module.js is ES module syntax: put {"type": "module"} in a package.json beside it or above)`
      : '';
    out.error = `import failed: ${msg}${hint}`;
  }
  return out;
}
