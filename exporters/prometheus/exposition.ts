// Serialiser for /metrics: Prometheus text 0.0.4 and OpenMetrics 1.0.0. Pure: no
// I/O, no timers. The prometheus module collects on an interval and renders one
// body per collection in slices (yielding between them), then serves that cached
// body to every scrape; gzip is the caller's business.
//
// Hot path: callers build a label fragment once per daemon/pool (labelFragment)
// and then every sample is one string concatenation pushed onto its family's
// array. Each family's lines are joined into a flat string every ~64 KiB
// (FLUSH_CHARS): the cons-strings die young, and finish() only concatenates
// flat strings (measured on 400k lines: one join at the end is a single ~50 ms
// stall and the whole render is ~2x slower than joining in ~1k-line runs).

import type { ExpositionFormat } from './exposition-negotiate.js';
import { formatValue } from './render-kernel.js';

export {
  CONTENT_TYPE_OPENMETRICS,
  CONTENT_TYPE_TEXT,
  contentTypeFor,
  negotiate,
} from './exposition-negotiate.js';
export type { ExpositionFormat } from './exposition-negotiate.js';

/**
 * `histogram` is for mgrd's own prom-client histograms (samples `_bucket`,
 * `_sum`, `_count`); Ceph's families are gauge, counter or untyped.
 */
export type FamilyType = 'gauge' | 'counter' | 'untyped' | 'histogram';

const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_ESCAPE = /[\\"\n]/g;
const HELP_ESCAPE_TEST = /[\\\n]/;
const HELP_ESCAPE_ALL = /[\\\n]/g;

function escapeChar(ch: string): string {
  return ch === '\n' ? '\\n' : `\\${ch}`;
}

/** Escapes a label value for both formats: `\` → `\\`, `"` → `\"`, newline → `\n`. */
export function escapeLabelValue(v: string): string {
  // Three includes() scans beat one regex test on long values (ceph_version): ~1.4x.
  if (!v.includes('\\') && !v.includes('"') && !v.includes('\n')) return v;
  return v.replace(LABEL_ESCAPE, escapeChar);
}

/**
 * Escapes HELP text for text 0.0.4: `\` → `\\`, newline → `\n` (a `"` stays as
 * is; the text parser would read `\"` back as two characters). OpenMetrics HELP
 * also forbids a raw `"`, so the writer uses escapeLabelValue there.
 */
export function escapeHelp(v: string): string {
  return HELP_ESCAPE_TEST.test(v) ? v.replace(HELP_ESCAPE_ALL, escapeChar) : v;
}

/**
 * `{a="x",b="y"}` for names/values in the given order, '' for no labels. Built
 * once per daemon/pool and reused for every sample of it. Throws on a bad or
 * repeated label name, or a length mismatch. Joined from parts so the result is
 * a flat string (a cons-string fragment would be re-walked on every sample).
 */
export function labelFragment(names: readonly string[], values: readonly string[]): string {
  if (names.length !== values.length) {
    throw new Error(`labelFragment: ${names.length} label names (${names.join(',')}) but ${values.length} values`);
  }
  if (names.length === 0) return '';
  const parts = ['{'];
  names.forEach((name, i) => {
    if (!isLabelName(name)) throw new Error(`invalid label name "${name}"`);
    if (names.indexOf(name) !== i) throw new Error(`label name "${name}" repeated in (${names.join(',')})`);
    if (i > 0) parts.push(',');
    parts.push(name, '="', escapeLabelValue(values[i] ?? ''), '"');
  });
  parts.push('}');
  return parts.join('');
}

/** `[a-zA-Z_][a-zA-Z0-9_]*`, not starting `__` (reserved for Prometheus itself). */
function isLabelName(name: string): boolean {
  if (name.length === 0 || name.startsWith('__')) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const ok = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (i > 0 && c >= 48 && c <= 57);
    if (!ok) return false;
  }
  return true;
}

/** A sample value as both formats spell it (the render kernel's, shared with the worker thread). */
export { formatValue };

