// PG_STATS_BIN: round trips of edge values, what the encoder cannot carry,
// and the decoder refusing every truncation and every bad record. The record
// layout is the same in both protocol versions; the byte-level tests here use
// version 1's (records to the end of the payload), pg-stats-ping.test.ts
// version 2's ping section.

import { describe, expect, test } from 'vitest';
import type { FrameError } from '../../src/protocol/frames.js';
import { STAT_SUM_FIELDS, type PgStatReport, type PgStatsMsg } from '../../src/protocol/messages.js';
import { PG_RECORD_FIXED_BYTES, PgStatsDecoder, encodePgStats } from '../../src/protocol/pg-stats-codec.js';
import { SimCluster } from '../../src/sim/model/sim-cluster.js';
import { refusalOf } from '../helpers/pg-stats-bin.js';

const T0 = 1_800_000_000;
const NONE = 2147483647;
const W = STAT_SUM_FIELDS.length;

const osdStat: PgStatsMsg['osd_stat'] = {
  statfs: { total: 4e12, available: 3e12, internally_reserved: 0, allocated: 1e12, data_stored: 1e12, data_compressed: 0, data_compressed_allocated: 0, data_compressed_original: 0, omap_allocated: 0, internal_metadata: 0 },
  hb_peers: [1, 2], num_pgs: 1, apply_latency_ms: 0.5, commit_latency_ms: 0.25, up_from: 1, seq: 2 ** 40 + 3,
};

const report = (pgid: string, o: Partial<PgStatReport> = {}): PgStatReport => ({
  pgid, state: 'active+clean', up: [0, 1, 2], acting: [0, 1, 2], up_primary: 0, acting_primary: 0, version: "50'10", reported_epoch: 50, reported_seq: 1,
  log_size: 10, ondisk_log_size: 10, last_scrub_stamp: T0, last_deep_scrub_stamp: T0, last_change: T0, stat_sum: [1, 2, 3], ...o,
});

const msg = (pgStats: PgStatReport[], o: Partial<PgStatsMsg> = {}): PgStatsMsg => ({ osd: 0, epoch: 50, stamp: T0 + 0.5, osd_stat: osdStat, pg_stats: pgStats, ...o });

/** What a report reads as after a trip through the binary form: stat_sum 40 wide, optional fields only when set. */
function normal(r: PgStatReport): PgStatReport {
  const out: PgStatReport = { ...r, stat_sum: Array.from({ length: W }, (_, i) => r.stat_sum[i] ?? 0) };
  if (!out.last_clean) delete out.last_clean;
  if (!out.blocked_by?.length) delete out.blocked_by;
  return out;
}

const decoder = new PgStatsDecoder();

/** Version 1's layout: the records end the payload. */
const V1 = 1;

function roundTrip(m: PgStatsMsg): PgStatsMsg {
  const f = decoder.decode(encodePgStats(m));
  return {
    osd: f.osd, epoch: f.epoch, stamp: f.stamp, osd_stat: f.osd_stat, ...(f.pool_statfs ? { pool_statfs: f.pool_statfs } : {}), pg_stats: f.pg_stats,
    ...(m.packedPingTimes ? { packedPingTimes: f.packedPingTimes } : {}),
  };
}

const refusal = (payload: Buffer): FrameError => refusalOf(decoder, payload, V1);

