// DaemonState: what the manager knows of one daemon (metadata, status, declared
// perf schema, recent samples), and the index of all of them.

import type { CounterDecl, DaemonHealthMetric } from '../protocol/messages.js';
import { PerfRing, DEFAULT_RING_SAMPLES } from './perf-ring.js';
import { valueWidth } from '../mgr-module/perf-types.js';

export interface PerfCounterInfo extends CounterDecl {
  /** First column of this counter in the sample rows. */
  col: number;
  /** Values per sample: 1, 2 (sum, count) or 0 (histograms carry none). */
  width: number;
}

export class SchemaError extends Error {}

export interface SchemaPlan {
  counters: readonly PerfCounterInfo[];
  /** Path index of `counters`; built once per plan, shared by every daemon that adopts it. */
  byPath?: ReadonlyMap<string, PerfCounterInfo>;
  /** [old column, new column] pairs whose samples survive. */
  mapping: Array<[number, number]>;
  width: number;
}

export function splitDaemonName(name: string): { type: string; id: string } {
  const dot = name.indexOf('.');
  if (dot <= 0 || dot === name.length - 1) throw new SchemaError(`bad daemon name '${name}': expected TYPE.ID`);
  return { type: name.slice(0, dot), id: name.slice(dot + 1) };
}

const NO_METADATA: Readonly<Record<string, string>> = Object.freeze({});

export class DaemonState {
  readonly type: string;
  readonly id: string;
  hostname = '';
  metadata: Readonly<Record<string, string>> = NO_METADATA;
  status: Record<string, string> = {};
  serviceName: string | undefined;
  healthMetrics: DaemonHealthMetric[] = [];
  /** Declared counters in vector order (shared between daemons with the same schema: never mutate). */
  counters: readonly PerfCounterInfo[] = [];
  byPath: ReadonlyMap<string, PerfCounterInfo> = new Map();
  ring: PerfRing;
  /** Bumped on every declare/undeclare: caches keyed on it stay valid until it moves. */
  schemaVersion = 0;
  /** Milliseconds (Date.now()) of the last REPORT; 0 before the first. */
  lastReportMs = 0;
  /** A session is open for this daemon. */
  connected = false;
  /** Milliseconds (Date.now()) when its last session closed; 0 while it has one. */
  closedAtMs = 0;
  reports = 0;

  /** `onWidth`: told how many values a schema change adds (or removes): the index keeps the sum. */
  constructor(readonly key: string, private readonly ringSamples = DEFAULT_RING_SAMPLES, private readonly onWidth?: (delta: number) => void) {
    const { type, id } = splitDaemonName(key);
    this.type = type;
    this.id = id;
    this.ring = new PerfRing(0, ringSamples);
  }

  get width(): number {
    return this.ring.width;
  }

  /**
   * Plans a schema change without touching state: undeclared paths leave, new
   * declarations join at the end (a redeclared path keeps its place if its type
   * is unchanged). Throws SchemaError on a bad declaration.
   */
  planSchema(declare: readonly CounterDecl[] | undefined, undeclare: readonly string[] | undefined): SchemaPlan {
    const drop = new Set(undeclare ?? []);
    const incoming = new Map<string, CounterDecl>();
    for (const d of declare ?? []) {
      validateDecl(d);
      if (incoming.has(d.path)) throw new SchemaError(`counter '${d.path}' declared twice in one report`);
      incoming.set(d.path, d);
    }
    const next: CounterDecl[] = [];
    const seen = new Set<string>();
    for (const c of this.counters) {
      if (drop.has(c.path)) continue;
      const re = incoming.get(c.path);
      if (re && re.type !== c.type) continue; // type changed: re-added below with fresh samples
      next.push(re ?? c);
      seen.add(c.path);
    }
    for (const d of incoming.values()) if (!seen.has(d.path)) next.push(d);

    const counters: PerfCounterInfo[] = [];
    const mapping: Array<[number, number]> = [];
    let col = 0;
    for (const d of next) {
      const width = valueWidth(d.type);
      const prev = this.byPath.get(d.path);
      if (prev && prev.type === d.type) for (let k = 0; k < width; k++) mapping.push([prev.col + k, col + k]);
      counters.push({
        path: d.path, description: d.description, nick: d.nick, type: d.type,
        priority: d.priority, unit: d.unit, col, width,
      });
      col += width;
    }
    return { counters, mapping, width: col };
  }

  /** Applies a planned schema change, keeping the samples of surviving counters. */
  commitSchema(plan: SchemaPlan): void {
    this.onWidth?.(plan.width - this.ring.width);
    const ring = new PerfRing(plan.width, this.ringSamples);
    ring.copyColumnsFrom(this.ring, plan.mapping);
    this.ring = ring;
    this.counters = plan.counters;
    plan.byPath ??= new Map(plan.counters.map((c) => [c.path, c]));
    this.byPath = plan.byPath;
    this.schemaVersion++;
  }

  applySchema(declare: readonly CounterDecl[] | undefined, undeclare: readonly string[] | undefined): void {
    this.commitSchema(this.planSchema(declare, undeclare));
  }

