// Fuzzing the frame decoder and the message handlers of a live manager with
// more than 100,000 bad frames: random and mutated frames, truncated frames,
// wrong versions, huge lengths, vectors that do not match the schema, REPORT
// before OPEN, MAP from non-mon entities, wrong keys, mutated and truncated
// PG_STATS_BIN. Each must close only its own session; a well-behaved daemon
// keeps reporting throughout and the cluster state is untouched (no PG stats
// of any bad session applied).

import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MgrClient } from '../../src/client/mgr-client.js';
import { clientProof, newNonce } from '../../src/protocol/auth.js';
import { encodeFrame, encodeJsonFrame, FrameType, PROTOCOL_VERSION, type FrameTypeCode } from '../../src/protocol/frames.js';
import type { CounterDecl, PgStatsMsg } from '../../src/protocol/messages.js';
import { encodePgStats, PgStatsDecoder } from '../../src/protocol/pg-stats-codec.js';
import { PING, PING_FIELDS, PING_RECORD_BYTES } from '../../src/protocol/ping-times.js';
import { PGMap } from '../../src/state/pg-map.js';
import { authenticate, openRaw, reportFrame, type RawSession } from '../helpers/raw-session.js';
import { startTestMgr, waitFor, type TestMgr } from '../helpers/harness.js';
import { Rng } from '../../src/sim/model/rng.js';

/** Deterministic randomness (the simulator's PRNG) so a failure can be replayed. */
function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next() / 4294967296;
}

function flip(b: Buffer, i: number, r: () => number): void {
  b[i] = (b[i] ?? 0) ^ (1 << Math.floor(r() * 8));
}

const decl = (path: string, type: number): CounterDecl => ({ path, description: '', nick: '', type, priority: 5, unit: 'none' });

const PING_PEERS = 3;

/** A good PG_STATS of `osd` for pool 1: replicated and EC sets, sparse and full stat_sums, a down PG. */
function pgStatsMsg(osd: number): PgStatsMsg {
  const stamp = 1_800_000_000;
  const pg = (ps: number, acting: number[], stat: number[], state = 'active+clean'): PgStatsMsg['pg_stats'][number] => ({
    pgid: `1.${ps.toString(16)}`, state, up: acting, acting, up_primary: acting[0]!, acting_primary: acting[0]!, version: "7'100", reported_epoch: 7,
    reported_seq: 100 + ps, log_size: 100, ondisk_log_size: 100, last_scrub_stamp: stamp, last_deep_scrub_stamp: stamp, last_change: stamp, stat_sum: stat,
  });
  return {
    osd, epoch: 7, stamp,
    osd_stat: { statfs: { total: 1e12, available: 9e11, internally_reserved: 0, allocated: 1e11, data_stored: 1e11, data_compressed: 0, data_compressed_allocated: 0, data_compressed_original: 0, omap_allocated: 0, internal_metadata: 0 }, hb_peers: [0], num_pgs: 4, apply_latency_ms: 1, commit_latency_ms: 1, up_from: 1, seq: 1 },
    pool_statfs: [{ poolid: 1, total: 0, available: 0, internally_reserved: 0, allocated: 5, data_stored: 5, data_compressed: 0, data_compressed_allocated: 0, data_compressed_original: 0, omap_allocated: 0, internal_metadata: 0 }],
    pg_stats: [
      pg(0, [osd, 0, 1], [4096, 1, 0, 3]),
      pg(1, [osd, 2147483647, 3, 4, 5, 6], Array.from({ length: 40 }, (_, i) => i * 1.5)),
      { ...pg(2, [osd, 1], [], 'down+peering'), blocked_by: [2, 3] },
      pg(3, [osd], [2 ** 40, 2 ** 33]),
    ],
    // Heartbeat ping times to PING_PEERS peers: PG_STATS_BIN's ping section (protocol 2).
    packedPingTimes: Uint32Array.from({ length: PING_PEERS * PING_FIELDS }, (_, i) => (i % PING_FIELDS === PING.osd ? 200 + i : i % PING_FIELDS === PING.lastUpdate ? stamp : 100 + i)),
  };
}

/** Would a manager refuse this PG_STATS_BIN payload from `osd`? (The oracle for mutations that happen to stay valid.) */
function refused(payload: Buffer, osd: number): boolean {
  try {
    const m = new PgStatsDecoder().decode(payload);
    if (m.osd !== osd) return true;
    new PGMap().applyPgStats(m, 1_800_000_000);
    return false;
  } catch {
    return true;
  }
}

