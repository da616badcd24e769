// The collection's writer for large bodies: the same families and lines as
// ExpositionWriter in dual mode, written straight into byte blocks. Sample
// lines never exist as strings: the name and the label fragment are copied from
// cached bytes and only the value is formatted. At 10,000 OSDs (~500k samples)
// this halves the render and most of its garbage (per-line strings, the joins,
// and the copy into buffers that the string writer's body still needs).
//
// No strict mode here: the collector uses ExpositionWriter with { strict: true }
// in tests, and a test checks that both writers produce the same bytes.

import { FamilyIndex, openMetricsHeader, textHeader, type FamilyType } from './exposition.js';
import { putBytes, writeValue } from './render-kernel.js';

/** What the collector writes through: ExpositionWriter (dual) or ByteExpositionWriter. */
export interface MetricWriter {
  family(name: string, type: FamilyType, help: string): this;
  sample(name: string, labels: string, value: number): void;
  /**
   * sample() with the labels' UTF-8 bytes at hand (a hot loop keeps them per
   * daemon): saves the byte writer a lookup per sample. Optional: a writer
   * without it gets sample(name, labels, value).
   */
  sampleEncoded?(name: string, labels: string, labelBytes: Buffer, value: number): void;
  /** End of a slice (the string writer flushes pending lines there). */
  chunk(): void;
  readonly sampleCount: number;
  readonly familyCount: number;
  /** Both bodies in order: headers as strings, runs of samples as strings or bytes shared by both. */
  finishBoth(): { readonly text: ReadonlyArray<string | Buffer>; readonly openmetrics: ReadonlyArray<string | Buffer> };
}

/**
 * Encoded names and label fragments, kept across collections (the fragments
 * are themselves cached per daemon, so the same string objects come back and
 * the map lookups hit). Cleared when it holds far more than a body uses.
 */
export class ByteCache {
  private readonly map = new Map<string, Buffer>();

  bytes(s: string): Buffer {
    let b = this.map.get(s);
    if (b === undefined) this.map.set(s, (b = Buffer.from(s, 'utf8')));
    return b;
  }

  /**
   * Drops everything when it holds more entries than twice the samples of a
   * body: one body uses at most one entry per sample, so more means names and
   * daemons that are gone.
   */
  trim(samples: number): void {
    if (this.map.size > 2 * samples + 1024) this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }
}

const FIRST_BLOCK = 1024;
const MAX_BLOCK = 1 << 20;
const SPACE = 0x20;
const NEWLINE = 0x0a;
const EMPTY = Buffer.alloc(0);

interface ByteFamily {
  readonly name: string;
  readonly type: FamilyType;
  readonly text: string;
  readonly openmetrics: string;
  /** Filled blocks (views of the bytes written). */
  readonly blocks: Buffer[];
  buf: Buffer;
  off: number;
  /** The sample name last written and its bytes (names change only for _sum/_count/_bucket families). */
  lastName: string;
  lastNameBytes: Buffer;
}

export class ByteExpositionWriter implements MetricWriter {
  private readonly families = new FamilyIndex<ByteFamily>();
  private current: ByteFamily | undefined;
  private samples = 0;
  private finished = false;
  /** Samples whose label bytes were looked up in the cache (sample(), not sampleEncoded()): counted so a test can hold per-series lookups off the hot families. */
  labelLookups = 0;

  constructor(private readonly cache: ByteCache = new ByteCache()) {}

  get sampleCount(): number {
    return this.samples;
  }

  get familyCount(): number {
    return this.families.size;
  }

  /** Opens (or reopens) a family: ExpositionWriter.family's rules and errors. */
  family(name: string, type: FamilyType, help: string): this {
    const cur = this.current;
    if (cur !== undefined && cur.name === name && cur.type === type) return this;
    const known = this.families.reopen(name, type, this.finished);
    if (known !== undefined) {
      this.current = known;
      return this;
    }
    const om = openMetricsHeader(name, type, help);
    this.families.claimOpenMetricsName(om.exposedName, name);
    const fam: ByteFamily = {
      name, type, text: textHeader(name, type, help), openmetrics: om.header,
      blocks: [], buf: EMPTY, off: 0, lastName: '', lastNameBytes: EMPTY,
    };
    this.families.add(fam);
    this.current = fam;
    return this;
  }

  /** Appends `name{labels} value` to the open family. */
  sample(name: string, labels: string, value: number): void {
    if (labels === '') {
      this.sampleEncoded(name, labels, EMPTY, value);
      return;
    }
    this.labelLookups++;
    this.sampleEncoded(name, labels, this.cache.bytes(labels), value);
  }

  sampleEncoded(name: string, labels: string, labelBytes: Buffer, value: number): void {
    const fam = this.current;
    if (fam === undefined) throw new Error(`sample ${name}${labels}: no metric family is open`);
    let nameBytes = fam.lastNameBytes;
    if (name !== fam.lastName) {
      nameBytes = this.cache.bytes(name);
      fam.lastName = name;
      fam.lastNameBytes = nameBytes;
    }
    const need = nameBytes.length + labelBytes.length + 34; // a value is at most 24 bytes (formatValue)
    if (fam.off + need > fam.buf.length) grow(fam, need);
    const buf = fam.buf;
    let off = putBytes(buf, fam.off, nameBytes);
    if (labelBytes.length > 0) off = putBytes(buf, off, labelBytes);
    buf[off++] = SPACE;
    off = writeValue(buf, off, value);
    buf[off++] = NEWLINE;
    fam.off = off;
    this.samples++;
  }

  /**
   * Adds sample lines rendered elsewhere (the perf counter worker) as a family,
   * with family()'s rules and errors: a new family is opened (its OpenMetrics
   * name claimed), a known one of the same type continued.
   */
  external(name: string, type: FamilyType, help: string, lines: Buffer, samples: number): void {
    this.family(name, type, help);
    const fam = this.current!;
    if (fam.off > 0) {
      fam.blocks.push(fam.buf.subarray(0, fam.off));
      fam.buf = EMPTY;
      fam.off = 0;
    }
    if (lines.length > 0) fam.blocks.push(lines);
    this.samples += samples;
  }

  chunk(): void {
    // nothing pending: lines go straight into the blocks
  }

  finishBoth(): { text: Array<string | Buffer>; openmetrics: Array<string | Buffer> } {
    if (this.finished) throw new Error('ExpositionWriter.finish() called twice');
    this.finished = true;
    this.current = undefined;
    const text: Array<string | Buffer> = [];
    const openmetrics: Array<string | Buffer> = [];
    for (const fam of this.families.values()) {
      text.push(fam.text);
      openmetrics.push(fam.openmetrics);
      if (fam.off > 0) fam.blocks.push(fam.buf.subarray(0, fam.off));
      for (const b of fam.blocks) {
        text.push(b);
        openmetrics.push(b);
      }
    }
    openmetrics.push('# EOF\n');
    this.families.clear();
    this.cache.trim(this.samples);
    return { text, openmetrics };
  }
}

/** Closes the family's current block and opens a larger one (doubling up to 1 MiB, or what one line needs). */
function grow(fam: ByteFamily, need: number): void {
  if (fam.off > 0) fam.blocks.push(fam.buf.subarray(0, fam.off));
  const size = Math.max(need, Math.min(MAX_BLOCK, fam.buf.length === 0 ? FIRST_BLOCK : fam.buf.length * 2));
  fam.buf = Buffer.allocUnsafe(size);
  fam.off = 0;
}
