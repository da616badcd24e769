// The data dir's lock: a Linux abstract-namespace Unix socket named after the
// data dir (its device, inode and real path). bind() is atomic, so of any
// number of processes racing for it exactly one wins, and the kernel frees
// the name the instant the holder dies (kill -9 included): no PID file to read
// and delete, no stale lock. A process that lost connects to the name instead;
// the holder sees it as a peer, and the peer learns of the holder's death when
// the connection drops. Why this and not flock: docs/decisions.md.

import { createHash } from 'node:crypto';
import { realpathSync, statSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';

export class DataDirLockError extends Error {}

/** The abstract socket name of a data dir: the same for every path that reaches the same directory. */
export function lockName(dir: string): string {
  const real = realpathSync(dir);
  const st = statSync(real);
  const h = createHash('sha256').update(`${st.dev}:${st.ino}:${real}`).digest('hex').slice(0, 40);
  return `\0mgrd-${h}`;
}

export class DataDirLock {
  readonly name: string;
  private server: Server | undefined;
  private readonly peers = new Set<Socket>();

  /** `onPeer` is called on the holder for each process that connects (a waiting standby). */
  constructor(readonly dir: string, private readonly onPeer: (peer: Socket) => void = (p) => p.destroy()) {
    if (process.platform !== 'linux') {
      throw new DataDirLockError(`the local map store locks its data dir with a Linux abstract socket; on ${process.platform} use --map-store etcd`);
    }
    this.name = lockName(dir);
  }

  get held(): boolean {
    return this.server !== undefined;
  }

  /** Takes the lock if no live process holds it. Resolves false when one does. */
  tryAcquire(): Promise<boolean> {
    if (this.server) return Promise.resolve(true);
    const server = createServer((peer) => {
      this.peers.add(peer);
      peer.once('close', () => this.peers.delete(peer));
      peer.on('error', () => peer.destroy());
      this.onPeer(peer);
    });
    return new Promise((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE') resolve(false);
        else reject(new DataDirLockError(`cannot lock data dir ${this.dir}: ${err.message}`));
      });
      server.listen({ path: this.name }, () => {
        server.removeAllListeners('error');
        server.on('error', () => undefined); // a listening server has nothing left to fail on
        this.server = server;
        resolve(true);
      });
    });
  }

  /** Connects to the holder (a standby's side). Rejects with ECONNREFUSED when nobody holds the lock. */
  connectToHolder(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const s = connect({ path: this.name });
      s.once('connect', () => {
        s.removeListener('error', reject);
        resolve(s);
      });
      s.once('error', reject);
    });
  }

  /** Frees the name at once; connected peers see their connection drop. Idempotent. */
  async release(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((r) => server.close(() => r()));
    for (const p of this.peers) p.destroy();
    await closed;
  }
}
