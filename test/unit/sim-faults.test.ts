// Issue 16 item 5, the model side: each fault action makes the simulated
// cluster report what Ceph's daemons would, and the mon-side checks come with
// Ceph 16's codes, severities and wording (HealthMonitor, MDSMap/FSMap,
// MDSMonitor; the expected texts are Ceph's, written out here, not built by
// the code under test).

import { describe, expect, test } from 'vitest';
import { SimCluster, type SimOptions } from '../../src/sim/model/sim-cluster.js';
import { parseScenario, loadScenario } from '../../src/sim/model/scenario.js';
import { unpackPingTimes } from '../../src/protocol/ping-times.js';

const START = 1_800_000_000;

function cluster(extra: Partial<SimOptions> = {}): SimCluster {
  return new SimCluster({ osds: 12, seed: 42, startS: START, mons: 3, backgroundScrub: false, ...extra });
}

function checks(c: SimCluster): Record<string, { severity: string; summary: { message: string; count: number }; detail: Array<{ message: string }> }> {
  return c.maps().health_checks!;
}

/** Applies one scenario event now, as the scenario runner would. */
function act(c: SimCluster, event: Record<string, unknown>): void {
  const ctx = { seed: 42, numOsds: c.osd.count, osdHost: (o: number) => c.topo.osds[o]!.host, monNames: c.topo.mons.map((m) => m.name), poolId: () => undefined };
  const [e] = parseScenario([{ atS: 0, ...event }], ctx);
  c.control.apply(e!);
}

describe('mon faults', () => {
  test('a mon data disk filling raises MON_DISK_LOW, then MON_DISK_CRIT, merged over the mons as HealthMonitor does', () => {
    const c = cluster();
    expect(checks(c)).toEqual({});
    act(c, { action: 'mon-disk', mon: 'b', availPercent: 22 });
    expect(checks(c).MON_DISK_LOW).toEqual({ severity: 'HEALTH_WARN', summary: { message: 'mon b is low on available space', count: 1 }, detail: [{ message: 'mon.b has 22% avail' }], muted: false });
    act(c, { action: 'mon-disk', mon: 'mon.a', availPercent: 30 });
    expect(checks(c).MON_DISK_LOW!.summary).toEqual({ message: 'mons a,b are low on available space', count: 2 });
    expect(checks(c).MON_DISK_LOW!.detail.map((d) => d.message)).toEqual(['mon.a has 30% avail', 'mon.b has 22% avail']);
    act(c, { action: 'mon-disk', mon: 'b', availPercent: 4.6 });
    expect(checks(c).MON_DISK_CRIT).toMatchObject({ severity: 'HEALTH_ERR', summary: { message: 'mon b is very low on available space', count: 1 }, detail: [{ message: 'mon.b has 4% avail' }] });
    expect(checks(c).MON_DISK_LOW!.summary.message).toBe('mon a is low on available space');
    // A mon out of quorum does not report its disk.
    c.killMon('b');
    expect(checks(c).MON_DISK_CRIT).toBeUndefined();
    expect(checks(c).MON_DOWN).toBeDefined();
    c.reviveMon('b');
    act(c, { action: 'mon-disk', mon: 'c', availPercent: 60, storeGiB: 16 });
    expect(checks(c).MON_DISK_BIG).toMatchObject({ severity: 'HEALTH_WARN', summary: { message: 'mon c is using a lot of disk space' }, detail: [{ message: 'mon.c is 16 GiB >= mon_data_size_warn (15 GiB)' }] });
    act(c, { action: 'mon-disk', mon: 'a', availPercent: 70 });
    act(c, { action: 'mon-disk', mon: 'b', availPercent: 70 });
    act(c, { action: 'mon-disk', mon: 'c', availPercent: 70, storeGiB: 0.3 });
    expect(checks(c)).toEqual({});
  });

  test('a mon clock off by more than mon_clock_drift_allowed raises MON_CLOCK_SKEW on the leader', () => {
    const c = cluster();
    act(c, { action: 'clock-skew', mon: 'c', skewS: 0.3 });
    act(c, { action: 'clock-skew', mon: 'b', skewS: -0.04 });
    const h = checks(c).MON_CLOCK_SKEW!;
    expect(h.severity).toBe('HEALTH_WARN');
    expect(h.summary).toEqual({ message: 'clock skew detected on mon.c', count: 1 });
    expect(h.detail[0]!.message).toMatch(/^mon\.c clock skew 0\.3s > max 0\.05s \(latency 0\.00\d+s\)$/);
    act(c, { action: 'clock-skew', mon: 'b', skewS: 0.2 });
    expect(checks(c).MON_CLOCK_SKEW!.summary).toEqual({ message: 'clock skew detected on mon.b, mon.c', count: 2 });
    // Skews are measured against the leader (rank 0): a skewed leader skews everyone else.
    act(c, { action: 'clock-skew', mon: 'b', skewS: 0 });
    act(c, { action: 'clock-skew', mon: 'c', skewS: 0 });
    act(c, { action: 'clock-skew', mon: 'a', skewS: 1 });
    expect(checks(c).MON_CLOCK_SKEW!.summary.message).toBe('clock skew detected on mon.b, mon.c');
  });

  test('mon-down is a built-in scenario: the last mon goes for five minutes', () => {
    const c = cluster({ scenario: 'mon-down' });
    c.advance(START + 11);
    expect(checks(c).MON_DOWN!.summary.message).toBe('1/3 mons down, quorum a,b');
    c.advance(START + 311);
    expect(checks(c).MON_DOWN).toBeUndefined();
    expect(() => new SimCluster({ osds: 3, seed: 1, startS: START, mons: 1, scenario: 'mon-down' })).toThrow(/needs at least 2 mons/);
  });
});

