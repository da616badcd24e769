// Issue 8 item 10: a peer that pipelines commands (the case: 1,000 pg dumps) but does not read the
// replies gets no more computed than it can be sent; once it reads, the rest
// are answered, none lost.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeJsonFrame, FrameType } from '../../src/protocol/frames.js';
import { authenticate, openRaw } from '../helpers/raw-session.js';
import { feedSimCluster, startTestMgr, waitFor, waitStill, type TestMgr } from '../helpers/harness.js';

describe('command backpressure', () => {
  let t: TestMgr;
  beforeAll(async () => {
    t = await startTestMgr({ modules: [], set: { ms_session_max_buffered_bytes: 2 << 20 } });
    // A cluster whose `pg dump` is ~0.7 MB (within what one reply may carry: 0.94 × the 2 MiB bound).
    feedSimCluster(t, 10, 5);
  });
  afterAll(async () => {
    await t.stop();
  });

  it('a slow reader pipelining 200 pg dump commands: replies are computed only as it reads them', async () => {
    const s = await openRaw(t.daemonAddr);
    await authenticate(s, 'client.admin', t.keyring.lookup('client.admin')!.key);
    s.socket.pause(); // read nothing from now on
    const stats = t.mgr.server.stats;
    const before = stats.commands;
    s.send(Buffer.concat(Array.from({ length: 200 }, (_, tid) => encodeJsonFrame(FrameType.COMMAND, { tid, argv: ['pg', 'dump', '--format', 'json'] }))));
    await waitStill(() => stats.commands, before, 'the manager to stop computing replies');
    const computed = stats.commands - before;
    const replyBytes = (await (await t.admin()).command({ argv: ['pg', 'dump', '--format', 'json'] })).outb.length;
    expect(replyBytes).toBeGreaterThan(500_000);
    // What fits in the bound (2 MiB), the kernel's socket buffers (a few MB) and the 16 in flight; not 200.
    expect(computed, `${computed} replies computed for a peer that reads none`).toBeLessThan(100);
    expect(t.mgr.server.sessionCount).toBeGreaterThan(0);

    // Reading again, every command is answered, in full.
    s.socket.resume();
    await waitFor(() => s.frames.filter((f) => f.type === FrameType.COMMAND_REPLY).length === 200, 120_000, 'all 200 replies');
    const tids = s.frames.filter((f) => f.type === FrameType.COMMAND_REPLY).map((f) => JSON.parse(f.body) as { tid: number; r: number });
    expect(new Set(tids.map((r) => r.tid)).size).toBe(200);
    expect(tids.every((r) => r.r === 0)).toBe(true);
    s.socket.destroy();
  }, 180_000);

  it('pipelined commands are computed one per turn of the event loop, not all in one', async () => {
    const s = await openRaw(t.daemonAddr);
    await authenticate(s, 'client.admin', t.keyring.lookup('client.admin')!.key);
    let turns = 0;
    let counting = true;
    const turn = (): void => {
      turns++;
      if (counting) setImmediate(turn);
    };
    setImmediate(turn);
    s.send(Buffer.concat(Array.from({ length: 500 }, (_, tid) => encodeJsonFrame(FrameType.COMMAND, { tid, argv: ['mgr', 'stat'] }))));
    await waitFor(() => s.frames.filter((f) => f.type === FrameType.COMMAND_REPLY).length === 500, 60_000, 'all 500 replies');
    counting = false;
    // Native commands are computed when dispatched: without a turn between them, 500 would hold the loop as one.
    expect(turns).toBeGreaterThanOrEqual(500);
    s.socket.destroy();
  });
});