describe('PG_STATS_BIN round trip', () => {
  test("the simulator's messages (replicated and EC pools, pool_statfs) come back as sent", () => {
    const sim = new SimCluster({ osds: 40, seed: 3, startS: T0, objectstore: 'bluestore' });
    sim.advance(T0 + 5);
    let pgs = 0;
    for (let osd = 0; osd < 40; osd++) {
      const m = sim.pgStats(osd, T0 + 5)!;
      pgs += m.pg_stats.length;
      expect(roundTrip(m)).toEqual({ ...m, pg_stats: m.pg_stats.map(normal) });
      expect(m.packedPingTimes!.length).toBeGreaterThan(0);
    }
    expect(pgs).toBeGreaterThan(500);
  });

  test('edge values: big EC sets, numbers past 2^31, fractions, every stat field present and absent', () => {
    const all = Array.from({ length: W }, (_, i) => (i % 2 ? 2 ** 52 + i * 2 : -(i + 0.25)));
    const pgs = [
      report('1.0', { stat_sum: all, reported_seq: 2 ** 53 - 1, log_size: 2 ** 40, ondisk_log_size: -3.5, last_clean: 12.75, version: "4294967295'999999999999999" }),
      report('1.1', { stat_sum: [] }),
      report('1.2', { stat_sum: new Array<number>(W + 5).fill(0) }),
      report('2147483647.ffffffff', { up: Array.from({ length: 255 }, (_, i) => i - 1), acting: [NONE, -1, 2147483646, -2147483648], up_primary: -1, acting_primary: -2147483648 }),
      report('2.7', { state: 'down+peering', up: [3, NONE, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19], blocked_by: [4, 9], reported_epoch: 4294967295, last_change: 0, last_scrub_stamp: T0 + 0.000001 }),
      // One report per stat field alone, and per field alone missing.
      ...STAT_SUM_FIELDS.map((_, i) => report(`3.${i.toString(16)}`, { stat_sum: Array.from({ length: W }, (_, j) => (j === i ? 1e15 + 0.5 : 0)) })),
      ...STAT_SUM_FIELDS.map((_, i) => report(`4.${i.toString(16)}`, { stat_sum: Array.from({ length: W }, (_, j) => (j === i ? 0 : j + 1)) })),
    ];
    const m = msg(pgs, { pool_statfs: [{ poolid: 1, ...osdStat.statfs }] });
    expect(roundTrip(m)).toEqual({ ...m, pg_stats: pgs.map(normal) });
  });

  test('an empty message, and one without pool_statfs, are a head and a count (and, in version 2, a ping peer count)', () => {
    const p = encodePgStats(msg([]), V1);
    expect(p.readUInt32LE(p.length - 4)).toBe(0);
    expect(p.length).toBe(8 + p.readUInt32LE(0));
    expect(roundTrip(msg([]))).toEqual(msg([]));
    expect(decoder.decode(p, V1).pool_statfs).toBeUndefined();
    const p2 = encodePgStats(msg([]));
    expect(p2.length).toBe(12 + p2.readUInt32LE(0));
    expect(p2.readUInt32LE(p2.length - 4)).toBe(0);
  });

  test('a record is its fixed part, 4 bytes an id and 8 a non-zero stat value', () => {
    const one = encodePgStats(msg([report('1.0', { stat_sum: [1, 0, 3] })]), V1);
    const two = encodePgStats(msg([report('1.0', { stat_sum: [1, 0, 3] }), report('1.1', { up: [1], acting: [1, 2], blocked_by: [7], stat_sum: [] })]), V1);
    expect(two.length - one.length).toBe(PG_RECORD_FIXED_BYTES + 4 * 4);
    expect(one.length - 8 - one.readUInt32LE(0)).toBe(PG_RECORD_FIXED_BYTES + 6 * 4 + 2 * 8);
  });

  test('the decoder hands out one cursor, reused across records and messages', () => {
    const a = decoder.decode(encodePgStats(msg([report('1.0'), report('1.1')])));
    const c = a.records();
    const up = c.up;
    expect(c.next() && c.next() && !c.next()).toBe(true);
    expect(c.up).toBe(up);
    expect(decoder.decode(encodePgStats(msg([report('1.2')]))).records()).toBe(c);
  });
});

describe('what PG_STATS_BIN cannot carry (the client then sends JSON)', () => {
  test.each<[string, Partial<PgStatReport>]>([
    ['an OSD id past int32', { up: [0, 2 ** 33] }],
    ['a fractional OSD id', { acting: [0.5] }],
    ['a primary past int32', { up_primary: 2 ** 33 }],
    ['a version not EPOCH\'V', { version: 'weird' }],
    ['a version with a leading zero', { version: "0100'10" }],
    ['a version epoch past u32', { version: "4294967296'1" }],
    ['a fractional reported_epoch', { reported_epoch: 50.5 }],
    ['a negative reported_epoch', { reported_epoch: -1 }],
    ['a set of 256', { up: new Array<number>(256).fill(1) }],
    ['a stat value that is not a number', { stat_sum: [1, '2' as unknown as number] }],
    ['a pool past int32', { pgid: '2147483648.0' }],
  ])('%s', (_, o) => {
    expect(() => encodePgStats(msg([report('1.0', o)]))).toThrow(RangeError);
  });
});

