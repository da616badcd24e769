// Issue 8 "Proof", wire protocol after authentication: what one holder of a
// daemon key (the data dir's `osd.*`), the cluster source's key (`mon.*`) or
// an admin client can do to a real `mgrd run --sim`, each attack bounded in
// count and time. Throughout, /api/v1/health and /metrics answer within 1 s
// and mgrd's RSS stays bounded (test/helpers/wire-attack.ts).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeJsonFrame, FrameType } from '../../src/protocol/frames.js';
import type { CounterDecl, PgStatsMsg } from '../../src/protocol/messages.js';
import { poll } from '../helpers/procs.js';
import { reportFrame } from '../helpers/raw-session.js';
import { errorCode, frameOf, pool, sleep, startTarget, type Peer, type Target } from '../helpers/wire-attack.js';

const decls = (n: number, prefix: string): CounterDecl[] =>
  Array.from({ length: n }, (_, i) => ({ path: `${prefix}.c${i}`, description: '', nick: '', type: 2, priority: 5, unit: 'none' }));

function pgStats(osd: number, stamp: number): PgStatsMsg {
  return {
    osd, epoch: 1, stamp,
    osd_stat: { statfs: { total: 1e12, available: 9e11, internally_reserved: 0, allocated: 1e11, data_stored: 1e11, data_compressed: 0, data_compressed_allocated: 0, data_compressed_original: 0, omap_allocated: 0, internal_metadata: 0 }, hb_peers: [], num_pgs: 0, apply_latency_ms: 1, commit_latency_ms: 1, up_from: 1, seq: 1 },
    pg_stats: [],
  };
}

