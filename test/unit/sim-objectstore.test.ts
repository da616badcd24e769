// The OSD perf schema and metadata follow each OSD's objectstore (SimOptions.objectstore):
// bluestore by default (the reference's osd.3, 624 counters), memstore (osd.0, 414
// counters), or mixed as the reference cluster was (every 4th OSD bluestore).

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import type { CounterDecl } from '../../src/protocol/messages.js';
import { SimCluster, type SimOptions } from '../../src/sim/model/sim-cluster.js';
import { valueWidth } from '../../src/mgr-module/perf-types.js';

const REF = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'ceph-reference');
const START = 1_800_000_000;

type Schema = Record<string, Record<string, { type: number; priority: number }>>;

function ref<T>(rel: string): T {
  return JSON.parse(readFileSync(join(REF, rel), 'utf8')) as T;
}

const OSD0 = ref<Schema>('admin_socket/osd.0.perf_schema.json');
const OSD3 = ref<Schema>('admin_socket/osd.3.perf_schema.json');
const REF_META = ref<Record<string, Record<string, string>>>('mgr_internals/get.osd_metadata.json');
const BLUESTORE_ONLY = /^(bluestore|bluefs|bluestore-pricache|rocksdb)[.:]/;

function cluster(extra: Partial<SimOptions> = {}): SimCluster {
  return new SimCluster({ osds: 12, seed: 42, startS: START, ...extra });
}

/** path, type, priority of every counter of a perf schema dump, in file order. */
function flat(s: Schema): Array<[string, number, number]> {
  return Object.entries(s).flatMap(([sec, cs]) => Object.entries(cs).map(([n, e]): [string, number, number] => [`${sec}.${n}`, e.type, e.priority]));
}

/**
 * osd.3's metadata keys as a bluestore OSD on a block device reports them: the
 * reference's osd.3 ran on a file (`bluestore_bdev_path`); on a device
 * KernelDevice::collect_metadata gives `bluestore_bdev_dev_node` and
 * `bluestore_bdev_partition_path` instead.
 */
function blockDeviceKeys(fileBacked: Record<string, string>): string[] {
  const keys = Object.keys(fileBacked).filter((k) => k !== 'bluestore_bdev_path');
  expect(keys).toHaveLength(Object.keys(fileBacked).length - 1);
  return [...keys, 'bluestore_bdev_dev_node', 'bluestore_bdev_partition_path'].sort();
}

function declared(decls: readonly CounterDecl[]): Array<[string, number, number]> {
  return decls.map((d) => [d.path, d.type, d.priority]);
}

function width(decls: readonly CounterDecl[], minPriority = 0): number {
  return decls.filter((d) => d.priority >= minPriority).reduce((s, d) => s + valueWidth(d.type), 0);
}

function offsets(decls: readonly CounterDecl[]): Map<string, number> {
  const out = new Map<string, number>();
  let at = 0;
  for (const d of decls) {
    out.set(d.path, at);
    at += valueWidth(d.type);
  }
  return out;
}

describe('objectstore: memstore', () => {
  const c = cluster({ objectstore: 'memstore' });

  test('every OSD declares osd.0\'s 414 counters, in its order, with its types and priorities', () => {
    expect(c.objectstore).toBe('memstore');
    expect(flat(OSD0)).toHaveLength(414);
    expect(declared(c.counterSchema('osd'))).toEqual(flat(OSD0));
    for (const o of c.topo.osds) {
      const decls = c.counterSchema('osd', `osd.${o.id}`);
      expect(decls).toBe(c.counterSchema('osd'));
      expect(c.osdObjectstore(o.id)).toBe('memstore');
    }
    // What a threshold-5 report carries: ~46 values rather than bluestore's 153.
    expect(width(c.counterSchema('osd'), 5)).toBe(45);
  });

  test('metadata says memstore, with osd.0\'s key set', () => {
    const keys = Object.keys(REF_META['0']!).sort();
    for (const d of c.daemons().filter((x) => x.kind === 'osd')) {
      expect(d.metadata.osd_objectstore).toBe('memstore');
      expect(Object.keys(d.metadata).sort()).toEqual(keys);
    }
  });

  test('sampled vectors have the schema\'s width and no bluestore counters', () => {
    const decls = c.counterSchema('osd');
    expect(decls.some((d) => BLUESTORE_ONLY.test(d.path))).toBe(false);
    for (const o of [0, 5, 11]) {
      const v = c.sampleCounters(`osd.${o}`, START + 30);
      expect(v).toHaveLength(width(decls));
      for (const x of v) expect(Number.isFinite(x) && x >= 0).toBe(true);
    }
  });
});

