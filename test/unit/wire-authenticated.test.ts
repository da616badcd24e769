// Issue 8 item 8: what one authenticated key holder may make the manager
// keep. Counters per daemon and in all, daemons per type, forgetting daemons
// that went away, PG stats only for OSDs of the osd map, stamps from the
// future, session replacement, non-finite values.

import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeJsonFrame, FrameType } from '../../src/protocol/frames.js';
import type { CounterDecl, PgStatsMsg } from '../../src/protocol/messages.js';
import { authenticate, expectError, openRaw, reportFrame, type RawSession } from '../helpers/raw-session.js';
import { startTestMgr, waitFor, type TestMgr } from '../helpers/harness.js';

const decl = (path: string, type = 2): CounterDecl => ({ path, description: '', nick: '', type, priority: 5, unit: 'none' });
const decls = (n: number, prefix = 'osd.c'): CounterDecl[] => Array.from({ length: n }, (_, i) => decl(`${prefix}${i}`));

function pgStats(osd: number, stamp: number): PgStatsMsg {
  return {
    osd, epoch: 5, stamp,
    osd_stat: { statfs: { total: 1e12, available: 9e11, internally_reserved: 0, allocated: 1e11, data_stored: 1e11, data_compressed: 0, data_compressed_allocated: 0, data_compressed_original: 0, omap_allocated: 0, internal_metadata: 0 }, hb_peers: [], num_pgs: 1, apply_latency_ms: 1, commit_latency_ms: 1, up_from: 1, seq: 1 },
    pg_stats: [{
      pgid: '1.0', state: 'active+clean', up: [osd], acting: [osd], up_primary: osd, acting_primary: osd, version: "5'10",
      reported_epoch: 5, reported_seq: 10, log_size: 10, ondisk_log_size: 10, last_scrub_stamp: stamp, last_deep_scrub_stamp: stamp, last_change: stamp, stat_sum: [4096, 1],
    }],
  };
}

const osdMap = (ids: number[]): Record<string, unknown> => ({
  epoch: 5, fsid: 'f', osds: ids.map((osd) => ({ osd, up: 1, in: 1 })), pools: [{ pool: 1, pool_name: 'p', type: 1, size: 1, min_size: 1, pg_num: 1, pg_placement_num: 1 }],
});

