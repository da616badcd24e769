// The module queue alone: one item at a time, yielding to the event loop
// between items; the throttle and log limiter that keep module faults bounded.

import { describe, expect, it, vi } from 'vitest';
import { ModuleQueue } from '../../src/registry/module-queue.js';
import { Throttle } from '../../src/common/throttle.js';
import { LogLimiter } from '../../src/common/log-limiter.js';

const noHooks = { onFault: () => undefined, onSuccess: () => undefined };

describe('ModuleQueue', () => {
  it('gives the event loop a turn between items, even when module code is synchronous', async () => {
    const q = new ModuleQueue('m', () => 100, () => 1000, noHooks);
    const order: string[] = [];
    let timerRan = false;
    setTimeout(() => {
      timerRan = true;
    }, 0);
    for (let i = 0; i < 20; i++) q.notify('health', String(i), () => order.push(timerRan ? 'after-timer' : 'before-timer'));
    // Polled, not slept: on a loaded machine 20 turns of the event loop can take longer than any fixed wait.
    await vi.waitFor(() => expect(order).toHaveLength(20), { timeout: 10_000, interval: 5 });
    // A timer due at once runs after at most a couple of items, not after all 20.
    expect(order.filter((x) => x === 'before-timer').length).toBeLessThan(5);
  });
});

describe('Throttle', () => {
  it('runs the first request at once and coalesces the rest into one per interval', async () => {
    vi.useFakeTimers();
    try {
      const runs: number[] = [];
      const t0 = Date.now();
      const t = new Throttle(() => runs.push(Date.now() - t0), () => 1000, () => Date.now());
      t.request();
      t.request();
      await vi.advanceTimersByTimeAsync(0);
      expect(runs).toEqual([0]);
      for (let i = 0; i < 100; i++) t.request();
      await vi.advanceTimersByTimeAsync(999);
      expect(runs).toEqual([0]);
      await vi.advanceTimersByTimeAsync(1);
      expect(runs).toEqual([0, 1000]);
      t.request();
      t.dispose();
      await vi.advanceTimersByTimeAsync(5000);
      expect(runs).toEqual([0, 1000]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('LogLimiter', () => {
  it('passes a burst, then one line per interval saying how many it suppressed', () => {
    let now = 0;
    const l = new LogLimiter(2, 1000, () => now);
    expect(l.check('a').log).toBe(true);
    expect(l.check('a').log).toBe(true);
    expect(l.check('a').log).toBe(false);
    expect(l.check('a').log).toBe(false);
    expect(l.check('b').log).toBe(true);
    now = 1500;
    expect(l.check('a')).toEqual({ log: true, suppressed: 2 });
    expect(l.check('a').log).toBe(false);
  });
});
