// Health checks with Ceph 16's names and wording, each turned on and off.

import { describe, expect, test } from 'vitest';
import { STAT_SUM_INDEX as S } from '../../src/protocol/messages.js';
import { computeHealth, type HealthConfig } from '../../src/state/health.js';
import type { HealthCheckMap } from '../../src/mgr-module/health.js';
import type { OsdMap } from '../../src/mgr-module/map-types.js';
import { PGMap } from '../../src/state/pg-map.js';
import { SimCluster, hostOf, makeOsdMap, makeOsdTree, type ClusterSpec } from '../helpers/pg-cluster.js';

const T0 = 1_800_000_000; // 2027-01-15T08:00:00Z
const MIB = 1024 * 1024;

const SPEC: ClusterSpec = {
  numOsds: 8,
  osdsPerHost: 4,
  pools: [{ id: 1, name: 'rbd', size: 2, pgNum: 16, quotaMaxBytes: 1024 * MIB, quotaMaxObjects: 100 }],
  osdBytes: 4096 * MIB,
};

/** 16 PGs on 8 OSDs; osd.7 leads only pg 1.f, so taking it down makes exactly one PG stale. */
function world(spec = SPEC) {
  const sim = new SimCluster(spec);
  sim.pgs.forEach((p, i) => {
    p.acting = i === 15 ? [7, 0] : [i % 7, (i + 1) % 7];
    p.up = [...p.acting];
    p.stat[S.num_bytes] = 4 * MIB;
    p.stat[S.num_objects] = 1;
    p.stat[S.num_object_copies] = 2;
    p.lastScrub = T0 - 86400;
    p.lastChange = T0 - 3600;
  });
  const m = new PGMap();
  let osdMap = makeOsdMap(spec, sim.epoch);
  m.applyOsdMap(osdMap, T0);
  const tree = makeOsdTree(spec);
  const feed = (t: number): void => {
    for (const msg of sim.messages(t)) m.applyPgStats(msg, t);
  };
  const setMap = (o: Parameters<typeof makeOsdMap>[2], t: number, mutate?: (map: OsdMap) => void): void => {
    osdMap = makeOsdMap(spec, ++sim.epoch, o);
    mutate?.(osdMap);
    for (const d of o?.down ?? []) sim.down.add(d);
    m.applyOsdMap(osdMap, t);
  };
  const health = (nowS: number, config: Partial<HealthConfig> = {}): HealthCheckMap => computeHealth({ osdMap, osdTree: tree, pgMap: m, nowS, config });
  feed(T0);
  return { sim, m, feed, setMap, health, get osdMap() { return osdMap; } };
}

const summary = (h: HealthCheckMap, code: string): string | undefined => h[code]?.summary.message;
const details = (h: HealthCheckMap, code: string): string[] => (h[code]?.detail ?? []).map((d) => d.message);

describe('healthy', () => {
  test('a clean cluster has no checks', () => {
    expect(world().health(T0 + 5)).toEqual({});
  });
});

