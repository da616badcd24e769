// Where built points go: line-protocol text for the servers, or the objects
// upstream's `influx self-test` printed.

import { fieldValue } from './line-protocol.js';
import type { PointSink, Series } from './points.js';

/** Lines of one interval, handed on in chunks (take()). */
export class LineSink implements PointSink {
  private lines: string[] = [];
  /** Values line protocol cannot carry (NaN, infinities): left out, counted. */
  skipped = 0;
  private readonly tail: string;

  constructor(timestampMs: number) {
    this.tail = ` ${Math.trunc(timestampMs)}`;
  }

  get pending(): number {
    return this.lines.length;
  }

  add(s: Series, _typeInstance: string, escapedTypeInstance: string, value: number): void {
    const v = fieldValue(value);
    if (v === undefined) {
      this.skipped++;
      return;
    }
    this.lines.push(s.prefix + escapedTypeInstance + ' value=' + v + this.tail);
  }

  take(): string[] {
    const out = this.lines;
    this.lines = [];
    return out;
  }
}

export interface PointObject {
  measurement: string;
  tags: Record<string, string>;
  time: string;
  fields: { value: number };
}

/** Points as objects, by measurement (upstream's self-test shape). */
export class ObjectSink implements PointSink {
  readonly points: PointObject[] = [];
  readonly pending = 0;

  constructor(private readonly time: string) {}

  add(s: Series, typeInstance: string, _escaped: string, value: number): void {
    this.points.push({
      measurement: s.measurement,
      tags: { ...Object.fromEntries(s.tags), type_instance: typeInstance },
      time: this.time,
      fields: { value },
    });
  }
}
