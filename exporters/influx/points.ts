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
  CHECK_EVERY, PERFCOUNTER_HISTOGRAM, PRIO_USEFUL, Slicer, type CounterColumn, type DaemonCounters, type ServerInfo, type Snapshot,
} from '../../src/mgr-module/index.js';
import { BufferPool, ChunkWriter, chunkLines, type EncodedKey, type EncodedSeries } from './line-chunks.js';
import { escapeName, type Dialect } from './line-protocol.js';

/** What the points are read from (an MgrModule, or the reference cluster in tests). */
export interface PointSource {
  get(name: 'df'): Snapshot<'df'>;
  get(name: 'pg_summary'): Snapshot<'pg_summary'>;
  get(name: 'mon_map'): Snapshot<'mon_map'>;
  getMetadata(svcType: string, svcId: string): Record<string, string> | undefined;
  /** Daemons by host, read once an interval: a daemon's host without a copy of its metadata (getMetadata is the fallback). */
  listServers?(): ServerInfo[];
  forEachDaemonCounters(visit: (c: DaemonCounters) => void): void;
  statsThreshold?(): number;
}

/** A series up to its last tag: `type_instance`, the one that varies per point (every measurement has it, last). */
export interface Series extends EncodedSeries {
  readonly measurement: string;
  /** Sorted by key, type_instance left out. */
  readonly tags: ReadonlyArray<readonly [string, string]>;
  /** Escaped `measurement,tag=v,...,type_instance=`, UTF-8. */
  readonly prefix: Buffer;
}

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

interface DaemonPlan {
  readonly cols: number[];
  readonly keys: TypeInstance[];
}

export class PointBuilder {
  /** By measurement, then by tag values. */
  private readonly series = new Map<string, Map<string, Series>>();
  private seriesCount = 0;
  private readonly keys = new Map<string, TypeInstance>();
  private plans = new WeakMap<readonly CounterColumn[], DaemonPlan>();
  private planPrio = -1;
  private readonly warnedPools = new Set<string>();

  constructor(private readonly dialect: Dialect) {}