describe('authenticated attacks against a real mgrd run', () => {
  let t: Target;
  beforeAll(async () => {
    t = await startTarget({ mgr_max_counter_values: 20_000, mgr_daemon_stale_s: 2 });
  });
  afterAll(async () => {
    await t?.stop();
  });

  /** An `osd.*` key holder opened as `name`. */
  async function openAs(name: string): Promise<Peer> {
    const p = await t.auth(name);
    p.socket.write(encodeJsonFrame(FrameType.OPEN, { daemon_name: name, metadata: { hostname: 'attacker' } }));
    await Promise.race([frameOf(p, FrameType.CONFIGURE), p.closed]);
    return p;
  }

  it('counters: 20 daemons declaring 4,000 counters each, one declaring 5,000: refused beyond the per-daemon and the global bound', async () => {
    const held: Peer[] = []; // taken declarations stay (a closed daemon's would be forgotten after mgr_daemon_stale_s)
    const codes = await pool(21, 4, async (i) => {
      const n = i === 20 ? 5000 : 4000;
      const p = await openAs(`osd.${5000 + i}`);
      held.push(p);
      // A command behind the REPORT: its answer says the REPORT was taken (frames are handled in order).
      p.socket.write(Buffer.concat([reportFrame(Array(n).fill(1), { declare: decls(n, `attack${i}`) }), encodeJsonFrame(FrameType.COMMAND, { tid: 1, argv: ['mgr', 'stat'] })]));
      await Promise.race([p.closed, frameOf(p, FrameType.COMMAND_REPLY, 60_000)]);
      return errorCode(p);
    });
    for (const p of held) p.socket.destroy();
    const s = await t.ingest();
    expect(codes[20]).toBe('ELIMIT');
    // 20,000 values hold 4 of the others at most (the cluster's own take some); each is either taken or refused.
    expect(codes.every((c) => c === 'ELIMIT' || c === undefined)).toBe(true);
    expect(codes.filter((c) => c === 'ELIMIT').length).toBeGreaterThanOrEqual(17);
    expect(s.wireLimitHits.mgr_max_counters_per_daemon).toBe(1);
    expect(s.wireLimitHits.mgr_max_counter_values).toBeGreaterThanOrEqual(16);
    await t.stillHealthy('the counter flood');
  });

  it('daemon names: 2,000 made-up OSDs that report and leave are forgotten after mgr_daemon_stale_s, series and all', async () => {
    const before = await t.ingest();
    await pool(2000, 40, async (i) => {
      const p = await openAs(`osd.${100_000 + i}`);
      p.socket.write(reportFrame([i], { declare: decls(1, 'osd') }));
      await sleep(20);
      p.socket.destroy();
    });
    await poll('the made-up daemons to be forgotten', 30_000, async () => {
      const s = await t.ingest();
      return s.daemonsPruned - before.daemonsPruned >= 2000 && s.daemons <= before.daemons;
    });
    await poll('the next collection of /metrics without them', 30_000, async () => {
      const body = await (await fetch(`${t.m.prometheusUrl!}metrics`)).text();
      return !body.includes('ceph_daemon="osd.100');
    });
    await t.stillHealthy('2,000 made-up daemons');
  });

  it('replacing a real OSD\'s session in a loop: at most one replacement every 5 s', async () => {
    // Each new session finds the previous one open: a success is a replacement.
    const held: Peer[] = [];
    const end = Date.now() + 8000;
    let replaced = 0;
    while (Date.now() < end) {
      const p = await openAs('osd.0');
      if (errorCode(p) === undefined && !p.socket.destroyed) replaced++;
      held.push(p);
      await sleep(50);
    }
    for (const p of held) p.socket.destroy();
    expect(held.length).toBeGreaterThan(20);
    // The sim's session at t=0, then at most one more after 5 s (the OSD's own re-open may take a turn).
    expect(replaced).toBeLessThanOrEqual(3);
    expect((await t.ingest()).wireLimitHits.ms_session_replace_min_interval_s).toBeGreaterThanOrEqual(held.length - 3);
    await t.stillHealthy('the replacement loop');
  });

  it('PG_STATS from the future, for an OSD not in the map, and NaN counter values', async () => {
    const healthBefore = Object.keys(JSON.parse((await t.m.command({ prefix: 'health', detail: 'detail', format: 'json' })).outb).checks as object);
    const mon = await t.auth('mon.a');
    mon.socket.write(encodeJsonFrame(FrameType.PG_STATS, pgStats(0, Date.now() / 1000 + 10 * 365 * 86_400)));
    mon.socket.write(encodeJsonFrame(FrameType.PG_STATS, pgStats(999, Date.now() / 1000)));
    await poll('the future stamp and the unknown OSD to be counted', 10_000, async () => {
      const hits = (await t.ingest()).wireLimitHits;
      return (hits.mgr_max_stamp_skew_s ?? 0) > 0 && (hits.pg_stats_osd_not_in_osd_map ?? 0) > 0;
    });
    expect(errorCode(mon)).toBeUndefined();
    mon.socket.destroy();
    const nan = await openAs('osd.7000');
    nan.socket.write(reportFrame([NaN], { declare: decls(1, 'osd') }));
    await nan.closed;
    expect(errorCode(nan)).toBe('ESCHEMA');
    // Two ticks later health has no check it did not have, but the limits' own: the PGMap's clock did not move.
    await sleep(5000);
    const after = Object.keys(JSON.parse((await t.m.command({ prefix: 'health', detail: 'detail', format: 'json' })).outb).checks as object);
    expect(after.filter((c) => !healthBefore.includes(c) && c !== 'MGR_WIRE_LIMIT')).toEqual([]);
    await t.stillHealthy('future stamps');
  });

  it('maps of the wrong shape (mdsmap null, mons [null], malformed health checks) are refused with EBADMSG, not stored', async () => {
    const sendMap = async (map: Record<string, unknown>): Promise<string | undefined> => {
      const mon = await t.auth('mon.a');
      mon.socket.write(encodeJsonFrame(FrameType.MAP, map));
      await Promise.race([mon.closed, frameOf(mon, FrameType.ERROR)]);
      mon.socket.destroy();
      return errorCode(mon);
    };
    const maps = [
      { fs_map: { epoch: 99, filesystems: [{ id: 1, mdsmap: null }], standbys: [] } },
      { mon_map: { epoch: 99, mons: [null] } },
      { health_checks: { MON_DOWN: { severity: 'HEALTH_WARN', summary: { message: '1/3 mons down', count: 1 }, detail: [null] } } },
      { health_checks: { MON_DOWN: { severity: 'HEALTH_BAD', summary: null } } },
    ];
    for (const map of maps) expect(await sendMap(map), JSON.stringify(map)).toBe('EBADMSG');
    // Nothing of them stored: the cluster reads as before.
    for (const prefix of ['status', 'health']) {
      const r = await t.m.command({ prefix, detail: prefix === 'health' ? 'detail' : undefined, format: 'json' });
      expect(r.retval, `${prefix}: ${r.outs}`).toBe(0);
    }
    const status = JSON.parse((await t.m.command({ prefix: 'status', format: 'json' })).outb) as { fsmap: { epoch: number }; monmap: { num_mons: number } };
    expect(status.fsmap.epoch).not.toBe(99);
    expect(status.monmap.num_mons).toBeGreaterThan(0);
    const health = JSON.parse((await t.m.command({ prefix: 'health', detail: 'detail', format: 'json' })).outb) as { checks: Record<string, unknown> };
    expect(health.checks.MON_DOWN).toBeUndefined();
    await t.stillHealthy('maps of the wrong shape');
  });

  it('a slow reader pipelining 1,000 pg dumps gets no more computed than it reads', async () => {
    const admin = await t.auth('client.admin');
    admin.socket.pause(); // reads nothing
    const before = (await t.ingest()).commands;
    admin.socket.write(Buffer.concat(Array.from({ length: 1000 }, (_, tid) => encodeJsonFrame(FrameType.COMMAND, { tid, argv: ['pg', 'dump', '--format', 'json'] }))));
    await sleep(5000);
    const computed = (await t.ingest()).commands - before; // wire COMMANDs only (the admin API's are not counted)
    expect(computed).toBeLessThan(1000);
    expect(computed).toBeLessThanOrEqual(16 + 400); // in flight, plus what the 16 MiB bound and the socket buffers hold
    admin.socket.destroy();
    await t.stillHealthy('a slow reader');
  });
});
