// The metadata step keeps each OSD's rows from one collection to the next
// while the OSD map's entry, the OSD's metadata and its device class are the
// same objects (osd-rows.ts). A collector that has run before must write the
// very lines a fresh collector writes from the same cluster, whatever changed
// in between: metadata replaced, an OSD down or out, a device class moved, an
// OSD gone, two OSDs put on one disk.

import { describe, expect, it } from 'vitest';
import type { GetName, Snapshot } from '../../src/mgr-module/index.js';
import { Collector } from './collector.js';
import { HealthHistory } from './health-history.js';
import { ReferenceCluster } from './reference-cluster.js';

type OsdMap = { osds: Array<Record<string, unknown> & { osd: number }> } & Record<string, unknown>;
type Crush = { devices: Array<{ id: number; class: string; name: string }> } & Record<string, unknown>;

/** The reference cluster with its OSD map, CRUSH map and OSD metadata kept as objects (as the core keeps them) until a test replaces one. */
class KeptCluster extends ReferenceCluster {
  osdMap = super.get('osd_map') as unknown as OsdMap;
  crush = super.get('osd_map_crush') as unknown as Crush;
  meta: Record<string, Record<string, string>> = Object.fromEntries([...super.daemonMetadata('osd')].map(([id, m]) => [id, { ...m, osd_objectstore: 'bluestore', bluestore_bdev_dev_node: `/dev/sd${'abcd'[Number(id)]}` }]));

  override get<N extends GetName>(name: N): Snapshot<N> {
    if (name === 'osd_map') return this.osdMap as unknown as Snapshot<N>;
    if ((name as string) === 'osd_map_crush') return this.crush as unknown as Snapshot<N>;
    return super.get(name);
  }

  override *daemonMetadata(svcType: string): Generator<[string, Readonly<Record<string, string>>], void, undefined> {
    if (svcType !== 'osd') return yield* super.daemonMetadata(svcType);
    yield* Object.entries(this.meta);
  }

  /** A new OSD map (new objects throughout, as a MAP message brings), `edit` applied to one OSD's entry. */
  editOsd(id: number, edit: (e: Record<string, unknown>) => void): void {
    this.osdMap = structuredClone(this.osdMap);
    edit(this.osdMap.osds.find((o) => o.osd === id)!);
  }
}

const OSD_FAMILIES = /^ceph_(osd_metadata|osd_up|osd_in|osd_weight|disk_occupation|disk_occupation_human)[ {]/;

async function osdLines(collector: Collector): Promise<string[]> {
  const c = await collector.collect({ excludePerfCounters: true, minPriority: 5, sliceMs: 10 });
  return c.parts.text.join('').split('\n').filter((l) => OSD_FAMILIES.test(l));
}

function collector(): Collector {
  return new Collector(new ReferenceCluster(), new HealthHistory(undefined, 1000), { warn: () => undefined, historyChanged: () => undefined }, true);
}

describe('OSD rows kept across collections', () => {
  it('write what a fresh collector writes after each change of map, metadata or CRUSH', async () => {
    const cluster = new KeptCluster();
    const kept = new Collector(cluster, new HealthHistory(undefined, 1000), { warn: () => undefined, historyChanged: () => undefined }, true);
    const fresh = (): Promise<string[]> => osdLines(new Collector(cluster, new HealthHistory(undefined, 1000), { warn: () => undefined, historyChanged: () => undefined }, true));
    const steps: Array<[string, () => void]> = [
      ['unchanged', () => undefined],
      ['metadata of osd.1 replaced (other host)', () => (cluster.meta = { ...cluster.meta, 1: { ...cluster.meta[1]!, hostname: 'other' } })],
      ['osd.2 down and out', () => cluster.editOsd(2, (e) => Object.assign(e, { up: 0, in: 0, weight: 0 }))],
      ['osd.0 moved to class ssd', () => (cluster.crush = { ...cluster.crush, devices: cluster.crush.devices.map((d) => (d.id === 0 ? { ...d, class: 'ssd' } : d)) })],
      ['osd.3 and osd.0 on one disk', () => (cluster.meta = { ...cluster.meta, 3: { ...cluster.meta[3]!, bluestore_bdev_dev_node: '/dev/sda' } })],
      ['osd.1 never booted', () => cluster.editOsd(1, (e) => Object.assign(e, { public_addr: '-', cluster_addr: '-' }))],
      ['osd.3 gone from the map and its metadata', () => {
        cluster.osdMap = { ...cluster.osdMap, osds: cluster.osdMap.osds.filter((o) => o.osd !== 3) };
        const { 3: _gone, ...rest } = cluster.meta;
        cluster.meta = rest;
      }],
      ['osd.1 booted again', () => cluster.editOsd(1, (e) => Object.assign(e, { public_addr: '10.0.0.1:6800/1', cluster_addr: '10.0.0.2:6800/1' }))],
    ];
    const seen = new Set<string>();
    for (const [what, change] of steps) {
      change();
      const lines = await osdLines(kept);
      expect(lines, what).toEqual(await fresh());
      seen.add(lines.join('\n'));
    }
    // Each change shows in the lines (the test would not notice a cache that never updates otherwise).
    expect(seen.size).toBe(steps.length);
    expect((await osdLines(kept)).filter((l) => l.startsWith('ceph_disk_occupation_human'))).toEqual([
      'ceph_disk_occupation_human{ceph_daemon="osd.0",device="/dev/sda",instance="vm"} 1',
      'ceph_disk_occupation_human{ceph_daemon="osd.1",device="/dev/sdb",instance="other"} 1',
      'ceph_disk_occupation_human{ceph_daemon="osd.2",device="/dev/sdc",instance="vm"} 1',
    ]);
  });

  it('the reference cluster (new objects on every read) gives the same lines on every collection', async () => {
    const c = collector();
    const first = await osdLines(c);
    expect(first.length).toBeGreaterThan(0);
    expect(await osdLines(c)).toEqual(first);
  });
});