describe('CephFS faults', () => {
  test('the only MDS failing with no standby: FS_DEGRADED, MDS_ALL_DOWN, FS_WITH_FAILED_MDS; the fs map shows the failed rank', () => {
    const c = cluster();
    const mds = c.topo.mds[0]!;
    act(c, { action: 'fail-mds' });
    expect(c.isUp(`mds.${mds.id}`)).toBe(false);
    const h = checks(c);
    expect(h.FS_DEGRADED).toEqual({ severity: 'HEALTH_WARN', summary: { message: '1 filesystem is degraded', count: 1 }, detail: [{ message: 'fs cephfs is degraded' }], muted: false });
    expect(h.MDS_ALL_DOWN).toEqual({ severity: 'HEALTH_ERR', summary: { message: '1 filesystem is offline', count: 1 }, detail: [{ message: 'fs cephfs is offline because no MDS is active for it.' }], muted: false });
    expect(h.FS_WITH_FAILED_MDS).toEqual({ severity: 'HEALTH_WARN', summary: { message: '1 filesystem has a failed mds daemon', count: 1 }, detail: [{ message: 'fs cephfs has 1 failed mds' }], muted: false });
    const fs = c.maps().fs_map as { epoch: number; filesystems: Array<{ mdsmap: { up: object; failed: number[]; damaged: number[]; in: number[]; info: object } }> };
    expect(fs.filesystems[0]!.mdsmap).toMatchObject({ up: {}, failed: [0], damaged: [], in: [0], info: {} });
    act(c, { action: 'revive-mds' });
    expect(checks(c)).toEqual({});
    expect(c.isUp(`mds.${mds.id}`)).toBe(true);
    expect((c.maps().fs_map as { epoch: number }).epoch).toBe(fs.epoch + 1);
  });

  test('a damaged rank, a read-only MDS, max_mds and standby_count_wanted above what runs', () => {
    const c = cluster();
    const mds = c.topo.mds[0]!;
    act(c, { action: 'mds-read-only' });
    expect(checks(c).MDS_READ_ONLY).toMatchObject({ severity: 'HEALTH_WARN', summary: { message: '1 MDSs are read only', count: 1 }, detail: [{ message: `mds.${mds.id}(mds.0): MDS in read-only mode` }] });
    act(c, { action: 'mds-read-only', on: false });
    act(c, { action: 'fs-set', key: 'max_mds', value: 2 });
    act(c, { action: 'fs-set', key: 'standby_count_wanted', value: 1 });
    expect(checks(c).MDS_UP_LESS_THAN_MAX).toMatchObject({ severity: 'HEALTH_WARN', summary: { message: '1 filesystem is online with fewer MDS than max_mds' }, detail: [{ message: 'fs cephfs has 1 MDS online, but wants 2' }] });
    expect(checks(c).MDS_INSUFFICIENT_STANDBY).toMatchObject({ severity: 'HEALTH_WARN', summary: { message: 'insufficient standby MDS daemons available' }, detail: [{ message: 'have 0; want 1 more' }] });
    act(c, { action: 'damage-mds' });
    const h = checks(c);
    expect(h.MDS_DAMAGE).toMatchObject({ severity: 'HEALTH_ERR', summary: { message: '1 mds daemon damaged', count: 1 }, detail: [{ message: 'fs cephfs mds.0 is damaged' }] });
    expect(h.MDS_ALL_DOWN?.severity).toBe('HEALTH_ERR');
    expect(h.FS_WITH_FAILED_MDS).toBeUndefined();
    expect((c.maps().fs_map as { filesystems: Array<{ mdsmap: { damaged: number[]; max_mds: number } }> }).filesystems[0]!.mdsmap).toMatchObject({ damaged: [0], max_mds: 2 });
  });
});