describe('OSD_DOWN and subtree checks', () => {
  test('one OSD down, then up again', () => {
    const w = world();
    w.setMap({ down: [3] }, T0 + 1);
    const h = w.health(T0 + 1);
    expect(h.OSD_DOWN).toEqual({ severity: 'HEALTH_WARN', summary: { message: '1 osds down', count: 1 }, detail: [{ message: 'osd.3 (root=default,host=h0) is down' }], muted: false });
    expect(h.OSD_HOST_DOWN).toBeUndefined();
    w.sim.down.clear();
    w.setMap({}, T0 + 2);
    expect(w.health(T0 + 2).OSD_DOWN).toBeUndefined();
  });

  test('a whole host down is OSD_HOST_DOWN; everything down is OSD_ROOT_DOWN too', () => {
    const w = world();
    w.setMap({ down: [3, 4, 5, 6, 7] }, T0 + 1);
    let h = w.health(T0 + 1);
    expect(h.OSD_HOST_DOWN!.summary).toEqual({ message: '1 host (4 osds) down', count: 1 });
    expect(details(h, 'OSD_HOST_DOWN')).toEqual(['host h1 (root=default) (4 osds) is down']);
    expect(summary(h, 'OSD_DOWN')).toBe('5 osds down');
    w.setMap({ down: [0, 1, 2, 3, 4, 5, 6, 7] }, T0 + 2);
    h = w.health(T0 + 2);
    expect(summary(h, 'OSD_ROOT_DOWN')).toBe('1 root (8 osds) down');
    expect(details(h, 'OSD_ROOT_DOWN')).toEqual(['root default (8 osds) is down']);
    expect(summary(h, 'OSD_HOST_DOWN')).toBe('2 hosts (8 osds) down');
    expect(details(h, 'OSD_HOST_DOWN')).toEqual(['host h0 (root=default) (4 osds) is down', 'host h1 (root=default) (4 osds) is down']);
  });

  test('a down OSD that is also out is not reported', () => {
    const w = world();
    w.setMap({ down: [3], out: [3] }, T0 + 1);
    expect(w.health(T0 + 1).OSD_DOWN).toBeUndefined();
  });

  test('locations from OSD metadata hostnames, or none at all', () => {
    const w = world();
    w.setMap({ down: [5] }, T0 + 1);
    const hostByOsd = new Map(Array.from({ length: 8 }, (_, i) => [i, hostOf(SPEC, i)] as const));
    expect(details(computeHealth({ osdMap: w.osdMap, hostByOsd, pgMap: w.m }), 'OSD_DOWN')).toEqual(['osd.5 (root=default,host=h1) is down']);
    expect(details(computeHealth({ osdMap: w.osdMap, pgMap: w.m }), 'OSD_DOWN')).toEqual(['osd.5 () is down']);
  });
});

describe('OSD fullness and map flags', () => {
  test('nearfull, backfillfull and full from usage against the osd map ratios', () => {
    const w = world();
    const use = (osd: number, ratio: number): void => {
      const msg = w.sim.messages(T0 + 2).find((x) => x.osd === osd)!;
      msg.osd_stat.statfs.available = Math.round(msg.osd_stat.statfs.total * (1 - ratio));
      w.m.applyPgStats(msg, T0 + 2);
    };
    use(1, 0.87);
    use(2, 0.92);
    use(3, 0.96);
    let h = w.health(T0 + 2);
    expect(h.OSD_NEARFULL).toMatchObject({ severity: 'HEALTH_WARN', summary: { message: '1 nearfull osd(s)', count: 1 }, detail: [{ message: 'osd.1 is near full' }] });
    expect(h.OSD_BACKFILLFULL).toMatchObject({ severity: 'HEALTH_WARN', summary: { message: '1 backfillfull osd(s)' }, detail: [{ message: 'osd.2 is backfill full' }] });
    expect(h.OSD_FULL).toMatchObject({ severity: 'HEALTH_ERR', summary: { message: '1 full osd(s)' }, detail: [{ message: 'osd.3 is full' }] });
    w.feed(T0 + 3);
    h = w.health(T0 + 3);
    expect([h.OSD_NEARFULL, h.OSD_BACKFILLFULL, h.OSD_FULL]).toEqual([undefined, undefined, undefined]);
    // The OSD's own flag in the osd map counts as well.
    w.setMap({}, T0 + 4, (map) => { map.osds[6]!.state = ['exists', 'up', 'nearfull']; });
    expect(details(w.health(T0 + 4), 'OSD_NEARFULL')).toEqual(['osd.6 is near full']);
  });

  test('ratios out of order, and flags an operator set', () => {
    const w = world();
    w.setMap({ flags: 'sortbitwise,noout,noscrub,pglog_hardlimit' }, T0 + 1, (map) => { map.nearfull_ratio = 0.95; });
    const h = w.health(T0 + 1);
    expect(h.OSD_OUT_OF_ORDER_FULL).toMatchObject({ severity: 'HEALTH_ERR', summary: { message: 'full ratio(s) out of order' } });
    // full_ratio (float 0.95) is not below the raised backfillfull_ratio (float 0.95): one line.
    expect(details(h, 'OSD_OUT_OF_ORDER_FULL')).toEqual(['backfillfull_ratio (0.9) < nearfull_ratio (0.95), increased']);
    expect(h.OSDMAP_FLAGS!.summary).toEqual({ message: 'noout,noscrub flag(s) set', count: 13 });
    w.setMap({}, T0 + 2);
    expect(w.health(T0 + 2)).toEqual({});
  });
});

