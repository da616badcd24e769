// The points of Ceph's influx module, built from the module's reads in slices:
// ceph_pool_stats (df, per pool), ceph_daemon_stats (every daemon's perf
// counters of priority >= PRIO_USEFUL, histograms left out), ceph_pg_summary_osd
// and ceph_pg_summary_pool (PG states), one field `value`, one timestamp for
// the interval, in upstream's order. Tags sorted by key, as Ceph's module wrote
// them (test/fixtures/ceph-reference/influx/). Series prefixes and escaped
// names are kept between intervals, encoded: a point is written as bytes
// (line-chunks.ts) with no string or object of its own.

import { performance } from 'node:perf_hooks';
import {
  CHECK_EVERY, PERFCOUNTER_HISTOGRAM, PRIO_USEFUL, Slicer, type CounterColumn, type DaemonCounters, type Snapshot,
} from '../../src/mgr-module/index.js';
import { BufferPool, ChunkWriter, chunkLines, type EncodedKey, type EncodedSeries } from './line-chunks.js';
import { escapeName, type Dialect } from './line-protocol.js';

/** What the points are read from (an MgrModule, or the reference cluster in tests). */
export interface PointSource {
  get(name: 'df'): Snapshot<'df'>;
  get(name: 'pg_summary'): Snapshot<'pg_summary'>;
  get(name: 'mon_map'): Snapshot<'mon_map'>;
  getMetadata(svcType: string, svcId: string): Record<string, string> | undefined;
  /**
   * The metadata of every daemon of a type, one per next() (the SDK's frozen copies, kept by the core
   * until a daemon's metadata changes): each daemon's host without a copy of its metadata an interval.
   * Without it (or for a daemon it lacks) getMetadata is the fallback.
   */
  daemonMetadata?(svcType: string): Iterator<[string, Readonly<Record<string, string>>], void, undefined>;
  /** Each reporting daemon's columns and latest row, one per next(): read as the build goes, never all at once. */
  daemonCounters(): Iterator<DaemonCounters, void, undefined>;
  statsThreshold?(): number;
}

/** A measurement and its tag keys, sorted, type_instance left out (it is last in every measurement). */
export interface Measurement {
  readonly name: string;
  readonly tagKeys: readonly string[];
}

/** A series up to its last tag: `type_instance`, the one that varies per point. Kept between intervals (20,000 at 10,000 OSDs): small. */
export interface Series extends EncodedSeries {
  readonly measurement: Measurement;
  /** The values of measurement.tagKeys, in their order. */
  readonly tagValues: readonly string[];
  /** Escaped `measurement,tag=v,...,type_instance=`, UTF-8. */
  readonly prefix: Buffer;
}

export const POOL_STATS: Measurement = { name: 'ceph_pool_stats', tagKeys: ['fsid', 'pool_id', 'pool_name'] };
export const DAEMON_STATS: Measurement = { name: 'ceph_daemon_stats', tagKeys: ['ceph_daemon', 'fsid', 'host'] };
export const PG_SUMMARY_OSD: Measurement = { name: 'ceph_pg_summary_osd', tagKeys: ['ceph_daemon', 'host'] };
export const PG_SUMMARY_POOL: Measurement = { name: 'ceph_pg_summary_pool', tagKeys: ['pool_id', 'pool_name'] };

/** A point's `type_instance` (the counter's path, the df stat, the PG state): its name, and `<escaped> value=` encoded. */
export interface TypeInstance extends EncodedKey {
  readonly name: string;
}

/** Where the points go: line protocol for sending (ChunkWriter), objects for `influx self-test`. */
export interface PointSink {
  add(series: Series, key: TypeInstance, value: number): void;
  /** Whether it holds points to hand on (the builder calls drain() then). */
  readonly ready: boolean;
  /** No more points this interval. */
  end(): void;
}

/** Upstream's df stats, in its order (get_df_stats). */
export const DF_TYPES = [
  'stored', 'kb_used', 'dirty', 'rd', 'rd_bytes', 'stored_raw', 'wr', 'wr_bytes', 'objects', 'max_avail', 'quota_objects', 'quota_bytes',
] as const;

export interface BuildHooks {
  readonly slicer: Slicer;
  /** Called when the sink is ready, and at the end: hand its points on (may wait). */
  readonly drain: () => Promise<void>;
  /** Upstream logs a PG summary pool without a df pool; so do we (once per pool). */
  readonly warn: (msg: string) => void;
}

/**
 * Most units of work (points written, daemons' counters or metadata read) in one turn of the event loop.
 * At the ~1-3 µs a point measured at 10,000 OSDs, 4,096 is ~4-12 ms: under the 10 ms slice budget on a
 * quiet machine, and a bound on the turn whatever the clock (a starved process reads it late).
 */
