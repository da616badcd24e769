// `mgrd tell mgr <words...>`: one COMMAND over the wire protocol, as `ceph tell`
// does: data on stdout, status on stderr, exit status = -retval.

import { join } from 'node:path';
import { errnoName } from '../common/errno.js';
import { MgrClient, MgrClientError } from '../client/mgr-client.js';
import { NO_VALID_COMMAND } from '../commands/grammar-closest.js';
import { Keyring, secretFor } from '../protocol/keyring.js';
import { connectableAddr, keyringPath, readRuntimeInfo } from './runtime-info.js';

export interface TellOptions {
  dataDir?: string;
  /** Every manager's daemon address: the command goes to the active. */
  mgr?: string[];
  keyring?: string;
  name: string;
  format?: string;
  timeoutS: number;
}

export interface TellOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

export async function tell(target: string, words: string[], opts: TellOptions): Promise<TellOutcome> {
  if (target !== 'mgr' && !target.startsWith('mgr.')) {
    return { code: 22, stdout: '', stderr: `mgrd tell: unsupported target '${target}': only 'mgr' is served\n` };
  }
  let addrs = opts.mgr;
  let keyringFile = opts.keyring;
  if (opts.dataDir) {
    const info = readRuntimeInfo(opts.dataDir);
    if (!addrs) {
      if (!info) return { code: 2, stdout: '', stderr: `mgrd tell: no running mgrd found in ${opts.dataDir} (no ${join(opts.dataDir, 'mgrd.json')}); start one with: mgrd run --data-dir ${opts.dataDir}\n` };
      addrs = [connectableAddr(info.daemon_addr)];
    }
    keyringFile ??= keyringPath(opts.dataDir);
  }
  if (!addrs || addrs.length === 0) return { code: 22, stdout: '', stderr: 'mgrd tell: give --data-dir DIR, or --mgr HOST:PORT with --keyring FILE\n' };
  if (!keyringFile) return { code: 22, stdout: '', stderr: 'mgrd tell: --mgr needs --keyring FILE\n' };
  let secret: Buffer;
  try {
    secret = secretFor(Keyring.load(keyringFile), opts.name);
  } catch (err) {
    return { code: 13, stdout: '', stderr: `mgrd tell: ${(err as Error).message}\n` };
  }
  const argv = opts.format ? [...words, '--format', opts.format] : words;
  const client = new MgrClient({ addrs, entity: opts.name, secret, maxAttempts: 3 * addrs.length, reconnectMinMs: 100, reconnectMaxMs: 1000 });
  client.start();
  try {
    await client.waitReady(opts.timeoutS * 1000);
    const r = await client.command({ argv }, opts.timeoutS * 1000);
    const stdout = r.outb === '' || r.outb.endsWith('\n') ? r.outb : `${r.outb}\n`;
    let stderr = r.outs === '' || r.outs.endsWith('\n') ? r.outs : `${r.outs}\n`;
    if (r.r < 0) stderr = errorText(r.r, stderr);
    return { code: r.r < 0 ? Math.min(255, -r.r) : 0, stdout, stderr };
  } catch (err) {
    const code = err instanceof MgrClientError && err.code === 'EAUTH' ? 13 : 110;
    return { code, stdout: '', stderr: `mgrd tell: ${(err as Error).message}\n` };
  } finally {
    await client.stop();
  }
}

/**
 * `Error EINVAL: <outs>` as `ceph` prints a failed command; for words no command takes, the closest
 * matches come first and the error line last (`no valid command found; ...` then `Error EINVAL: invalid command`).
 */
export function errorText(r: number, outs: string): string {
  const error = `Error ${errnoName(-r)}: `;
  const last = outs.trimEnd().lastIndexOf('\n');
  if (!outs.startsWith(NO_VALID_COMMAND) || last < 0) return error + outs;
  return outs.slice(0, last + 1) + error + outs.slice(last + 1);
}
