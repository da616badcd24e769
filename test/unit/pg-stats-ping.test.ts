// Heartbeat ping times in binary (protocol version 2): PG_STATS_BIN's ping
// section round trips Ceph's network_ping_times exactly, the manager keeps
// them packed (one array per OSD, reused report after report) and builds the
// JSON only when asked, health reads OSD_SLOW_PING_TIME_* from the packed
// rows as it did from JSON, and every malformed section is refused.

import { describe, expect, test } from 'vitest';
import type { FrameError } from '../../src/protocol/frames.js';
import type { PeerPingTimes, PgStatsMsg } from '../../src/protocol/messages.js';
import { PgStatsDecoder, encodePgStats } from '../../src/protocol/pg-stats-codec.js';
import {
  MAX_PING_PEERS, PING, PING_FIELDS, PING_RECORD_BYTES, ctimeString, packPingTimes, unpackPingTimes,
} from '../../src/protocol/ping-times.js';
import { computeHealth } from '../../src/state/health.js';
import { PGMap } from '../../src/state/pg-map.js';
import { SimCluster, makeOsdMap, refJson, type ClusterSpec } from '../helpers/pg-cluster.js';
import { refusalOf } from '../helpers/pg-stats-bin.js';

const T0 = 1_800_000_000;
const decoder = new PgStatsDecoder();
/** Ceph's own: osd.0's peers in the reference capture. */
const REF = refJson<{ osd_ping_times: Array<{ osd: number; network_ping_times: PeerPingTimes[] }> }>('mgr_internals/get.osd_ping_times.json').osd_ping_times;
const refPeers = REF[0]!.network_ping_times;

const SPEC: ClusterSpec = {
  numOsds: 6,
  osdsPerHost: 3,
  pools: [{ id: 1, name: 'rbd', size: 3, pgNum: 16 }],
  perPoolOsds: [0, 1, 2, 3, 4, 5],
};

function base(o: Partial<PgStatsMsg> = {}): PgStatsMsg {
  return {
    osd: 0, epoch: 10, stamp: T0,
    osd_stat: {
      statfs: { total: 1e12, available: 9e11, internally_reserved: 0, allocated: 1e11, data_stored: 1e11, data_compressed: 0, data_compressed_allocated: 0, data_compressed_original: 0, omap_allocated: 0, internal_metadata: 0 },
      hb_peers: [1, 2], num_pgs: 0, apply_latency_ms: 1, commit_latency_ms: 1, up_from: 1, seq: 1,
    },
    pg_stats: [],
    ...o,
  };
}

/** `n` peers with distinct values in every field. */
function peers(n: number, lastUpdateS = T0): Uint32Array {
  const p = new Uint32Array(n * PING_FIELDS);
  for (let i = 0; i < n; i++) {
    const row = i * PING_FIELDS;
    for (let f = 2; f < PING_FIELDS; f++) p[row + f] = 100 + i * 1000 + f;
    p[row + PING.osd] = i + 1;
    p[row + PING.lastUpdate] = lastUpdateS;
  }
  return p;
}

const refusal = (payload: Buffer, version = 2): FrameError => refusalOf(decoder, payload, version);

describe('packed ping times', () => {
  test("Ceph's network_ping_times pack to µs and unpack to the same JSON, value for value", () => {
    for (const o of REF) expect(unpackPingTimes(packPingTimes(o.network_ping_times))).toEqual(o.network_ping_times);
  });

  test('a peer without a front interface has none when shown; an unreadable "last update" is the epoch', () => {
    const back = refPeers[0]!.interfaces[0]!;
    const p = packPingTimes([{ osd: 4, 'last update': 'yesterday', interfaces: [back] }]);
    expect(p[PING.lastUpdate]).toBe(0);
    expect(unpackPingTimes(p)).toEqual([{ osd: 4, 'last update': ctimeString(0), interfaces: [back] }]);
  });
});

