// The Slicer's shared mode (Slicer.shared): one budget per turn of the event
// loop that several tasks draw from. Work is counted per turn by a ticker
// (test/helpers/turn-meter.ts), never timed: tasks sharing one budget stay
// within its units per turn together, while the same tasks with a budget each
// line up in the same turns (the control that shows the count catches it);
// its milliseconds hold against a fake clock; each() draws from it too.

import { describe, expect, it } from 'vitest';
import { Slicer } from '../../src/mgr-module/index.js';
import { TurnMeter } from '../helpers/turn-meter.js';

async function metered(fn: (m: TurnMeter) => Promise<unknown>): Promise<TurnMeter> {
  const m = new TurnMeter();
  m.start();
  try {
    await fn(m);
  } finally {
    m.stop();
  }
  return m;
}

/** Three tasks, 20 chunks of 30 units each, each taking room from the slicer `of(task)` gives it. */
const threeTasks = (of: (task: number) => Slicer) => (meter: TurnMeter): Promise<unknown> =>
  Promise.all([0, 1, 2].map(async (task) => {
    for (let chunk = 0; chunk < 20; chunk++) {
      await of(task).take(30);
      meter.count('units', 30);
    }
  }));

describe('Slicer.shared', () => {
  it('keeps three tasks sharing it within unitsPerTurn in every turn', async () => {
    const s = Slicer.shared({ unitsPerTurn: 100, msPerTurn: Infinity });
    const m = await metered(threeTasks(() => s));
    expect(m.total('units')).toBe(3 * 20 * 30);
    expect(m.max('units')).toBeLessThanOrEqual(100);
    expect(m.turnsWith('units')).toBeGreaterThanOrEqual((3 * 20 * 30) / 100);
    expect(s.slices).toBeGreaterThanOrEqual(18); // turns it was drawn from
  });

  it('control: the same tasks with a budget each put more than one budget in a turn, and the count shows it', async () => {
    const own = [0, 1, 2].map(() => Slicer.shared({ unitsPerTurn: 100, msPerTurn: Infinity }));
    const m = await metered(threeTasks((task) => own[task]!));
    expect(m.max('units')).toBeGreaterThan(100);
  });

  it('ends a turn once msPerTurn of its clock has passed (a fake clock the work advances)', async () => {
    let now = 0;
    const s = Slicer.shared({ unitsPerTurn: 1_000_000, msPerTurn: 10, now: () => now });
    const m = await metered(async (meter) => {
      for (let chunk = 0; chunk < 40; chunk++) {
        await s.take(1);
        now += 3; // this chunk's "work"
        meter.count('ms', 3);
      }
    });
    expect(m.total('ms')).toBe(120);
    // a chunk starts while less than 10 ms have passed in the turn: at most 10 + one chunk
    expect(m.max('ms')).toBeLessThanOrEqual(10 + 3);
    expect(m.turnsWith('ms')).toBeGreaterThanOrEqual(120 / 13);
    expect(s.longestSliceMs).toBeGreaterThanOrEqual(9);
  });

  it('lets a chunk larger than the budget run alone in a turn, never waiting forever', async () => {
    const s = Slicer.shared({ unitsPerTurn: 10, msPerTurn: Infinity });
    const m = await metered(async (meter) => {
      await s.take(5);
      meter.count('units', 5);
      await s.take(50); // capped at 10: the next turn has room for it
      meter.count('units', 50);
    });
    expect(m.turnsWith('units')).toBe(2);
  });

  it('a task idle over several turns finds a fresh budget (the budget resets each turn, not only when someone waits)', async () => {
    const s = Slicer.shared({ unitsPerTurn: 10, msPerTurn: Infinity });
    await s.take(8);
    await new Promise((resolve) => setTimeout(resolve, 5)); // away (I/O) for a few turns
    const m = await metered(async (meter) => {
      await s.take(8);
      meter.count('units', 8);
    });
    expect(m.turnsWith('units')).toBe(1);
    expect(m.turn).toBe(0); // resolved in the turn it was asked in: the ticker never ran before it
  });

  it('each() draws its stretches from the shared budget beside take()', async () => {
    const s = Slicer.shared({ unitsPerTurn: 64, msPerTurn: Infinity });
    const m = await metered(async (meter) => {
      const items = Array.from({ length: 1000 }, (_, i) => i);
      await Promise.all([
        s.each(items.values(), () => meter.count('units'), { every: 16 }),
        (async () => {
          for (let chunk = 0; chunk < 30; chunk++) {
            await s.take(16);
            meter.count('units', 16);
          }
        })(),
      ]);
    });
    expect(m.total('units')).toBe(1000 + 30 * 16);
    expect(m.max('units')).toBeLessThanOrEqual(64);
  });
});