describe('authenticated peers, bounded', () => {
  let t: TestMgr;
  let logText = '';
  beforeAll(async () => {
    const sink = new Writable({ write(chunk: Buffer, _enc, cb) { logText += chunk.toString(); cb(); } });
    t = await startTestMgr({ modules: [], log: pino({ level: 'info' }, sink) });
  });
  afterAll(async () => {
    await t.stop();
  });
  const key = (entity: string): Buffer => t.keyring.lookup(entity)!.key;

  /** A session opened as `name` (by the type-wide key of its type). */
  async function daemon(name: string): Promise<RawSession> {
    const s = await openRaw(t.daemonAddr);
    await authenticate(s, name, key(name));
    s.send(encodeJsonFrame(FrameType.OPEN, { daemon_name: name, metadata: { hostname: 'h' } }));
    await s.next(FrameType.CONFIGURE);
    return s;
  }

  async function sendMap(map: Record<string, unknown>): Promise<void> {
    const s = await openRaw(t.daemonAddr);
    await authenticate(s, 'mon.a', key('mon.a'));
    const before = t.mgr.server.stats.maps;
    s.send(encodeJsonFrame(FrameType.MAP, map));
    await waitFor(() => t.mgr.server.stats.maps > before);
    s.socket.destroy();
  }

  it('refuses a schema over mgr_max_counters_per_daemon, keeping the one before, and raises MGR_WIRE_LIMIT', async () => {
    t.options.set('mgr_max_counters_per_daemon', 3);
    try {
      const s = await daemon('osd.11');
      s.send(reportFrame([1, 2], { declare: decls(2) }));
      await waitFor(() => t.mgr.daemons.get('osd.11')?.reports === 1);
      s.send(reportFrame([1, 2, 3, 4], { declare: [decl('osd.x'), decl('osd.y')] }));
      expect(await expectError(s, 'ELIMIT')).toBe('osd.11 declares 4 counters, at most 3 (mgr_max_counters_per_daemon)');
      expect(t.mgr.daemons.get('osd.11')!.counters.map((c) => c.path)).toEqual(['osd.c0', 'osd.c1']);
      t.mgr.tick();
      const detail = t.mgr.cluster.health().checks.MGR_WIRE_LIMIT!.detail.map((d) => d.message);
      expect(detail.some((m) => m.startsWith('mgr_max_counters_per_daemon: hit 1 time since mgrd started, last at ') && m.endsWith(': osd.11 declared 4 counters'))).toBe(true);
    } finally {
      t.options.unset('mgr_max_counters_per_daemon');
    }
  });

  it('refuses counters beyond mgr_max_counter_values in all, and counts a daemon\'s values back when it is gone', async () => {
    const base = t.mgr.daemons.totalValues;
    t.options.set('mgr_max_counter_values', base + 1000);
    try {
      const a = await daemon('osd.12');
      a.send(reportFrame(Array(600).fill(1), { declare: decls(600) }));
      await waitFor(() => t.mgr.daemons.get('osd.12')?.reports === 1);
      expect(t.mgr.daemons.totalValues).toBe(base + 600);
      const b = await daemon('osd.13');
      b.send(reportFrame(Array(500).fill(1), { declare: decls(500) }));
      expect(await expectError(b, 'ELIMIT')).toBe(`osd.13 adds 500 counter values to the ${base + 600} the manager keeps, at most ${base + 1000} (mgr_max_counter_values)`);
      // A re-OPEN starts the schema afresh: its values are counted back.
      a.socket.destroy();
      const a2 = await daemon('osd.12');
      expect(t.mgr.daemons.totalValues).toBe(base);
      const b2 = await daemon('osd.13');
      b2.send(reportFrame(Array(500).fill(1), { declare: decls(500) }));
      await waitFor(() => t.mgr.daemons.get('osd.13')?.reports === 1);
      for (const s of [a2, b2]) s.socket.destroy();
    } finally {
      t.options.unset('mgr_max_counter_values');
    }
  });

  it('refuses an OPEN for a new daemon beyond mgr_max_daemons_per_type, not one it knows', async () => {
    const n = t.mgr.daemons.countOfType('rgw');
    t.options.set('mgr_max_daemons_per_type', n + 2);
    try {
      const a = await daemon('rgw.a');
      const b = await daemon('rgw.b');
      const c = await openRaw(t.daemonAddr);
      await authenticate(c, 'rgw.c', key('rgw.c'));
      c.send(encodeJsonFrame(FrameType.OPEN, { daemon_name: 'rgw.c', metadata: {} }));
      expect(await expectError(c, 'ELIMIT')).toBe(`the manager has ${n + 2} daemons of type rgw, at most ${n + 2} (mgr_max_daemons_per_type)`);
      a.socket.destroy();
      await waitFor(() => !t.mgr.daemons.get('rgw.a')!.connected);
      const a2 = await daemon('rgw.a'); // known: no new daemon
      for (const s of [a2, b]) s.socket.destroy();
      expect(t.mgr.mgrdStats().wireLimitHits.mgr_max_daemons_per_type).toBe(1);
    } finally {
      t.options.unset('mgr_max_daemons_per_type');
    }
  });

  it('forgets daemons gone past mgr_daemon_stale_s with their counters, but keeps an OSD the osd map lists', async () => {
    await sendMap({ osd_map: osdMap([0, 1, 2]) });
    t.options.set('mgr_daemon_stale_s', 1);
    try {
      const kept = await daemon('osd.2');
      const gone = await Promise.all(['osd.900', 'osd.901', 'rgw.gone'].map(daemon));
      for (const s of [kept, ...gone]) s.send(reportFrame([7], { declare: [decl('osd.op')] }));
      await waitFor(() => ['osd.2', 'osd.900', 'osd.901', 'rgw.gone'].every((n) => t.mgr.daemons.get(n)?.reports === 1));
      const values = t.mgr.daemons.totalValues;
      const pruned = t.mgr.mgrdStats().daemonsPruned;
      for (const s of [kept, ...gone]) s.socket.destroy();
      await waitFor(() => !t.mgr.daemons.get('osd.900')!.connected && !t.mgr.daemons.get('rgw.gone')!.connected);
      t.mgr.tick();
      expect(t.mgr.daemons.get('osd.900')).toBeDefined(); // not yet stale_s
      await new Promise((r) => setTimeout(r, 1100));
      t.mgr.tick();
      for (const n of ['osd.900', 'osd.901', 'rgw.gone']) expect(t.mgr.daemons.get(n), n).toBeUndefined();
      expect(t.mgr.daemons.get('osd.2')).toBeDefined();
      // Daemons of earlier tests (closed, not in the map) went too; the values kept are those of the daemons left.
      expect(t.mgr.daemons.totalValues).toBe([...t.mgr.daemons.values()].reduce((n, d) => n + d.width, 0));
      expect(t.mgr.daemons.totalValues).toBeLessThanOrEqual(values - 3);
      expect(t.mgr.mgrdStats().daemonsPruned).toBeGreaterThanOrEqual(pruned + 3);
      const series: string[] = [];
      t.mgr.views.forEachDaemonCounters((d) => series.push(`${d.type}.${d.id}`));
      expect(series).not.toContain('osd.900');
      expect(series).toContain('osd.2');
      expect(logText).toMatch(/forgot \d+ daemons gone for more than 1 s: /);
    } finally {
      t.options.unset('mgr_daemon_stale_s');
    }
  });

  it('drops PG_STATS of an OSD the osd map does not have, keeping the session', async () => {
    await sendMap({ osd_map: osdMap([0, 1, 2]) });
    const s = await daemon('osd.77');
    s.send(encodeJsonFrame(FrameType.PG_STATS, pgStats(77, Date.now() / 1000)));
    await waitFor(() => t.mgr.mgrdStats().wireLimitHits.pg_stats_osd_not_in_osd_map === 1);
    expect(t.mgr.cluster.pgMap.osdIds()).not.toContain(77);
    // The same from an OSD the map has is applied.
    const ok = await daemon('osd.1');
    ok.send(encodeJsonFrame(FrameType.PG_STATS, pgStats(1, Date.now() / 1000)));
    await waitFor(() => t.mgr.cluster.pgMap.osdIds().includes(1));
    expect(s.frames.some((f) => f.type === FrameType.ERROR)).toBe(false);
    t.mgr.tick();
    expect(t.mgr.cluster.health().checks.MGR_WIRE_LIMIT?.detail.some((d) => d.message.startsWith('pg_stats_osd_not_in_osd_map'))).not.toBe(true);
    for (const x of [s, ok]) x.socket.destroy();
  });

  it('applies a PG_STATS stamped beyond mgr_max_stamp_skew_s as of now: the PGMap clock stays', async () => {
    await sendMap({ osd_map: osdMap([0, 1, 2]) });
    const s = await daemon('osd.0');
    const before = t.mgr.mgrdStats().wireLimitHits.mgr_max_stamp_skew_s ?? 0;
    s.send(encodeJsonFrame(FrameType.PG_STATS, pgStats(0, Date.now() / 1000 + 10 * 365 * 86_400)));
    await waitFor(() => (t.mgr.mgrdStats().wireLimitHits.mgr_max_stamp_skew_s ?? 0) === before + 1);
    expect(t.mgr.cluster.pgMap.osdIds()).toContain(0);
    expect(t.mgr.cluster.pgMap.nowS).toBeLessThan(Date.now() / 1000 + 5);
    // Within the skew it is taken as sent.
    const near = Date.now() / 1000 + 10;
    s.send(encodeJsonFrame(FrameType.PG_STATS, pgStats(0, near)));
    await waitFor(() => t.mgr.cluster.pgMap.nowS === near);
    s.socket.destroy();
  });

  it('lets a new session replace a daemon\'s open one at most once per ms_session_replace_min_interval_s, and logs it', async () => {
    const a = await daemon('osd.40');
    const b = await daemon('osd.40'); // the first replacement: allowed
    await a.next(FrameType.CLOSE);
    const c = await openRaw(t.daemonAddr);
    await authenticate(c, 'osd.40', key('osd.40'));
    c.send(encodeJsonFrame(FrameType.OPEN, { daemon_name: 'osd.40', metadata: {} }));
    expect(await expectError(c, 'ELIMIT')).toMatch(/^osd\.40 has a session \(from 127\.0\.0\.1:\d+\) that was replaced \d+ ms ago; at most one replacement every 5 s \(ms_session_replace_min_interval_s\)$/);
    expect(t.mgr.daemons.get('osd.40')!.connected).toBe(true);
    expect(b.frames.some((f) => f.type === FrameType.ERROR || f.type === FrameType.CLOSE)).toBe(false);
    // Replacements are logged, at most one line per daemon every 10 s.
    t.options.set('ms_session_replace_min_interval_s', 0);
    try {
      const more = [];
      for (let i = 0; i < 3; i++) more.push(await daemon('osd.40'));
      expect(logText.match(/session of osd\.40 from \S+ replaced by one from/g)).toHaveLength(1);
      for (const s of [b, ...more]) s.socket.destroy();
    } finally {
      t.options.unset('ms_session_replace_min_interval_s');
    }
  });

  it('refuses a REPORT holding NaN or ±Infinity (Ceph\'s counters are u64), storing none of it', async () => {
    const s = await daemon('osd.50');
    s.send(reportFrame([1, 2], { declare: decls(2) }));
    await waitFor(() => t.mgr.daemons.get('osd.50')?.reports === 1);
    s.send(reportFrame([3, NaN]));
    expect(await expectError(s, 'ESCHEMA')).toBe("REPORT value 1 of osd.50 is NaN: counter values must be finite (Ceph's are unsigned 64-bit integers)");
    const inf = await daemon('osd.51');
    inf.send(reportFrame([-Infinity], { declare: [decl('osd.z')] }));
    expect(await expectError(inf, 'ESCHEMA')).toMatch(/^REPORT value 0 of osd\.51 is -Infinity/);
    expect(t.mgr.daemons.get('osd.51')!.counters).toEqual([]);
    expect(t.mgr.views.getLatest('osd', '50', 'osd.c1')).toBe(2);
  });
});
