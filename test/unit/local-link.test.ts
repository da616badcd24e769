// The in-process link (src/protocol/local-link.ts) the embedded simulator's
// daemons use instead of loopback sockets: bytes in order on a later turn,
// end and destroy reaching the other side, a reader that stops reading holding
// the writer back; and a manager session over it is a session as over TCP
// (authenticated, opened, under the same limits, the same backpressure).

import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { MgrClient } from '../../src/client/mgr-client.js';
import { encodeJsonFrame, FrameDecoder, FrameType } from '../../src/protocol/frames.js';
import { LocalLinkEnd, LOCAL_PEER } from '../../src/protocol/local-link.js';
import { clientProof, newNonce } from '../../src/protocol/auth.js';
import { feedSimCluster, startTestMgr, waitFor, waitStill, type TestMgr } from '../helpers/harness.js';

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('LocalLinkEnd', () => {
  it('delivers bytes in order, on a later turn, and connects the first end', async () => {
    const [a, b] = LocalLinkEnd.pair();
    const got: string[] = [];
    b.on('data', (d: Buffer) => got.push(d.toString()));
    await once(a, 'connect');
    a.write('one ');
    a.write('two ');
    a.write('three');
    expect(got).toEqual([]); // never inside the writer's call
    await waitFor(() => got.join('') === 'one two three', 5000, 'the bytes');
    expect(a.remoteAddress).toBe(LOCAL_PEER);
    a.destroy();
    await once(b, 'close');
  });

  it('end() delivers what was written, then EOF; both ends close', async () => {
    const [a, b] = LocalLinkEnd.pair();
    let text = '';
    b.on('data', (d: Buffer) => (text += d.toString()));
    const bEnded = once(b, 'end');
    a.end('last words');
    await bEnded;
    expect(text).toBe('last words');
    await Promise.all([once(a, 'close'), once(b, 'close')]);
  });

  it('destroy() on one end closes the other; what is written to a closed link goes nowhere', async () => {
    const [a, b] = LocalLinkEnd.pair();
    b.on('data', () => undefined);
    const closed = once(b, 'close');
    a.destroy();
    await closed;
    const [c, d] = LocalLinkEnd.pair();
    let delivered = 0;
    d.on('data', () => delivered++);
    d.destroy();
    c.on('error', () => undefined); // EPIPE, if the write is tried before c learns the link closed
    c.write('into nothing');
    await once(c, 'close');
    expect(delivered).toBe(0);
  });

  it('a reader that stops reading holds the writer back (writableLength grows), and releases it when it reads', async () => {
    const [a, b] = LocalLinkEnd.pair();
    b.pause();
    const chunk = Buffer.alloc(64 * 1024);
    for (let i = 0; i < 32; i++) a.write(chunk);
    for (let i = 0; i < 10; i++) await turn();
    expect(a.writableLength).toBeGreaterThan(1024 * 1024);
    let read = 0;
    b.on('data', (d: Buffer) => (read += d.length));
    b.resume();
    await waitFor(() => read === 32 * chunk.length, 5000, 'every byte');
    expect(a.writableLength).toBe(0);
    a.destroy();
  });
});

describe('a manager session over an in-process link', () => {
  let t: TestMgr | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('authenticates, opens and reports as over TCP; its peer is "local"', async () => {
    t = await startTestMgr({ modules: [], set: { mgr_stats_period: 0.2 } });
    const mgr = t.mgr;
    const c = new MgrClient({
      addrs: [t.daemonAddr], entity: 'osd.7', secret: t.keyring.lookup('osd.7')!.key, dial: () => mgr.server.connectLocal(),
      daemon: { name: 'osd.7', metadata: { hostname: 'h1' }, schema: () => [{ path: 'osd.op_w', type: 10, priority: 8, description: 'ops', nick: '', unit: 'none' }], sample: () => new Float64Array([42]) },
    });
    c.start();
    try {
      await c.waitReady(10_000);
      await waitFor(() => (mgr.daemons.get('osd.7')?.ring.size ?? 0) >= 2, 10_000, 'two reports');
      expect(mgr.views.getLatest('osd', '7', 'osd.op_w')).toBe(42);
      expect(mgr.server.sessionCount).toBe(1);
    } finally {
      await c.stop();
    }
    await waitFor(() => mgr.server.sessionCount === 0, 5000, 'the session to close');
  });

  it('is refused by the same limits (ms_max_sessions)', async () => {
    t = await startTestMgr({ modules: [], set: { ms_max_sessions: 1 } });
    const mgr = t.mgr;
    const client = (): MgrClient => new MgrClient({ addrs: [t!.daemonAddr], entity: 'client.admin', secret: t!.keyring.lookup('client.admin')!.key, dial: () => mgr.server.connectLocal(), maxAttempts: 1 });
    const first = client();
    first.start();
    await first.waitReady(10_000);
    const second = client();
    second.start();
    await expect(second.waitReady(10_000)).rejects.toThrow(/ELIMIT: too many sessions \(max 1\)/);
    await first.stop();
  });

  it('a peer that reads nothing gets no more replies computed than the bound holds (backpressure as over TCP)', async () => {
    t = await startTestMgr({ modules: [], set: { ms_session_max_buffered_bytes: 2 << 20 } });
    feedSimCluster(t, 10, 5);
    // The handshake by hand, then 200 pipelined `pg dump`s (~0.7 MB each) with the link paused.
    const link = t.mgr.server.connectLocal();
    const frames: Array<{ type: number; body: string }> = [];
    const decoder = new FrameDecoder(64 << 20, (type, payload) => frames.push({ type, body: payload.toString() }));
    link.on('data', (d: Buffer) => decoder.push(d));
    const frame = async (type: number): Promise<string> => (await waitFor(() => frames.find((f) => f.type === type), 10_000, `frame ${type}`)).body;
    link.write(encodeJsonFrame(FrameType.HELLO, { protocol: 'mgrd', version: 1, min_version: 1, entity: 'client.admin' }));
    const nonce = (JSON.parse(await frame(FrameType.CHALLENGE)) as { server_nonce: string }).server_nonce;
    const cn = newNonce();
    link.write(encodeJsonFrame(FrameType.AUTH, { client_nonce: cn, proof: clientProof(t.keyring.lookup('client.admin')!.key, 'client.admin', nonce, cn) }));
    await frame(FrameType.AUTH_OK);
    link.pause();
    const stats = t.mgr.server.stats;
    const before = stats.commands;
    link.write(Buffer.concat(Array.from({ length: 200 }, (_, tid) => encodeJsonFrame(FrameType.COMMAND, { tid, argv: ['pg', 'dump', '--format', 'json'] }))));
    await waitStill(() => stats.commands, before, 'the manager to stop computing replies');
    expect(stats.commands - before).toBeLessThan(20); // the 2 MiB bound and the 16 in flight; no kernel buffers here
    link.resume();
    await waitFor(() => frames.filter((f) => f.type === FrameType.COMMAND_REPLY).length === 200, 120_000, 'all 200 replies');
    link.destroy();
  }, 180_000);
});
