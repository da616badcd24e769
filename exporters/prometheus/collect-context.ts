// What every collection step gets: the cluster (through the module SDK), the
// writer, the slicer, and label caches that live across collections.

import { performance } from 'node:perf_hooks';
import type { DaemonHealthMetrics, GetName, OsdPerfInfo, Slicer, Snapshot } from '../../src/mgr-module/index.js';
import type { PerfSource } from './collect-perf.js';
import type { MetricWriter } from './exposition-bytes.js';
import { labelFragment } from './exposition.js';
import { LABELS, staticFamily } from './families.js';
import type { HealthHistory } from './health-history.js';
import { OsdRowCache } from './osd-rows.js';

/** The module calls a collection reads (MgrModule has them all). */
export interface ClusterSource extends PerfSource {
  get<N extends GetName>(name: N): Snapshot<N>;
  getMetadata(svcType: string, svcId: string): Record<string, string> | undefined;
  /** [daemon, its health metrics], one daemon per next() (read in slices). */
  daemonHealthMetrics(): Iterator<[string, DaemonHealthMetrics[string]], void, undefined>;
  /** get('osd_perf').osd_perf_infos, one OSD per next() (read in slices). */
  osdPerfInfos(): Iterator<OsdPerfInfo, void, undefined>;
  /** [id, metadata] of each daemon of a type, one per next(), shared and frozen (read in slices). */
  daemonMetadata(svcType: string): Iterator<[string, Readonly<Record<string, string>>], void, undefined>;
  getMgrId(): string;
}

export interface ServiceInfo {
  readonly host: string;
  readonly version: string;
}

/**
 * A label fragment and its UTF-8 bytes, built together once: the byte writer
 * copies the bytes, so a sample written with one costs no lookup (a lookup per
 * sample in a map of every fragment, ~100,000 at 10,000 OSDs, was the largest
 * part of the event loop's collection work left in session 8).
 */
export interface Label {
  readonly text: string;
  readonly bytes: Buffer;
}

export function toLabel(text: string): Label {
  return { text, bytes: Buffer.from(text, 'utf8') };
}

/** A daemon's health metric labels, by position among its metrics (a daemon reports the same types in the same order). */
interface HealthLabels {
  readonly types: string[];
  readonly labels: Label[];
}

/** Label fragments kept across collections: built once per daemon/pool, reused for every sample. */
export class LabelCaches {
  private readonly daemons = new Map<string, string>();
  private readonly osds: Label[] = [];
  private readonly pools = new Map<string, string>();
  private readonly keyed = new Map<string, { values: readonly string[]; label: Label }>();
  private readonly byNames = new Map<readonly string[], Map<string, string>>();
  private readonly healthMetrics = new Map<string, HealthLabels>();
  /** The metadata step's rows per OSD (collect-daemons.ts), kept while what they were built from is unchanged. */
  readonly osdRows = new OsdRowCache();

  /** `{ceph_daemon="osd.3"}` */
  daemon(name: string): string {
    let f = this.daemons.get(name);
    if (f === undefined) this.daemons.set(name, (f = labelFragment(['ceph_daemon'], [name])));
    return f;
  }

  /** `{ceph_daemon="osd.3"}` by OSD id (no key string to build per sample). */
  osd(id: number): Label {
    let f = this.osds[id];
    if (f === undefined) this.osds[id] = f = toLabel(labelFragment(['ceph_daemon'], [`osd.${id}`]));
    return f;
  }

  /** `{pool_id="4"}` */
  pool(id: number | string): string {
    const k = String(id);
    let f = this.pools.get(k);
    if (f === undefined) this.pools.set(k, (f = labelFragment(['pool_id'], [k])));
    return f;
  }

  /** The health metric labels of one daemon: looked up once per daemon, each metric's by position (healthLabel). */
  daemonHealth(daemon: string): HealthLabels {
    let h = this.healthMetrics.get(daemon);
    if (h === undefined) this.healthMetrics.set(daemon, (h = { types: [], labels: [] }));
    return h;
  }

  /** `{type="SLOW_OPS",ceph_daemon="osd.3"}`: the k-th health metric of a daemon, rebuilt only if its type moved. */
  healthLabel(h: HealthLabels, k: number, type: string, daemon: string): Label {
    if (h.types[k] === type) return h.labels[k]!;
    const l = toLabel(labelFragment(LABELS.daemonHealth, [type, daemon]));
    h.types[k] = type;
    h.labels[k] = l;
    return l;
  }

  /** A fragment of a fixed label set (one of LABELS), cached by its values. */
  of(names: readonly string[], values: readonly string[]): string {
    let cache = this.byNames.get(names);
    if (cache === undefined) this.byNames.set(names, (cache = new Map()));
    const key = values.join('\u0000');
    let f = cache.get(key);
    if (f === undefined) cache.set(key, (f = labelFragment(names, values)));
    return f;
  }