describe('PG_STATS_BIN ping section (protocol version 2)', () => {
  test('round trip: JSON ping times in, the same out, none of them in the head', () => {
    const m = base({ osd_stat: { ...base().osd_stat, network_ping_times: refPeers } });
    const p = encodePgStats(m);
    const headLen = p.readUInt32LE(0);
    expect(p.subarray(4, 4 + headLen).toString()).not.toMatch(/network_ping_times|last update/);
    expect(p.length).toBe(8 + headLen + 4 + refPeers.length * PING_RECORD_BYTES);
    const f = decoder.decode(p);
    expect(f.osd_stat.network_ping_times).toBeUndefined();
    expect(f.pingPeers).toBe(refPeers.length);
    expect(unpackPingTimes(f.packedPingTimes!)).toEqual(refPeers);
  });

  test('packed ping times go out as they are; version 1 carries them as JSON in the head', () => {
    const packed = peers(32);
    const m = base({ packedPingTimes: packed });
    expect(Array.from(decoder.decode(encodePgStats(m)).packedPingTimes!)).toEqual(Array.from(packed));
    const v1 = encodePgStats(m, 1);
    const f1 = decoder.decode(v1, 1);
    expect(f1.packedPingTimes).toBeUndefined();
    expect(f1.osd_stat.network_ping_times).toEqual(unpackPingTimes(packed));
    // What the change is for: 32 peers are ~14 KB of head JSON in version 1, 2.8 KB of fixed rows in version 2.
    const v2 = encodePgStats(m);
    expect(v2.readUInt32LE(0)).toBeLessThan(600);
    expect(v1.readUInt32LE(0)).toBeGreaterThan(10_000);
  });

  test('the encoder refuses more than MAX_PING_PEERS peers (the client then sends JSON, which is refused too)', () => {
    expect(() => encodePgStats(base({ packedPingTimes: peers(MAX_PING_PEERS + 1) }))).toThrow(RangeError);
    expect(decoder.decode(encodePgStats(base({ packedPingTimes: peers(MAX_PING_PEERS) }))).pingPeers).toBe(MAX_PING_PEERS);
  });

  const sample = encodePgStats(base({ packedPingTimes: peers(3) }));
  const section = sample.length - 4 - 3 * PING_RECORD_BYTES;

  test('every truncation of the section, and bytes after it, are EBADMSG', () => {
    for (let n = section; n < sample.length; n++) expect(refusal(sample.subarray(0, n)).code).toBe('EBADMSG');
    expect(refusal(Buffer.concat([sample, Buffer.alloc(1)])).message).toMatch(/ping section of 3 peers needs 264 bytes, has 265/);
    expect(refusal(Buffer.concat([sample, Buffer.alloc(PING_RECORD_BYTES)])).code).toBe('EBADMSG');
  });

  test('a peer count past MAX_PING_PEERS, or past what the payload holds, is EBADMSG before any row is read', () => {
    const b = Buffer.from(sample);
    b.writeUInt32LE(MAX_PING_PEERS + 1, section);
    expect(refusal(b).message).toMatch(new RegExp(`says ${MAX_PING_PEERS + 1} peers \\(at most ${MAX_PING_PEERS}\\)`));
    b.writeUInt32LE(0xffffffff, section);
    expect(refusal(b).code).toBe('EBADMSG');
    b.writeUInt32LE(4, section);
    expect(refusal(b).message).toMatch(/ping section of 4 peers needs 352 bytes, has 264/);
  });

  test('a peer id past int32 is ESCHEMA; a version 2 head with JSON ping times is EBADMSG; a version 1 payload is not version 2', () => {
    const b = Buffer.from(sample);
    b.writeUInt32LE(0x80000000, section + 4 + PING_RECORD_BYTES);
    const e = refusal(b);
    expect(e.code).toBe('ESCHEMA');
    expect(e.message).toMatch(/ping peer 1 has osd id 2147483648/);
    const withJson = encodePgStats(base({ osd_stat: { ...base().osd_stat, network_ping_times: refPeers } }), 1);
    expect(refusal(withJson).message).toMatch(/head carries osd_stat.network_ping_times/);
    expect(refusal(encodePgStats(base(), 1)).message).toMatch(/no room for the ping section's peer count/);
    expect(refusal(sample, 1).message).toMatch(/bytes after its 0 PGs/);
  });
});

describe('the manager keeps them packed', () => {
  function cluster(): { sim: SimCluster; m: PGMap } {
    const sim = new SimCluster(SPEC);
    const m = new PGMap();
    m.applyOsdMap(makeOsdMap(SPEC, sim.epoch), T0);
    return { sim, m };
  }

  test('one array per OSD, refilled in place while the peer count stays; JSON built on read', () => {
    const { sim, m } = cluster();
    const msg = sim.messages(T0)[0]!;
    m.applyPgStats(decoder.decode(encodePgStats({ ...msg, packedPingTimes: peers(5) })), T0);
    const kept = m.osdStat(msg.osd)!.ping;
    expect(kept.length).toBe(5 * PING_FIELDS);
    const next = peers(5, T0 + 5);
    m.applyPgStats(decoder.decode(encodePgStats({ ...msg, packedPingTimes: next })), T0 + 5);
    expect(m.osdStat(msg.osd)!.ping).toBe(kept);
    expect(Array.from(kept)).toEqual(Array.from(next));
    expect(m.osdStat(msg.osd)!.pingTimes).toEqual(unpackPingTimes(next));
    m.applyPgStats(decoder.decode(encodePgStats({ ...msg, packedPingTimes: peers(2) })), T0 + 10);
    expect(m.osdStat(msg.osd)!.ping.length).toBe(2 * PING_FIELDS);
  });

  test("get('osd_ping_times') and pg dump osds are the same from JSON PG_STATS, version 1 and version 2 frames", () => {
    const views = (via: (msg: PgStatsMsg) => PgStatsMsg): string[] => {
      const { sim, m } = cluster();
      for (const msg of sim.messages(T0)) {
        const i = REF.findIndex((o) => o.osd === msg.osd);
        m.applyPgStats(via(i < 0 ? msg : { ...msg, osd_stat: { ...msg.osd_stat, network_ping_times: REF[i]!.network_ping_times } }), T0);
      }
      return [JSON.stringify(m.osdPingTimes()), JSON.stringify(m.osdStats())];
    };
    const json = views((msg) => msg);
    expect(views((msg) => decoder.decode(encodePgStats(msg, 1), 1))).toEqual(json);
    expect(views((msg) => decoder.decode(encodePgStats(msg)))).toEqual(json);
    const shown = JSON.parse(json[0]!) as { osd_ping_times: Array<{ osd: number; network_ping_times: unknown }> };
    for (const o of REF) expect(shown.osd_ping_times.find((x) => x.osd === o.osd)!.network_ping_times).toEqual(o.network_ping_times);
  });

  test('OSD_SLOW_PING_TIME_BACK/FRONT from the packed rows: the same checks as from JSON, in Ceph\'s words', () => {
    const slow: PeerPingTimes[] = [
      {
        osd: 1, 'last update': ctimeString(T0),
        interfaces: [
          { interface: 'back', average: { '1min': 2500.5, '5min': 1200.25, '15min': 500 }, min: { '1min': 1, '5min': 1, '15min': 1 }, max: { '1min': 3000, '5min': 3000, '15min': 3000 }, last: 2600 },
          { interface: 'front', average: { '1min': 0.5, '5min': 0.5, '15min': 0.5 }, min: { '1min': 0.2, '5min': 0.2, '15min': 0.2 }, max: { '1min': 1, '5min': 1, '15min': 1 }, last: 0.4 },
        ],
      },
      {
        osd: 2, 'last update': ctimeString(T0),
        interfaces: [
          { interface: 'back', average: { '1min': 1100, '5min': 1300, '15min': 1500 }, min: { '1min': 1, '5min': 1, '15min': 1 }, max: { '1min': 2000, '5min': 2000, '15min': 2000 }, last: 1000 },
          { interface: 'front', average: { '1min': 1001.001, '5min': 2, '15min': 2 }, min: { '1min': 1, '5min': 1, '15min': 1 }, max: { '1min': 1500, '5min': 1500, '15min': 1500 }, last: 3 },
        ],
      },
      // Older than 60 heartbeat graces (20 s): not counted.
      { ...refPeers[0]!, osd: 3, 'last update': ctimeString(T0 - 1300), interfaces: refPeers[0]!.interfaces.map((f) => ({ ...f, average: { '1min': 9000, '5min': 9000, '15min': 9000 } })) },
    ];
    const health = (via: (msg: PgStatsMsg) => PgStatsMsg): unknown => {
      const { sim, m } = cluster();
      for (const msg of sim.messages(T0)) m.applyPgStats(via(msg.osd === 0 ? { ...msg, osd_stat: { ...msg.osd_stat, network_ping_times: slow } } : msg), T0);
      const h = computeHealth({ osdMap: makeOsdMap(SPEC, sim.epoch), pgMap: m, nowS: T0 + 10 });
      return { back: h.OSD_SLOW_PING_TIME_BACK, front: h.OSD_SLOW_PING_TIME_FRONT };
    };
    const json = health((msg) => msg);
    expect(health((msg) => decoder.decode(encodePgStats(msg)))).toEqual(json);
    const { back, front } = json as Record<'back' | 'front', { summary: { message: string; count: number }; detail: Array<{ message: string }> }>;
    expect(back.summary).toEqual({ message: 'Slow OSD heartbeats on back (longest 2500.500ms)', count: 2 });
    expect(back.detail.map((d) => d.message.replace(/ \[[^\]]*\]/g, ''))).toEqual([
      'Slow OSD heartbeats on back from osd.0 to osd.1 2500.500 msec',
      'Slow OSD heartbeats on back from osd.0 to osd.2 1500.000 msec possibly improving',
    ]);
    expect(front.summary).toEqual({ message: 'Slow OSD heartbeats on front (longest 1001.001ms)', count: 1 });
  });
});
