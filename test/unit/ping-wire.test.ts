// Heartbeat ping times on the wire against a live manager: MgrClient sends
// them in PG_STATS_BIN's ping section (protocol 2) and the manager shows
// them as Ceph's network_ping_times; a peer that speaks only version 1 still
// sends them as JSON in the head; a malformed ping section closes that one
// session with EBADMSG and applies nothing.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MgrClient } from '../../src/client/mgr-client.js';
import { encodeFrame, encodeJsonFrame, FrameType } from '../../src/protocol/frames.js';
import type { PgStatsMsg } from '../../src/protocol/messages.js';
import { encodePgStats } from '../../src/protocol/pg-stats-codec.js';
import { PING, PING_FIELDS, PING_RECORD_BYTES, unpackPingTimes } from '../../src/protocol/ping-times.js';
import { authenticate, expectError, openRaw, type RawSession } from '../helpers/raw-session.js';
import { startTestMgr, waitFor, type TestMgr } from '../helpers/harness.js';

function pgStatsMsg(osd: number, peers: number): PgStatsMsg {
  const stamp = Math.floor(Date.now() / 1000);
  const packed = new Uint32Array(peers * PING_FIELDS);
  for (let i = 0; i < peers; i++) {
    const row = i * PING_FIELDS;
    for (let f = 2; f < PING_FIELDS; f++) packed[row + f] = 150 + 7 * i + f;
    packed[row + PING.osd] = osd + 1 + i;
    packed[row + PING.lastUpdate] = stamp;
  }
  return {
    osd, epoch: 5, stamp,
    osd_stat: { statfs: { total: 1e12, available: 9e11, internally_reserved: 0, allocated: 1e11, data_stored: 1e11, data_compressed: 0, data_compressed_allocated: 0, data_compressed_original: 0, omap_allocated: 0, internal_metadata: 0 }, hb_peers: [], num_pgs: 0, apply_latency_ms: 1, commit_latency_ms: 1, up_from: 1, seq: 1 },
    pg_stats: [],
    packedPingTimes: packed,
  };
}

describe('ping times on the wire', () => {
  let t: TestMgr;
  beforeAll(async () => {
    t = await startTestMgr({ modules: [] });
  });
  afterAll(async () => {
    await t.stop();
  });
  const secret = (entity: string): Buffer => t.keyring.lookup(entity)!.key;
  const shown = (osd: number): unknown => t.mgr.cluster.pgMap.osdStat(osd)?.pingTimes;

  async function opened(entity: string, version?: number): Promise<{ s: RawSession; version: number }> {
    const s = await openRaw(t.daemonAddr);
    const v = await authenticate(s, entity, secret(entity), version);
    s.send(encodeJsonFrame(FrameType.OPEN, { daemon_name: entity, metadata: {} }));
    await s.next(FrameType.CONFIGURE);
    return { s, version: v };
  }

  it('MgrClient sends them in binary; the manager shows the same as network_ping_times', async () => {
    const msg = pgStatsMsg(70, 32);
    const c = new MgrClient({
      addrs: [t.daemonAddr], entity: 'osd.70', secret: secret('osd.70'),
      daemon: { name: 'osd.70', metadata: {}, schema: () => [], sample: () => new Float64Array(0), pgStats: () => msg },
    });
    c.start();
    try {
      await c.waitReady();
      const want = unpackPingTimes(msg.packedPingTimes!);
      await waitFor(() => JSON.stringify(shown(70)) === JSON.stringify(want), 10_000, 'osd.70 ping times');
      const v = t.mgr.views.get('osd_ping_times' as never) as { osd_ping_times: Array<{ osd: number; network_ping_times: unknown }> };
      expect(v.osd_ping_times.find((o) => o.osd === 70)!.network_ping_times).toEqual(want);
    } finally {
      await c.stop();
    }
  });

  it('a version 1 peer is answered in version 1 and sends them as JSON in the head; the version 2 layout is refused there', async () => {
    const msg = pgStatsMsg(71, 4);
    const { s, version } = await opened('osd.71', 1);
    expect(version).toBe(1);
    s.send(encodeFrame(FrameType.PG_STATS_BIN, encodePgStats(msg, 1)));
    await waitFor(() => JSON.stringify(shown(71)) === JSON.stringify(unpackPingTimes(msg.packedPingTimes!)), 10_000, 'osd.71 ping times');
    s.send(encodeFrame(FrameType.PG_STATS_BIN, encodePgStats(msg)));
    expect(await expectError(s, 'EBADMSG')).toMatch(/bytes after its 0 PGs/);
  });

  it('a malformed ping section is EBADMSG for that session only, and nothing of the message is applied', async () => {
    const cases: Array<[string, (p: Buffer) => Buffer, RegExp]> = [
      ['a peer count past the cap', (p) => { p.writeUInt32LE(100_000, p.length - 4 - 2 * PING_RECORD_BYTES); return p; }, /says 100000 peers \(at most 1024\)/],
      ['a peer count past the payload', (p) => { p.writeUInt32LE(3, p.length - 4 - 2 * PING_RECORD_BYTES); return p; }, /ping section of 3 peers needs 264 bytes, has 176/],
      ['a row cut short', (p) => p.subarray(0, p.length - 1), /ping section of 2 peers needs 176 bytes, has 175/],
      ['no section at all', (p) => p.subarray(0, p.length - 4 - 2 * PING_RECORD_BYTES), /no room for the ping section's peer count/],
    ];
    const other = await opened('osd.73');
    for (const [what, spoil, message] of cases) {
      const { s } = await opened('osd.72');
      s.send(encodeFrame(FrameType.PG_STATS_BIN, spoil(encodePgStats(pgStatsMsg(72, 2)))));
      expect(await expectError(s, 'EBADMSG'), what).toMatch(message);
      expect(t.mgr.cluster.pgMap.osdStat(72), what).toBeUndefined();
    }
    // The session next to them is untouched and still applies its reports.
    other.s.send(encodeFrame(FrameType.PG_STATS_BIN, encodePgStats(pgStatsMsg(73, 1))));
    await waitFor(() => (t.mgr.cluster.pgMap.osdStat(73)?.ping.length ?? 0) === PING_FIELDS, 10_000, 'osd.73 ping times');
    other.s.socket.destroy();
  });
});