  /** Drops the schema and samples (a new session declares afresh, as in Ceph). */
  resetSchema(): void {
    this.onWidth?.(-this.ring.width);
    this.counters = [];
    this.byPath = new Map();
    this.ring = new PerfRing(0, this.ringSamples);
    this.schemaVersion++;
  }

  /** Stores one REPORT's values: `n` little-endian f64 at src[off..]. */
  ingest(stampS: number, src: Uint8Array, off: number, n: number): void {
    if (n !== this.ring.width) {
      throw new SchemaError(`report carries ${n} values but ${this.key} declared ${this.ring.width}`);
    }
    if (n > 0) this.ring.pushBytes(stampS, src, off);
    this.lastReportMs = stampS * 1000;
    this.reports++;
  }

  /**
   * Takes the OPEN's metadata as this daemon's, frozen: modules are handed this
   * very object (daemonMetadata, get('osd_metadata')), not a copy each. A spread
   * copy of a 49-key bluestore OSD's metadata held ~1.7 KB of heap; 10,000 of
   * them 16 MiB. Replaced whole by the next OPEN, never changed in place.
   */
  setMetadata(metadata: Record<string, string>): void {
    this.metadata = Object.freeze(metadata);
    this.hostname = metadata.hostname ?? '';
  }
}

const PATH_RE = /^[^\s.]+(\.[^\s]+)+$/;

function validateDecl(d: CounterDecl): void {
  if (typeof d !== 'object' || d === null) throw new SchemaError('declaration is not an object');
  if (typeof d.path !== 'string' || !PATH_RE.test(d.path)) throw new SchemaError(`bad counter path '${String(d.path)}': expected section.name`);
  if (!Number.isInteger(d.type) || d.type < 1 || d.type > 31) throw new SchemaError(`counter '${d.path}': bad type ${String(d.type)}`);
  if (!Number.isInteger(d.priority) || d.priority < 0 || d.priority > 10) throw new SchemaError(`counter '${d.path}': bad priority ${String(d.priority)}`);
  if (typeof d.description !== 'string' || typeof d.nick !== 'string') throw new SchemaError(`counter '${d.path}': description and nick must be strings`);
  if (d.unit !== 'none' && d.unit !== 'bytes') throw new SchemaError(`counter '${d.path}': unit must be none or bytes`);
}

/** All daemons the manager has heard of, by name, type and host. */
export class DaemonStateIndex {
  private readonly all = new Map<string, DaemonState>();
  /**
   * First declarations seen, by their JSON text: 10,000 OSDs declare the same
   * schema, and sharing one plan keeps one copy of it instead of 10,000.
   */
  private readonly freshSchemas = new Map<string, SchemaPlan>();
  private readonly types = new Map<string, Map<string, DaemonState>>();
  /** Sum of every daemon's schema width: the perf counter values kept (each in ringSamples samples). */
  private valueCount = 0;
  private readonly onWidth = (delta: number): void => {
    this.valueCount += delta;
  };

  constructor(private readonly ringSamples = DEFAULT_RING_SAMPLES) {}

  get size(): number {
    return this.all.size;
  }

  /** Perf counter values kept for all daemons (mgr_max_counter_values bounds it). */
  get totalValues(): number {
    return this.valueCount;
  }

  /** Daemons of one type (mgr_max_daemons_per_type bounds it). */
  countOfType(type: string): number {
    return this.types.get(type)?.size ?? 0;
  }

  get(key: string): DaemonState | undefined {
    return this.all.get(key);
  }

  getOrCreate(key: string): DaemonState {
    let d = this.all.get(key);
    if (!d) {
      d = new DaemonState(key, this.ringSamples, this.onWidth);
      this.all.set(key, d);
      let t = this.types.get(d.type);
      if (!t) this.types.set(d.type, (t = new Map()));
      t.set(d.id, d);
    }
    return d;
  }

  /**
   * The plan for a daemon's first declaration (empty schema, no undeclare),
   * shared with every daemon that sent the same declaration text.
   */
  sharedFreshPlan(d: DaemonState, declareText: string, declare: readonly CounterDecl[]): SchemaPlan {
    const hit = this.freshSchemas.get(declareText);
    if (hit) return hit;
    const plan = d.planSchema(declare, undefined);
    plan.byPath = new Map(plan.counters.map((c) => [c.path, c]));
    if (this.freshSchemas.size >= 64) this.freshSchemas.delete(this.freshSchemas.keys().next().value!);
    this.freshSchemas.set(declareText, plan);
    return plan;
  }

  remove(key: string): void {
    const d = this.all.get(key);
    if (!d) return;
    this.all.delete(key);
    this.valueCount -= d.width;
    const t = this.types.get(d.type);
    t?.delete(d.id);
    if (t?.size === 0) this.types.delete(d.type);
  }

  ofType(type: string): Iterable<DaemonState> {
    return this.types.get(type)?.values() ?? [];
  }

  values(): IterableIterator<DaemonState> {
    return this.all.values();
  }

  /** Daemons grouped by hostname (Ceph's list_servers). */
  byHost(): Map<string, DaemonState[]> {
    const hosts = new Map<string, DaemonState[]>();
    for (const d of this.all.values()) {
      const h = d.hostname;
      let list = hosts.get(h);
      if (!list) hosts.set(h, (list = []));
      list.push(d);
    }
    return hosts;
  }
}