export interface ExpositionWriterOptions {
  /**
   * Debug mode: remember every series written and throw on a duplicate; check
   * that each sample's name belongs to the open family and its labels look like
   * a fragment. seen() needs it. Off by default: one Set insert per sample
   * (sets of up to 20k fragments per sample name) measured +80–100% on a
   * 10k-OSD render (~160 → ~290 ms), too much for every collection. The
   * collector's series come from keyed maps (daemon name, pool id), so
   * uniqueness holds by construction; its tests run with strict on to prove it.
   */
  readonly strict?: boolean;
  /**
   * Also build the other format's HELP/TYPE headers, so that finishBoth()
   * returns a text 0.0.4 and an OpenMetrics body from one pass. The sample
   * lines are the same in both formats (Ceph counters keep their names, see
   * openMetricsHeader), so the two bodies share every run of samples and only
   * the headers and `# EOF` differ. Checks OpenMetrics name clashes too.
   */
  readonly dual?: boolean;
}

/** Both bodies of a dual writer, as flat parts sharing the sample runs. */
export interface DualParts {
  readonly text: string[];
  readonly openmetrics: string[];
}

/** Pending characters per family joined into one flat string (see the file comment). */
const FLUSH_CHARS = 64 * 1024;

interface Family {
  /** As the caller named it: the key for reopening and for the type check. */
  readonly name: string;
  readonly type: FamilyType;
  /** The name on HELP/TYPE (OpenMetrics drops a counter's `_total`); samples start with it. */
  readonly exposedName: string;
  /** Flat text: the HELP/TYPE header, then one string per flushed run of samples. */
  readonly text: string[];
  /** Dual writers: the HELP/TYPE header of the other format. */
  altHeader: string | undefined;
  /** Sample lines not yet joined into `text`, and their length. */
  lines: string[];
  pendingChars: number;
}

/**
 * Builds one exposition body. Open a family, append its samples, open the next;
 * reopening a family continues it (no second HELP/TYPE) and its samples stay
 * contiguous in the output whatever order the caller emits them in, because
 * each family keeps its own lines. Families appear in first-opened order.
 * Call chunk() at the end of each slice of work, finish() once at the end.
 * Emit family by family where you can: switching family on every sample
 * (daemon by daemon) keeps every family's pending lines alive at once and
 * measured 2-2.5x slower on a 10k-OSD render; the output is the same.
 */
export class ExpositionWriter {
  readonly format: ExpositionFormat;
  private readonly strict: boolean;
  private readonly dual: boolean;
  private readonly families = new FamilyIndex<Family>();
  private current: Family | undefined;
  /** Strict mode only: sample name → label fragments written. */
  private readonly written = new Map<string, Set<string>>();
  private lastName: string | undefined;
  private lastSet: Set<string> | undefined;
  private samples = 0;
  private finished = false;

  constructor(format: ExpositionFormat, options: ExpositionWriterOptions = {}) {
    if (format !== 'text' && format !== 'openmetrics') throw new Error(`unknown exposition format "${String(format)}"`);
    this.format = format;
    this.strict = options.strict ?? false;
    this.dual = options.dual ?? false;
  }

  get sampleCount(): number {
    return this.samples;
  }

  get familyCount(): number {
    return this.families.size;
  }

  /**
   * Opens (or reopens) a family; later samples belong to it. HELP/TYPE are
   * written on first open only; a reopen keeps the first HELP. Throws, naming
   * the family, if it was opened with another type or the name is invalid.
   */
  family(name: string, type: FamilyType, help: string): this {
    const cur = this.current;
    if (cur !== undefined && cur.name === name && cur.type === type) return this;
    const known = this.families.reopen(name, type, this.finished);
    if (known !== undefined) {
      this.current = known;
      return this;
    }
    let fam: Family;
    if (this.format === 'openmetrics') {
      const om = this.openMetricsHeader(name, type, help);
      fam = newFamily(name, type, om.exposedName, om.header);
      if (this.dual) fam.altHeader = textHeader(name, type, help);
    } else {
      fam = newFamily(name, type, name, textHeader(name, type, help));
      if (this.dual) fam.altHeader = this.openMetricsHeader(name, type, help).header;
    }
    this.families.add(fam);
    this.current = fam;
    return this;
  }

