// Issue 8 "Proof", wire protocol before authentication: each attack against a
// real `mgrd run --sim` process, over loopback, bounded in count and time.
// Throughout, a prober in its own process asks /api/v1/health and /metrics
// every 200 ms: every answer must come within 1 s, and mgrd's RSS must stay
// within a bound of what it was before the attacks (test/helpers/wire-attack.ts).
// The attacks of authenticated peers are in reliability-wire-auth.test.ts.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame, encodeJsonFrame, FrameType } from '../../src/protocol/frames.js';
import { poll } from '../helpers/procs.js';
import { dial, errorCode, frameOf, MiB, pool, sleep, startTarget, type Peer, type Target } from '../helpers/wire-attack.js';

describe('wire protocol attacks against a real mgrd run', () => {
  let t: Target;
  beforeAll(async () => {
    t = await startTarget({ ms_handshake_timeout_ms: 3000, ms_preauth_max_sessions: 600, ms_preauth_max_sessions_per_peer: 200 });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('oversized frames before authentication: 20 peers each stream 64 MiB of a nested-array HELLO', async () => {
    const codes = await pool(20, 20, async () => {
      const p = await dial(t.m.daemonAddr);
      const head = Buffer.alloc(5);
      head.writeUInt32BE(60 * MiB, 0);
      head[4] = FrameType.HELLO;
      p.socket.write(head);
      const chunk = Buffer.alloc(64 * 1024, 0x5b); // '['
      const end = Date.now() + 5000;
      let sent = 0;
      while (sent < 64 * MiB && !p.socket.destroyed && Date.now() < end) {
        if (!p.socket.write(chunk)) await Promise.race([new Promise((r) => p.socket.once('drain', r)), p.closed, sleep(200)]);
        sent += chunk.length;
      }
      await Promise.race([p.closed, sleep(3000)]);
      p.socket.destroy();
      return errorCode(p);
    });
    expect(codes).toEqual(Array(20).fill('E2BIG'));
    await t.stillHealthy('oversized pre-auth frames');
  });

  it('deep nesting within the pre-auth bound: 500 HELLOs of 8,000 nested arrays', async () => {
    const hello = encodeFrame(FrameType.HELLO, Buffer.from('['.repeat(4000) + ']'.repeat(4000)));
    const codes = await pool(500, 50, async () => {
      const p = await dial(t.m.daemonAddr);
      p.socket.write(hello);
      await Promise.race([p.closed, sleep(5000)]);
      p.socket.destroy();
      return errorCode(p);
    });
    expect(new Set(codes)).toEqual(new Set(['EBADMSG']));
    await t.stillHealthy('nested HELLOs');
  });

  it('a connection flood from 4 peer addresses that trickle bytes (slowloris): refused beyond the pre-auth bounds, timed out', async () => {
    const peers: Peer[] = [];
    // Half from 127.0.0.1 (beyond its 200 per peer), the rest from three others (beyond 600 in all).
    const addrOf = (i: number): string => ['127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'][i % 6]!;
    await pool(1200, 100, async (i) => {
      peers.push(await dial(t.m.daemonAddr, addrOf(i)));
    });
    // One byte of a frame header every 500 ms from each (3 bytes: never a whole header).
    const end = Date.now() + 5000;
    for (let k = 0; Date.now() < end; k++) {
      for (const p of peers) if (!p.socket.destroyed && k < 3) p.socket.write(Buffer.from([0]));
      await sleep(500);
    }
    await Promise.race([Promise.all(peers.map((p) => p.closed)), sleep(5000)]);
    const codes = peers.map(errorCode);
    const refused = codes.filter((c) => c === 'ELIMIT').length;
    const timedOut = codes.filter((c) => c === 'ETIMEDOUT').length;
    expect(refused + timedOut, `codes: ${JSON.stringify([...new Set(codes)])}`).toBe(1200);
    expect(refused).toBeGreaterThanOrEqual(300);
    for (const p of peers) p.socket.destroy();
    const stats = await t.ingest();
    expect(stats.wireLimitHits.ms_preauth_max_sessions).toBeGreaterThan(0);
    expect(stats.wireLimitHits.ms_preauth_max_sessions_per_peer).toBeGreaterThan(0);
    await poll('the pre-auth count to drop to 0', 10_000, async () => (await t.ingest()).sessionsAuthenticating === 0);
    const health = await t.m.command({ prefix: 'health', detail: 'detail', format: 'json' });
    expect(JSON.parse(health.outb).checks.MGR_WIRE_LIMIT.summary.message).toBe('2 wire protocol limits hit in the last 10 minutes');
    await t.stillHealthy('the connection flood');
  });

  it('handshake churn: 3,000 connections that say HELLO and leave leak no pre-auth slot', async () => {
    const hello = encodeJsonFrame(FrameType.HELLO, { protocol: 'mgrd', version: 1, min_version: 1, entity: 'osd.0' });
    await pool(3000, 40, async () => {
      const p = await dial(t.m.daemonAddr);
      p.socket.write(hello);
      await Promise.race([poll('CHALLENGE', 5000, () => p.frames.length > 0, 5), p.closed]).catch(() => undefined);
      p.socket.destroy();
    });
    await poll('the pre-auth count to drop to 0', 10_000, async () => (await t.ingest()).sessionsAuthenticating === 0);
    await t.stillHealthy('handshake churn');
  });

  it('an authenticated cluster source: a 5 MB MAP (3,000 OSDs) is parsed without stalling the probes', async () => {
    const { SimCluster } = await import('../../src/sim/model/sim-cluster.js');
    const maps = new SimCluster({ osds: 3000, seed: 9 }).maps();
    // The OSDs and their CRUSH tree, without pools: 300,000 PGs would be legitimate growth, not what is measured here.
    (maps.osd_map as { pools: unknown[] }).pools = [];
    const body = Buffer.from(JSON.stringify(maps));
    const p = await t.auth('mon.a');
    // The large map, then a command behind it: its answer says the map was applied.
    p.socket.write(Buffer.concat([encodeFrame(FrameType.MAP, body), encodeJsonFrame(FrameType.COMMAND, { tid: 1, argv: ['osd', 'stat', '--format', 'json'] })]));
    const reply = await frameOf(p, FrameType.COMMAND_REPLY, 60_000);
    expect((JSON.parse((JSON.parse(reply.body) as { outb: string }).outb) as { num_osds: number }).num_osds).toBe(3000);
    p.socket.destroy();
    await t.stillHealthy('a 3,000-OSD MAP');
  });
});
