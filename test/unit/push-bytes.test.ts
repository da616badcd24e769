// The SDK push loop's bound in bytes (PushLoopOptions.queueMaxBytes with
// units.bytes): the queue keeps the sum of its items' bytes through every
// move, and while sends fail the bytes held never pass the bound, the oldest
// items going whole and every unit in them counted (sent + dropped = produced).
// Proved by counting the bytes held, never by timing.

import { afterEach, describe, expect, it } from 'vitest';
import { PushQueue } from '../../src/mgr-module/push-queue.js';
import { waitFor } from '../helpers/harness.js';
import { host, loopOf, runUnits, stopLoops, unitsOf, type Run } from '../helpers/push-host.js';

afterEach(stopLoops);

/** 10 bytes a unit: a run's bytes are 10 × its units, and pieces of a cut run add up. */
const BYTES_PER_UNIT = 10;
const byteUnits = { ...runUnits, bytes: (r: Run) => r[1] * BYTES_PER_UNIT };

describe('PushQueue bytes', () => {
  it('keeps the sum of the waiting items\' bytes through push, take, cut, unshift, drops and clear', () => {
    const q = new PushQueue<Run>(byteUnits);
    q.push([[0, 5], [5, 3], [8, 12]]);
    expect(q.bytes).toBe(200);
    const b = q.take(9);
    expect(q.bytesOf(b)).toBe(80);
    expect(q.bytes).toBe(120);
    q.take(5); // cuts [8, 12]
    expect(q.bytes).toBe(70);
    q.unshift(b);
    expect(q.bytes).toBe(150);
    expect(q.dropOldest(6)).toBe(6); // cuts [5, 3]
    expect(q.bytes).toBe(90);
    expect(q.dropOldestToBytes(75)).toBe(2); // whole items: [6, 2] goes, [13, 7] (70 bytes) stays
    expect(q.bytes).toBe(70);
    expect(q.dropOldestToBytes(0)).toBe(7);
    expect(q.bytes).toBe(0);
    q.push([[0, 4]]);
    expect(q.clear()).toBe(4);
    expect(q.bytes).toBe(0);
  });

  it('counts no bytes and drops nothing by bytes without `bytes`', () => {
    const q = new PushQueue<Run>(runUnits);
    q.push([[0, 5]]);
    expect(q.bytes).toBe(0);
    expect(q.dropOldestToBytes(0)).toBe(0);
    expect(q.length).toBe(5);
  });
});

describe('PushLoop bound in bytes', () => {
  /** An outage of many intervals, then recovery; the most bytes held (queued + in flight) seen after every emit. */
  async function outage(maxBytes: number | undefined): Promise<{ mostBytes: number; produced: number; delivered: number[]; sent: number; dropped: number; full?: string }> {
    const h = host();
    let up = false;
    let produced = 0;
    let mostBytes = 0;
    const delivered: number[] = [];
    const l = loopOf<Run>(h, {
      intervalS: () => 0.02, queueMax: () => 1_000_000, batchSize: () => 8, concurrency: () => 2,
      ...(maxBytes === undefined ? {} : { queueMaxBytes: () => maxBytes }),
      retry: { initialMs: 5, maxMs: 20 },
      itemName: 'point',
      units: byteUnits,
      produce: async (emit) => {
        for (let i = 0; i < 3; i++) {
          await emit([[produced, 7]]);
          produced += 7;
          mostBytes = Math.max(mostBytes, l.stats().queuedBytes ?? 0);
        }
      },
      send: (b) => {
        if (!up) return Promise.reject(new Error('connect ECONNREFUSED'));
        delivered.push(...unitsOf(b));
        return Promise.resolve();
      },
    });
    l.start();
    await waitFor(() => produced > 600, 20_000, 'an outage of many intervals');
    const full = h.checks.MGR_PUSHY_QUEUE_FULL?.detail[0]?.message;
    up = true;
    await waitFor(() => h.read!().sent > 0 && h.read!().queued === 0, 20_000, 'recovery');
    await l.stop();
    const s = h.read!();
    return { mostBytes, produced, delivered, sent: s.sent, dropped: s.dropped, full };
  }

  it('never holds more than queueMaxBytes waiting (plus the batches in flight) while sends fail, and counts every unit dropped', async () => {
    const r = await outage(300);
    // Waiting ≤ 300 bytes; in flight at most 2 workers × a batch of 8 units (whole items of 7: one item, 70 bytes each).
    expect(r.mostBytes).toBeLessThanOrEqual(300 + 2 * 70);
    expect(r.dropped).toBeGreaterThan(r.produced / 2);
    expect(r.sent + r.dropped).toBe(r.produced);
    expect(r.sent).toBe(r.delivered.length);
    expect(new Set(r.delivered).size).toBe(r.delivered.length);
    expect(r.delivered).toEqual([...r.delivered].sort((a, b) => a - b)); // the newest kept, in order
    expect(r.full).toMatch(/at most 1000000 points or 300 bytes/);
  });

  it('is the bound that does it: the same outage without queueMaxBytes holds far more', async () => {
    const r = await outage(undefined);
    expect(r.mostBytes).toBeGreaterThan(2000);
    expect(r.dropped).toBe(0);
    expect(r.sent).toBe(r.produced);
  });
});
