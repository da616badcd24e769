// The files of the local map store (mgr_map.json, kv.json): written whole to a
// temporary file (mode 0600, fsync) then renamed over the old one, so a crash
// leaves the old or the new file, never a torn one; read back with their shape
// checked. A file that cannot be read is an error naming it and the way out —
// never a silent reset of the enabled modules, the config and the epoch.

import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { checkMgrMap, checkKv, ShapeError } from './map-shape.js';
import type { MgrMap } from '../mgr-module/mgr-map-types.js';

/** Files holding config and module stores are readable by the owner only, like the keyring. */
export const STORE_FILE_MODE = 0o600;

export class StoreFileError extends Error {}

/** Writes `text` to `path` atomically (tmp + fsync + rename), mode 0600. Rejects and leaves `path` as it was on failure. */
export async function writeStoreFile(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  let fh;
  try {
    fh = await open(tmp, 'w', STORE_FILE_MODE);
    await fh.chmod(STORE_FILE_MODE); // an old tmp file keeps its mode through 'w'
    await fh.writeFile(text);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, path);
  } catch (err) {
    await fh?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

function recovery(path: string): string {
  return `mgrd will not start on it rather than lose what it holds (enabled modules, module stores, config, the map epoch): ` +
    `restore ${path} from a backup, or move it aside to start this data dir afresh`;
}

function readChecked<T>(path: string, check: (v: unknown) => T): T | undefined {
  if (!existsSync(path)) return undefined;
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, STORE_FILE_MODE); // written by an older mgrd
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new StoreFileError(`${path} is not valid JSON (${(err as Error).message}); ${recovery(path)}`);
  }
  try {
    return check(value);
  } catch (err) {
    if (err instanceof ShapeError) throw new StoreFileError(`${path} is not a valid ${err.what}: ${err.message}; ${recovery(path)}`);
    throw err;
  }
}

export function readMgrMapFile(path: string): MgrMap | undefined {
  return readChecked(path, checkMgrMap);
}

export function readKvFile(path: string): Map<string, string> | undefined {
  const kv = readChecked(path, checkKv);
  return kv && new Map(Object.entries(kv));
}

/** Small files written once (runtime info, the admin token): tmp then rename. */
export function writeFileAtomicSync(path: string, text: string, mode?: number): void {
  writeFileSync(`${path}.tmp`, text, mode === undefined ? undefined : { mode });
  renameSync(`${path}.tmp`, path);
}