export const UNITS_PER_TURN = 8 * CHECK_EVERY;

interface DaemonPlan {
  readonly cols: number[];
  readonly keys: TypeInstance[];
}

export class PointBuilder {
  /** By measurement, then by what names the series within it (a daemon, a pool id); its other tag values are checked. */
  private readonly series = new Map<Measurement, Map<string, Series>>();
  private seriesCount = 0;
  private readonly keys = new Map<string, TypeInstance>();
  private plans = new WeakMap<readonly CounterColumn[], DaemonPlan>();
  private planPrio = -1;
  private readonly warnedPools = new Set<string>();

  constructor(private readonly dialect: Dialect) {}

  /** Builds one interval's points into `sink`; returns how many. */
  async build(src: PointSource, sink: PointSink, h: BuildHooks): Promise<number> {
    const { slicer } = h;
    // Work done since the last check and since the last turn given up: a point written, a daemon's
    // counters or metadata read are a unit each, counted when done. A check comes at most CHECK_EVERY + 1
    // units after the last, so a turn given up before the next check could pass UNITS_PER_TURN never
    // holds more, whatever the clock says (it is read at the checks; this bound is not a matter of timing).
    let work = 0;
    let turnUnits = 0;
    const yieldTurn = async (): Promise<void> => {
      await slicer.yield();
      work = 0;
      turnUnits = 0;
    };
    // At each check: hand finished chunks on, give up the turn when its units or its time are spent.
    const pause = async (): Promise<void> => {
      turnUnits += work;
      work = 0;
      if (sink.ready) await slicer.wait(h.drain());
      if (turnUnits + CHECK_EVERY + 1 > UNITS_PER_TURN || slicer.due()) await yieldTurn();
    };
    // Reads of cluster state are the core's work (a 10,000-OSD df or pg_summary can take tens of ms when
    // the core rebuilds it): each in a slice of its own, counted apart from the builder's own time.
    const read = async <T>(f: () => T): Promise<T> => {
      const t0 = performance.now();
      const v = f();
      slicer.addExternal(performance.now() - t0);
      await yieldTurn();
      return v;
    };
    /** The next item of an iterator of the core's, its time counted as the core's. */
    const next = <T>(it: Iterator<T, void, undefined>): IteratorResult<T, void> => {
      const t0 = performance.now();
      const r = it.next();
      slicer.addExternal(performance.now() - t0);
      return r;
    };
    const fsid = (await read(() => src.get('mon_map'))).fsid;
    const df = await read(() => src.get('df'));
    const pgSummary = await read(() => src.get('pg_summary'));
    // Hosts by daemon, a type's at a time from daemonMetadata() when the first daemon of that type comes:
    // getMetadata copies a daemon's whole metadata (~60 keys), and an interval needs a host for every
    // daemon twice (20,000 copies at 10,000 OSDs, all garbage).
    const hosts = new Map<string, string>();
    const typesRead = new Set<string>();
    const readHosts = async (type: string): Promise<void> => {
      typesRead.add(type);
      const it = src.daemonMetadata?.(type);
      if (it === undefined) return;
      for (let r = next(it); r.done !== true; r = next(it)) {
        const [id, meta] = r.value;
        hosts.set(`${type}.${id}`, meta.hostname ?? 'N/A'); // as getMetadata: a daemon whose metadata has no hostname is N/A
        if (++work >= CHECK_EVERY) await pause();
      }
    };
    /** A daemon's host; 'N/A' for metadata without one; undefined for a daemon without metadata. */
    const hostOf = (key: string, type: string, id: string): string | undefined => {
      const host = hosts.get(key);
      if (host !== undefined) return host;
      const meta = src.getMetadata(type, id); // not in the daemons read (one new since), or no daemonMetadata
      return meta === undefined ? undefined : (meta.hostname ?? 'N/A');
    };
    let n = 0;

    const poolNames = new Map<string, string>();
    for (const type of DF_TYPES) {
      for (const pool of df.pools) {
        poolNames.set(String(pool.id), pool.name);
        const v = pool.stats[type];
        if (typeof v !== 'number') continue;
        const id = String(pool.id);
        const s = this.seriesOf(POOL_STATS, id, fsid, id, pool.name);
        sink.add(s, this.key(type), v);
        n++;
        if (++work >= CHECK_EVERY) await pause();
      }
    }

    const prio = Math.max(PRIO_USEFUL, src.statsThreshold?.() ?? 0);
    if (prio !== this.planPrio) {
      this.planPrio = prio;
      this.plans = new WeakMap();
    }
    // One daemon at a time, as the core's iterator reads it: no list of every daemon's row held through the build.
    const counters = src.daemonCounters();
    for (let r = next(counters); r.done !== true; r = next(counters)) {
      const d = r.value;
      work++; // its row, read
      if (!typesRead.has(d.type)) await readHosts(d.type);
      const host = hostOf(d.daemon, d.type, d.id) ?? 'N/A';
      const s = this.seriesOf(DAEMON_STATS, d.daemon, d.daemon, fsid, host);
      const plan = this.planOf(d.columns, prio);
      const values = d.values;
      for (let j = 0; j < plan.cols.length; j++) {
        sink.add(s, plan.keys[j]!, values[plan.cols[j]!]!);
        n++;
        if (++work >= CHECK_EVERY) await pause();
      }
      if (work >= CHECK_EVERY) await pause();
    }

    if (!typesRead.has('osd')) await readHosts('osd');
    for (const osd in pgSummary.by_osd) { // for-in: no array of 10,000 entries held through the build
      const states = pgSummary.by_osd[osd]!;
      const daemon = `osd.${osd}`;
      const host = hostOf(daemon, 'osd', osd);
      if (host === undefined) continue; // as upstream: an OSD without metadata is left out
      const s = this.seriesOf(PG_SUMMARY_OSD, osd, daemon, host);
      for (const state in states) {
        sink.add(s, this.key(state), states[state]!);
        n++;
        if (++work >= CHECK_EVERY) await pause();
      }
    }

    for (const poolId in pgSummary.by_pool) {
      const states = pgSummary.by_pool[poolId]!;
      const name = poolNames.get(poolId);
      if (name === undefined) {
        if (!this.warnedPools.has(poolId)) h.warn(`Unable to find pool name for pool ${poolId}`);
        this.warnedPools.add(poolId);
        continue;
      }
      const s = this.seriesOf(PG_SUMMARY_POOL, poolId, poolId, name);
      for (const state in states) {
        sink.add(s, this.key(state), states[state]!);
        n++;
        if (++work >= CHECK_EVERY) await pause();
      }
    }
    sink.end();
    await slicer.wait(h.drain());
    slicer.finish();
    if (this.seriesCount > 4 * n + 1024) { // daemons and pools come and go
      this.series.clear();
      this.seriesCount = 0;
    }
    return n;
  }

