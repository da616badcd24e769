// Issue 8 item 7: what a peer can make the manager buffer and parse. Before
// authentication: frames refused from their header beyond ms_preauth_max_bytes,
// connections bounded per peer and in all. After: per-type frame bounds and
// JSON nesting bounds, and large JSON bodies parsed in slices.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MgrClient } from '../../src/client/mgr-client.js';
import { encodeFrame, encodeJsonFrame, FrameType } from '../../src/protocol/frames.js';
import { SimCluster } from '../../src/sim/model/sim-cluster.js';
import { authenticate, expectError, openRaw, type RawSession } from '../helpers/raw-session.js';
import { startTestMgr, waitFor, type TestMgr } from '../helpers/harness.js';

type Raw = RawSession;

/** A frame header alone: the length says `len` bytes follow; none are sent. */
function headerOnly(type: number, len: number): Buffer {
  const b = Buffer.alloc(5);
  b.writeUInt32BE(len, 0);
  b[4] = type;
  return b;
}

describe('before authentication', () => {
  let t: TestMgr;
  beforeAll(async () => {
    t = await startTestMgr({ modules: [] });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('refuses a HELLO larger than ms_preauth_max_bytes from its header, reading none of it', async () => {
    const s = await openRaw(t.daemonAddr);
    s.send(headerOnly(FrameType.HELLO, 60 * 1024 * 1024));
    expect(await expectError(s, 'E2BIG')).toBe('HELLO frame of 62914560 bytes: before authentication a peer may send at most 8192 bytes');
  });

  it('counts HELLO and AUTH together against ms_preauth_max_bytes', async () => {
    const s = await openRaw(t.daemonAddr);
    s.send(encodeJsonFrame(FrameType.HELLO, { protocol: 'mgrd', version: 1, min_version: 1, entity: 'osd.1', pad: 'x'.repeat(6000) }));
    await s.next(FrameType.CHALLENGE);
    s.send(headerOnly(FrameType.AUTH, 3000));
    expect(await expectError(s, 'E2BIG')).toMatch(/^AUTH frame of 3000 bytes: before authentication a peer may send at most 8192 bytes$/);
  });

  it('refuses any frame but HELLO, then AUTH, from its header', async () => {
    const s = await openRaw(t.daemonAddr);
    s.send(headerOnly(FrameType.MAP, 4000));
    expect(await expectError(s, 'ESTATE')).toBe('expected HELLO, got MAP');
  });

  it('refuses nesting in HELLO beyond its bound', async () => {
    const s = await openRaw(t.daemonAddr);
    s.send(encodeFrame(FrameType.HELLO, Buffer.from('[[[[[[[[[[[[]]]]]]]]]]]]')));
    expect(await expectError(s, 'EBADMSG')).toBe('HELLO payload is nested deeper than 2 levels');
  });
});

describe('pre-auth connection limits', () => {
  let t: TestMgr;
  beforeAll(async () => {
    t = await startTestMgr({ modules: [], set: { ms_preauth_max_sessions: 3, ms_preauth_max_sessions_per_peer: 2 } });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('refuses connections beyond the per-peer and the global bound with ELIMIT, counts them and raises MGR_WIRE_LIMIT', async () => {
    const a1 = await openRaw(t.daemonAddr);
    const a2 = await openRaw(t.daemonAddr);
    await waitFor(() => t.mgr.server.preauthCount === 2);
    const a3 = await openRaw(t.daemonAddr);
    expect(await expectError(a3, 'ELIMIT')).toBe('too many connections authenticating from 127.0.0.1 (max 2)');
    // Another peer address still gets in, up to the global bound.
    const b1 = await openRaw(t.daemonAddr, { localAddress: '127.0.0.2' });
    await waitFor(() => t.mgr.server.preauthCount === 3);
    const c1 = await openRaw(t.daemonAddr, { localAddress: '127.0.0.3' });
    expect(await expectError(c1, 'ELIMIT')).toBe('too many connections authenticating (max 3)');

    expect(t.mgr.mgrdStats().wireLimitHits).toEqual({ ms_preauth_max_sessions_per_peer: 1, ms_preauth_max_sessions: 1 });
    t.mgr.tick();
    const check = t.mgr.cluster.health().checks.MGR_WIRE_LIMIT!;
    expect(check.severity).toBe('HEALTH_WARN');
    expect(check.summary.message).toBe('2 wire protocol limits hit in the last 10 minutes');
    expect(check.detail.map((d) => d.message.replace(/last at \S+:/, 'last at T:'))).toEqual([
      'ms_preauth_max_sessions: hit 1 time since mgrd started, last at T: connection from 127.0.0.3 refused: 3 connections authenticating',
      'ms_preauth_max_sessions_per_peer: hit 1 time since mgrd started, last at T: connection from 127.0.0.1 refused: it has 2 connections authenticating',
    ]);

    // An authenticated session no longer counts: its slot is free for the next peer.
    await authenticate(a1, 'osd.1', t.keyring.lookup('osd.1')!.key);
    await waitFor(() => t.mgr.server.preauthCount === 2);
    const a4 = await openRaw(t.daemonAddr);
    await authenticate(a4, 'osd.2', t.keyring.lookup('osd.2')!.key);
    // A closed one neither.
    b1.socket.destroy();
    a2.socket.destroy();
    await waitFor(() => t.mgr.server.preauthCount === 0);
    for (const s of [a1, a4]) s.socket.destroy();
  });

  it('a refused connection costs no session and a handshake timeout frees its slot', async () => {
    t.options.set('ms_handshake_timeout_ms', 300);
    try {
      const idle = await Promise.all([openRaw(t.daemonAddr), openRaw(t.daemonAddr, { localAddress: '127.0.0.2' })]);
      await waitFor(() => t.mgr.server.preauthCount === 2);
      for (const s of idle) expect(await expectError(s, 'ETIMEDOUT')).toBe('not authenticated within 300 ms');
      expect(t.mgr.server.preauthCount).toBe(0);
    } finally {
      t.options.set('ms_handshake_timeout_ms', 10_000);
    }
  });
});

describe('after authentication', () => {
  let t: TestMgr;
  let mon: Raw;
  beforeAll(async () => {
    t = await startTestMgr({ modules: [] });
  });
  afterAll(async () => {
    await t.stop();
  });
  const secret = (entity: string): Buffer => t.keyring.lookup(entity)!.key;

  async function monSession(): Promise<Raw> {
    const s = await openRaw(t.daemonAddr);
    await authenticate(s, 'mon.a', secret('mon.a'));
    return s;
  }

  it('refuses a frame over its type bound from its header', async () => {
    const s = await openRaw(t.daemonAddr);
    await authenticate(s, 'client.admin', secret('client.admin'));
    s.send(headerOnly(FrameType.COMMAND, 5 * 1024 * 1024));
    expect(await expectError(s, 'E2BIG')).toBe('COMMAND frame of 5242880 bytes exceeds its maximum of 4194304');
  });

  it('refuses from its header a MAP from an entity that may not send one, and a server-only frame type', async () => {
    const s = await openRaw(t.daemonAddr);
    await authenticate(s, 'osd.3', secret('osd.3'));
    s.send(headerOnly(FrameType.MAP, 30 * 1024 * 1024));
    expect(await expectError(s, 'EPERM')).toBe("osd.3 (caps 'allow profile osd') may not send MAP");
    const c = await openRaw(t.daemonAddr);
    await authenticate(c, 'osd.3', secret('osd.3'));
    c.send(headerOnly(FrameType.CHALLENGE, 30 * 1024 * 1024));
    expect(await expectError(c, 'EPROTO')).toBe('unexpected frame CHALLENGE in state ready');
  });

  it('refuses JSON nested beyond the type bound', async () => {
    const s = await openRaw(t.daemonAddr);
    await authenticate(s, 'osd.4', secret('osd.4'));
    s.send(encodeJsonFrame(FrameType.OPEN, { daemon_name: 'osd.4', metadata: { a: { b: { c: 'd' } } } }));
    expect(await expectError(s, 'EBADMSG')).toBe('OPEN payload is nested deeper than 3 levels');
    mon = await monSession();
    const deep = '{"osd_map":' + '['.repeat(40) + ']'.repeat(40) + '}';
    mon.send(encodeFrame(FrameType.MAP, Buffer.from(deep)));
    expect(await expectError(mon, 'EBADMSG')).toBe('MAP payload is nested deeper than 32 levels');
  });

  it('parses a 2,000-OSD MAP in slices and handles the frames after it in order', async () => {
    const maps = new SimCluster({ osds: 2000, seed: 3 }).maps();
    const body = Buffer.from(JSON.stringify(maps));
    expect(body.length).toBeGreaterThan(2 * 1024 * 1024);
    const s = await monSession();
    const sliced = t.mgr.server.stats.slicedJson;
    // The MAP and a command pipelined behind it: the command must see the map.
    s.send(Buffer.concat([encodeFrame(FrameType.MAP, body), encodeJsonFrame(FrameType.COMMAND, { tid: 7, argv: ['osd', 'stat', '--format', 'json'] })]));
    const reply = JSON.parse((await s.next(FrameType.COMMAND_REPLY, 60_000)).body) as { tid: number; r: number; outb: string };
    expect(reply.tid).toBe(7);
    expect(reply.r).toBe(0);
    expect((JSON.parse(reply.outb) as { num_osds: number }).num_osds).toBe(2000);
    expect(t.mgr.server.stats.slicedJson).toBe(sliced + 1);
    s.socket.destroy();
  });

  it('refuses a large MAP that is not valid JSON at its end, storing nothing', async () => {
    const epoch = t.mgr.cluster.osdMap?.epoch;
    const good = JSON.stringify({ osd_map: { epoch: 99_999, osds: Array.from({ length: 20_000 }, (_, i) => ({ osd: i, up: 1, in: 1 })), pools: [] } });
    const s = await monSession();
    s.send(encodeFrame(FrameType.MAP, Buffer.from(good.slice(0, -1) + ',}')));
    expect(await expectError(s, 'EBADMSG')).toMatch(/^MAP payload is not valid JSON: not valid JSON at byte \d+: expected a string key$/);
    expect(t.mgr.cluster.osdMap?.epoch).toBe(epoch);
  });

  it('keeps serving other sessions while a large MAP is parsed', async () => {
    const admin = new MgrClient({ addrs: [t.daemonAddr], entity: 'client.admin', secret: secret('client.admin') });
    admin.start();
    await admin.waitReady();
    const body = Buffer.from(JSON.stringify(new SimCluster({ osds: 2000, seed: 4 }).maps()));
    const s = await monSession();
    const before = t.mgr.server.stats.maps;
    s.send(encodeFrame(FrameType.MAP, body));
    // Commands of another session are answered before the MAP is applied: the parse yields between slices.
    const stats = t.mgr.server.stats;
    let answeredDuring = 0;
    while (stats.maps === before) {
      const parsing = stats.slicedJsonActive > 0;
      const r = await admin.command({ argv: ['mgr', 'stat'] });
      expect(r.r).toBe(0);
      if (parsing && stats.slicedJsonActive > 0) answeredDuring++;
    }
    expect(answeredDuring).toBeGreaterThan(0);
    await admin.stop();
    s.socket.destroy();
  });
});
