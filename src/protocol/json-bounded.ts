// JSON bodies of wire frames, parsed within bounds: a nesting limit for every
// body, and for large bodies (a MAP of a 10,000-OSD cluster is ~16 MB) a
// parse in slices that yields to the event loop between them, so one frame
// cannot stall the process (docs/decisions.md, "Large JSON bodies").
//
// The sliced parser walks the structure of large objects and arrays itself
// and hands every member smaller than `leafBytes` to the native JSON.parse,
// so it builds what JSON.parse builds at close to its speed. It accepts
// exactly the documents JSON.parse accepts (test/unit/json-bounded.test.ts).

export class JsonBodyError extends Error {
  /** `tooDeep`: refused for its nesting, not its syntax. */
  constructor(message: string, readonly tooDeep = false) {
    super(message);
    this.name = 'JsonBodyError';
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJ = 0x7b;
const CLOSE_OBJ = 0x7d;
const OPEN_ARR = 0x5b;
const CLOSE_ARR = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

const isWs = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function tooDeep(maxDepth: number): JsonBodyError {
  return new JsonBodyError(`nested deeper than ${maxDepth} levels`, true);
}

/**
 * The deepest nesting of objects and arrays in buf[start..end), strings
 * skipped; throws as soon as it passes maxDepth. Cheap next to JSON.parse
 * (one pass over bytes, no allocation).
 */
export function checkDepth(buf: Uint8Array, maxDepth: number, start = 0, end = buf.length): void {
  let d = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c === QUOTE) {
      for (i++; i < end; i++) {
        const s = buf[i]!;
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
    } else if (c === OPEN_OBJ || c === OPEN_ARR) {
      if (++d > maxDepth) throw tooDeep(maxDepth);
    } else if (c === CLOSE_OBJ || c === CLOSE_ARR) d--;
  }
}

/** Parses a small body in one go: the nesting check, then JSON.parse. */
export function parseJsonBounded(buf: Buffer, maxDepth: number): unknown {
  checkDepth(buf, maxDepth);
  return nativeParse(buf, 0, buf.length);
}

function nativeParse(buf: Buffer, start: number, end: number): unknown {
  try {
    return JSON.parse(buf.toString('utf8', start, end));
  } catch (err) {
    throw new JsonBodyError(start === 0 && end === buf.length ? (err as Error).message : `at byte ${start}: ${(err as Error).message}`);
  }
}

export interface SlicedOptions {
  maxDepth: number;
  /** Longest stretch of work between two yields, ms. */
  sliceMs?: number;
  /** Values up to this size are handed to JSON.parse whole. */
  leafBytes?: number;
  /** How to give the event loop a turn (default: setImmediate). */
  yieldNow?: () => Promise<void>;
}

const setImmediateTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Parses `buf` as JSON in slices of at most ~sliceMs, yielding between them.
 * Same result as JSON.parse, or JsonBodyError (bad JSON, too deep).
 */
export async function parseJsonSliced(buf: Buffer, opts: SlicedOptions): Promise<unknown> {
  return new SlicedParser(buf, opts).parse();
}

class SlicedParser {
  private pos = 0;
  private sliceStart = performance.now();
  private readonly sliceMs: number;
  private readonly leafBytes: number;
  private readonly maxDepth: number;
  private readonly yieldNow: () => Promise<void>;
  /** Slices the parse took (tests, benchmarks). */
  slices = 1;

  constructor(private readonly buf: Buffer, opts: SlicedOptions) {
    this.maxDepth = opts.maxDepth;
    this.sliceMs = opts.sliceMs ?? 4;
    this.leafBytes = opts.leafBytes ?? 16 * 1024;
    this.yieldNow = opts.yieldNow ?? setImmediateTurn;
  }

  async parse(): Promise<unknown> {
    this.pos = this.ws(0);
    const v = await this.value(0);
    this.pos = this.ws(this.pos);
    if (this.pos !== this.buf.length) throw this.syntax('unexpected data after the JSON value');
    return v;
  }

  private syntax(what: string): JsonBodyError {
    return new JsonBodyError(`not valid JSON at byte ${this.pos}: ${what}`);
  }

  private ws(i: number): number {
    const b = this.buf;
    while (i < b.length && isWs(b[i]!)) i++;
    return i;
  }

  private async turn(): Promise<void> {
    if (performance.now() - this.sliceStart < this.sliceMs) return;
    await this.yieldNow();
    this.slices++;
    this.sliceStart = performance.now();
  }

  /** The value at pos (depth: nesting of its parent); pos moves past it. */
  private async value(depth: number): Promise<unknown> {
    const start = this.pos;
    if (start >= this.buf.length) throw this.syntax('unexpected end of data');
    const end = this.smallEnd(start, depth);
    if (end >= 0) {
      this.pos = end;
      return nativeParse(this.buf, start, end);
    }
    const c = this.buf[start]!;
    if (c === OPEN_OBJ) return this.object(depth + 1);
    if (c === OPEN_ARR) return this.array(depth + 1);
    // A string or other token longer than leafBytes: parsed whole (no nesting to walk).
    const e = this.tokenEnd(start, this.buf.length);
    this.pos = e < 0 ? this.buf.length : e;
    return nativeParse(this.buf, start, this.pos);
  }

  /**
   * The end of the value at `start` if it ends within leafBytes (its nesting
   * checked on the way), else -1. Its syntax is left to JSON.parse.
   */
  private smallEnd(start: number, depth: number): number {
    const b = this.buf;
    const limit = Math.min(b.length, start + this.leafBytes);
    const c = b[start]!;
    if (c !== OPEN_OBJ && c !== OPEN_ARR) return this.tokenEnd(start, limit);
    let d = 0;
    for (let i = start; i < limit; i++) {
      const x = b[i]!;
      if (x === QUOTE) {
        i = this.stringEnd(i, limit) - 1;
        if (i < 0) return -1;
      } else if (x === OPEN_OBJ || x === OPEN_ARR) {
        if (depth + ++d > this.maxDepth) throw tooDeep(this.maxDepth);
      } else if (x === CLOSE_OBJ || x === CLOSE_ARR) {
        if (--d === 0) return i + 1;
      }
    }
    return -1;
  }

