// The wire protocol against a live manager: handshake, auth, OPEN/CONFIGURE,
// declare + compact vectors, PG_STATS, MAP, COMMAND and every refusal.

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MgrClient } from '../../src/client/mgr-client.js';
import { encodeFrame, encodeJsonFrame, FrameType } from '../../src/protocol/frames.js';
import type { CounterDecl, PgStatsMsg } from '../../src/protocol/messages.js';
import { encodePgStats } from '../../src/protocol/pg-stats-codec.js';
import { authenticate, expectError, openRaw, reportFrame } from '../helpers/raw-session.js';
import { startTestMgr, waitFor, type TestMgr } from '../helpers/harness.js';

const decl = (path: string, type: number, priority = 5): CounterDecl => ({ path, description: path, nick: '', type, priority, unit: 'none' });

/** One OSD's PG_STATS for the given PGs of pool 1, each led by that OSD. */
function pgStatsMsg(osd: number, pss: number[], statSum = [4096, 1]): PgStatsMsg {
  const stamp = Date.now() / 1000;
  return {
    osd, epoch: 5, stamp,
    osd_stat: { statfs: { total: 1e12, available: 9e11, internally_reserved: 0, allocated: 1e11, data_stored: 1e11, data_compressed: 0, data_compressed_allocated: 0, data_compressed_original: 0, omap_allocated: 0, internal_metadata: 0 }, hb_peers: [], num_pgs: pss.length, apply_latency_ms: 1, commit_latency_ms: 1, up_from: 1, seq: 1 },
    pg_stats: pss.map((ps) => ({
      pgid: `1.${ps.toString(16)}`, state: 'active+clean', up: [osd, osd + 1], acting: [osd, osd + 1], up_primary: osd, acting_primary: osd, version: "5'10",
      reported_epoch: 5, reported_seq: 10, log_size: 10, ondisk_log_size: 10, last_scrub_stamp: stamp, last_deep_scrub_stamp: stamp, last_change: stamp, stat_sum: statSum,
    })),
  };
}
const pgStatsBinFrame = (msg: PgStatsMsg): Buffer => encodeFrame(FrameType.PG_STATS_BIN, encodePgStats(msg));