describe('OSD faults', () => {
  test('store alerts and repaired reads go out in the OSD\'s osd_stat; slow heartbeats in its ping times', () => {
    const c = cluster();
    const now = START + 1;
    c.advance(now);
    act(c, { action: 'store-alert', osd: 2, alert: 'BLUESTORE_SPURIOUS_READ_ERRORS' });
    act(c, { action: 'store-alert', osd: 2, alert: 'BLUESTORE_DISK_SIZE_MISMATCH' });
    act(c, { action: 'repair', osd: 'osd.5', reads: 7 });
    act(c, { action: 'repair', osd: 5, reads: 6 });
    act(c, { action: 'slow-ping', osd: 7, backMs: 3000, frontMs: 10 });
    const s2 = c.pgStats(2, now + 60)!.osd_stat;
    expect(s2.alerts!.BLUESTORE_SPURIOUS_READ_ERRORS).toBe('Detected 3 spurious read errors');
    expect(s2.alerts!.BLUESTORE_DISK_SIZE_MISMATCH).toMatch(/^slow device size mismatch detected, {2}fm size\(\d+\) > slow device size\(\d+\), Please stop using this OSD as it might cause data loss\.$/);
    expect(c.pgStats(5, now + 60)!.osd_stat.num_shards_repaired).toBe(13);
    expect(c.pgStats(4, now + 60)!.osd_stat.alerts).toBeUndefined();
    const ping = unpackPingTimes(c.pgStats(7, now + 60)!.packedPingTimes!);
    expect(ping.length).toBeGreaterThan(0);
    expect(ping[0]!.interfaces[0]!.average['1min']).toBeGreaterThan(2000);
    expect(ping[0]!.interfaces[1]!.average['1min']).toBeLessThan(20);
    act(c, { action: 'store-alert', osd: 2, alert: 'BLUESTORE_SPURIOUS_READ_ERRORS', clear: true });
    expect(Object.keys(c.pgStats(2, now + 61)!.osd_stat.alerts!)).toEqual(['BLUESTORE_DISK_SIZE_MISMATCH']);
  });
});

describe('fault actions in scenario files', () => {
  const ctx = { seed: 1, numOsds: 6, osdHost: (o: number) => o % 3, monNames: ['a', 'b', 'c'], poolId: () => undefined };

  test('bad fault events are refused, naming the event and the field', () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ action: 'mon-disk', mon: 'a', availPercent: 140 }, /event 0: "availPercent" must be a number in \[0, 100\]/],
      [{ action: 'mon-disk', mon: 'z', availPercent: 10 }, /"mon" must name a mon \(a, b, c\)/],
      [{ action: 'clock-skew', mon: 'b' }, /"skewS" must be a number/],
      [{ action: 'slow-ping', osd: 9, backMs: 10 }, /"osd" must be an OSD id 0\.\.5/],
      [{ action: 'store-alert', osd: 1, alert: 'bluestore' }, /"alert" must be an alert name/],
      [{ action: 'store-alert', osd: 1, alert: 'BLUEFS_SPILLOVER' }, /"message" is needed for BLUEFS_SPILLOVER/],
      [{ action: 'repair', osd: 1, reads: 0.5 }, /"reads" must be an integer in \[1, /],
      [{ action: 'fs-set', key: 'max_mds', value: 0 }, /"value" must be an integer in \[1, 32\]/],
      [{ action: 'fs-set', key: 'joinable', value: 1 }, /"key" must be max_mds or standby_count_wanted/],
    ];
    for (const [e, re] of bad) expect(() => parseScenario([{ atS: 1, ...e }], ctx)).toThrow(re);
    expect(() => loadScenario('mon-down', ctx)).not.toThrow();
  });
});
