// An interval is built in many short turns of the event loop, not one long
// one, and its chunks are handed on while it is built. Proven without timing:
// the slicer's budget runs on a clock the test advances (one "ms" per reading),
// and a ticker counts the turns other work got while the build ran.

import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { CHECK_EVERY, PRIO_USEFUL, Slicer, type CounterColumn, type DaemonCounters } from '../../src/mgr-module/index.js';
import { BufferPool, ChunkWriter, chunkLines } from './line-chunks.js';
import { PointBuilder, UNITS_PER_TURN, type PointSink, type PointSource } from './points.js';

const OSDS = 2000;
const COUNTERS = 40;

/** A cluster of OSDS OSDs with COUNTERS useful counters each, one pool, PG states per OSD. */
function cluster(): PointSource & { reads: number; metadataRead: number; countersRead: number } {
  const columns: CounterColumn[] = Array.from({ length: COUNTERS }, (_, i) => ({
    path: `osd.counter_${i}`, description: '', nick: '', type: 2, priority: PRIO_USEFUL, unit: 'none', col: i, width: 1,
  }));
  const src = {
    reads: 0,
    metadataRead: 0,
    countersRead: 0,
    get(name: string): unknown {
      src.reads++;
      if (name === 'mon_map') return { fsid: '433500eb-af2c-4dac-b9f0-03fd67b0928a' };
      if (name === 'df') return { pools: [{ id: 1, name: 'rbd', stats: { stored: 1, objects: 2 } }] };
      const byOsd: Record<string, Record<string, number>> = {};
      for (let i = 0; i < OSDS; i++) byOsd[String(i)] = { 'active+clean': 100 + i };
      return { by_osd: byOsd, by_pool: { 1: { 'active+clean': 128 } } };
    },
    getMetadata: (type: string, id: string) => ({ hostname: `host-${Number(id) % 50}`, type }),
    *daemonMetadata(type: string): Generator<[string, Record<string, string>], void, undefined> {
      if (type !== 'osd') return;
      for (let i = 0; i < OSDS; i++) {
        src.metadataRead++;
        yield [String(i), { hostname: `host-${i % 50}` }];
      }
    },
    *daemonCounters(): Generator<DaemonCounters, void, undefined> {
      for (let i = 0; i < OSDS; i++) {
        src.countersRead++;
        yield { daemon: `osd.${i}`, type: 'osd', id: String(i), schemaVersion: 1, columns, values: Float64Array.from(columns, (_, j) => i * j), stamp: 1 };
      }
    },
  };
  return src as unknown as PointSource & { reads: number; metadataRead: number; countersRead: number };
}

const POINTS = 2 + OSDS * COUNTERS + OSDS + 1;

describe('building an interval in slices', () => {
  it('yields whenever the budget clock says the slice is over, within CHECK_EVERY points, and others run meanwhile', async () => {
    let clock = 0;
    const budgetMs = 10;
    // Every reading of the clock is one "ms" later: a slice is over after `budgetMs` readings.
    const slicer = new Slicer(budgetMs, undefined, undefined, () => clock++);
    let turns = 0;
    let building = true;
    const ticker = (async () => {
      while (building) {
        turns++;
        await nextTurn();
      }
    })();
    const w = new ChunkWriter(1, 5000, new BufferPool(() => 0));
    const drained: number[] = [];
    let handedOn = 0;
    const n = await new PointBuilder('v1').build(cluster(), w, {
      slicer, warn: () => undefined,
      drain: () => {
        for (const c of w.take()) handedOn += c.points;
        drained.push(slicer.slices);
        return Promise.resolve();
      },
    });
    building = false;
    await ticker;
    expect(n).toBe(POINTS);
    expect(handedOn).toBe(POINTS);
    // The points need at least POINTS / CHECK_EVERY budget checks; every budgetMs-th one ends a slice.
    const minSlices = Math.floor(POINTS / CHECK_EVERY / budgetMs);
    expect(minSlices).toBeGreaterThan(10);
    expect(slicer.slices).toBeGreaterThanOrEqual(minSlices);
    // Each slice ended in a turn of the event loop that other work had: the ticker ran between them.
    expect(turns).toBeGreaterThanOrEqual(minSlices);
    // No slice was longer than the budget on the test's clock (and a clock read or two past it).
    expect(slicer.longestSliceMs).toBeLessThanOrEqual(budgetMs + 2);
    // Chunks went on while the build ran, not all at its end.
    expect(drained.length).toBeGreaterThanOrEqual(Math.floor(POINTS / 5000));
    expect(drained[0]).toBeLessThan(slicer.slices / 2);
  });

  it('does at most UNITS_PER_TURN units of work in a turn of the event loop even when the clock never says the slice is over', async () => {
    // The clock never moves: only the count of work can end a turn. Work is counted where it happens (points
    // the sink is given, daemons' counters and metadata the source is asked for) and read by a ticker on
    // setImmediate, which runs once in each turn of the event loop: what was counted between two of its
    // runs was done in one turn.
    const slicer = new Slicer(10, undefined, undefined, () => 0);
    const src = cluster();
    const w = new ChunkWriter(1, 5000, new BufferPool(() => 0));
    let added = 0;
    const sink: PointSink = {
      add: (s, k, v) => {
        added++;
        w.add(s, k, v);
      },
      get ready() {
        return w.ready;
      },
      end: () => w.end(),
    };
    const work = (): number => added + src.countersRead + src.metadataRead;
    const perTurn: number[] = [];
    let building = true;
    const ticker = (async () => {
      let last = 0;
      while (building) {
        const now = work();
        perTurn.push(now - last);
        last = now;
        await nextTurn();
      }
      perTurn.push(work() - last);
    })();
    const lines: string[] = [];
    const n = await new PointBuilder('v1').build(src, sink, {
      slicer, warn: () => undefined,
      drain: () => {
        lines.push(...chunkLines(w.take()));
        return Promise.resolve();
      },
    });
    building = false;
    await ticker;
    expect(n).toBe(POINTS);
    expect(lines).toHaveLength(POINTS);
    const total = POINTS + OSDS + OSDS; // the points, each OSD's counters read, each OSD's metadata read
    expect(work()).toBe(total);
    expect(perTurn.reduce((a, b) => a + b, 0)).toBe(total);
    expect(Math.max(...perTurn)).toBeLessThanOrEqual(UNITS_PER_TURN);
    expect(perTurn.filter((u) => u > 0).length).toBeGreaterThanOrEqual(Math.ceil(total / UNITS_PER_TURN));
    // Three cluster reads (mon_map, df, pg_summary) end a slice each; the rest are turns ended by the count.
    expect(src.reads).toBe(3);
    expect(slicer.slices).toBeGreaterThanOrEqual(Math.floor(total / UNITS_PER_TURN));
  });

  it('stops at the next slice when the module is shut down', async () => {
    const abort = new AbortController();
    let clock = 0;
    const slicer = new Slicer(1, undefined, abort.signal, () => clock++);
    const w = new ChunkWriter(1, 5000, new BufferPool(() => 0));
    const build = new PointBuilder('v1').build(cluster(), w, {
      slicer, warn: () => undefined,
      drain: () => {
        abort.abort(new Error('shutting down'));
        return Promise.resolve();
      },
    });
    await expect(build).rejects.toThrow('shutting down');
  });
});
