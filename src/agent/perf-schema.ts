// A daemon's `perf schema` as the wire protocol declares it, and its `perf
// dump` as the value vector in that order. Pure: no sockets here.
//
// perf schema: {"<section>": {"<name>": {"type": 10, "description": "...",
//   "nick": "", "priority": 5, "units": "none"|"bytes", ...}}}
// perf dump:   {"<section>": {"<name>": 123 | 1.5 | {"avgcount": n, "sum": s, "avgtime": t}}}
// TIME values are seconds in the dump and nanoseconds on the wire (as ceph-mgr
// hands them to modules); long-running averages are sent as (sum, count).

import type { CounterDecl } from '../protocol/messages.js';
import { PERFCOUNTER_LONGRUNAVG, PERFCOUNTER_TIME, valueWidth } from '../mgr-module/perf-types.js';

export type PerfSchemaJson = Record<string, Record<string, { type?: unknown; description?: unknown; nick?: unknown; priority?: unknown; units?: unknown }>>;
export type PerfDumpJson = Record<string, Record<string, unknown>>;

export class PerfSchemaError extends Error {}

/** A daemon's counters as declared, in the daemon's own order (section by section), with where each sits in a dump. */
export interface ParsedSchema {
  decls: CounterDecl[];
  /** [section, name] of each declaration: a section name may itself hold a dot. */
  keys: Array<[string, string]>;
}

export function parseSchema(schema: PerfSchemaJson): ParsedSchema {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) throw new PerfSchemaError('perf schema is not an object');
  const out: CounterDecl[] = [];
  const keys: Array<[string, string]> = [];
  for (const [section, counters] of Object.entries(schema)) {
    if (typeof counters !== 'object' || counters === null) continue;
    for (const [name, c] of Object.entries(counters)) {
      if (typeof c !== 'object' || c === null || !Number.isInteger(c.type) || !Number.isInteger(c.priority)) {
        throw new PerfSchemaError(`perf schema entry ${section}.${name} lacks an integer type and priority`);
      }
      out.push({
        path: `${section}.${name}`,
        description: typeof c.description === 'string' ? c.description : '',
        nick: typeof c.nick === 'string' ? c.nick : '',
        type: c.type as number,
        priority: c.priority as number,
        unit: c.units === 'bytes' ? 'bytes' : 'none',
      });
      keys.push([section, name]);
    }
  }
  return { decls: out, keys };
}

interface Column {
  section: string;
  name: string;
  /** Column of the first value in the vector. */
  col: number;
  avg: boolean;
  /** 1e9 for TIME counters (seconds -> ns), else 1. */
  scale: number;
}

/**
 * Reads `perf dump` answers into one reused vector laid out as the schema
 * declares (width-expanded, as MgrClient's DaemonSource.sample wants).
 */
export class PerfDumpReader {
  readonly width: number;
  private readonly columns: Column[] = [];
  private readonly sections: Set<string>;
  readonly vector: Float64Array;

  constructor(schema: ParsedSchema) {
    let col = 0;
    schema.decls.forEach((d, i) => {
      const w = valueWidth(d.type);
      const [section, name] = schema.keys[i]!;
      if (w > 0) this.columns.push({ section, name, col, avg: (d.type & PERFCOUNTER_LONGRUNAVG) !== 0, scale: d.type & PERFCOUNTER_TIME ? 1e9 : 1 });
      col += w;
    });
    this.width = col;
    this.vector = new Float64Array(col);
    this.sections = new Set(this.columns.map((c) => c.section));
  }

  /**
   * Fills the vector from a dump. Returns the sections of the dump the schema
   * does not have (a logger added since the schema was read: time to read it
   * again); counters missing from the dump keep their last value.
   */
  read(dump: PerfDumpJson): string[] {
    const v = this.vector;
    for (const c of this.columns) {
      const raw = dump[c.section]?.[c.name];
      if (c.avg) {
        if (typeof raw === 'object' && raw !== null) {
          const a = raw as { avgcount?: unknown; sum?: unknown };
          if (typeof a.sum === 'number') v[c.col] = a.sum * c.scale;
          if (typeof a.avgcount === 'number') v[c.col + 1] = a.avgcount;
        }
      } else if (typeof raw === 'number') v[c.col] = raw * c.scale;
    }
    const unknown: string[] = [];
    for (const s of Object.keys(dump)) if (!this.sections.has(s) && hasValues(dump[s])) unknown.push(s);
    return unknown;
  }
}

/** A dump section with counters (histogram-only loggers dump as {}). */
function hasValues(section: unknown): boolean {
  if (typeof section !== 'object' || section === null) return false;
  for (const _ in section) return true;
  return false;
}