describe('DaemonServer', () => {
  let t: TestMgr;
  beforeAll(async () => {
    t = await startTestMgr({ modules: [] });
  });
  afterAll(async () => {
    await t.stop();
  });
  const secret = (entity: string) => t.keyring.lookup(entity)!.key;

  it('opens, configures and stores declared counters from compact vectors', async () => {
    const s = await openRaw(t.daemonAddr);
    await authenticate(s, 'osd.7', secret('osd.7'));
    s.send(encodeJsonFrame(FrameType.OPEN, { daemon_name: 'osd.7', metadata: { hostname: 'node-a', ceph_version: 'v' } }));
    const conf = JSON.parse((await s.next(FrameType.CONFIGURE)).body) as { stats_period_s: number; stats_threshold: number };
    // mgrs: every manager of the map, active first (here the only one), for clients to fail over to.
    expect(conf).toEqual({ stats_period_s: 5, stats_threshold: 5, mgrs: [t.daemonAddr] });
    s.send(reportFrame([10, 2e9, 4], { declare: [decl('osd.op', 10), decl('osd.op_latency', 5)] }));
    s.send(reportFrame([12, 3e9, 6]));
    await waitFor(() => t.mgr.daemons.get('osd.7')?.reports === 2);
    expect(t.mgr.views.getLatest('osd', '7', 'osd.op')).toBe(12);
    expect(t.mgr.views.getLatestAvg('osd', '7', 'osd.op_latency')).toEqual([3e9, 6]);
    expect(t.mgr.views.getMetadata('osd', '7')).toEqual({ hostname: 'node-a', ceph_version: 'v' });
    s.socket.destroy();
  });

  it('refuses a wrong key with EAUTH and an unknown entity the same way', async () => {
    for (const entity of ['osd.1', 'client.nobody']) {
      const s = await openRaw(t.daemonAddr);
      const p = authenticate(s, entity, Buffer.alloc(32, 9)).catch(() => undefined);
      expect(await expectError(s, 'EAUTH')).toBe(`authentication failed for ${entity}`);
      await p;
    }
  });

  it('refuses a protocol version it does not speak', async () => {
    const s = await openRaw(t.daemonAddr);
    s.send(encodeJsonFrame(FrameType.HELLO, { protocol: 'mgrd', version: 9, min_version: 7, entity: 'osd.1' }));
    expect(await expectError(s, 'EVERSION')).toMatch(/client speaks versions 7..9; this mgr speaks 1..2/);
  });

  it('refuses REPORT before OPEN', async () => {
    const s = await openRaw(t.daemonAddr);
    await authenticate(s, 'osd.1', secret('osd.1'));
    s.send(reportFrame([1]));
    expect(await expectError(s, 'ESTATE')).toBe('REPORT before OPEN');
  });

  it('refuses MAP from a non-mon entity and leaves the maps alone', async () => {
    const s = await openRaw(t.daemonAddr);
    await authenticate(s, 'osd.1', secret('osd.1'));
    s.send(encodeJsonFrame(FrameType.MAP, { osd_map: { epoch: 99, osds: [], pools: [] } }));
    expect(await expectError(s, 'EPERM')).toMatch(/may not send MAP/);
    expect(t.mgr.cluster.osdMap?.epoch).not.toBe(99);
  });

  it('refuses a vector that does not match the schema, keeping the previous schema', async () => {
    const s = await openRaw(t.daemonAddr);
    await authenticate(s, 'osd.8', secret('osd.8'));
    s.send(encodeJsonFrame(FrameType.OPEN, { daemon_name: 'osd.8', metadata: {} }));
    await s.next(FrameType.CONFIGURE);
    s.send(reportFrame([1], { declare: [decl('osd.op', 10)] }));
    s.send(reportFrame([1, 2], { declare: [decl('osd.op_r', 10), decl('osd.op_w', 10)] }));
    expect(await expectError(s, 'ESCHEMA')).toBe('report carries 2 values but the declared schema of osd.8 needs 3');
    expect(t.mgr.daemons.get('osd.8')!.counters.map((c) => c.path)).toEqual(['osd.op']);
  });

  it('refuses OPEN as another daemon', async () => {
    t.keyring.add('osd.20', Buffer.alloc(32, 20), 'allow profile osd');
    const s = await openRaw(t.daemonAddr);
    await authenticate(s, 'osd.20', Buffer.alloc(32, 20));
    s.send(encodeJsonFrame(FrameType.OPEN, { daemon_name: 'osd.21', metadata: {} }));
    expect(await expectError(s, 'EPERM')).toBe('osd.20 may not open a session as osd.21');
  });

  it('refuses PG_STATS for another OSD', async () => {
    const s = await openRaw(t.daemonAddr);
    await authenticate(s, 'osd.2', secret('osd.2'));
    s.send(encodeJsonFrame(FrameType.OPEN, { daemon_name: 'osd.2', metadata: {} }));
    await s.next(FrameType.CONFIGURE);
    s.send(encodeJsonFrame(FrameType.PG_STATS, { osd: 3, pg_stats: [] }));
    expect(await expectError(s, 'EBADMSG')).toMatch(/PG_STATS osd must be this session's OSD \(osd.2\)/);
  });

  it('applies PG_STATS_BIN as PG_STATS, and MgrClient sends PG_STATS_BIN', async () => {
    const s = await openRaw(t.daemonAddr);
    await authenticate(s, 'osd.50', secret('osd.50'));
    s.send(encodeJsonFrame(FrameType.OPEN, { daemon_name: 'osd.50', metadata: {} }));
    await s.next(FrameType.CONFIGURE);
    s.send(pgStatsBinFrame(pgStatsMsg(50, [0x50, 0x51])));
    const pgMap = t.mgr.cluster.pgMap;
    await waitFor(() => pgMap.getPg('1.51')?.reporter === 50);
    expect(pgMap.getPg('1.50')!.acting).toEqual([50, 51]);
    s.socket.destroy();

    const binary = vi.spyOn(t.mgr.server, 'pgStatsBinary');
    const c = new MgrClient({
      addrs: [t.daemonAddr], entity: 'osd.52', secret: secret('osd.52'),
      daemon: { name: 'osd.52', metadata: {}, schema: () => [decl('osd.op', 10)], sample: () => Float64Array.from([1]), pgStats: () => pgStatsMsg(52, [0x52]) },
    });
    c.start();
    await c.waitReady();
    await waitFor(() => pgMap.getPg('1.52')?.reporter === 52);
    expect(binary).toHaveBeenCalled();
    binary.mockRestore();
    await c.stop();
  });

  it('refuses PG_STATS_BIN for another OSD, from a non-OSD, before OPEN, or with a bad record, applying nothing', async () => {
    const pgMap = t.mgr.cluster.pgMap;
    const attempt = async (entity: string, frame: Buffer, open = true): Promise<string> => {
      const s = await openRaw(t.daemonAddr);
      await authenticate(s, entity, secret(entity));
      if (open) {
        s.send(encodeJsonFrame(FrameType.OPEN, { daemon_name: entity, metadata: {} }));
        await s.next(FrameType.CONFIGURE);
      }
      s.send(frame);
      const f = await s.next(FrameType.ERROR);
      await s.closed;
      const e = JSON.parse(f.body) as { code: string; message: string };
      return `${e.code} ${e.message}`;
    };
    expect(await attempt('osd.60', pgStatsBinFrame(pgStatsMsg(61, [0x60])))).toBe("EBADMSG PG_STATS osd must be this session's OSD (osd.60)");
    expect(await attempt('mds.a', pgStatsBinFrame(pgStatsMsg(60, [0x60])))).toBe('EPERM mds.a is not an OSD: only OSDs send PG_STATS');
    expect(await attempt('osd.60', pgStatsBinFrame(pgStatsMsg(60, [0x60])), false)).toBe('ESTATE PG_STATS_BIN before OPEN');
    t.keyring.add('client.pgro', Buffer.alloc(32, 7), 'allow r');
    expect(await attempt('client.pgro', pgStatsBinFrame(pgStatsMsg(60, [0x60])), false)).toBe("EPERM client.pgro (caps 'allow r') may not send PG_STATS_BIN");
    // Two good PGs, then one whose stat value is NaN: the message is refused whole.
    const bad = encodePgStats(pgStatsMsg(60, [0x60, 0x61, 0x62], [1, 2]));
    // Its last stat value is before the ping section (protocol 2: a 4-byte peer count, no peers).
    bad.writeDoubleLE(Number.NaN, bad.length - 12);
    expect(await attempt('osd.60', encodeFrame(FrameType.PG_STATS_BIN, bad))).toMatch(/^ESCHEMA PG_STATS_BIN PG 2 of 3 .*stat_sum is NaN/);
    expect(await attempt('osd.60', encodeFrame(FrameType.PG_STATS_BIN, bad.subarray(0, bad.length - 5)))).toMatch(/^EBADMSG PG_STATS_BIN PG 2 of 3 .*run past the payload/);
    for (const ps of ['1.60', '1.61', '1.62']) expect(pgMap.getPg(ps)).toBeUndefined();
    expect(pgMap.osdStat(60)).toBeUndefined();
  });

  it('re-sends CONFIGURE when the period or threshold changes, and the client re-declares', async () => {
    const schema = [decl('osd.op', 10, 5), decl('osd.op_rw', 10, 2)];
    const c = new MgrClient({
      addrs: [t.daemonAddr], entity: 'osd.30', secret: secret('osd.30'),
      daemon: { name: 'osd.30', metadata: {}, schema: () => schema, sample: () => Float64Array.from([5, 7]) },
    });
    c.start();
    await c.waitReady();
    await waitFor(() => (t.mgr.daemons.get('osd.30')?.reports ?? 0) >= 1);
    expect(t.mgr.daemons.get('osd.30')!.counters.map((x) => x.path)).toEqual(['osd.op']);
    t.options.set('mgr_stats_threshold', 0);
    t.mgr.server.reconfigure();
    await waitFor(() => c.configure?.stats_threshold === 0);
    c.reportNow();
    await waitFor(() => t.mgr.daemons.get('osd.30')!.counters.length === 2);
    expect(t.mgr.views.getLatest('osd', '30', 'osd.op_rw')).toBe(7);
    t.options.set('mgr_stats_threshold', 5);
    t.mgr.server.reconfigure();
    await waitFor(() => c.configure?.stats_threshold === 5);
    c.reportNow();
    await waitFor(() => t.mgr.daemons.get('osd.30')!.counters.length === 1);
    await c.stop();
  });

  it('answers commands on the wire and checks permission', async () => {
    t.keyring.add('client.ro', Buffer.alloc(32, 3), 'allow r');
    const ro = new MgrClient({ addrs: [t.daemonAddr], entity: 'client.ro', secret: Buffer.alloc(32, 3) });
    ro.start();
    await ro.waitReady();
    const ok = await ro.command({ argv: ['mgr', 'stat'] });
    expect(ok.r).toBe(0);
    const denied = await ro.command({ argv: ['mgr', 'module', 'disable', 'prometheus'] });
    expect(denied.r).toBe(-13);
    expect(denied.outs).toMatch(/needs 'w' capability/);
    await ro.stop();
  });

  it('replaces the older session when a daemon opens twice', async () => {
    const a = await openRaw(t.daemonAddr);
    await authenticate(a, 'osd.40', secret('osd.40'));
    a.send(encodeJsonFrame(FrameType.OPEN, { daemon_name: 'osd.40', metadata: {} }));
    await a.next(FrameType.CONFIGURE);
    const b = await openRaw(t.daemonAddr);
    await authenticate(b, 'osd.40', secret('osd.40'));
    b.send(encodeJsonFrame(FrameType.OPEN, { daemon_name: 'osd.40', metadata: {} }));
    await b.next(FrameType.CONFIGURE);
    await a.next(FrameType.CLOSE);
    await a.closed;
    expect(t.mgr.daemons.get('osd.40')!.connected).toBe(true);
    b.socket.destroy();
  });
});

describe('DaemonServer limits', () => {
  it('refuses sessions beyond ms_max_sessions with ELIMIT', async () => {
    const t = await startTestMgr({ modules: [], set: { ms_max_sessions: 2 } });
    try {
      const a = await openRaw(t.daemonAddr);
      const b = await openRaw(t.daemonAddr);
      const c = await openRaw(t.daemonAddr);
      const f = await c.next(FrameType.ERROR);
      expect(JSON.parse(f.body)).toEqual({ code: 'ELIMIT', message: 'too many sessions (max 2)' });
      a.socket.destroy();
      b.socket.destroy();
    } finally {
      await t.stop();
    }
  });

  it('closes a session whose frame exceeds ms_max_frame_bytes', async () => {
    const t = await startTestMgr({ modules: [], set: { ms_max_frame_bytes: 4096 } });
    try {
      const s = await openRaw(t.daemonAddr);
      await authenticate(s, 'osd.1', t.keyring.lookup('osd.1')!.key);
      s.send(encodeJsonFrame(FrameType.MAP, { junk: 'x'.repeat(5000) }));
      const f = await s.next(FrameType.ERROR);
      expect(JSON.parse(f.body).code).toBe('E2BIG');
    } finally {
      await t.stop();
    }
  });

  it('MgrClient re-connects, re-opens and re-declares after the manager restarts', async () => {
    const t = await startTestMgr({ modules: [] });
    const port = Number(t.daemonAddr.split(':')[1]);
    const c = new MgrClient({
      addrs: [t.daemonAddr], entity: 'osd.5', secret: t.keyring.lookup('osd.5')!.key, reconnectMinMs: 50, reconnectMaxMs: 200,
      daemon: { name: 'osd.5', metadata: { hostname: 'h' }, schema: () => [decl('osd.op', 10)], sample: () => Float64Array.from([42]) },
    });
    c.start();
    await c.waitReady();
    const dir = t.dir;
    const keyring = t.keyring;
    await t.standby.stop();
    // A new manager on the same port with the same keyring.
    const { MgrStandby } = await import('../../src/mgr/mgr-standby.js');
    const { LocalMapStore } = await import('../../src/mgr/map-store-local.js');
    const { OptionTable } = await import('../../src/common/options.js');
    const { MGR_OPTIONS } = await import('../../src/common/mgr-options.js');
    const { silentLogger } = await import('../../src/common/log.js');
    const s2 = new MgrStandby({
      id: 'y', store: await LocalMapStore.open(dir), options: new OptionTable(MGR_OPTIONS), keyring,
      daemonAddr: `127.0.0.1:${port}`, adminAddr: '127.0.0.1:0', adminToken: 't', modulePaths: [], moduleOverrides: [], log: silentLogger(),
    });
    await s2.start();
    const mgr2 = await s2.whenActive();
    await waitFor(() => mgr2.daemons.get('osd.5')?.reports, 10_000, 'osd.5 to report to the new manager');
    expect(mgr2.views.getLatest('osd', '5', 'osd.op')).toBe(42);
    await c.stop();
    await s2.stop();
  });
});
