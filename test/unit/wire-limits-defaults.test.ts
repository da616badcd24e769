// The default bounds on what authenticated daemons may make the manager keep
// must hold the clusters mgrd is built for: mgr_max_counter_values at its old
// default (1,000,000) refused the declarations of every OSD past ~8,150 of a
// 10,000-OSD simulated cluster, which then never completed.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MGR_OPTIONS } from '../../src/common/mgr-options.js';
import { valueWidth } from '../../src/mgr-module/perf-types.js';

interface Decl { type: number; priority: number }

function decls(file: string): Decl[] {
  const out: Decl[] = [];
  const walk = (x: unknown): void => {
    if (x === null || typeof x !== 'object') return;
    const o = x as Record<string, unknown>;
    if (typeof o.type === 'number' && typeof o.priority === 'number') out.push({ type: o.type, priority: o.priority });
    else for (const v of Object.values(o)) walk(v);
  };
  walk(JSON.parse(readFileSync(join(import.meta.dirname, '../../src/sim/schemas', file), 'utf8')));
  return out;
}

const width = (ds: Decl[], threshold: number): number => ds.filter((d) => d.priority >= threshold).reduce((n, d) => n + valueWidth(d.type), 0);
const dflt = (name: string): number => MGR_OPTIONS.find((o) => o.name === name)!.default as number;

describe('default wire limits hold the clusters mgrd is built for', () => {
  const bluestore = decls('osd-bluestore.perf_schema.json');
  const threshold = dflt('mgr_stats_threshold');

  it('mgr_max_counter_values: 20,000 bluestore OSDs at the default threshold, 10,000 with every counter', () => {
    const max = dflt('mgr_max_counter_values');
    expect(width(bluestore, threshold)).toBeGreaterThan(100); // the schema was read
    expect(20_000 * width(bluestore, threshold)).toBeLessThanOrEqual(max);
    expect(10_000 * width(bluestore, 0)).toBeLessThanOrEqual(max);
  });

  it('mgr_max_counters_per_daemon: every counter of a bluestore OSD', () => {
    expect(bluestore.length).toBeLessThanOrEqual(dflt('mgr_max_counters_per_daemon'));
  });

  it('mgr_max_daemons_per_type and ms_max_sessions: 20,000 OSDs', () => {
    expect(dflt('mgr_max_daemons_per_type')).toBeGreaterThanOrEqual(20_000);
    expect(dflt('ms_max_sessions')).toBeGreaterThanOrEqual(20_000);
  });
});