describe('objectstore: bluestore (default)', () => {
  const c = cluster();

  test('every OSD declares osd.3\'s 624 counters and says bluestore, on a block device', () => {
    expect(c.objectstore).toBe('bluestore');
    expect(flat(OSD3)).toHaveLength(624);
    expect(declared(c.counterSchema('osd'))).toEqual(flat(OSD3));
    const keys = blockDeviceKeys(REF_META['3']!);
    for (const d of c.daemons().filter((x) => x.kind === 'osd')) {
      expect(declared(c.counterSchema('osd', d.name))).toEqual(flat(OSD3));
      expect(d.metadata.osd_objectstore).toBe('bluestore');
      expect(Object.keys(d.metadata).sort()).toEqual(keys);
      expect(d.metadata.bluestore_bdev_access_mode).toBe('blk');
      expect(d.metadata.bluestore_bdev_dev_node).toMatch(/^\/dev\/dm-\d+$/);
      expect(c.sampleCounters(d.name, START + 10)).toHaveLength(width(c.counterSchema('osd', d.name)));
    }
    expect(width(c.counterSchema('osd'), 5)).toBe(153);
  });

  test('bluestore counters are driven', () => {
    const off = offsets(c.counterSchema('osd', 'osd.2'));
    const a = c.sampleCounters('osd.2', START + 10);
    const b = c.sampleCounters('osd.2', START + 70);
    const commit = off.get('bluestore.commit_lat')!;
    expect(b[commit + 1]!).toBeGreaterThan(a[commit + 1]!);
    const avgNs = (b[commit]! - a[commit]!) / (b[commit + 1]! - a[commit + 1]!);
    expect(avgNs).toBeGreaterThan(0.5e6);
    expect(avgNs).toBeLessThan(10e6);
    expect(b[off.get('bluefs.db_used_bytes')!]!).toBeGreaterThan(1024 ** 3);
    expect(b[off.get('bluestore-pricache.target_bytes')!]).toBe(4 * 1024 ** 3);
  });

  test('counters both schemas declare move exactly as on a memstore OSD', () => {
    // Fresh clusters asked the same things at the same times (counters bank as time is asked for).
    // No compressed pool: bluestore compresses and memstore does not, so the usage counters would differ.
    const mem = cluster({ scenario: 'recovery', objectstore: 'memstore', compressedPool: false });
    const blue = cluster({ scenario: 'recovery', objectstore: 'bluestore', compressedPool: false });
    const memDecls = mem.counterSchema('osd');
    const blueOff = offsets(blue.counterSchema('osd'));
    for (const t of [START + 5, START + 65, START + 150]) {
      mem.advance(t);
      blue.advance(t);
      for (const o of [1, 7]) {
        const m = mem.sampleCounters(`osd.${o}`, t);
        const b = blue.sampleCounters(`osd.${o}`, t);
        const projected: number[] = [];
        for (const d of memDecls) {
          const at = blueOff.get(d.path)!;
          for (let i = 0; i < valueWidth(d.type); i++) projected.push(b[at + i]!);
        }
        expect(projected).toEqual(Array.from(m));
      }
    }
  });
});

describe('objectstore: mixed', () => {
  test('4 OSDs split as the reference cluster: osd.0-2 memstore, osd.3 bluestore', () => {
    const c = new SimCluster({ osds: 4, seed: 3, startS: START, objectstore: 'mixed' });
    expect(c.counterSchema('osd')).toBe(c.counterSchema('osd', 'osd.0'));
    for (const d of c.daemons().filter((x) => x.kind === 'osd')) {
      const id = d.name.slice(4);
      const store = REF_META[id]!.osd_objectstore;
      expect(d.metadata.osd_objectstore, d.name).toBe(store);
      const keys = store === 'bluestore' ? blockDeviceKeys(REF_META[id]!) : Object.keys(REF_META[id]!).sort();
      expect(Object.keys(d.metadata).sort(), d.name).toEqual(keys);
      expect(declared(c.counterSchema('osd', d.name)), d.name).toEqual(flat(store === 'bluestore' ? OSD3 : OSD0));
      expect(c.sampleCounters(d.name, START + 20), d.name).toHaveLength(width(c.counterSchema('osd', d.name)));
    }
  });

  test('ids 3, 7, 11... are bluestore; metadata and schema agree on every OSD', () => {
    const c = cluster({ osds: 40, objectstore: 'mixed' });
    const blue = c.topo.osds.filter((o) => c.osdObjectstore(o.id) === 'bluestore').map((o) => o.id);
    expect(blue).toEqual([3, 7, 11, 15, 19, 23, 27, 31, 35, 39]);
    for (const d of c.daemons().filter((x) => x.kind === 'osd')) {
      const decls = c.counterSchema('osd', d.name);
      expect(decls.some((x) => BLUESTORE_ONLY.test(x.path)), d.name).toBe(d.metadata.osd_objectstore === 'bluestore');
      expect(c.sampleCounters(d.name, START + 5), d.name).toHaveLength(width(decls));
    }
  });
});

describe('options and API', () => {
  test('a bad objectstore is refused', () => {
    expect(() => cluster({ objectstore: 'filestore' as SimOptions['objectstore'] })).toThrow(/SimOptions.objectstore must be one of memstore, bluestore, mixed, got "filestore"/);
  });

  test('counterSchema(kind, name) checks the name; other kinds ignore the objectstore', () => {
    const c = cluster({ objectstore: 'bluestore' });
    expect(() => c.counterSchema('osd', 'osd.99')).toThrow(/no daemon named "osd.99"/);
    expect(() => c.counterSchema('osd', 'mon.a')).toThrow(/"mon.a" is not of kind "osd"/);
    expect(c.counterSchema('mon', 'mon.a')).toBe(c.counterSchema('mon'));
  });

  test('layouts are built once and shared between OSDs and clusters', () => {
    const a = cluster({ objectstore: 'mixed' });
    const b = cluster({ osds: 8, seed: 7, objectstore: 'mixed' });
    expect(a.counterSchema('osd', 'osd.0')).toBe(b.counterSchema('osd', 'osd.1'));
    expect(a.counterSchema('osd', 'osd.3')).toBe(b.counterSchema('osd', 'osd.7'));
    expect(a.counterSchema('osd', 'osd.3')).not.toBe(a.counterSchema('osd', 'osd.0'));
  });
});
