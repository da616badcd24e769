// A request serialised through a shared Slicer's budget (the module's, see
// test/unit/slicer-shared.test.ts) is spread over turns of the event loop,
// counted per turn by a ticker (test/helpers/turn-meter.ts), never timed —
// while the same request without it lands in one turn (the control that shows
// the count catches a one-turn send). The discovery JSON, likewise in chunks,
// is the same text as written whole.

import { describe, expect, it } from 'vitest';
import { Slicer } from '../../src/mgr-module/index.js';
import { TurnMeter } from '../../test/helpers/turn-meter.js';
import { discover, discoveryItems, discoveryItemsPaced } from './discovery.js';
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

describe('paced serialisation', () => {
  const N = 5000;

  it('writes the same request as senderRequest, spread over turns of at most unitsPerTurn items', async () => {
    let meter = new TurnMeter();
    const items = countedItems(N, () => meter);
    const whole = senderRequest(items, { clock: 1_700_000_001, ns: 0 });
    const budget = Slicer.shared({ unitsPerTurn: 500, msPerTurn: Infinity });
    const { m, value } = await metered(async (mm) => {
      meter = mm;
      return senderRequestChunks(items, { clock: 1_700_000_001, ns: 0 }, (n) => budget.take(n), 100);
    });
    expect(Buffer.concat(value).toString('utf8')).toBe(whole);
    expect(m.total('serialised')).toBe(N);
    expect(m.max('serialised')).toBeLessThanOrEqual(500);
    expect(m.turnsWith('serialised')).toBeGreaterThanOrEqual(N / 500);
  });

  it('control: without a budget the whole request is serialised in one turn, and the same count shows it', async () => {
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
