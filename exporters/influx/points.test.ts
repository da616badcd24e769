// The points built from what real ceph-mgr 16.2.15 handed its modules
// (mgr_internals, through the prometheus tests' ReferenceCluster) against what
// Ceph's influx module wrote from the same cluster (ceph-reference/influx/):
// same measurements, tag keys, fields, series and order; values differ only
// where the two captures were taken at different moments.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Slicer } from '../../src/mgr-module/index.js';
import { ReferenceCluster } from '../prometheus/reference-cluster.js';
import { ObjectSink } from './point-sinks.js';
import { PointBuilder, buildLines, type PointSource } from './points.js';

const CAPTURE = readFileSync(new URL('../../test/fixtures/ceph-reference/influx/write_body_sample.lp', import.meta.url), 'utf8').trim().split('\n');
const STAMP = Number(CAPTURE[0]!.split(' ').at(-1));

/** `measurement,tags` of a line (no escaped spaces in the reference's names). */
const seriesOf = (l: string): string => l.slice(0, l.indexOf(' '));
const measurementOf = (l: string): string => l.slice(0, l.indexOf(','));
const tagKeys = (l: string): string => seriesOf(l).split(',').slice(1).map((t) => t.split('=')[0]).join(',');

const build = (batch?: number): Promise<string[]> => buildLines(new PointBuilder('v1'), new ReferenceCluster(), STAMP, batch);

describe('influx points against the reference capture', () => {
  it('has the measurements, tag keys and field of Ceph\'s module, in its order', async () => {
    const lines = await build();
    expect(lines.length).toBeGreaterThan(CAPTURE.length / 2); // the same cluster: about as many points (PG states moved between the captures)
    const order = (ls: string[]): string[] => ls.map(measurementOf).filter((m, i, a) => a[i - 1] !== m);
    expect(order(lines)).toEqual(order(CAPTURE));
    expect(order(lines)).toEqual(['ceph_pool_stats', 'ceph_daemon_stats', 'ceph_pg_summary_osd', 'ceph_pg_summary_pool']);
    const keysBy = (ls: string[]): Record<string, string[]> => {
      const out: Record<string, Set<string>> = {};
      for (const l of ls) (out[measurementOf(l)] ??= new Set()).add(tagKeys(l));
      return Object.fromEntries(Object.entries(out).map(([m, s]) => [m, [...s]]));
    };
    expect(keysBy(lines)).toEqual(keysBy(CAPTURE));
    for (const l of lines) expect(l).toMatch(/^[a-z_]+(,[a-z_]+=\S+)+ value=-?\d+i \d+$/);
  });

  it('has the very series of the capture for pools and daemons, in its order, each line as Ceph wrote it but for values', async () => {
    const lines = await build();
    const pick = (ls: string[], m: string): string[] => ls.filter((l) => measurementOf(l) === m).map(seriesOf);
    expect(pick(lines, 'ceph_pool_stats')).toEqual(pick(CAPTURE, 'ceph_pool_stats'));
    expect(pick(lines, 'ceph_daemon_stats')).toEqual(pick(CAPTURE, 'ceph_daemon_stats'));
    // PG states moved between the two captures (a recovering PG in mgr_internals): same OSDs and pools, same tag shape.
    const who = (ls: string[], m: string): string[] => [...new Set(pick(ls, m).map((s) => s.replace(/,type_instance=.*$/, '')))];
    expect(who(lines, 'ceph_pg_summary_osd')).toEqual(who(CAPTURE, 'ceph_pg_summary_osd'));
    expect(who(lines, 'ceph_pg_summary_pool')).toEqual(who(CAPTURE, 'ceph_pg_summary_pool'));
    // Values that did not move between the captures are written identically (quotas, mon elections...).
    const same = lines.filter((l) => CAPTURE.includes(l));
    expect(same.length).toBeGreaterThan(100);
  });

  it('hands lines on in chunks and counts every point once', async () => {
    const whole = await build();
    const chunked = await build(16);
    expect(chunked).toEqual(whole);
  });

  it('reads every daemon\'s host from daemonMetadata(), not a metadata copy per daemon: the same lines as through getMetadata', async () => {
    // The builder's own getMetadata calls are counted (the reference cluster's daemonMetadata makes some of its own).
    const ref = new ReferenceCluster();
    let copies = 0;
    const types: string[] = [];
    const counted: PointSource = {
      get: ((name: 'df' | 'pg_summary' | 'mon_map') => ref.get(name)) as PointSource['get'],
      daemonCounters: () => ref.daemonCounters(),
      daemonMetadata: (t) => {
        types.push(t);
        return ref.daemonMetadata(t);
      },
      getMetadata: (t, i) => {
        copies++;
        return ref.getMetadata(t, i);
      },
    };
    const viaDaemonMetadata = await buildLines(new PointBuilder('v1'), counted, STAMP);
    expect(copies).toBe(0);
    expect(types).toContain('osd');
    expect(new Set(types).size).toBe(types.length); // each type read once an interval
    const noDaemonMetadata = new ReferenceCluster();
    (noDaemonMetadata as { daemonMetadata?: unknown }).daemonMetadata = undefined; // the fallback: getMetadata per daemon
    const viaMetadata = await buildLines(new PointBuilder('v1'), noDaemonMetadata, STAMP);
    expect(viaDaemonMetadata).toEqual(viaMetadata);
    expect(viaDaemonMetadata.filter((l) => l.startsWith('ceph_daemon_stats,') && !l.includes(',host=N/A,')).length).toBeGreaterThan(100);
  });

  it('gives self-test objects the same points', async () => {
    const sink = new ObjectSink('2026-01-01T00:00:00Z');
    const n = await new PointBuilder('v1').build(new ReferenceCluster(), sink, {
      slicer: new Slicer(10), drain: () => Promise.resolve(), warn: () => undefined,
    });
    expect(n).toBe((await build()).length);
    expect(sink.points).toHaveLength(n);
    expect(sink.points[0]).toEqual({
      measurement: 'ceph_pool_stats', time: '2026-01-01T00:00:00Z', fields: { value: expect.any(Number) },
      tags: { fsid: '433500eb-af2c-4dac-b9f0-03fd67b0928a', pool_id: '1', pool_name: 'device_health_metrics', type_instance: 'stored' },
    });
  });
});