  private key(name: string): TypeInstance {
    let k = this.keys.get(name);
    if (k === undefined) {
      if (this.keys.size > 100_000) this.keys.clear();
      k = { name, bytes: Buffer.from(`${escapeName(name, this.dialect)} value=`, 'utf8') };
      this.keys.set(name, k);
    }
    return k;
  }

  /**
   * The series of `m` named `id` (a daemon, a pool id) with tag values `a`, `b` (and `c`), in m.tagKeys'
   * order: the one kept when its values are these, else a new one in its place (a daemon moved host).
   * No string or array is made to look one up.
   */
  private seriesOf(m: Measurement, id: string, a: string, b: string, c?: string): Series {
    let bySeries = this.series.get(m);
    if (bySeries === undefined) this.series.set(m, (bySeries = new Map()));
    const s = bySeries.get(id);
    if (s !== undefined && s.tagValues[0] === a && s.tagValues[1] === b && s.tagValues[2] === c) return s;
    const tagValues = c === undefined ? [a, b] : [a, b, c];
    let prefix = m.name;
    for (let i = 0; i < tagValues.length; i++) if (tagValues[i] !== '') prefix += `,${m.tagKeys[i]!}=${escapeName(tagValues[i]!, this.dialect)}`;
    const made: Series = { measurement: m, tagValues, prefix: Buffer.from(`${prefix},type_instance=`, 'utf8') };
    if (s === undefined) this.seriesCount++;
    bySeries.set(id, made);
    return made;
  }

  /** Which columns of a schema become points: shared by every daemon with that schema until it changes. */
  private planOf(columns: readonly CounterColumn[], prio: number): DaemonPlan {
    let p = this.plans.get(columns);
    if (p === undefined) {
      const cols: number[] = [];
      const keys: TypeInstance[] = [];
      for (const c of columns) {
        if (c.priority < prio || c.width === 0 || (c.type & PERFCOUNTER_HISTOGRAM) !== 0) continue;
        cols.push(c.col);
        keys.push(this.key(c.path));
      }
      p = { cols, keys };
      this.plans.set(columns, p);
    }
    return p;
  }
}

/** One interval's lines as text, in chunks of `batch` (tests: what the servers are sent). */
export async function buildLines(builder: PointBuilder, src: PointSource, stampMs: number, batch = 100_000): Promise<string[]> {
  const w = new ChunkWriter(stampMs, batch, new BufferPool(() => 0));
  const lines: string[] = [];
  await builder.build(src, w, {
    slicer: new Slicer(10), warn: () => undefined,
    drain: () => {
      lines.push(...chunkLines(w.take()));
      return Promise.resolve();
    },
  });
  return lines;
}