  /**
   * Appends `name{labels} value` to the open family. `name` is the family's
   * (or a suffixed sample name such as `_sum`); `labels` a labelFragment().
   */
  sample(name: string, labels: string, value: number): void {
    const fam = this.current;
    if (fam === undefined) throw new Error(`sample ${name}${labels}: no metric family is open`);
    if (this.strict) this.check(fam, name, labels);
    const line = name + labels + ' ' + formatValue(value) + '\n';
    fam.lines.push(line);
    if ((fam.pendingChars += line.length) >= FLUSH_CHARS) flush(fam);
    this.samples++;
  }

  /** Whether `name{labels}` was already written. Strict mode only (the set is its cost). */
  seen(name: string, labels: string): boolean {
    if (!this.strict) throw new Error('ExpositionWriter.seen() needs a writer created with { strict: true }');
    return this.written.get(name)?.has(labels) ?? false;
  }

  /** End of a slice: joins pending lines so finish() only concatenates flat strings. */
  chunk(): void {
    for (const fam of this.families.values()) {
      if (fam.lines.length > 0) flush(fam);
    }
  }

  /** The whole body (OpenMetrics: ending `# EOF`). The writer cannot be used afterwards. */
  finish(): string {
    return this.finishParts().join('');
  }

  /**
   * The body as flat strings in order, without finish()'s final concatenation,
   * for a caller that writes or gzips them one by one (that copy is a ~20 ms
   * stall per 30 MB of body). The writer cannot be used afterwards.
   */
  finishParts(): string[] {
    const parts: string[] = [];
    for (const fam of this.end()) {
      for (const s of fam.text) parts.push(s);
    }
    if (this.format === 'openmetrics') parts.push('# EOF\n');
    return parts;
  }

  /**
   * Both bodies (dual writers only), as flat parts in order; the sample runs
   * are the same string objects in both. The writer cannot be used afterwards.
   */
  finishBoth(): DualParts {
    if (!this.dual) throw new Error('ExpositionWriter.finishBoth() needs a writer created with { dual: true }');
    const primary: string[] = [];
    const other: string[] = [];
    for (const fam of this.end()) {
      primary.push(fam.text[0] ?? '');
      other.push(fam.altHeader ?? '');
      for (let i = 1; i < fam.text.length; i++) {
        const run = fam.text[i] ?? '';
        primary.push(run);
        other.push(run);
      }
    }
    const [text, openmetrics] = this.format === 'text' ? [primary, other] : [other, primary];
    openmetrics.push('# EOF\n');
    return { text, openmetrics };
  }

  /** Flushes every family and closes the writer; the families in order. */
  private end(): Family[] {
    if (this.finished) throw new Error('ExpositionWriter.finish() called twice');
    this.finished = true;
    this.current = undefined;
    const out = [...this.families.values()];
    for (const fam of out) if (fam.lines.length > 0) flush(fam);
    this.families.clear();
    this.written.clear();
    this.lastSet = undefined;
    return out;
  }

  private openMetricsHeader(name: string, type: FamilyType, help: string): { exposedName: string; header: string } {
    const om = openMetricsHeader(name, type, help);
    this.families.claimOpenMetricsName(om.exposedName, name);
    return om;
  }

  private check(fam: Family, name: string, labels: string): void {
    if (!name.startsWith(fam.exposedName)) {
      throw new Error(`sample ${name}${labels} does not belong to the open metric family ${fam.name}`);
    }
    if (labels !== '' && !(labels.startsWith('{') && labels.endsWith('}'))) {
      throw new Error(`sample ${name}: labels ${JSON.stringify(labels)} are not a label fragment`);
    }
    let set = name === this.lastName ? this.lastSet : this.written.get(name);
    if (set === undefined) {
      set = new Set();
      this.written.set(name, set);
    }
    this.lastName = name;
    this.lastSet = set;
    const before = set.size;
    set.add(labels);
    if (set.size === before) throw new Error(`duplicate series ${name}${labels} in metric family ${fam.name}`);
  }
}

