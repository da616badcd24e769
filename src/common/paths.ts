import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

/** The package root (the folder holding mgrd's package.json), from src/ or dist/src/. */
export function packageRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && !dir.endsWith('dist')) {
      cachedRoot = dir;
      return dir;
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('mgrd: cannot find the package root above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** True when running the compiled JavaScript under dist/. */
export function runningFromDist(): boolean {
  return fileURLToPath(import.meta.url).includes(`${'/'}dist${'/'}`);
}
