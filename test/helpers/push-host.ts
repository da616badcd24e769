// A PushHost for testing the SDK push loop on its own (test/unit/push-*.test.ts):
// it records the health checks it is given and the stats reader; loops made by
// loopOf() are stopped by stopLoops() (call it in afterEach).

import { silentLogger } from '../../src/common/log.js';
import { PushLoop, type HealthCheckMap, type PushHost, type PushLoopOptions, type PushStats } from '../../src/mgr-module/index.js';

export interface TestHost extends PushHost {
  abort: AbortController;
  checks: HealthCheckMap;
  checkHistory: string[][];
  read: (() => PushStats) | undefined;
}

export function host(name = 'pushy'): TestHost {
  const abort = new AbortController();
  const h: TestHost = {
    moduleName: name, log: silentLogger(), signal: abort.signal, abort, checks: {}, checkHistory: [], read: undefined,
    setHealthChecks(c) {
      h.checks = c;
      h.checkHistory.push(Object.keys(c));
    },
    setPushStats(r) {
      h.read = r;
    },
  };
  return h;
}

const loops: Array<PushLoop<unknown>> = [];

/** A loop with test defaults (an hour's interval, batches of 10, 1,000 queued, quick retries). */
export function loopOf<T>(h: PushHost, o: Partial<PushLoopOptions<T>> & Pick<PushLoopOptions<T>, 'send'>): PushLoop<T> {
  const l = new PushLoop<T>(h, {
    intervalS: () => 3600, produce: () => undefined, batchSize: () => 10, queueMax: () => 1000,
    retry: { initialMs: 10, maxMs: 100 }, ...o,
  });
  loops.push(l as PushLoop<unknown>);
  return l;
}

export async function stopLoops(): Promise<void> {
  await Promise.all(loops.splice(0).map((l) => l.stop()));
}

export const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

/** Items carrying several units: runs of consecutive numbers [from, from + n). */
export type Run = readonly [number, number];
export const runUnits = { weight: (r: Run) => r[1], split: (r: Run, n: number) => [[r[0], n], [r[0] + n, r[1] - n]] as const };
export const unitsOf = (runs: readonly Run[]): number[] => runs.flatMap(([from, n]) => range(from, n));