/**
 * The families of one body by name, and the rules both writers (this one and
 * ByteExpositionWriter) apply when one is opened: a known family is reopened
 * if the type matches; a new one needs a valid name and type, an unfinished
 * writer, and an OpenMetrics name no other family declares.
 */
export class FamilyIndex<F extends { readonly name: string; readonly type: FamilyType }> {
  private readonly byName = new Map<string, F>();
  /** OpenMetrics family name → caller's name: `x_total` (counter) and `x` would both expose `x`. */
  private readonly exposed = new Map<string, string>();

  get size(): number {
    return this.byName.size;
  }

  values(): IterableIterator<F> {
    return this.byName.values();
  }

  /** The known family, or undefined when (name, type) is new and valid. Throws, naming the family, otherwise. */
  reopen(name: string, type: FamilyType, finished: boolean): F | undefined {
    const known = this.byName.get(name);
    if (known !== undefined) {
      if (known.type !== type) throw new Error(`metric family ${name} was opened as ${known.type} and cannot be reopened as ${type}`);
      return known;
    }
    if (finished) throw new Error(`metric family ${name}: the writer is finished`);
    checkFamily(name, type);
    return undefined;
  }

  claimOpenMetricsName(exposedName: string, name: string): void {
    const other = this.exposed.get(exposedName);
    if (other !== undefined) throw new Error(`metric family ${name} clashes with ${other}: both are family ${exposedName} in OpenMetrics`);
    this.exposed.set(exposedName, name);
  }

  add(family: F): void {
    this.byName.set(family.name, family);
  }

  clear(): void {
    this.byName.clear();
    this.exposed.clear();
  }
}

/** HELP and TYPE lines of a family in text 0.0.4. */
export function textHeader(name: string, type: FamilyType, help: string): string {
  return `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
}

/**
 * HELP and TYPE lines of a family in OpenMetrics, and the family name they
 * declare. OpenMetrics names a counter family without `_total` and requires its
 * samples to be `<family>_total`. Ceph's counters (ceph_osd_op_w,
 * ceph_osd_op_w_latency_sum, …) do not end in `_total`, and renaming their
 * samples (as prom-client does) would break every Ceph dashboard and alert, so
 * those families are declared `unknown`, keeping names and values intact. A
 * counter family that is already named `…_total` (mgrd's own) stays a counter.
 * `untyped` is spelled `unknown` in OpenMetrics.
 */
export function openMetricsHeader(name: string, type: FamilyType, help: string): { exposedName: string; header: string } {
  let exposedName = name;
  let omType: string = type;
  if (type === 'untyped') omType = 'unknown';
  else if (type === 'counter') {
    if (name.endsWith('_total') && name.length > '_total'.length) exposedName = name.slice(0, -'_total'.length);
    else omType = 'unknown';
  }
  return { exposedName, header: `# HELP ${exposedName} ${escapeLabelValue(help)}\n# TYPE ${exposedName} ${omType}\n` };
}

/** Throws, naming the family, on an invalid name or an unknown type (as ExpositionWriter.family does). */
export function checkFamily(name: string, type: FamilyType): void {
  if (!METRIC_NAME_RE.test(name)) throw new Error(`invalid metric family name "${name}"`);
  if (type !== 'gauge' && type !== 'counter' && type !== 'untyped' && type !== 'histogram') {
    throw new Error(`metric family ${name}: unknown type "${String(type)}"`);
  }
}

function newFamily(name: string, type: FamilyType, exposedName: string, header: string): Family {
  return { name, type, exposedName, text: [header], altHeader: undefined, lines: [], pendingChars: 0 };
}

function flush(fam: Family): void {
  fam.text.push(fam.lines.join(''));
  fam.lines = [];
  fam.pendingChars = 0;
}