describe('PG_DEGRADED', () => {
  test('Ceph wording with object counts, PG counts, and stuck undersized details', () => {
    const w = world();
    // 456 object copies in all, 123 degraded over 12 PGs, 3 of them undersized since T0.
    w.sim.pgs.forEach((p, i) => { p.stat[S.num_object_copies] = i === 0 ? 36 : 28; });
    w.sim.pgs.slice(0, 12).forEach((p, i) => {
      p.state = i < 3 ? 'active+undersized+degraded' : 'active+degraded';
      p.stat[S.num_objects_degraded] = i === 0 ? 13 : 10;
      if (i < 3) p.acting = p.acting.slice(0, 1);
    });
    w.feed(T0 + 120);
    const h = w.health(T0 + 120);
    expect(h.PG_DEGRADED!.summary).toEqual({ message: 'Degraded data redundancy: 123/456 objects degraded (26.974%), 12 pgs degraded, 3 pgs undersized', count: 15 });
    const d = details(h, 'PG_DEGRADED');
    expect(d).toHaveLength(12);
    expect(d[0]).toBe('pg 1.0 is stuck undersized for 2m, current state active+undersized+degraded, last acting [0]');
    expect(d[3]).toBe('pg 1.3 is active+degraded, acting [3,4]');
    // Just-undersized PGs are not reported yet (mon_pg_stuck_threshold).
    expect(summary(w.health(T0 + 120, { monPgStuckThresholdS: 300 }), 'PG_DEGRADED')).toBe('Degraded data redundancy: 123/456 objects degraded (26.974%), 12 pgs degraded');
    for (const p of w.sim.pgs) {
      p.state = 'active+clean';
      p.stat[S.num_objects_degraded] = 0;
    }
    w.feed(T0 + 130);
    expect(w.health(T0 + 130).PG_DEGRADED).toBeUndefined();
  });
});

