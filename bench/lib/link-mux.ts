// Many wire-protocol links over one socket, for benchmarks past the open-file
// limit: a simulator of 20,000 daemons in its own process needs 20,000 sockets
// on each side over loopback, and the hard limit here is 20,000. The child's
// clients dial channels (in-process link ends, src/protocol/local-link.ts);
// each channel's bytes cross one socket tagged with its id; on the manager's
// side each channel is a DaemonServer.connectLocal() session. The manager's
// sessions, frames and limits are those of TCP; the kernel's per-socket work
// is replaced by this framing (a 9-byte header per write).
//
// Flow control, as TCP gives each socket its own: the mux reads a channel's
// end only while the one socket has less than MAX_QUEUED bytes waiting, and it
// serves the channels with bytes in turn (round robin, one read each). A
// channel that has more waits in its own end, whose writer then sees its
// writes held (LocalLinkEnd), as a socket's writer does when the peer reads
// slowly. Before (session 10), every channel's bytes were written to the
// socket as they came: with 20,000 OSDs a manager slower than the simulator
// left the child's socket buffer growing without bound (10 GB in 12 minutes),
// and a new session's handshake waited behind all of it, so the simulator's
// start-up window never emptied and no OSD past ~15,000 got in.
//
// Message: u32 payload length, u32 channel id, u8 kind (OPEN, DATA, CLOSE), payload.

import type { Duplex } from 'node:stream';
import { LocalLinkEnd } from '../../src/protocol/local-link.js';

const OPEN = 1;
const DATA = 2;
const CLOSE = 3;
const HEAD = 9;
/** Most bytes the mux leaves queued on the socket before it waits for 'drain'. */
export const MAX_QUEUED = 256 * 1024;
/** Most bytes taken from one channel per turn. */
const READ_MAX = 64 * 1024;

export class LinkMux {
  private readonly ends = new Map<number, Duplex>();
  /** Channels whose ends have bytes to read, in the order they got them: served in turn. */
  private readonly ready = new Set<number>();
  private pumping = false;
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
    stream.on('drain', () => this.pump());
    stream.on('close', () => {
      for (const e of this.ends.values()) e.destroy();
      this.ends.clear();
      this.ready.clear();
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

  /** Bytes queued on the socket (for tests and benchmarks: bounded by about MAX_QUEUED plus one read). */
  get queued(): number {
    return this.stream.writableLength;
  }

  private attach(id: number, end: Duplex): void {
    this.ends.set(id, end);
    // Paused mode: the end's bytes stay in it until pump() reads them.
    end.on('readable', () => {
      this.ready.add(id);
      this.pump();
    });
    end.on('error', () => undefined); // 'close' follows
    end.on('close', () => {
      if (this.ends.get(id) !== end) return;
      this.ends.delete(id);
      this.ready.delete(id);
      this.send(id, CLOSE);
    });
  }

  /** Sends what the ready channels have, one read each in turn, while the socket has room. */
  private pump(): void {
    if (this.pumping) return; // a read below can emit 'readable' synchronously
    this.pumping = true;
    this.stream.cork();
    try {
      while (this.ready.size > 0 && this.stream.writableLength < MAX_QUEUED && !this.stream.destroyed) {
        for (const id of this.ready) {
          this.ready.delete(id);
          const end = this.ends.get(id);
          // At most READ_MAX at a time: a link end can hold a writer's whole backlog (one writev is pushed at once).
          const chunk = end && end.readableLength > 0 ? (end.read(Math.min(end.readableLength, READ_MAX)) as Buffer | null) : end?.read() as Buffer | null | undefined;
          if (chunk) {
            this.send(id, DATA, chunk);
            if (end!.readableLength > 0) this.ready.add(id); // to the back of the line
          }
          if (this.stream.writableLength >= MAX_QUEUED) break;
        }
      }
    } finally {
      this.pumping = false;
      // One writev for the batch; past the socket's high-water mark a write returned false and 'drain' calls pump() again.
      process.nextTick(() => this.stream.uncork());
    }
  }

  private send(id: number, kind: number, payload?: Buffer): void {
    if (this.stream.destroyed) return;
    const head = Buffer.allocUnsafe(HEAD);
    head.writeUInt32LE(payload?.length ?? 0, 0);
    head.writeUInt32LE(id, 4);
    head[8] = kind;
    this.stream.write(head);
    if (payload) this.stream.write(payload); // no copy: the socket writes both in one writev
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
        this.ready.delete(id);
        e?.destroy();
        return;
      }
    }
  }
}
