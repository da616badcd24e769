// Perf counter schemas (Ceph `perf schema` JSON) turned into what a REPORT needs:
// the declared counters in a stable order, the offset of each in the value
// vector (width-expanded: long-running averages take sum,count; histograms
// nothing), and how each counter nobody drives explicitly should behave.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CounterDecl, CounterUnit } from '../../protocol/messages.js';
import { PERFCOUNTER_COUNTER, PERFCOUNTER_HISTOGRAM, PERFCOUNTER_LONGRUNAVG, PERFCOUNTER_TIME, valueWidth } from '../../mgr-module/perf-types.js';
import { packageRoot } from '../../common/paths.js';
import { hashString } from './rng.js';

/** One counter of a `perf schema` dump. */
export interface SchemaEntry {
  type: number;
  priority: number;
  units?: string;
  description?: string;
  nick?: string;
}

/** section -> counter -> entry, as `ceph daemon X perf schema` prints it. */
export type PerfSchemaJson = Record<string, Record<string, SchemaEntry>>;

export function loadSchemaFile(name: string): PerfSchemaJson {
  const file = join(packageRoot(), 'src', 'sim', 'schemas', name);
  return JSON.parse(readFileSync(file, 'utf8')) as PerfSchemaJson;
}

/** Generic behaviours of counters that are not driven by name. */
export const G_COUNTER = 1; // value = factor * activity
export const G_AVG = 2; // sum = count * per, count = factor * activity
export const G_TIME = 3; // ns = factor * activity

/** Counters that must not move on their own: errors, failures, tiering we do not simulate. */
const QUIET = /(fail|error|err_|timeout|lost|abort|drop|stall|retry|reject|unhealthy|corrupt|dup|invalid|toofull|tier_|agent_|laggy|resend|cached_crc|missed_crc|copyfrom|promote|evict|flush_fail|compress|repair|trim|delay|_wait$|numpg_removing|fallback|keystone|pubsub|lc_)/;

export interface Layout {
  decls: CounterDecl[];
  width: number;
  /** path -> offset of its first value. */
  offset: Map<string, number>;
  template: Float64Array;
  genOff: Int32Array;
  genKind: Uint8Array;
  genFactor: Float64Array;
  genPer: Float64Array;
}

/**
 * Builds a layout. `driven` paths get no generic behaviour (their sampler writes
 * them); `quietSections` are sections whose counters stay at their template value.
 */
export function buildLayout(schema: PerfSchemaJson, driven: ReadonlySet<string>, quietSections: readonly string[] = []): Layout {
  const decls: CounterDecl[] = [];
  const offset = new Map<string, number>();
  const tmpl: number[] = [];
  const gOff: number[] = [];
  const gKind: number[] = [];
  const gFactor: number[] = [];
  const gPer: number[] = [];
  let at = 0;
  for (const [section, counters] of Object.entries(schema)) {
    for (const [name, e] of Object.entries(counters)) {
      const path = `${section}.${name}`;
      const unit: CounterUnit = e.units === 'bytes' ? 'bytes' : 'none';
      decls.push({ path, description: e.description ?? '', nick: e.nick ?? '', type: e.type, priority: e.priority, unit });
      const w = valueWidth(e.type);
      offset.set(path, at);
      for (let i = 0; i < w; i++) tmpl.push(0);
      if (w > 0 && !driven.has(path)) {
        const h = hashString(path);
        const u = (h % 10007) / 10007;
        const quiet = QUIET.test(name) || quietSections.some((s) => section.startsWith(s));
        if (e.type & PERFCOUNTER_HISTOGRAM) {
          // no values
        } else if (e.type & PERFCOUNTER_LONGRUNAVG) {
          if (!quiet) {
            gOff.push(at);
            gKind.push(G_AVG);
            gFactor.push(0.05 + 1.5 * u);
            // TIME averages: 20 us .. 4 ms in whole ns (Ceph's TIME values are u64 ns); integer averages: 1 .. 500.
            gPer.push(e.type & PERFCOUNTER_TIME ? Math.round(2e4 * Math.pow(200, u)) : Math.round(1 + 499 * u * u));
          }
        } else if (e.type & PERFCOUNTER_COUNTER) {
          if (!quiet) {
            gOff.push(at);
            gKind.push(G_COUNTER);
            gFactor.push(unit === 'bytes' ? 1024 * (1 + 64 * u) : 0.02 + 2 * u * u);
            gPer.push(0);
          }
        } else if (e.type & PERFCOUNTER_TIME) {
          if (!quiet) {
            gOff.push(at);
            gKind.push(G_TIME);
            gFactor.push(2e3 + 5e4 * u);
            gPer.push(0);
          }
        } else if (!quiet) {
          tmpl[at] = staticGauge(name, unit, u);
        }
      }
      at += w;
    }
  }
  return {
    decls,
    width: at,
    offset,
    template: Float64Array.from(tmpl),
    genOff: Int32Array.from(gOff),
    genKind: Uint8Array.from(gKind),
    genFactor: Float64Array.from(gFactor),
    genPer: Float64Array.from(gPer),
  };
}

/** A plausible constant for a gauge nobody drives (memory pools, throttle limits...). */
function staticGauge(name: string, unit: CounterUnit, u: number): number {
  if (name === 'max') return unit === 'bytes' ? 524_288_000 : 5000;
  if (name === 'val' || name.startsWith('pri')) return 0;
  if (name === 'total_workers') return 5;
  if (unit === 'bytes' || name.endsWith('_bytes')) return Math.round(1_048_576 * Math.pow(256, u));
  if (name.endsWith('_items')) return Math.round(1000 * Math.pow(100, u));
  return Math.round(20 * u);
}

/** Applies the generic behaviours for an activity level (ops since the daemon started). */
export function applyGeneric(l: Layout, out: Float64Array, activity: number): void {
  const n = l.genOff.length;
  for (let i = 0; i < n; i++) {
    const off = l.genOff[i] as number;
    const f = l.genFactor[i] as number;
    switch (l.genKind[i]) {
      case G_COUNTER:
        out[off] = Math.floor(f * activity);
        break;
      case G_AVG: {
        const count = Math.floor(f * activity);
        out[off] = count * (l.genPer[i] as number);
        out[off + 1] = count;
        break;
      }
      case G_TIME:
        out[off] = Math.floor(f * activity); // whole ns, as Ceph reports TIME counters
        break;
    }
  }
}

/**
 * Writer for driven counters: ignores paths the schema lacks. Samplers write the
 * same paths in the same order every time, so offsets are remembered by call
 * position after the first sample (a string compare instead of a map lookup).
 */
export class VectorWriter {
  private out: Float64Array = new Float64Array(0);
  private pos = 0;
  private readonly paths: string[] = [];
  private readonly offs: number[] = [];

  constructor(private readonly layout: Layout) {}

  begin(out: Float64Array): void {
    this.out = out;
    this.pos = 0;
  }

  private offset(path: string): number {
    const i = this.pos++;
    if (this.paths[i] === path) return this.offs[i] as number;
    const off = this.layout.offset.get(path) ?? -1;
    this.paths[i] = path;
    this.offs[i] = off;
    return off;
  }

  set(path: string, v: number): void {
    const off = this.offset(path);
    if (off >= 0) this.out[off] = v;
  }

  /** A long-running average: sum (whole ns for TIME counters: Ceph's sums are u64) and count. */
  avg(path: string, sum: number, count: number): void {
    const off = this.offset(path);
    if (off >= 0) {
      this.out[off] = Math.round(sum);
      this.out[off + 1] = count;
    }
  }
}