describe('PG_AVAILABILITY', () => {
  test('inactive, down and stale PGs once stuck', () => {
    const w = world();
    for (const id of ['1.0', '1.1']) {
      w.sim.pg(id).state = 'down';
      w.sim.pg(id).blockedBy = [6];
    }
    for (const id of ['1.2', '1.3']) w.sim.pg(id).state = 'activating';
    w.feed(T0 + 120);
    w.setMap({ down: [7] }, T0 + 120);
    const h = w.health(T0 + 181);
    expect(h.PG_AVAILABILITY!.summary).toEqual({ message: 'Reduced data availability: 4 pgs inactive, 2 pgs down, 1 pg stale', count: 7 });
    expect(details(h, 'PG_AVAILABILITY')).toEqual([
      'pg 1.0 is down, acting [0,1]',
      'pg 1.1 is down, acting [1,2]',
      'pg 1.2 is stuck inactive for 3m, current state activating, last acting [2,3]',
      'pg 1.3 is stuck inactive for 3m, current state activating, last acting [3,4]',
      'pg 1.f is stuck stale for 61s, current state stale+active+clean, last acting [7,0]',
    ]);
    // Stale since T0+120: not yet stuck 30 s later.
    expect(summary(w.health(T0 + 150), 'PG_AVAILABILITY')).toBe('Reduced data availability: 4 pgs inactive, 2 pgs down');
    for (const p of w.sim.pgs) p.state = 'active+clean';
    w.sim.pg('1.f').acting = [0, 1];
    w.sim.pg('1.f').epochBump = 1;
    w.feed(T0 + 200);
    expect(w.health(T0 + 200).PG_AVAILABILITY).toBeUndefined();
  });

  test('a PG reported stale (relayed from Ceph\'s pg dump, its primary up) is stuck stale since the last report that was not', () => {
    const w = world();
    w.sim.pg('1.4').state = 'stale+active+clean';
    w.feed(T0 + 10);
    w.feed(T0 + 50);
    expect(summary(w.health(T0 + 50), 'PG_AVAILABILITY')).toBeUndefined();
    w.feed(T0 + 70);
    expect(summary(w.health(T0 + 70), 'PG_AVAILABILITY')).toBe('Reduced data availability: 1 pg stale');
    expect(details(w.health(T0 + 70), 'PG_AVAILABILITY')).toEqual(['pg 1.4 is stuck stale for 70s, current state stale+active+clean, last acting [4,5]']);
    w.sim.pg('1.4').state = 'active+clean';
    w.feed(T0 + 80);
    expect(w.health(T0 + 80).PG_AVAILABILITY).toBeUndefined();
  });

  test('PGs nobody reported are stuck inactive since forever', () => {
    const w = world();
    const grown = { ...SPEC, pools: [{ ...SPEC.pools[0]!, pgNum: 18 }] };
    w.m.applyOsdMap(makeOsdMap(grown, 20), T0 + 1);
    const h = computeHealth({ osdMap: makeOsdMap(grown, 20), pgMap: w.m, nowS: T0 + 1 });
    expect(summary(h, 'PG_AVAILABILITY')).toBe('Reduced data availability: 2 pgs inactive');
    expect(details(h, 'PG_AVAILABILITY')).toEqual([
      'pg 1.10 is stuck inactive since forever, current state unknown, last acting []',
      'pg 1.11 is stuck inactive since forever, current state unknown, last acting []',
    ]);
  });

  test('no PG checks before every up OSD has reported (pg_ready)', () => {
    const m = new PGMap();
    const map = makeOsdMap(SPEC, 10);
    m.applyOsdMap(map, T0);
    expect(m.numPgs).toBe(16); // all unknown
    expect(computeHealth({ osdMap: map, pgMap: m, nowS: T0 + 600 })).toEqual({});
  });
});

describe('pool quotas', () => {
  const withBytes = (w: ReturnType<typeof world>, total: number, t: number): void => {
    for (const p of w.sim.pgs) p.stat[S.num_bytes] = total / 16;
    w.feed(t);
  };

  test('POOL_NEAR_FULL and POOL_FULL by mon_pool_quota_*_threshold, off by default', () => {
    const w = world();
    const cfg = { monPoolQuotaWarnThresholdPct: 80, monPoolQuotaCritThresholdPct: 95 };
    withBytes(w, 870 * MIB, T0 + 1);
    expect(w.health(T0 + 1).POOL_NEAR_FULL).toBeUndefined();
    let h = w.health(T0 + 1, cfg);
    expect(h.POOL_NEAR_FULL).toEqual({ severity: 'HEALTH_WARN', summary: { message: '1 pools nearfull', count: 1 }, detail: [{ message: "pool 'rbd' has 870 MiB (max 1 GiB)" }], muted: false });
    withBytes(w, 1000 * MIB, T0 + 2);
    h = w.health(T0 + 2, cfg);
    expect(h.POOL_NEAR_FULL).toBeUndefined();
    expect(h.POOL_FULL).toMatchObject({ severity: 'HEALTH_ERR', summary: { message: '1 pools full', count: 1 }, detail: [{ message: "pool 'rbd' has 1000 MiB (max 1 GiB)" }] });
    withBytes(w, 100 * MIB, T0 + 3);
    expect(w.health(T0 + 3, cfg)).toEqual({});
  });

  test('reaching a quota is POOL_FULL as the osd map reports it; both sources merge', () => {
    const w = world();
    withBytes(w, 1024 * MIB, T0 + 1);
    expect(w.health(T0 + 1).POOL_FULL).toEqual({ severity: 'HEALTH_WARN', summary: { message: '1 pool(s) full', count: 1 }, detail: [{ message: "pool 'rbd' is full (running out of quota)" }], muted: false });
    for (const p of w.sim.pgs) p.stat[S.num_objects] = 6; // 96 objects of 100
    w.feed(T0 + 2);
    const h = w.health(T0 + 2, { monPoolQuotaCritThresholdPct: 95 });
    expect(h.POOL_FULL!.summary).toEqual({ message: '1 pool(s) full', count: 2 });
    expect(details(h, 'POOL_FULL')).toEqual(["pool 'rbd' is full (running out of quota)", "pool 'rbd' has 96 objects (max 100)"]);
  });
});

