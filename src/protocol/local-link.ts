// An in-process link: two connected duplex streams that carry the wire
// protocol between a MgrClient and the DaemonServer of the same process,
// without a socket. Everything above the transport is unchanged (frames,
// handshake, keys, capabilities, limits); only the descriptors go. The
// embedded simulator uses it: over loopback each simulated daemon costs two
// descriptors in one process, and 10,000 OSDs reach the usual 20,000 limit.
//
// It behaves as the parts of net.Socket the client and the session use do:
// bytes arrive on a later turn of the event loop (never inside the writer's
// call), a reader that stops reading holds the writer's callbacks so
// writableLength grows as over TCP, end() delivers what was written and then
// EOF (no half-open links, as net sockets by default), destroy() closes both.

import { Duplex } from 'node:stream';

/** The peer address a local link's session reports (what per-peer limits count). */
export const LOCAL_PEER = 'local';

export class LocalLinkEnd extends Duplex {
  readonly remoteAddress = LOCAL_PEER;
  readonly remotePort = 0;
  private other: LocalLinkEnd | undefined;
  /** A write the other end's full buffer has not taken yet: called when it reads again. */
  private blockedWrite: (() => void) | undefined;
  /** The other end finished writing: EOF was pushed here. */
  private eof = false;

  private constructor() {
    super({ allowHalfOpen: false });
  }

  /** Two connected ends; the first is told `connect` on the next turn (as a socket is). */
  static pair(): [LocalLinkEnd, LocalLinkEnd] {
    const a = new LocalLinkEnd();
    const b = new LocalLinkEnd();
    a.other = b;
    b.other = a;
    setImmediate(() => {
      if (!a.destroyed) a.emit('connect');
    });
    return [a, b];
  }

  /** Frames go out whole already: nothing to do (net.Socket's). */
  setNoDelay(): this {
    return this;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.deliver([chunk], callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (err?: Error | null) => void): void {
    this.deliver(chunks.map((c) => c.chunk), callback);
  }

  override _final(callback: (err?: Error | null) => void): void {
    setImmediate(() => {
      const o = this.other;
      if (o && !o.destroyed && !o.eof) {
        o.eof = true;
        o.push(null);
      }
      callback();
    });
  }

  override _read(): void {
    // The other end waited for this one to read: its write completes now.
    const o = this.other;
    const w = o?.blockedWrite;
    if (o && w) {
      o.blockedWrite = undefined;
      w();
    }
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    const o = this.other;
    this.other = undefined;
    this.blockedWrite = undefined;
    // The other end sees the link close, on a later turn, as a socket sees a reset.
    if (o && !o.destroyed) setImmediate(() => o.destroy());
    callback(err);
  }

  /** Hands chunks to the other end on the next turn; the write completes once it has room for them. */
  private deliver(chunks: Buffer[], callback: (err?: Error | null) => void): void {
    setImmediate(() => {
      const o = this.other;
      if (!o || o.destroyed || o.eof) {
        callback(Object.assign(new Error('local link closed'), { code: 'EPIPE' }));
        return;
      }
      let room = true;
      for (const c of chunks) room = o.push(c);
      if (room) callback();
      else this.blockedWrite = () => callback();
    });
  }
}