  /**
   * A fragment that depends on several values (metadata): rebuilt only when
   * one of them changed since the last collection.
   */
  keyedFragment(slot: string, names: readonly string[], values: readonly string[]): Label {
    const hit = this.keyed.get(slot);
    if (hit !== undefined && sameStrings(hit.values, values)) return hit.label;
    const label = toLabel(labelFragment(names, values));
    this.keyed.set(slot, { values, label });
    return label;
  }

  /** Drops everything once the caches hold far more entries than a collection uses (daemons/pools removed). */
  trim(liveEntries: number): void {
    let size = this.daemons.size + this.pools.size + this.keyed.size + this.osds.length + this.osdRows.size;
    for (const m of this.byNames.values()) size += m.size;
    size += this.healthMetrics.size;
    if (size > 4 * liveEntries + 1024) {
      this.daemons.clear();
      this.osds.length = 0;
      this.pools.clear();
      this.keyed.clear();
      this.byNames.clear();
      this.healthMetrics.clear();
      this.osdRows.clear();
    }
  }
}

/** The slowest cluster read of a collection: building a snapshot is the core's work, done on first read after a change. */
export interface SlowestRead {
  name: string;
  ms: number;
}

export class StepContext {
  private readonly warned: Set<string>;
  private readonly encoded: MetricWriter['sampleEncoded'];
  readonly slowestRead: SlowestRead = { name: '', ms: 0 };
  /** The health this collection exported (healthDetailKey), set by get_health. */
  healthKey: string | undefined;

  constructor(
    readonly src: ClusterSource,
    readonly w: MetricWriter,
    readonly s: Slicer,
    readonly labels: LabelCaches,
    readonly history: HealthHistory,
    /** Called when the health history changed and should be persisted. */
    readonly historyChanged: () => void,
    private readonly warnFn: (msg: string) => void,
    warned: Set<string>,
    readonly nowS: number,
  ) {
    this.warned = warned;
    this.encoded = w.sampleEncoded?.bind(w);
  }

  /** get(name), timed (the slowest read is reported with the collection). */
  get<N extends GetName>(name: N): Snapshot<N> {
    return this.timed(name, () => this.src.get(name));
  }

  /** Times one cluster read. */
  timed<T>(name: string, read: () => T): T {
    const t0 = performance.now();
    try {
      return read();
    } finally {
      this.noteRead(name, performance.now() - t0);
    }
  }

  /** Reads a cluster iterator to its end in slices (Slicer.each); each stretch between two yields counts as one read. */
  async readAll<T>(name: string, items: Iterator<T, void, undefined>, visit: (item: T) => void): Promise<number> {
    return this.s.each(items, visit, { read: (ms) => this.noteRead(name, ms) });
  }

  /** Counts `ms` of reading `name` in the current slice (the slowest read is reported with the collection). */
  noteRead(name: string, ms: number): void {
    this.s.addExternal(ms);
    if (ms > this.slowestRead.ms) Object.assign(this.slowestRead, { name, ms });
  }

  /** Writes a sample whose label bytes are at hand (no lookup in the byte writer). */
  put(family: string, label: Label, value: number): void {
    if (this.encoded !== undefined) this.encoded(family, label.text, label.bytes, value);
    else this.w.sample(family, label.text, value);
  }

  /** Opens a family of the static catalogue. */
  open(name: string): void {
    const f = staticFamily(name);
    this.w.family(f.name, f.type, f.help);
  }

  /**
   * Host and version of a daemon, from its metadata: what Ceph's list_servers()
   * derives them from (list_servers itself sorts every daemon of the cluster,
   * which at 10,000 OSDs is a stall of its own).
   */
  service(type: string, id: string): ServiceInfo | undefined {
    const meta = this.timed('getMetadata', () => this.src.getMetadata(type, id));
    return meta === undefined ? undefined : { host: meta.hostname ?? '', version: meta.ceph_version ?? '' };
  }

  /** Ids of the reporting daemons of one type (rgw, rbd-mirror: found without walking every daemon; read in slices all the same). */
  async daemonIds(type: string): Promise<string[]> {
    const ids: string[] = [];
    await this.readAll('daemonCounters', this.src.daemonCounters(type), (d) => ids.push(d.id));
    return ids;
  }

  /** Logs a message once per module instance (a missing map would otherwise log every interval). */
  warnOnce(msg: string): void {
    if (this.warned.has(msg)) return;
    this.warned.add(msg);
    this.warnFn(msg);
  }
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A JSON value as a sample value: numbers as they are, booleans 0/1, anything else skipped. */
export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}

/** Python's `addr.rsplit(':', 1)[0]`: `10.1.0.1:6801/2681054` → `10.1.0.1`. */
export function stripPort(addr: string): string {
  const i = addr.lastIndexOf(':');
  return i < 0 ? addr : addr.slice(0, i);
}
