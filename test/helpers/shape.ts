// Structural comparison of JSON documents: the set of key paths (arrays folded
// into their elements' shape, id-keyed maps folded into one "*" key) and the
// JSON type found at each path. Used to hold mgrd's output to the shapes a real
// Ceph emits, without hard-coding values.

export interface ShapeOptions {
  /**
   * Paths whose object keys are data, not names (ids, state names, device
   * classes): their keys fold into "*". Written as shapeOf prints paths, e.g.
   * "by_osd" and "by_osd.*" for pg_summary's by_osd: {"3": {"active+clean": 1}}.
   */
  mapPaths?: readonly string[];
  /** Paths left out of the comparison (with everything under them). */
  ignore?: readonly string[];
}

/** Path -> JSON types seen there ("number", "string", "boolean", "null", "object", "array"). */
export type Shape = Map<string, Set<string>>;

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'bigint' ? 'number' : typeof v;
}

/** Every key path of `json`: "pg_stats[].stat_sum.num_bytes", "by_osd.*.active+clean" (with mapPaths). */
export function shapeOf(json: unknown, opts: ShapeOptions = {}): Set<string> {
  return new Set(shapeTypes(json, opts).keys());
}

export function shapeTypes(json: unknown, opts: ShapeOptions = {}): Shape {
  const maps = new Set(opts.mapPaths ?? []);
  const ignore = opts.ignore ?? [];
  const out: Shape = new Map();
  const skip = (p: string): boolean => ignore.some((i) => p === i || p.startsWith(`${i}.`) || p.startsWith(`${i}[]`));
  const note = (path: string, v: unknown): void => {
    if (path === '' || skip(path)) return;
    let s = out.get(path);
    if (!s) out.set(path, (s = new Set()));
    s.add(jsonType(v));
  };
  const walk = (v: unknown, path: string): void => {
    if (path !== '' && skip(path)) return;
    note(path, v);
    if (Array.isArray(v)) {
      for (const e of v) walk(e, `${path}[]`);
    } else if (v !== null && typeof v === 'object') {
      const isMap = maps.has(path);
      for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
        const key = isMap ? '*' : k;
        walk(child, path === '' ? key : `${path}.${key}`);
      }
    }
  };
  walk(json, '');
  return out;
}

export interface ShapeDiff {
  missing: string[];
  extra: string[];
  /** "path: actual number, expected string". */
  typeMismatch: string[];
}

export function diffShapes(actual: unknown, expected: unknown, opts: ShapeOptions = {}): ShapeDiff {
  const a = shapeTypes(actual, opts);
  const e = shapeTypes(expected, opts);
  const missing = [...e.keys()].filter((k) => !a.has(k)).sort();
  const extra = [...a.keys()].filter((k) => !e.has(k)).sort();
  const typeMismatch: string[] = [];
  for (const [k, types] of e) {
    const got = a.get(k);
    if (!got) continue;
    const g = [...got].sort().join('|');
    const x = [...types].sort().join('|');
    if (g !== x) typeMismatch.push(`${k}: actual ${g}, expected ${x}`);
  }
  return { missing, extra, typeMismatch };
}

/** Throws, listing every missing and extra path and every type mismatch, unless the shapes agree. */
export function expectSameShape(actual: unknown, expected: unknown, what: string, opts: ShapeOptions = {}): void {
  const d = diffShapes(actual, expected, opts);
  if (d.missing.length + d.extra.length + d.typeMismatch.length === 0) return;
  const lines = [`${what}: shape differs from the reference`];
  for (const p of d.missing) lines.push(`  missing: ${p}`);
  for (const p of d.extra) lines.push(`  extra:   ${p}`);
  for (const p of d.typeMismatch) lines.push(`  type:    ${p}`);
  throw new Error(lines.join('\n'));
}
