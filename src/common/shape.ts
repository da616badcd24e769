// Declarative shape checks for JSON a peer sends (the cluster source's maps):
// a value of the wrong shape is refused with the path of the first bad field,
// before any part of mgrd reads it. Fields not named pass through unchecked.

export class ShapeMismatch extends Error {}

/** Checks `v` at `path`; throws ShapeMismatch naming the path. */
export type Shape = (v: unknown, path: string) => void;

/** A field that may be absent (but, when present, not null nor of another kind). */
interface Optional {
  readonly optional: Shape;
}

export function kindOf(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v;
}

function fail(path: string, v: unknown, expected: string): never {
  throw new ShapeMismatch(`${path} is ${kindOf(v)}, expected ${expected}`);
}

export const str: Shape = (v, path) => {
  if (typeof v !== 'string') fail(path, v, 'string');
};

export const num: Shape = (v, path) => {
  if (typeof v !== 'number') fail(path, v, 'number');
};

export const int: Shape = (v, path) => {
  if (!Number.isInteger(v)) fail(path, v, 'integer');
};

export const bool: Shape = (v, path) => {
  if (typeof v !== 'boolean') fail(path, v, 'boolean');
};

/** Any JSON object (not null, not an array), its fields unchecked. */
export const anyObj: Shape = (v, path) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, v, 'object');
};

export const opt = (s: Shape): Optional => ({ optional: s });

/** An object with these fields (each required unless opt()); others pass. */
export function obj(fields: Record<string, Shape | Optional>): Shape {
  const entries = Object.entries(fields).map(([k, f]) => [k, typeof f === 'function' ? f : f.optional, typeof f !== 'function'] as const);
  return (v, path) => {
    anyObj(v, path);
    const o = v as Record<string, unknown>;
    for (const [k, s, optional] of entries) {
      const x = o[k];
      if (x === undefined) {
        if (!optional) throw new ShapeMismatch(`${path}.${k} is missing`);
        continue;
      }
      s(x, `${path}.${k}`);
    }
  };
}

export function arr(s: Shape): Shape {
  return (v, path) => {
    if (!Array.isArray(v)) fail(path, v, 'array');
    for (let i = 0; i < v.length; i++) s(v[i], `${path}[${i}]`);
  };
}

/** An object used as a map: every value of shape `s`, or as `special` says for some keys. */
export function rec(s: Shape, special: Record<string, Shape> = {}): Shape {
  return (v, path) => {
    anyObj(v, path);
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) (special[k] ?? s)(x, `${path}.${k}`);
  };
}

/** Runs `s` on `v`, returning the mismatch's message (undefined when `v` fits). */
export function mismatch(s: Shape, v: unknown, path: string): string | undefined {
  try {
    s(v, path);
    return undefined;
  } catch (err) {
    if (err instanceof ShapeMismatch) return err.message;
    throw err;
  }
}