describe('objects and scrubs', () => {
  test('OBJECT_MISPLACED only with mon_warn_on_misplaced', () => {
    const w = world();
    w.sim.pg('1.4').state = 'active+remapped+backfilling';
    w.sim.pg('1.4').stat[S.num_objects_misplaced] = 1;
    w.feed(T0 + 1);
    expect(w.health(T0 + 1)).toEqual({});
    expect(w.health(T0 + 1, { monWarnOnMisplaced: true }).OBJECT_MISPLACED!.summary).toEqual({ message: '1/32 objects misplaced (3.125%)', count: 1 });
  });

  test('OBJECT_UNFOUND and PG_DAMAGED', () => {
    const w = world();
    const pg = w.sim.pg('1.3');
    pg.state = 'active+recovery_unfound+degraded';
    pg.stat[S.num_objects] = 5;
    pg.stat[S.num_objects_unfound] = 2;
    w.feed(T0 + 1);
    const h = w.health(T0 + 1);
    expect(h.OBJECT_UNFOUND).toMatchObject({ summary: { message: '2/20 objects unfound (10.000%)', count: 2 }, detail: [{ message: 'pg 1.3 has 2 unfound objects' }] });
    expect(h.PG_DAMAGED).toMatchObject({ severity: 'HEALTH_ERR', summary: { message: 'Possible data damage: 1 pg recovery_unfound', count: 1 }, detail: [{ message: 'pg 1.3 is active+recovery_unfound+degraded, acting [3,4], 2 unfound' }] });
    pg.state = 'active+clean';
    pg.stat[S.num_objects_unfound] = 0;
    w.feed(T0 + 2);
    expect(w.health(T0 + 2)).toEqual({});
  });

  test('OSD_SCRUB_ERRORS with an inconsistent PG', () => {
    const w = world();
    w.sim.pg('1.5').state = 'active+clean+inconsistent';
    w.sim.pg('1.5').stat[S.num_scrub_errors] = 3;
    w.feed(T0 + 1);
    const h = w.health(T0 + 1);
    expect(h.OSD_SCRUB_ERRORS).toMatchObject({ severity: 'HEALTH_ERR', summary: { message: '3 scrub errors', count: 3 } });
    expect(summary(h, 'PG_DAMAGED')).toBe('Possible data damage: 1 pg inconsistent');
  });

  test('PG_NOT_SCRUBBED and PG_NOT_DEEP_SCRUBBED past (1 + ratio) x interval', () => {
    const w = world();
    w.sim.pg('1.0').lastScrub = T0 - 11 * 86400; // past 10.5 days, not past 12.25
    w.sim.pg('1.1').lastScrub = T0 - 13 * 86400; // past both
    w.feed(T0);
    const h = w.health(T0);
    expect(h.PG_NOT_SCRUBBED).toMatchObject({ severity: 'HEALTH_WARN', summary: { message: '2 pgs not scrubbed in time', count: 2 } });
    expect(details(h, 'PG_NOT_SCRUBBED')).toEqual(['pg 1.0 not scrubbed since 2027-01-04T08:00:00.000000+0000', 'pg 1.1 not scrubbed since 2027-01-02T08:00:00.000000+0000']);
    expect(details(h, 'PG_NOT_DEEP_SCRUBBED')).toEqual(['pg 1.1 not deep-scrubbed since 2027-01-02T08:00:00.000000+0000']);
    expect(w.health(T0, { monWarnPgNotScrubbedRatio: 0, monWarnPgNotDeepScrubbedRatio: 0 })).toEqual({});
  });
});
