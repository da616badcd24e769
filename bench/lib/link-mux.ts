// Many wire-protocol links over one socket, for benchmarks past the open-file
// limit: a simulator of 20,000 daemons in its own process needs 20,000 sockets
// on each side over loopback, and the hard limit here is 20,000. The child's
// clients dial channels (in-process link ends, src/protocol/local-link.ts);
// each channel's bytes cross one socket tagged with its id; on the manager's
// side each channel is a DaemonServer.connectLocal() session. The manager's
// sessions, frames and limits are those of TCP; the kernel's per-socket work
// is replaced by this framing (a copy and a 9-byte header per write).
//
// Message: u32 payload length, u32 channel id, u8 kind (OPEN, DATA, CLOSE), payload.

import type { Duplex } from 'node:stream';
import { LocalLinkEnd } from '../../src/protocol/local-link.js';

const OPEN = 1;
const DATA = 2;
const CLOSE = 3;
const HEAD = 9;

export class LinkMux {
  private readonly ends = new Map<number, Duplex>();
  private nextId = 1;
  private chunks: Buffer[] = [];
  private have = 0;
  private need = HEAD;

  /**
   * @param stream  the one socket
   * @param accept  the manager's side: a session for a channel the other side opened
   */
  constructor(private readonly stream: Duplex, private readonly accept?: () => Duplex) {
    stream.on('data', (chunk: Buffer) => this.receive(chunk));
    stream.on('close', () => {
      for (const e of this.ends.values()) e.destroy();
      this.ends.clear();
    });
    stream.on('error', () => undefined); // 'close' follows
  }

  /** The simulator's side: a new channel, as a connected socket would be (it emits `connect`). */
  dial(): Duplex {
    const [client, mine] = LocalLinkEnd.pair();
    const id = this.nextId++;
    this.send(id, OPEN);
    this.attach(id, mine);
    return client;
  }

  private attach(id: number, end: Duplex): void {
    this.ends.set(id, end);
    end.on('data', (b: Buffer) => this.send(id, DATA, b));
    end.on('error', () => undefined); // 'close' follows
    end.on('close', () => {
      if (this.ends.get(id) !== end) return;
      this.ends.delete(id);
      this.send(id, CLOSE);
    });
  }

  private send(id: number, kind: number, payload?: Buffer): void {
    if (this.stream.destroyed) return;
    const head = Buffer.allocUnsafe(HEAD);
    head.writeUInt32LE(payload?.length ?? 0, 0);
    head.writeUInt32LE(id, 4);
    head[8] = kind;
    this.stream.write(payload ? Buffer.concat([head, payload]) : head);
  }

  /** Messages are parsed once whole: chunks wait in a list, joined when the message they hold is complete. */
  private receive(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.have += chunk.length;
    if (this.have < this.need) return;
    const buf = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.have);
    let off = 0;
    this.need = HEAD;
    while (buf.length - off >= HEAD) {
      const len = buf.readUInt32LE(off);
      if (buf.length - off < HEAD + len) {
        this.need = HEAD + len;
        break;
      }
      this.dispatch(buf.readUInt32LE(off + 4), buf[off + 8]!, buf.subarray(off + HEAD, off + HEAD + len));
      off += HEAD + len;
    }
    const rest = buf.subarray(off);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.have = rest.length;
  }

  private dispatch(id: number, kind: number, payload: Buffer): void {
    switch (kind) {
      case OPEN:
        if (this.accept) this.attach(id, this.accept());
        return;
      case DATA:
        // A view of the socket's chunk (each read is a fresh buffer): handed on without a copy.
        this.ends.get(id)?.write(payload);
        return;
      case CLOSE: {
        const e = this.ends.get(id);
        this.ends.delete(id);
        e?.destroy();
        return;
      }
    }
  }
}
