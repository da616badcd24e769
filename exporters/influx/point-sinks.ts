// Where built points go besides the servers' chunks (line-chunks.ts): the
// objects upstream's `influx self-test` printed.

import type { PointSink, Series, TypeInstance } from './points.js';

export interface PointObject {
  measurement: string;
  tags: Record<string, string>;
  time: string;
  fields: { value: number };
}

/** Points as objects, by measurement (upstream's self-test shape). */
export class ObjectSink implements PointSink {
  readonly points: PointObject[] = [];
  readonly ready = false;

  constructor(private readonly time: string) {}

  add(s: Series, key: TypeInstance, value: number): void {
    const tags: Record<string, string> = {};
    s.measurement.tagKeys.forEach((k, i) => (tags[k] = s.tagValues[i]!));
    tags.type_instance = key.name;
    this.points.push({
      measurement: s.measurement.name,
      tags,
      time: this.time,
      fields: { value },
    });
  }

  end(): void {
    // nothing held
  }
}
