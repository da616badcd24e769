// A Ceph daemon's admin socket, spoken directly (no `ceph daemon` process per
// read): connect to the Unix socket, send the command as JSON followed by a
// NUL byte, read a 4-byte big-endian length and that many bytes of answer.
// Ceph's AdminSocket serves one command per connection and then closes it.

import { connect } from 'node:net';

export interface AdminSocketOptions {
  /** The whole exchange (connect, send, answer) must finish within this. */
  timeoutMs: number;
  /** Largest answer accepted; a longer one is an error (a daemon's perf dump is ~20-200 KiB). */
  maxBytes?: number;
}

export class AdminSocketError extends Error {
  constructor(
    /** ENOENT, ECONNREFUSED, ETIMEDOUT, E2BIG, EPROTO, or the errno of the connection. */
    readonly code: string,
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'AdminSocketError';
  }
}

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

/** Sends one command (a cmdmap such as {prefix: "perf dump"}) and resolves with the raw answer. */
export function adminSocketCommand(path: string, cmd: Record<string, unknown>, opts: AdminSocketOptions): Promise<Buffer> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  return new Promise((resolve, reject) => {
    const socket = connect({ path });
    const chunks: Buffer[] = [];
    let got = 0;
    let want = -1;
    let done = false;
    const finish = (err: AdminSocketError | undefined, answer?: Buffer): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(answer!);
    };
    const timer = setTimeout(() => finish(new AdminSocketError('ETIMEDOUT', path, `no answer to '${String(cmd.prefix)}' within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    socket.on('connect', () => socket.write(JSON.stringify(cmd) + '\0'));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      got += chunk.length;
      if (want < 0 && got >= 4) {
        const head = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        want = head.readUInt32BE(0);
        if (want > maxBytes) return finish(new AdminSocketError('E2BIG', path, `answer of ${want} bytes exceeds the ${maxBytes}-byte bound`));
      }
      if (want >= 0 && got >= 4 + want) {
        const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, got);
        finish(undefined, all.subarray(4, 4 + want));
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => finish(new AdminSocketError(err.code ?? 'EIO', path, err.message)));
    socket.on('close', () => {
      if (want < 0) finish(new AdminSocketError('EPROTO', path, `closed after ${got} bytes, before the 4-byte answer length`));
      else finish(new AdminSocketError('EPROTO', path, `closed after ${got - 4} of ${want} answer bytes`));
    });
  });
}

/** Sends one command and parses the answer as JSON (what every command answers with format json, the default). */
export async function adminSocketJson<T = unknown>(path: string, cmd: Record<string, unknown>, opts: AdminSocketOptions): Promise<T> {
  const raw = await adminSocketCommand(path, cmd, opts);
  try {
    return JSON.parse(raw.toString('utf8')) as T;
  } catch (err) {
    // Ceph answers an unknown command or a bad argument with plain text.
    const text = raw.toString('utf8', 0, Math.min(raw.length, 200)).trim();
    throw new AdminSocketError('EPROTO', path, `answer to '${String(cmd.prefix)}' is not JSON (${(err as Error).message}): ${text}`);
  }
}
