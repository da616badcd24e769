// DIR/mgrd.json: where a running mgrd can be reached, so `mgrd tell --data-dir`
// needs nothing else. Written once active, removed on clean exit.

import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../mgr/store-files.js';

export interface RuntimeInfo {
  pid: number;
  id: string;
  daemon_addr: string;
  admin_addr: string;
  started: string;
}

export const runtimeInfoPath = (dir: string): string => join(dir, 'mgrd.json');
export const keyringPath = (dir: string): string => join(dir, 'keyring');
export const adminTokenPath = (dir: string): string => join(dir, 'admin_token');

export function writeRuntimeInfo(dir: string, info: RuntimeInfo): void {
  writeFileAtomicSync(runtimeInfoPath(dir), JSON.stringify(info, null, 1) + '\n');
}

export function readRuntimeInfo(dir: string): RuntimeInfo | undefined {
  const p = runtimeInfoPath(dir);
  if (!existsSync(p)) return undefined;
  return JSON.parse(readFileSync(p, 'utf8')) as RuntimeInfo;
}

export function removeRuntimeInfo(dir: string, pid: number): void {
  const info = readRuntimeInfo(dir);
  if (info?.pid === pid) rmSync(runtimeInfoPath(dir), { force: true });
}

/** A wildcard listen address is reached on loopback. */
export function connectableAddr(addr: string): string {
  return addr.replace(/^0\.0\.0\.0:/, '127.0.0.1:').replace(/^\[::\]:/, '127.0.0.1:');
}
