// The simulator writes its OSDs' PG_STATS_BIN straight from its tables (no
// object per PG): what it writes must be what the object path (pgStats(),
// then encodePgStats) gave, byte for byte and decoded, in both protocol
// layouts and in the states that exercise every field (down PGs with
// blocked_by, erasure sets with empty shards, recovery, scrubs).

import { describe, expect, test } from 'vitest';
import { PROTOCOL_VERSION, type FrameError } from '../../src/protocol/frames.js';
import type { PgStatReport, PgStatsMsg } from '../../src/protocol/messages.js';
import { PgStatsDecoder, encodePgStats } from '../../src/protocol/pg-stats-codec.js';
import { PgStatsBinWriter } from '../../src/protocol/pg-stats-writer.js';
import { SimPgRecord } from '../../src/sim/model/pg-report.js';
import { SimCluster } from '../../src/sim/model/sim-cluster.js';

const T0 = 1_800_000_000;
const NONE = 2147483647;
const decoder = new PgStatsDecoder();

/** Two clusters from one seed, driven alike: one reports through objects, the other writes binary. */
function twins(opts: { osds: number; seed: number; objectstore?: 'memstore' | 'bluestore' }): [SimCluster, SimCluster] {
  return [new SimCluster({ ...opts, startS: T0 }), new SimCluster({ ...opts, startS: T0 })];
}

/** Every OSD's report from both, compared; returns what the object path sent (for the caller's own checks). */
function compareAll(a: SimCluster, b: SimCluster, now: number, version: number, writer: PgStatsBinWriter, rec: SimPgRecord): PgStatsMsg[] {
  const sent: PgStatsMsg[] = [];
  for (let osd = 0; osd < a.topo.osds.length; osd++) {
    const m = a.pgStats(osd, now);
    const bin = b.pgStatsBin(osd, now, writer, rec, version);
    if (m === undefined) {
      expect(bin, `osd.${osd} is down in one twin only`).toBeUndefined();
      continue;
    }
    expect(bin, `osd.${osd}`).toBeDefined();
    const expected = encodePgStats(m, version);
    expect(bin!.equals(expected), `osd.${osd}: the written payload differs from the encoded message`).toBe(true);
    const f = decoder.decode(bin!, version);
    expect(f.pg_stats).toEqual(m.pg_stats.map(normal));
    expect({ osd: f.osd, epoch: f.epoch, stamp: f.stamp, pool_statfs: f.pool_statfs }).toEqual({ osd: m.osd, epoch: m.epoch, stamp: m.stamp, pool_statfs: m.pool_statfs });
    if (version >= 2) {
      expect(f.osd_stat).toEqual(m.osd_stat);
      expect(f.packedPingTimes).toEqual(m.packedPingTimes);
    }
    sent.push(m);
  }
  return sent;
}

/** A report as it reads after the binary form: last_clean and blocked_by only when set. */
function normal(r: PgStatReport): PgStatReport {
  const out: PgStatReport = { ...r };
  if (!out.last_clean) delete out.last_clean;
  if (!out.blocked_by?.length) delete out.blocked_by;
  return out;
}

describe("the simulator's binary PG stats", () => {
  test('are the object path\'s, byte for byte, through failures, recovery and scrubs, in both protocol layouts', () => {
    const [a, b] = twins({ osds: 30, seed: 11, objectstore: 'bluestore' });
    const writer = new PgStatsBinWriter(256); // small: it must grow
    const rec = new SimPgRecord();
    let now = T0 + 1;
    const step = (s: number): void => {
      now += s;
      a.advance(now);
      b.advance(now);
    };
    step(4);
    let seen = compareAll(a, b, now, PROTOCOL_VERSION, writer, rec);
    expect(seen.reduce((n, m) => n + m.pg_stats.length, 0)).toBeGreaterThan(500);
    // Two OSDs of one host down: degraded, undersized, down PGs (blocked_by), empty erasure shards.
    for (const s of [a, b]) {
      s.killOsd(0);
      s.killOsd(1);
      s.killOsd(2);
      s.startScrub(undefined, true);
    }
    const words = new Set<string>();
    let none = 0;
    let unclean = 0;
    for (let i = 0; i < 4; i++) {
      step(5);
      for (const version of [1, PROTOCOL_VERSION]) {
        seen = compareAll(a, b, now, version, writer, rec);
        for (const m of seen) {
          for (const r of m.pg_stats) {
            for (const w of r.state.split('+')) words.add(w);
            if (r.up.includes(NONE) || r.acting.includes(NONE)) none++;
            if ((r.last_clean ?? 0) > 0) unclean++;
          }
        }
      }
    }
    // The comparison covered what the fields carry beyond active+clean.
    expect([...words]).toEqual(expect.arrayContaining(['degraded', 'undersized', 'scrubbing']));
    expect(none).toBeGreaterThan(0);
    expect(unclean).toBeGreaterThan(0);
  });

  test('a down PG reports who blocks it, sorted, in both paths', () => {
    const [a, b] = twins({ osds: 12, seed: 5 });
    const writer = new PgStatsBinWriter();
    const rec = new SimPgRecord();
    a.advance(T0 + 1);
    b.advance(T0 + 1);
    // Every OSD but three down and out: PGs mapped away from holders that are all down are down, blocked by them.
    for (const s of [a, b]) {
      for (let o = 3; o < 12; o++) {
        s.killOsd(o);
        s.markOut(o);
      }
    }
    a.advance(T0 + 6);
    b.advance(T0 + 6);
    const seen = compareAll(a, b, T0 + 6, PROTOCOL_VERSION, writer, rec);
    const down = seen.flatMap((m) => m.pg_stats).filter((r) => r.state.split('+').includes('down'));
    expect(down.length).toBeGreaterThan(0);
    for (const r of down) {
      expect(r.blocked_by!.length).toBeGreaterThan(0);
      expect(r.blocked_by).toEqual([...r.blocked_by!].sort((x, y) => x - y));
    }
  });

  test('what the binary form cannot carry is refused before anything is written, naming the PG', () => {
    const writer = new PgStatsBinWriter();
    const rec = new SimPgRecord();
    const [a] = twins({ osds: 6, seed: 1 });
    a.advance(T0 + 1);
    writer.reset();
    // A version v the format cannot hold, then an up set longer than its count allows.
    expect(() => writer.add(Object.assign(new SimPgRecord(), { pool: 1, ps: 2, state: 'active', versionV: -1 }))).toThrow(/pg 1\.2: version v -1/);
    expect(() => writer.add(Object.assign(new SimPgRecord(), { pool: 1, ps: 3, state: 'active', upCount: 300 }))).toThrow(/pg 1\.3: up count 300/);
    // The writer is still usable for the next message.
    const bin = a.pgStatsBin(0, T0 + 1, writer, rec, PROTOCOL_VERSION)!;
    const f = decoder.decode(bin);
    expect(f.osd).toBe(0);
    expect((() => { try { decoder.decode(bin.subarray(0, bin.length - 1)); } catch (err) { return (err as FrameError).code; } return 'accepted'; })()).toBe('EBADMSG');
  });
});