  /** End (exclusive) of a string or scalar token at `start`, or -1 if it runs past `limit`. */
  private tokenEnd(start: number, limit: number): number {
    const b = this.buf;
    if (b[start] === QUOTE) return this.stringEnd(start, limit);
    let i = start;
    while (i < limit) {
      const x = b[i]!;
      if (x === COMMA || x === CLOSE_OBJ || x === CLOSE_ARR || x === COLON || isWs(x)) return i;
      i++;
    }
    return i === b.length ? i : -1;
  }

  /** End (exclusive, after the closing quote) of the string opening at `start`, or -1. */
  private stringEnd(start: number, limit: number): number {
    const b = this.buf;
    for (let i = start + 1; i < limit; i++) {
      const x = b[i]!;
      if (x === BACKSLASH) i++;
      else if (x === QUOTE) return i + 1;
    }
    return -1;
  }

  /**
   * The end of a run of small members starting at `start` (the first one
   * ending at `first`): following members are added while the run stays
   * within leafBytes. `member` finds a member's end, or -1.
   */
  private runEnd(start: number, first: number, member: (at: number) => number): number {
    const b = this.buf;
    let e = first;
    for (;;) {
      const p = this.ws(e);
      if (b[p] !== COMMA) return e;
      const next = member(this.ws(p + 1));
      if (next < 0 || next - start > this.leafBytes) return e;
      e = next;
    }
  }

  /** After a member: past ',' (false) or the closing bracket (true). */
  private separator(close: number): boolean {
    this.pos = this.ws(this.pos);
    const c = this.buf[this.pos];
    if (c === COMMA) {
      this.pos = this.ws(this.pos + 1);
      return false;
    }
    if (c === close) {
      this.pos++;
      return true;
    }
    throw this.syntax(close === CLOSE_ARR ? "expected ',' or ']'" : "expected ',' or '}'");
  }

  private async array(depth: number): Promise<unknown[]> {
    if (depth > this.maxDepth) throw tooDeep(this.maxDepth);
    const out: unknown[] = [];
    this.pos = this.ws(this.pos + 1);
    if (this.buf[this.pos] === CLOSE_ARR) {
      this.pos++;
      return out;
    }
    const element = (at: number): number => this.smallEnd(at, depth);
    do {
      await this.turn();
      const start = this.pos;
      const first = element(start);
      if (first === start) throw this.syntax('expected a value');
      if (first < 0) {
        out.push(await this.value(depth));
        continue;
      }
      // Consecutive small elements in one native parse of "[a,b,c]".
      const end = this.runEnd(start, first, element);
      const items = parseWrapped(this.buf, start, end, '[', ']') as unknown[];
      for (const v of items) out.push(v);
      this.pos = end;
    } while (!this.separator(CLOSE_ARR));
    return out;
  }

  /** The end of the member `"key": value` at `at` if all of it is small, else -1. */
  private smallMember(at: number, depth: number): number {
    const b = this.buf;
    if (b[at] !== QUOTE) return -1;
    const k = this.stringEnd(at, Math.min(b.length, at + this.leafBytes));
    if (k < 0) return -1;
    const colon = this.ws(k);
    if (b[colon] !== COLON) return -1;
    const v = this.ws(colon + 1);
    return v < b.length ? this.smallEnd(v, depth) : -1;
  }

  private async object(depth: number): Promise<Record<string, unknown>> {
    if (depth > this.maxDepth) throw tooDeep(this.maxDepth);
    const out: Record<string, unknown> = {};
    const b = this.buf;
    this.pos = this.ws(this.pos + 1);
    if (b[this.pos] === CLOSE_OBJ) {
      this.pos++;
      return out;
    }
    const member = (at: number): number => this.smallMember(at, depth);
    do {
      await this.turn();
      const start = this.pos;
      const first = member(start);
      if (first >= 0) {
        // Consecutive small members in one native parse of {"a":1,"b":2}.
        const end = this.runEnd(start, first, member);
        const part = parseWrapped(b, start, end, '{', '}') as Record<string, unknown>;
        for (const key of Object.keys(part)) setMember(out, key, part[key]);
        this.pos = end;
        continue;
      }
      if (b[this.pos] !== QUOTE) throw this.syntax('expected a string key');
      const keyEnd = this.stringEnd(this.pos, b.length);
      if (keyEnd < 0) throw this.syntax('unterminated string');
      const key = nativeParse(b, this.pos, keyEnd) as string;
      this.pos = this.ws(keyEnd);
      if (b[this.pos] !== COLON) throw this.syntax("expected ':'");
      this.pos = this.ws(this.pos + 1);
      setMember(out, key, await this.value(depth));
    } while (!this.separator(CLOSE_OBJ));
    return out;
  }
}

/** As JSON.parse does: "__proto__" is an own property, never the prototype. */
function setMember(o: Record<string, unknown>, key: string, v: unknown): void {
  if (key === '__proto__') Object.defineProperty(o, key, { value: v, writable: true, enumerable: true, configurable: true });
  else o[key] = v;
}

function parseWrapped(buf: Buffer, start: number, end: number, open: string, close: string): unknown {
  try {
    return JSON.parse(open + buf.toString('utf8', start, end) + close);
  } catch (err) {
    throw new JsonBodyError(`at byte ${start}: ${(err as Error).message}`);
  }
}