describe('PG_STATS_BIN refusals', () => {
  const sample = encodePgStats(msg([
    report('1.0', { stat_sum: Array.from({ length: W }, (_, i) => i) }),
    report('1.1', { up: [1, 2, 3, 4, 5, 6], acting: [1, NONE, 3, 4, 5, 6], blocked_by: [9] }),
    report('1.2', { stat_sum: [] }),
  ], { pool_statfs: [{ poolid: 1, ...osdStat.statfs }] }), V1);
  const headLen = sample.readUInt32LE(0);
  const first = 8 + headLen;

  test('every truncation point', () => {
    for (let n = 0; n < sample.length; n++) expect(refusal(sample.subarray(0, n)).code).toBe('EBADMSG');
  });

  test('bytes after the last record, a count larger than the records', () => {
    expect(refusal(Buffer.concat([sample, Buffer.alloc(1)])).message).toMatch(/1 bytes after its 3 PGs/);
    const more = Buffer.from(sample);
    more.writeUInt32LE(4, first - 4);
    expect(refusal(more).code).toBe('EBADMSG');
    more.writeUInt32LE(0xffffffff, first - 4);
    expect(refusal(more).message).toMatch(/says 4294967295 PGs/);
  });

  test('a head that is not JSON, not an object, or without its state table', () => {
    const withHead = (head: string): Buffer => {
      const h = Buffer.from(head);
      const b = Buffer.alloc(8 + h.length);
      b.writeUInt32LE(h.length, 0);
      h.copy(b, 4);
      return b;
    };
    expect(refusal(withHead('{not json')).message).toMatch(/head is not valid JSON/);
    expect(refusal(withHead('[1]')).message).toMatch(/head must be an object/);
    expect(refusal(withHead('{"osd":0}')).message).toMatch(/states/);
    expect(refusal(withHead('{"osd":0,"states":[1]}')).message).toMatch(/states/);
    expect(decoder.decode(withHead('{"osd":0,"states":[]}'), V1).count).toBe(0);
  });

  /** The sample with one record field overwritten. */
  function patched(at: number, write: (b: Buffer, o: number) => void): Buffer {
    const b = Buffer.from(sample);
    write(b, first + at);
    return b;
  }

  test.each<[string, number, (b: Buffer, o: number) => void, RegExp]>([
    ['a state index outside the table', 8, (b, o) => b.writeUInt16LE(5, o), /state index 5 is not in the head's 1 states/],
    ['a pool past int32', 0, (b, o) => b.writeUInt32LE(0x80000000, o), /pool 2147483648/],
    ['a fractional version', 30, (b, o) => b.writeDoubleLE(1.5, o), /version v 1.5/],
    ['a negative version', 30, (b, o) => b.writeDoubleLE(-1, o), /version v -1/],
    ['a NaN reported_seq', 42, (b, o) => b.writeDoubleLE(Number.NaN, o), /reported_seq is NaN/],
    ['an infinite stamp', 82, (b, o) => b.writeDoubleLE(Number.POSITIVE_INFINITY, o), /last_change is Infinity/],
    ['an infinite stat value', PG_RECORD_FIXED_BYTES + 6 * 4, (b, o) => b.writeDoubleLE(Number.NEGATIVE_INFINITY, o), /stat_sum is -Infinity/],
  ])('ESCHEMA for %s', (_, at, write, message) => {
    const e = refusal(patched(at, write));
    expect(e.code).toBe('ESCHEMA');
    expect(e.message).toMatch(message);
    expect(e.message).toMatch(/PG 0 of 3/);
  });

  test('EBADMSG for lengths that run past the payload', () => {
    // The last record (1.2): 3 + 3 ids, no stat value.
    const last = sample.length - PG_RECORD_FIXED_BYTES - 6 * 4 - first;
    expect(refusal(patched(last + 10, (b, o) => b.writeUInt8(4, o))).message).toMatch(/PG 2 of 3 .* run past the payload/); // up length
    expect(refusal(patched(last + 12, (b, o) => b.writeUInt8(1, o))).message).toMatch(/PG 2 of 3 .* run past the payload/); // blocked_by length
    expect(refusal(patched(last + 14, (b, o) => b.writeUInt32LE(1, o))).message).toMatch(/PG 2 of 3 .* run past the payload/); // stat mask
    const head = Buffer.from(sample);
    head.writeUInt32LE(sample.length, 0);
    expect(refusal(head).message).toMatch(/head length/);
  });
});
