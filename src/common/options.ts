// Declared options: type, default, range, description. Values are validated on
// set and at boot; a refused value gets -EINVAL with the allowed range.

import { Errno, ErrnoError } from './errno.js';

export type OptionType = 'str' | 'int' | 'uint' | 'float' | 'bool' | 'secs' | 'addr';
export type OptionValue = string | number | boolean;

export interface OptionSpec {
  name: string;
  type: OptionType;
  default: OptionValue;
  desc: string;
  min?: number;
  max?: number;
  /** Allowed strings for a `str` option. */
  enum?: readonly string[];
  /** Takes effect without a restart (default true). */
  runtime?: boolean;
  /** A password or token: shown masked by `config get|show|dump`. */
  secret?: boolean;
}

/** What `config` commands show for a value: a set secret as a mask, never the value. */
export function shownValue(spec: OptionSpec | undefined, value: OptionValue): string {
  if (spec?.secret && value !== '') return SECRET_MASK;
  return String(value);
}

export const SECRET_MASK = '********';

export function describeRange(spec: OptionSpec): string {
  if (spec.enum) return `one of ${spec.enum.join(', ')}`;
  if (spec.type === 'bool') return 'true or false';
  const kind = spec.type === 'int' || spec.type === 'uint' ? 'an integer' : spec.type === 'str' ? 'a string' : spec.type === 'addr' ? 'an address' : 'a number';
  if (spec.min !== undefined && spec.max !== undefined) return `${kind} in [${spec.min}, ${spec.max}]`;
  if (spec.min !== undefined) return `${kind} >= ${spec.min}`;
  if (spec.max !== undefined) return `${kind} <= ${spec.max}`;
  return kind;
}

function refuse(spec: OptionSpec, raw: unknown): never {
  throw new ErrnoError(Errno.EINVAL, `invalid value '${String(raw)}' for option ${spec.name}: must be ${describeRange(spec)}`);
}

/** Parses and checks one value (string from the CLI or a typed JSON value). */
export function validateOption(spec: OptionSpec, raw: unknown): OptionValue {
  switch (spec.type) {
    case 'bool': {
      if (typeof raw === 'boolean') return raw;
      const s = String(raw).toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(s)) return true;
      if (['false', '0', 'no', 'off'].includes(s)) return false;
      return refuse(spec, raw);
    }
    case 'int':
    case 'uint':
    case 'float':
    case 'secs': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (!Number.isFinite(n)) return refuse(spec, raw);
      if ((spec.type === 'int' || spec.type === 'uint') && !Number.isInteger(n)) return refuse(spec, raw);
      if (spec.type === 'uint' && n < 0) return refuse(spec, raw);
      if (spec.min !== undefined && n < spec.min) return refuse(spec, raw);
      if (spec.max !== undefined && n > spec.max) return refuse(spec, raw);
      return n;
    }
    case 'addr':
    case 'str': {
      if (typeof raw !== 'string' && typeof raw !== 'number') return refuse(spec, raw);
      const s = String(raw);
      if (spec.enum && !spec.enum.includes(s)) return refuse(spec, raw);
      return s;
    }
  }
}

/** A set of declared options with current values; change listeners fire after a value is accepted. */
export class OptionTable {
  private readonly specs = new Map<string, OptionSpec>();
  private readonly values = new Map<string, OptionValue>();
  private readonly listeners: Array<(name: string, value: OptionValue) => void> = [];

  constructor(specs: readonly OptionSpec[]) {
    for (const s of specs) {
      if (this.specs.has(s.name)) throw new Error(`option ${s.name} is declared twice`);
      // A default declared as text ('5' for an int) reads as its type.
      this.specs.set(s.name, { ...s, default: validateOption(s, s.default) });
    }
  }

  spec(name: string): OptionSpec | undefined {
    return this.specs.get(name);
  }

  allSpecs(): OptionSpec[] {
    return [...this.specs.values()];
  }

  has(name: string): boolean {
    return this.specs.has(name);
  }

  get(name: string): OptionValue {
    const spec = this.specs.get(name);
    if (!spec) throw new ErrnoError(Errno.ENOENT, `unrecognized config option '${name}'`);
    return this.values.get(name) ?? spec.default;
  }

  num(name: string): number {
    return this.get(name) as number;
  }

  str(name: string): string {
    return this.get(name) as string;
  }

  /** True when set explicitly (not the default). */
  isSet(name: string): boolean {
    return this.values.has(name);
  }

  set(name: string, raw: unknown): OptionValue {
    const spec = this.specs.get(name);
    if (!spec) throw new ErrnoError(Errno.ENOENT, `unrecognized config option '${name}'`);
    const v = validateOption(spec, raw);
    this.values.set(name, v);
    for (const l of this.listeners) l(name, v);
    return v;
  }

  unset(name: string): void {
    const spec = this.specs.get(name);
    if (!spec) throw new ErrnoError(Errno.ENOENT, `unrecognized config option '${name}'`);
    this.values.delete(name);
    for (const l of this.listeners) l(name, spec.default);
  }

  onChange(listener: (name: string, value: OptionValue) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Explicitly set values, for persistence. */
  explicit(): Record<string, OptionValue> {
    return Object.fromEntries(this.values);
  }
}
