// The Pacer bounds the work done between two turns of the event loop, counted
// per turn by a ticker (test/helpers/turn-meter.ts), never timed: callers
// sharing one Pacer together stay within its units per turn, its millisecond
// budget holds against a fake clock, and a request serialised through it is
// spread over turns — while the same request without it lands in one turn
// (the control that shows the measurement catches a one-turn send).

import { describe, expect, it } from 'vitest';
import { TurnMeter } from '../../test/helpers/turn-meter.js';
import { discover, discoveryItems, discoveryItemsPaced } from './discovery.js';
import { Pacer } from './pacer.js';
import { senderRequest, senderRequestChunks, type SenderItem } from './sender-protocol.js';

async function metered<T>(fn: (m: TurnMeter) => Promise<T>): Promise<{ m: TurnMeter; value: T }> {
  const m = new TurnMeter();
  m.start();
  try {
    return { m, value: await fn(m) };
  } finally {
    m.stop();
  }
}

/** Items whose key records, in the meter, the turn it is read (serialised) in. */
function countedItems(n: number, m: () => TurnMeter): SenderItem[] {
  const clock = { clock: 1_700_000_000, ns: 5 };
  return Array.from({ length: n }, (_, i) => ({
    host: 'ceph-test',
    get key(): string {
      m().count('serialised');
      return `ceph.[osd.${i},osd_latency_apply]`;
    },
    value: String(i / 7),
    clock,
  }));
}

describe('Pacer', () => {
  it('keeps three callers sharing it within unitsPerTurn in every turn', async () => {
    const pacer = new Pacer({ unitsPerTurn: 100, msPerTurn: Infinity });
    const { m } = await metered(async (meter) => {
      await Promise.all([0, 1, 2].map(async () => {
        for (let chunk = 0; chunk < 20; chunk++) {
          await pacer.take(30);
          meter.count('units', 30);
        }
      }));
    });
    expect(m.total('units')).toBe(3 * 20 * 30);
    expect(m.max('units')).toBeLessThanOrEqual(100);
    expect(m.turnsWith('units')).toBeGreaterThanOrEqual((3 * 20 * 30) / 100);
    expect(pacer.yields).toBeGreaterThanOrEqual(17);
  });

  it('ends a turn once msPerTurn of its clock has passed (a fake clock the work advances)', async () => {
    let now = 0;
    const pacer = new Pacer({ unitsPerTurn: 1_000_000, msPerTurn: 10, now: () => now });
    const { m } = await metered(async (meter) => {
      for (let chunk = 0; chunk < 40; chunk++) {
        await pacer.take(1);
        now += 3; // this chunk's "work"
        meter.count('ms', 3);
      }
    });
    expect(m.total('ms')).toBe(120);
    // a chunk starts while less than 10 ms have passed in the turn: at most 10 + one chunk
    expect(m.max('ms')).toBeLessThanOrEqual(10 + 3);
    expect(m.turnsWith('ms')).toBeGreaterThanOrEqual(120 / 13);
  });

  it('lets a chunk larger than the budget run alone in a turn, never waiting forever', async () => {
    const pacer = new Pacer({ unitsPerTurn: 10, msPerTurn: Infinity });
    await pacer.take(5);
    await pacer.take(50); // capped at 10: the next turn has room for it
    expect(pacer.yields).toBe(1);
  });
});

describe('paced serialisation', () => {
  const N = 5000;

  it('writes the same request as senderRequest, spread over turns of at most unitsPerTurn items', async () => {
    let meter = new TurnMeter();
    const items = countedItems(N, () => meter);
    const whole = senderRequest(items, { clock: 1_700_000_001, ns: 0 });
    const pacer = new Pacer({ unitsPerTurn: 500, msPerTurn: Infinity });
    const { m, value } = await metered(async (mm) => {
      meter = mm;
      return senderRequestChunks(items, { clock: 1_700_000_001, ns: 0 }, (n) => pacer.take(n), 100);
    });
    expect(Buffer.concat(value).toString('utf8')).toBe(whole);
    expect(m.total('serialised')).toBe(N);
    expect(m.max('serialised')).toBeLessThanOrEqual(500);
    expect(m.turnsWith('serialised')).toBeGreaterThanOrEqual(N / 500);
  });

  it('control: without a pacer the whole request is serialised in one turn, and the same count shows it', async () => {
    let meter = new TurnMeter();
    const items = countedItems(N, () => meter);
    const { m } = await metered(async (mm) => {
      meter = mm;
      return senderRequestChunks(items, { clock: 1_700_000_001, ns: 0 }, () => undefined, 100);
    });
    expect(m.max('serialised')).toBe(N);
  });

  it('writes the OSD discovery JSON as discoveryItems does, a chunk of rows per room', async () => {
    const osds = Array.from({ length: 1234 }, (_, i) => ({ osd: i }));
    const d = discover({
      get: (name: string) => (name === 'osd_map' ? { pools: [{ pool_name: 'rbd', crush_rule: 0 }], osds } : { rules: [], buckets: [] }),
    } as unknown as Parameters<typeof discover>[0]);
    const rooms: number[] = [];
    const paced = await discoveryItemsPaced(d, (n) => void rooms.push(n), 500);
    expect(paced).toEqual(discoveryItems(d));
    expect(rooms).toEqual([500, 500, 234, 1]);
    expect(JSON.parse(paced[1]!.value).data).toHaveLength(1234);
  });
});