describe('fuzz: bad frames close only their own session', () => {
  let t: TestMgr;
  let logLines = 0;
  let good: MgrClient;
  let goodValue = 0;

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        logLines += chunk.toString().split('\n').filter((l) => l.includes('closing session')).length;
        cb();
      },
    });
    // 32 workers re-open the same few daemons at once: session replacement is not what is tested here.
    t = await startTestMgr({ modules: [], log: pino({ level: 'warn' }, sink), set: { ms_max_frame_bytes: 1 << 20, ms_handshake_timeout_ms: 2000, ms_session_replace_min_interval_s: 0 } });
    // The cluster source sets a map we will check stays as it is.
    const mon = new MgrClient({ addrs: [t.daemonAddr], entity: 'mon.a', secret: t.keyring.lookup('mon.a')!.key, daemon: { name: 'mon.a', metadata: {}, schema: () => [], sample: () => new Float64Array(0) } });
    mon.start();
    await mon.waitReady();
    // Pool 1 exists, so a PG_STATS that got through would show in the PGMap.
    mon.sendMap({ osd_map: { epoch: 7, fsid: 'f', osds: [{ osd: 0, up: 1, in: 1 }], pools: [{ pool: 1, pool_name: 'p', type: 1, size: 3, min_size: 2, pg_num: 4, pg_placement_num: 4 }] } });
    await waitFor(() => t.mgr.cluster.osdMap?.epoch === 7);
    await mon.stop();
    good = new MgrClient({
      addrs: [t.daemonAddr], entity: 'osd.0', secret: t.keyring.lookup('osd.0')!.key,
      daemon: { name: 'osd.0', metadata: { hostname: 'h0' }, schema: () => [decl('osd.op', 10), decl('osd.op_latency', 5)], sample: () => Float64Array.from([++goodValue, goodValue * 1e6, goodValue]) },
    });
    good.start();
    await good.waitReady();
  });

  afterAll(async () => {
    await good.stop();
    await t.stop();
  });

  /** Connects, sends `frames` raw, waits for the close; returns what came back. */
  async function oneShot(frames: Buffer[], opts: { auth?: { entity: string; secret: Buffer }; open?: boolean } = {}): Promise<RawSession> {
    const s = await openRaw(t.daemonAddr);
    if (opts.auth) {
      await authenticate(s, opts.auth.entity, opts.auth.secret);
      if (opts.open) {
        s.send(encodeJsonFrame(FrameType.OPEN, { daemon_name: opts.auth.entity, metadata: {} }));
        await s.next(FrameType.CONFIGURE);
      }
    }
    for (const f of frames) s.send(f);
    return s;
  }

  function randomFrame(r: () => number): Buffer {
    const kind = Math.floor(r() * 6);
    const len = Math.floor(r() * 64);
    const payload = Buffer.alloc(len);
    for (let i = 0; i < len; i++) payload[i] = Math.floor(r() * 256);
    switch (kind) {
      case 0: // random type and bytes
        return encodeFrame(Math.floor(r() * 256) as FrameTypeCode, payload);
      case 1: { // huge length
        const b = Buffer.alloc(5);
        b.writeUInt32BE(0x7fffffff - Math.floor(r() * 1000), 0);
        b[4] = FrameType.HELLO;
        return b;
      }
      case 2: // zero length
        return Buffer.from([0, 0, 0, 0]);
      case 3: // wrong version
        return encodeJsonFrame(FrameType.HELLO, { protocol: 'mgrd', version: PROTOCOL_VERSION + 1 + Math.floor(r() * 100), min_version: PROTOCOL_VERSION + 1, entity: 'osd.1' });
      case 4: { // mutated HELLO
        const f = encodeJsonFrame(FrameType.HELLO, { protocol: 'mgrd', version: 1, min_version: 1, entity: 'osd.1' });
        for (let i = 0; i < 3; i++) flip(f, 5 + Math.floor(r() * (f.length - 5)), r);
        return f;
      }
      default: // a known type that is wrong before the handshake
        return encodeJsonFrame([FrameType.OPEN, FrameType.REPORT, FrameType.MAP, FrameType.COMMAND, FrameType.PG_STATS, FrameType.PG_STATS_BIN][Math.floor(r() * 6)] as FrameTypeCode, {});
    }
  }

  it('survives 100,000+ bad frames', async () => {
    const r = rng(20261126);
    let driven = 0;
    let closedWithError = 0;
    const concurrency = 64;

    // Phase 1: before authentication (decoder, HELLO and state checks): 90,000 sessions.
    const preAuth = 90_000;
    let next = 0;
    async function worker(): Promise<void> {
      while (next < preAuth) {
        next++;
        const f = randomFrame(r);
        const s = await oneShot([f]);
        driven++;
        // A mutated HELLO may still be a valid HELLO: the manager answers it and waits for AUTH; end such a
        // session ourselves as soon as a frame other than ERROR comes back. Every other session is closed by
        // the manager: wait for that (however loaded the machine), with a safety bound.
        const first = await Promise.race([s.next(undefined, 30_000).catch(() => undefined), s.closed.then(() => undefined)]);
        if (first !== undefined && first.type !== FrameType.ERROR) s.socket.destroy();
        const timer = setTimeout(() => s.socket.destroy(), 30_000);
        await s.closed;
        clearTimeout(timer);
        if (s.frames.some((x) => x.type === FrameType.ERROR)) closedWithError++;
      }
    }
    await Promise.all(Array.from({ length: concurrency }, worker));

    // Phase 2: authenticated sessions, message handlers: 10,000+ cases.
    const osd = (n: number) => ({ entity: `osd.${n}`, secret: t.keyring.lookup('osd.1')!.key });
    const cases: Array<() => Promise<RawSession>> = [
      () => oneShot([reportFrame([1, 2, 3])], { auth: osd(101) }), // REPORT before OPEN
      () => oneShot([encodeJsonFrame(FrameType.MAP, { osd_map: { epoch: 1000, osds: [], pools: [] } })], { auth: osd(102) }), // MAP from an OSD
      () => oneShot([reportFrame([1, 2, 3], { declare: [decl('osd.a', 10)] })], { auth: osd(103), open: true }), // vector/schema mismatch
      () => oneShot([reportFrame([1], { declare: [decl('nodots', 10)] })], { auth: osd(104), open: true }), // bad declaration
      () => oneShot([encodeFrame(FrameType.REPORT, Buffer.from([1, 2]))], { auth: osd(105), open: true }), // truncated head length
      () => oneShot([encodeFrame(FrameType.PG_STATS, Buffer.from('{not json'))], { auth: osd(106), open: true }),
      () => oneShot([encodeJsonFrame(FrameType.PG_STATS, { osd: 106, pg_stats: 'x' })], { auth: osd(106), open: true }),
      () => oneShot([encodeFrame(99 as FrameTypeCode, Buffer.from('x'))], { auth: osd(107), open: true }), // unknown type
      () => oneShot([encodeJsonFrame(FrameType.OPEN, { daemon_name: 'osd.107', metadata: {} })], { auth: osd(107), open: true }), // second OPEN
      async () => { // truncated frame, then the peer goes away
        const s = await oneShot([], { auth: osd(108), open: true });
        const f = reportFrame([1, 2, 3, 4]);
        s.send(f.subarray(0, f.length - 5));
        setTimeout(() => s.socket.end(), 5);
        return s;
      },
      async () => { // wrong key
        const s = await openRaw(t.daemonAddr);
        s.send(encodeJsonFrame(FrameType.HELLO, { protocol: 'mgrd', version: 1, min_version: 1, entity: 'osd.3' }));
        const ch = JSON.parse((await s.next(FrameType.CHALLENGE)).body) as { server_nonce: string };
        const cn = newNonce();
        s.send(encodeJsonFrame(FrameType.AUTH, { client_nonce: cn, proof: clientProof(Buffer.alloc(32, 1), 'osd.3', ch.server_nonce, cn) }));
        return s;
      },
      async () => { // mutated REPORT after a valid declaration: bit flips in the head length or vector
        const s = await oneShot([reportFrame([1, 2, 3], { declare: [decl('osd.a', 10), decl('osd.b', 5)] })], { auth: osd(109), open: true });
        const f = reportFrame([1, 2, 3]);
        flip(f, 5 + Math.floor(r() * 4), r);
        s.send(f);
        return s;
      },
    ];
    // PG_STATS_BIN from its own OSD, mutated until a manager must refuse it: bit flips (head, lengths,
    // indices, values), bytes overwritten with random values, or the payload cut anywhere.
    let binMutations = 0;
    let pingMutations = 0;
    const badPgStatsBin = (osd: number): Buffer => {
      const good = encodePgStats(pgStatsMsg(osd));
      let p = Buffer.from(good);
      for (let tries = 0; !refused(p, osd) || tries === 0; tries++) {
        binMutations++;
        const kind = Math.floor(r() * 5);
        if (kind === 0 || tries > 20) p = p.subarray(0, Math.floor(r() * p.length));
        else if (kind === 1) flip(p, Math.floor(r() * p.length), r);
        else if (kind === 2) p[Math.floor(r() * p.length)] = Math.floor(r() * 256);
        else if (kind === 3) { // a record's lengths and indices: the fixed part after the head
          const first = 8 + good.readUInt32LE(0);
          flip(p, first + Math.floor(r() * 18), r);
        } else { // the ping section: its peer count, or a peer's osd id
          pingMutations++;
          const at = good.length - 4 - PING_PEERS * PING_RECORD_BYTES;
          flip(p, r() < 0.5 ? at + Math.floor(r() * 4) : at + 4 + Math.floor(r() * PING_PEERS) * PING_RECORD_BYTES + Math.floor(r() * 4), r);
        }
      }
      return encodeFrame(FrameType.PG_STATS_BIN, p);
    };
    cases.push(
      () => oneShot([badPgStatsBin(110)], { auth: osd(110), open: true }),
      () => oneShot([badPgStatsBin(111)], { auth: osd(111), open: true }),
      () => oneShot([encodeFrame(FrameType.PG_STATS_BIN, encodePgStats(pgStatsMsg(113)))], { auth: osd(112), open: true }), // another OSD's
      () => oneShot([encodeFrame(FrameType.PG_STATS_BIN, encodePgStats(pgStatsMsg(114)))], { auth: osd(114) }), // before OPEN
      async () => { // a truncated PG_STATS_BIN frame, then the peer goes away
        const s = await oneShot([], { auth: osd(115), open: true });
        const f = encodeFrame(FrameType.PG_STATS_BIN, encodePgStats(pgStatsMsg(115)));
        s.send(f.subarray(0, 5 + Math.floor(r() * (f.length - 5))));
        setTimeout(() => s.socket.end(), 5);
        return s;
      },
    );
    const postAuth = 15_000;
    let done = 0;
    async function worker2(): Promise<void> {
      while (done < postAuth) {
        const c = cases[done % cases.length]!;
        done++;
        const s = await c();
        driven++;
        const timer = setTimeout(() => s.socket.destroy(), 2000);
        await s.closed;
        clearTimeout(timer);
        if (s.frames.some((x) => x.type === FrameType.ERROR)) closedWithError++;
      }
    }
    await Promise.all(Array.from({ length: 32 }, worker2));

    console.log(`fuzz: ${driven} bad frames driven, ${closedWithError} sessions closed with an ERROR frame, ${logLines} log lines, ${binMutations} PG_STATS_BIN mutations (${pingMutations} in the ping section)`);
    expect(driven).toBeGreaterThanOrEqual(100_000);
    expect(pingMutations).toBeGreaterThan(0);
    // Nearly every case is refused with an error frame (a few mutated HELLOs stay valid and time out).
    expect(closedWithError).toBeGreaterThan(driven * 0.9);
    // Each failure is counted, but logged at most once per peer kind and code every 10 s: a flood costs no log flood.
    expect(logLines).toBeGreaterThan(0);
    expect(logLines).toBeLessThan(closedWithError / 100);

    // The process, the good session and the state are intact.
    const before = t.mgr.daemons.get('osd.0')!.reports;
    good.reportNow();
    await waitFor(() => t.mgr.daemons.get('osd.0')!.reports > before, 5000, 'the good daemon to keep reporting');
    expect(good.ready).toBe(true);
    expect(t.mgr.views.getLatest('osd', '0', 'osd.op')).toBe(goodValue);
    expect(t.mgr.cluster.osdMap?.epoch).toBe(7);
    // No PG_STATS of a bad session got in: pool 1's PGs are the map's placeholders, no OSD has stats.
    const pgMap = t.mgr.cluster.pgMap;
    expect([...pgMap.pgs()].map((p) => `${p.pgid} ${pgMap.states.name(p.stateId)} ${p.reporter}`)).toEqual(['1.0 unknown -1', '1.1 unknown -1', '1.2 unknown -1', '1.3 unknown -1']);
    expect(pgMap.osdIds()).toEqual([]);
    expect(t.mgr.daemons.get('osd.0')!.counters.map((c) => c.path)).toEqual(['osd.op', 'osd.op_latency']);
    const admin = await t.admin();
    expect((await admin.command({ argv: ['mgr', 'stat'] })).r).toBe(0);
    await waitFor(() => t.mgr.server.sessionCount <= 3, 10_000, 'bad sessions to be gone');
  }, 600_000);
});
