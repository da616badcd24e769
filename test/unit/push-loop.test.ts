// The SDK push loop (src/mgr-module/push-loop.ts) on its own: intervals,
// batches, concurrency, backoff and Retry-After, permanent failures, the
// bounded queue and its exact accounting, shutdown, and the health checks.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { PushError, backoffDelayMs, parseRetryAfter } from '../../src/mgr-module/index.js';
import { PushQueue } from '../../src/mgr-module/push-queue.js';
import { waitFor } from '../helpers/harness.js';
import { host, loopOf, range, runUnits, stopLoops, unitsOf, type Run } from '../helpers/push-host.js';

afterEach(stopLoops);

describe('backoff and Retry-After (pure)', () => {
  it('doubles from initialMs up to maxMs, and jitter only ever shortens within its share', () => {
    const p = { initialMs: 100, maxMs: 1000, multiplier: 2, jitter: 0.5, maxRetryAfterMs: 5000 };
    expect([1, 2, 3, 4, 5, 9].map((n) => backoffDelayMs(n, p, () => 0))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelayMs(3, p, () => 0.999999)).toBe(200);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelayMs(2, p, Math.random);
      expect(d).toBeGreaterThanOrEqual(100);
      expect(d).toBeLessThanOrEqual(200);
    }
  });

  it('reads Retry-After as seconds or as an HTTP date, and ignores what it cannot read', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:07 GMT', now)).toBe(7000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('PushQueue', () => {
  it('takes in order, puts a batch back at the head, drops the oldest', () => {
    const q = new PushQueue<number>();
    q.push(range(0, 10));
    expect(q.take(3)).toEqual([0, 1, 2]);
    q.unshift([1, 2]);
    expect(q.length).toBe(9);
    expect(q.dropOldest(2)).toBe(2);
    expect(q.take(100)).toEqual(range(3, 7));
    q.push([1]);
    q.unshift([7, 8, 9]); // more than the head room: rebuilt
    expect(q.take(10)).toEqual([7, 8, 9, 1]);
    expect(q.dropOldest(5)).toBe(0);
    expect(q.clear()).toBe(0);
  });
});

describe('PushQueue with units', () => {
  it('counts units, takes whole items up to a batch, and cuts a first item larger than the batch', () => {
    const q = new PushQueue<Run>(runUnits);
    q.push([[0, 5], [5, 3], [8, 12]]);
    expect(q.length).toBe(20);
    expect(q.take(9)).toEqual([[0, 5], [5, 3]]); // [8, 12] would not fit: left whole
    expect(q.take(5)).toEqual([[8, 5]]); // alone and too large: cut
    expect(q.length).toBe(7);
    q.unshift([[5, 3]]);
    expect(q.length).toBe(10);
    expect(unitsOf(q.take(100))).toEqual([5, 6, 7, ...range(13, 7)]);
    expect(q.length).toBe(0);
  });

  it('drops exactly the oldest units, cutting the last item it reaches', () => {
    const q = new PushQueue<Run>(runUnits);
    q.push([[0, 4], [4, 4], [8, 4]]);
    expect(q.dropOldest(6)).toBe(6);
    expect(q.length).toBe(6);
    expect(unitsOf(q.take(100))).toEqual(range(6, 6));
    q.push([[0, 4]]);
    expect(q.dropOldest(10)).toBe(4);
    expect(q.clear()).toBe(0);
  });

  it('without split, takes and drops whole items (a drop may take more than asked, and says so)', () => {
    const q = new PushQueue<Run>({ weight: runUnits.weight });
    q.push([[0, 4], [4, 4]]);
    expect(q.take(2)).toEqual([[0, 4]]);
    expect(q.dropOldest(1)).toBe(4);
    expect(q.length).toBe(0);
  });
});