  /** Builds one interval's points into `sink`; returns how many. */
  async build(src: PointSource, sink: PointSink, h: BuildHooks): Promise<number> {
    // Reads of cluster state are the core's work (a 10,000-OSD df or pg_summary can take tens of ms when
    // the core rebuilds it): each in a slice of its own, counted apart from the builder's own time.
    const read = async <T>(f: () => T): Promise<T> => {
      const t0 = performance.now();
      const v = f();
      h.slicer.addExternal(performance.now() - t0);
      await h.slicer.yield();
      return v;
    };
    const fsid = (await read(() => src.get('mon_map'))).fsid;
    const df = await read(() => src.get('df'));
    const pgSummary = await read(() => src.get('pg_summary'));
    // Every daemon's host from one read: getMetadata copies a daemon's whole metadata (~60 keys), and an
    // interval needs a host for every daemon twice (20,000 copies at 10,000 OSDs, all garbage).
    const hosts = await read(() => hostsOf(src));
    /** A daemon's host; 'N/A' for metadata without one; undefined for a daemon without metadata. */
    const hostOf = (key: string, type: string, id: string): string | undefined => {
      const h = hosts.get(key);
      if (h !== undefined) return h;
      const meta = src.getMetadata(type, id);
      return meta === undefined ? undefined : (meta.hostname ?? 'N/A');
    };
    let n = 0;
    // Every CHECK_EVERY points: hand finished chunks on, yield when the slice is over budget.
    const pause = async (): Promise<void> => {
      if (sink.ready) await h.slicer.wait(h.drain());
      await h.slicer.maybeYield();
    };

    const poolNames = new Map<string, string>();
    for (const type of DF_TYPES) {
      for (const pool of df.pools) {
        poolNames.set(String(pool.id), pool.name);
        const v = pool.stats[type];
        if (typeof v !== 'number') continue;
        const s = this.seriesOf('ceph_pool_stats', `${fsid}\0${pool.id}\0${pool.name}`, () => [['fsid', fsid], ['pool_id', String(pool.id)], ['pool_name', pool.name]]);
        sink.add(s, this.key(type), v);
        if ((++n & (CHECK_EVERY - 1)) === 0) await pause();
      }
    }

    const prio = Math.max(PRIO_USEFUL, src.statsThreshold?.() ?? 0);
    if (prio !== this.planPrio) {
      this.planPrio = prio;
      this.plans = new WeakMap();
    }
    const daemons: DaemonCounters[] = [];
    await read(() => src.forEachDaemonCounters((d) => daemons.push(d)));
    for (const d of daemons) {
      const host = hostOf(d.daemon, d.type, d.id) ?? 'N/A';
      const s = this.seriesOf('ceph_daemon_stats', `${d.daemon}\0${fsid}\0${host}`, () => [['ceph_daemon', d.daemon], ['fsid', fsid], ['host', host]]);
      const plan = this.planOf(d.columns, prio);
      const values = d.values;
      for (let j = 0; j < plan.cols.length; j++) {
        sink.add(s, plan.keys[j]!, values[plan.cols[j]!]!);
        if ((++n & (CHECK_EVERY - 1)) === 0) await pause();
      }
    }

    for (const [osd, states] of Object.entries(pgSummary.by_osd)) {
      const daemon = `osd.${osd}`;
      const host = hostOf(daemon, 'osd', osd);
      if (host === undefined) continue; // as upstream: an OSD without metadata is left out
      const s = this.seriesOf('ceph_pg_summary_osd', `${osd}\0${host}`, () => [['ceph_daemon', daemon], ['host', host]]);
      for (const [state, count] of Object.entries(states)) {
        sink.add(s, this.key(state), count);
        if ((++n & (CHECK_EVERY - 1)) === 0) await pause();
      }
    }

    for (const [poolId, states] of Object.entries(pgSummary.by_pool)) {
      const name = poolNames.get(poolId);
      if (name === undefined) {
        if (!this.warnedPools.has(poolId)) h.warn(`Unable to find pool name for pool ${poolId}`);
        this.warnedPools.add(poolId);
        continue;
      }
      const s = this.seriesOf('ceph_pg_summary_pool', `${poolId}\0${name}`, () => [['pool_id', poolId], ['pool_name', name]]);
      for (const [state, count] of Object.entries(states)) {
        sink.add(s, this.key(state), count);
        if ((++n & (CHECK_EVERY - 1)) === 0) await pause();
      }
    }
    sink.end();
    await h.slicer.wait(h.drain());
    h.slicer.finish();
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

  /** A series by its tag values (`key`, unique within the measurement); `tagsOf` only when it is new. */
  private seriesOf(measurement: string, key: string, tagsOf: () => Array<[string, string]>): Series {
    let bySeries = this.series.get(measurement);
    if (bySeries === undefined) this.series.set(measurement, (bySeries = new Map()));
    let s = bySeries.get(key);
    if (s === undefined) {
      const tags = tagsOf();
      let prefix = measurement;
      for (const [k, v] of tags) if (v !== '') prefix += `,${k}=${escapeName(v, this.dialect)}`;
      s = { measurement, tags, prefix: Buffer.from(`${prefix},type_instance=`, 'utf8') };
      bySeries.set(key, s);
      this.seriesCount++;
    }
    return s;
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

/** `type.id` → hostname of every daemon with a host, from listServers(); empty when the source has none. */
function hostsOf(src: PointSource): Map<string, string> {
  const hosts = new Map<string, string>();
  for (const server of src.listServers?.() ?? []) {
    if (server.hostname === '') continue; // metadata without a hostname: getMetadata says 'N/A'
    for (const svc of server.services) hosts.set(`${svc.type}.${svc.id}`, server.hostname);
  }
  return hosts;
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
