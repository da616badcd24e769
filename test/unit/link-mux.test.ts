// bench/lib/link-mux.ts: many in-process links over one real loopback socket,
// with each channel's flow controlled as a socket's is (bounded queue on the
// one socket, channels served in turn).

import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { LinkMux, MAX_QUEUED } from '../../bench/lib/link-mux.js';
import { LocalLinkEnd } from '../../src/protocol/local-link.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Pair {
  client: LinkMux;
  clientSocket: Socket;
  serverSocket: Socket;
  /** The manager's ends of the channels, in the order they were opened. */
  sessions: Duplex[];
  server: Server;
}

let open: Pair | undefined;

async function pair(): Promise<Pair> {
  const sessions: Duplex[] = [];
  let serverSocket: Socket | undefined;
  const server = createServer({ noDelay: true }, (s) => {
    serverSocket = s;
    new LinkMux(s, () => {
      const [mine, session] = LocalLinkEnd.pair();
      sessions.push(session);
      return mine;
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const clientSocket = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, noDelay: true });
  await once(clientSocket, 'connect');
  while (serverSocket === undefined) await sleep(5);
  open = { client: new LinkMux(clientSocket), clientSocket, serverSocket, sessions, server };
  return open;
}

afterEach(async () => {
  if (!open) return;
  open.clientSocket.destroy();
  open.serverSocket.destroy();
  await new Promise((r) => open!.server.close(r));
  open = undefined;
});

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('LinkMux', () => {
  it('carries bytes both ways on each channel and closes a channel on the other side', async () => {
    const p = await pair();
    const a = p.client.dial();
    const b = p.client.dial();
    await once(a, 'connect');
    const gotA: Buffer[] = [];
    const gotB: Buffer[] = [];
    a.on('data', (c: Buffer) => gotA.push(c));
    b.on('data', (c: Buffer) => gotB.push(c));
    a.write('to A');
    b.write('to B');
    await until('two sessions', () => p.sessions.length === 2);
    const seen: string[] = ['', ''];
    p.sessions.forEach((s, i) => s.on('data', (c: Buffer) => (seen[i] += c.toString())));
    await until('both messages', () => seen[0] === 'to A' && seen[1] === 'to B');
    p.sessions[1]!.write('back to B');
    await until('the reply', () => Buffer.concat(gotB).toString() === 'back to B');
    expect(gotA).toEqual([]);
    const closed = once(p.sessions[0]!, 'close');
    a.destroy();
    await closed;
    expect(p.sessions[1]!.destroyed).toBe(false);
  });

  it('leaves at most about MAX_QUEUED bytes on a socket its peer does not read: the rest waits in the channel, its writer held', async () => {
    const p = await pair();
    p.serverSocket.pause(); // the manager reads nothing
    const a = p.client.dial();
    await once(a, 'connect');
    const chunk = Buffer.alloc(64 * 1024, 1);
    const total = 32 * 1024 * 1024;
    for (let sent = 0; sent < total; sent += chunk.length) a.write(chunk);
    await sleep(500); // the kernel's buffers fill; the mux stops at its bound
    // Before the flow control every byte written went onto the socket's queue at once (~32 MiB minus what the kernel took).
    expect(p.client.queued).toBeLessThanOrEqual(MAX_QUEUED + 2 * chunk.length);
    expect(a.writableLength).toBeGreaterThan(total / 2); // held in the writer, as a socket's writer is
    p.serverSocket.resume();
    let got = 0;
    await until('one session', () => p.sessions.length === 1);
    p.sessions[0]!.on('data', (c: Buffer) => (got += c.length));
    await until('every byte', () => got === total, 20_000);
  });

  it('serves channels in turn: a new channel\'s first bytes do not wait behind another channel\'s backlog', async () => {
    const p = await pair();
    const a = p.client.dial();
    await once(a, 'connect');
    const backlog = 16 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 7);
    for (let sent = 0; sent < backlog; sent += chunk.length) a.write(chunk);
    const b = p.client.dial();
    await once(b, 'connect');
    b.write('hello');
    let aBytes = 0;
    let aBytesWhenB: number | undefined;
    const attached = new Set<Duplex>();
    await until('the hello on the second channel', () => {
      p.sessions.forEach((s, i) => {
        if (attached.has(s)) return;
        attached.add(s);
        s.on('data', (c: Buffer) => {
          if (i === 0) aBytes += c.length;
          else aBytesWhenB ??= aBytes;
        });
      });
      return aBytesWhenB !== undefined;
    });
    // The kernel's loopback buffers take a few MiB first (4 MiB here); first come, first served (before), the hello came after all 16 MiB.
    expect(aBytesWhenB).toBeLessThan(8 * 1024 * 1024);
    await until('the backlog', () => aBytes === backlog, 20_000);
  });
});