describe('PushLoop', () => {
  it('counts units, not items: batches, the queue bound and sent + dropped = produced, and hands delivered batches back once', async () => {
    const h = host();
    let up = false;
    let produced = 0;
    const delivered: number[] = [];
    const handedBack: Run[] = [];
    let biggest = 0;
    const l = loopOf<Run>(h, {
      intervalS: () => 0.02, queueMax: () => 50, batchSize: () => 8, concurrency: () => 2,
      retry: { initialMs: 5, maxMs: 20 },
      units: runUnits,
      onSent: (b) => handedBack.push(...b),
      produce: async (emit) => {
        await emit([[produced, 5], [produced + 5, 8]]);
        produced += 13;
      },
      send: (b) => {
        if (!up) return Promise.reject(new Error('connect ECONNREFUSED'));
        biggest = Math.max(biggest, b.reduce((n, r) => n + r[1], 0));
        delivered.push(...unitsOf(b));
        return Promise.resolve();
      },
    });
    l.start();
    await waitFor(() => h.read!().dropped > 100, 10_000, 'drops while down');
    expect(h.read!().queued).toBeLessThanOrEqual(50 + 2 * 8);
    up = true;
    await waitFor(() => h.checks.MGR_PUSHY_QUEUE_FULL === undefined && h.read!().sent > 0, 10_000, 'recovery');
    await l.stop();
    const s = h.read!();
    expect(s.sent).toBe(delivered.length);
    expect(s.sent + s.dropped).toBe(produced);
    expect(new Set(delivered).size).toBe(delivered.length);
    expect(delivered).toEqual([...delivered].sort((a, b) => a - b));
    expect(unitsOf(handedBack).sort((a, b) => a - b)).toEqual(delivered);
    expect(biggest).toBe(8); // a batch carries at most batchSize units (8 of the 13 an interval makes fit, never more)
  });


  it('produces once an interval (the first at start), and reschedule() takes a new interval', async () => {
    const h = host();
    let intervalS = 0.05;
    let produced = 0;
    const sent: number[] = [];
    const l = loopOf<number>(h, {
      intervalS: () => intervalS,
      produce: async (emit) => {
        await emit([produced++]);
      },
      send: (b) => {
        sent.push(...b);
        return Promise.resolve();
      },
    });
    l.start();
    l.start(); // idempotent
    await waitFor(() => produced >= 4, 10_000, 'four intervals');
    intervalS = 3600;
    l.reschedule();
    const at = produced;
    await new Promise((r) => setTimeout(r, 200));
    expect(produced).toBeLessThanOrEqual(at + 1);
    await waitFor(() => sent.length === produced, 5000, 'all sent');
    expect(h.read!()).toMatchObject({ sent: produced, failed: 0, dropped: 0, queued: 0 });
    expect(h.read!().lastSuccessS).toBeGreaterThan(0);
  });

  it('sends batches of batchSize with at most `concurrency` in flight', async () => {
    const h = host();
    let inFlight = 0;
    let most = 0;
    const sizes: number[] = [];
    const l = loopOf<number>(h, {
      batchSize: () => 7, concurrency: () => 3,
      produce: async (emit) => {
        await emit(range(0, 100));
      },
      send: async (b) => {
        inFlight++;
        most = Math.max(most, inFlight);
        sizes.push(b.length);
        await new Promise((r) => setTimeout(r, 20));
        inFlight--;
      },
    });
    l.start();
    await waitFor(() => h.read!().sent === 100, 10_000, '100 sent');
    expect(most).toBe(3);
    expect(Math.max(...sizes)).toBe(7);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(100);
  });

  it('retries a failed batch with exponential backoff, then delivers it and clears MGR_<MODULE>_SEND_FAILED', async () => {
    const h = host();
    const attempts: number[] = [];
    const l = loopOf<number>(h, {
      retry: { initialMs: 40, maxMs: 1000, multiplier: 2, jitter: 0.5 },
      random: () => 0, // the full delay: 40, 80, 160 ms
      produce: async (emit) => {
        await emit(range(0, 5));
      },
      send: (b) => {
        attempts.push(performance.now());
        if (attempts.length <= 3) return Promise.reject(new Error('ECONNREFUSED 127.0.0.1:1'));
        expect(b).toEqual(range(0, 5));
        return Promise.resolve();
      },
      target: () => 'the test server',
    });
    l.start();
    await waitFor(() => h.checks.MGR_PUSHY_SEND_FAILED, 5000, 'the check');
    expect(h.checks.MGR_PUSHY_SEND_FAILED!.summary.message).toBe('Failed to send data to the test server');
    expect(h.checks.MGR_PUSHY_SEND_FAILED!.detail[0]!.message).toBe('ECONNREFUSED 127.0.0.1:1');
    await waitFor(() => h.read!().sent === 5, 5000, 'delivered');
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(38);
    expect(gaps[1]).toBeGreaterThanOrEqual(78);
    expect(gaps[2]).toBeGreaterThanOrEqual(158);
    expect(h.read!()).toMatchObject({ sent: 5, failed: 3, dropped: 0, queued: 0 });
    expect(h.checks).toEqual({});
  });

  it("honours a server's Retry-After over its own backoff", async () => {
    const h = host();
    const attempts: number[] = [];
    const l = loopOf<number>(h, {
      retry: { initialMs: 1, maxMs: 5 },
      produce: async (emit) => {
        await emit([1]);
      },
      send: () => {
        attempts.push(performance.now());
        return attempts.length === 1 ? Promise.reject(new PushError('HTTP 429 Too Many Requests', { retryAfterMs: 400 })) : Promise.resolve();
      },
    });
    l.start();
    await waitFor(() => h.read!().sent === 1, 5000, 'delivered');
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(398);
  });

  it('drops a batch the server refuses for good (no retry), counts it, quotes the answer, clears on the next success', async () => {
    const h = host();
    let calls = 0;
    const l = loopOf<number>(h, {
      batchSize: () => 4,
      produce: async (emit) => {
        await emit(range(0, 8));
      },
      send: (b) => {
        calls++;
        if (b[0] === 0) return Promise.reject(PushError.permanent('HTTP 400: unable to parse \'x y\': missing fields'));
        return new Promise((r) => setTimeout(r, 100));
      },
    });
    l.start();
    await waitFor(() => h.read!().dropped === 4, 5000, 'the refused batch dropped');
    expect(h.checks.MGR_PUSHY_SEND_FAILED!.detail.map((d) => d.message)).toEqual([
      "HTTP 400: unable to parse 'x y': missing fields",
      '4 items rejected and dropped since the last successful send',
    ]);
    await waitFor(() => h.read!().sent === 4, 5000, 'the other batch sent');
    expect(calls).toBe(2);
    expect(h.read!()).toMatchObject({ sent: 4, failed: 1, dropped: 4, queued: 0 });
    expect(h.checks).toEqual({});
  });

  it('keeps the newest up to queueMax while sends fail: sent + dropped = produced, exactly, and MGR_<MODULE>_QUEUE_FULL says how many', async () => {
    const h = host();
    let up = false;
    let produced = 0;
    const delivered: number[] = [];
    const l = loopOf<number>(h, {
      intervalS: () => 0.02, queueMax: () => 50, batchSize: () => 8, concurrency: () => 2,
      retry: { initialMs: 5, maxMs: 20 },
      itemName: 'point',
      produce: async (emit) => {
        const items = range(produced, 13);
        produced += 13;
        await emit(items.slice(0, 6));
        await emit(items.slice(6));
      },
      send: (b) => {
        if (!up) return Promise.reject(new Error('connect ECONNREFUSED'));
        delivered.push(...b);
        return Promise.resolve();
      },
    });
    l.start();
    await waitFor(() => h.read!().dropped > 100, 10_000, 'drops while down');
    const full = h.checks.MGR_PUSHY_QUEUE_FULL!;
    expect(full.summary.message).toMatch(/^\d+ points dropped: send queue full$/);
    expect(full.summary.count).toBeGreaterThan(100);
    expect(h.read!().queued).toBeLessThanOrEqual(50 + 2 * 8);
    up = true;
    await waitFor(() => h.checks.MGR_PUSHY_QUEUE_FULL === undefined && h.read!().sent > 0, 10_000, 'recovery');
    await l.stop();
    const s = h.read!();
    expect(s.queued).toBe(0);
    expect(s.sent).toBe(delivered.length);
    expect(s.sent + s.dropped).toBe(produced);
    // Each item once, in order, the oldest gone: what arrived is a run of the newest of the outage, then the rest.
    expect(new Set(delivered).size).toBe(delivered.length);
    expect(delivered).toEqual([...delivered].sort((a, b) => a - b));
  });

  /** The most items queued while 100 batches of 10 go to 2 senders that each take 2 ms; none dropped. */
  const mostQueued = async (waitingPerSender?: number): Promise<number> => {
    const h = host();
    let most = 0;
    const l = loopOf<number>(h, {
      batchSize: () => 10, concurrency: () => 2, queueMax: () => 100_000,
      ...(waitingPerSender === undefined ? {} : { waitingPerSender: () => waitingPerSender }),
      produce: async (emit) => {
        for (let i = 0; i < 100; i++) {
          await emit(range(i * 10, 10));
          most = Math.max(most, l.stats().queued);
        }
      },
      send: () => new Promise((r) => setTimeout(r, 2)),
    });
    l.start();
    await waitFor(() => h.read!().sent === 1000, 20_000, 'all sent');
    expect(h.read!().dropped).toBe(0);
    return most;
  };

  it('holds the producer back while sends succeed, so a big interval never piles up in memory', async () => {
    // Waiting (the default 2 per sender x senders x batch) + the producer's one past the mark + in flight.
    expect(await mostQueued()).toBeLessThanOrEqual(2 * 10 * 2 + 10 + 2 * 10);
  });

  it('waitingPerSender sets how many full batches per sender wait before the producer is held back', async () => {
    // Waiting (per sender x senders x batch) + the producer's one past the mark + in flight (senders x batch).
    expect(await mostQueued(1)).toBeLessThanOrEqual(1 * 2 * 10 + 10 + 2 * 10);
    expect(await mostQueued()).toBeGreaterThan(1 * 2 * 10 + 10 + 2 * 10); // the default, 2, lets more wait
  });

  it('times out a send that hangs (and ignores its signal), counts the failure and retries', async () => {
    const h = host();
    let calls = 0;
    const l = loopOf<number>(h, {
      sendTimeoutMs: () => 100,
      produce: async (emit) => {
        await emit([1, 2]);
      },
      send: () => (++calls === 1 ? new Promise<void>(() => undefined) : Promise.resolve()),
    });
    l.start();
    await waitFor(() => h.read!().sent === 2, 5000, 'delivered after the hang');
    expect(h.read!().failed).toBe(1);
    expect(h.checkHistory).toContainEqual(['MGR_PUSHY_SEND_FAILED']);
  });

  it('gives each attempt a signal of its own, let go once the attempt is over, although a library never removes its listener', async () => {
    // @influxdata/influxdb-client's transport adds an abort listener to every request's signal and never
    // removes it. A signal linked to the loop's (AbortSignal.any) is kept by Node, listeners and all, for as
    // long as the loop's lives: every attempt's request and body stayed for the module's life.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const h = host();
    const refs: Array<WeakRef<AbortSignal>> = [];
    const l = loopOf<number>(h, {
      batchSize: () => 1,
      produce: async (emit) => {
        await emit(range(0, 20));
      },
      send: (_b, signal) => {
        const body = Buffer.alloc(64 * 1024);
        signal.addEventListener('abort', () => body.fill(0)); // never removed
        refs.push(new WeakRef(signal));
        return Promise.resolve();
      },
    });
    l.start();
    await waitFor(() => h.read!().sent === 20, 5000, 'delivered');
    await new Promise((r) => setTimeout(r, 0));
    gc();
    expect(refs).toHaveLength(20);
    expect(refs.filter((r) => r.deref() !== undefined)).toHaveLength(0); // the loop lives on: none held by it
  });

  it("stops when the module's signal aborts: in-flight and queued items are counted as dropped, nothing runs after", async () => {
    const h = host();
    let produced = 0;
    let sends = 0;
    const l = loopOf<number>(h, {
      intervalS: () => 0.02, batchSize: () => 5,
      produce: async (emit) => {
        await emit(range(produced, 20));
        produced += 20;
      },
      send: (_b, signal) => {
        sends++;
        return new Promise((_r, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
      },
    });
    l.start();
    await waitFor(() => produced >= 60, 5000, 'three intervals');
    h.abort.abort();
    await l.stop();
    const s = h.read!();
    expect(s).toMatchObject({ sent: 0, queued: 0, failed: 0 });
    expect(s.dropped).toBe(produced);
    const [p, n] = [produced, sends];
    await new Promise((r) => setTimeout(r, 100));
    expect([produced, sends]).toEqual([p, n]);
    await l.stop(); // idempotent
  });

  it('raises MGR_<MODULE>_COLLECT_FAILED when producing throws, carries on, and clears it', async () => {
    const h = host();
    let n = 0;
    const l = loopOf<number>(h, {
      intervalS: () => 0.03,
      produce: async (emit) => {
        if (++n === 1) throw new Error('pg_summary missing');
        await emit([n]);
      },
      send: () => Promise.resolve(),
    });
    l.start();
    await waitFor(() => h.checkHistory.some((c) => c.includes('MGR_PUSHY_COLLECT_FAILED')), 5000, 'the check');
    await waitFor(() => h.read!().sent > 0 && !h.checks.MGR_PUSHY_COLLECT_FAILED, 5000, 'cleared');
  });

  it('runOnce() produces now and flush() waits for delivery', async () => {
    const h = host();
    let n = 0;
    const l = loopOf<number>(h, {
      produce: async (emit) => {
        await emit([n++]);
      },
      send: () => new Promise((r) => setTimeout(r, 20)),
    });
    l.start();
    await l.runOnce();
    await l.runOnce();
    expect(await l.flush(5000)).toBe(true);
    expect(h.read!().sent).toBe(n);
    expect(n).toBeGreaterThanOrEqual(2);
  });
});
