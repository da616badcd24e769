// Node module hooks for modules loaded by the compiled manager (registered by
// module-loader.ts; they run on Node's hooks thread). A module anywhere on the
// module paths imports the SDK as `mgrd/module` and gets the SDK of the mgrd that
// loads it, with nothing installed beside it (as a Ceph module imports
// mgr_module). A module shipped as TypeScript is compiled as it loads (esbuild
// strips the types; the module's author type-checks it, not the manager).

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

interface ResolveContext {
  parentURL?: string;
  conditions: string[];
  importAttributes?: Record<string, string>;
}
interface ResolveResult {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
}
type NextResolve = (specifier: string, context?: ResolveContext) => Promise<ResolveResult>;
interface LoadResult {
  format: string;
  source?: string | ArrayBuffer | Uint8Array | null;
  shortCircuit?: boolean;
}
type NextLoad = (url: string, context?: { format?: string | null; conditions: string[] }) => Promise<LoadResult>;

/** What register() passes: the URL of mgrd's package.json, from where `mgrd/...` resolves through its "exports". */
export interface HooksData {
  packageJsonUrl: string;
}

let packageJsonUrl = '';

export function initialize(data: HooksData): void {
  packageJsonUrl = data.packageJsonUrl;
}

export async function resolve(specifier: string, context: ResolveContext, nextResolve: NextResolve): Promise<ResolveResult> {
  if (specifier === 'mgrd' || specifier.startsWith('mgrd/')) {
    // Resolved as if imported from inside the package: its own "exports", whatever the module folder holds.
    return nextResolve(specifier, { ...context, parentURL: packageJsonUrl });
  }
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    // TypeScript's NodeNext style: './util.js' in a .ts file names './util.ts' when only that is shipped.
    const parent = context.parentURL ?? '';
    if (parent.endsWith('.ts') && specifier.startsWith('.') && specifier.endsWith('.js')) {
      return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
    }
    throw err;
  }
}

export async function load(url: string, context: { format?: string | null; conditions: string[] }, nextLoad: NextLoad): Promise<LoadResult> {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  const file = fileURLToPath(url);
  const source = await readFile(file, 'utf8');
  // Loaded on first use: a manager whose modules are all JavaScript never starts esbuild.
  const { transform } = await import('esbuild');
  const out = await transform(source, { loader: 'ts', format: 'esm', target: 'node20', sourcefile: file, sourcemap: 'inline' });
  return { format: 'module', source: out.code, shortCircuit: true };
}
