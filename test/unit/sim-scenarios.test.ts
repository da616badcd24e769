// Scenarios (built-in and JSON files), their validation, and a 10,000-OSD smoke test.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { SimCluster } from '../../src/sim/model/sim-cluster.js';

const START = 1_800_000_000;
const dir = mkdtempSync(join(tmpdir(), 'mgrd-sim-'));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function make(scenario: string, extra: Record<string, unknown> = {}): SimCluster {
  return new SimCluster({ osds: 12, seed: 5, startS: START, scenario, ...extra });
}

describe('built-in scenarios', () => {
  test('osd-down: kill at 10 s, out at 40 s, back at 600/620 s', () => {
    const c = make('osd-down', { recoveryBytesPerS: 16 * 1024 ** 3, osdMaxBackfills: 4 });
    const seen = new Set<string>();
    for (let t = 1; t <= 1200; t++) {
      c.advance(START + t);
      for (const s of Object.keys(c.pgSummary())) seen.add(s);
    }
    const what = c.events.map((e) => `${e.atS} ${e.what}`);
    expect(what[0]).toMatch(/^10 osd\.\d+ down \(killed\)$/);
    expect(what[1]).toMatch(/^40 osd\.\d+ marked out, \d+ PGs remapped$/);
    expect(what).toEqual(expect.arrayContaining([expect.stringMatching(/^600 osd\.\d+ up \(boot\)$/), expect.stringMatching(/^620 osd\.\d+ marked in/)]));
    expect([...seen]).toEqual(expect.arrayContaining(['active+undersized+degraded', 'peering', 'active+clean']));
    expect([...seen].some((s) => s.includes('backfilling'))).toBe(true);
    expect(c.pgSummary()).toEqual({ 'active+clean': c.table.n });
  });

  test('recovery, scrub and nearfull produce their states', () => {
    const r = make('recovery');
    const seen = new Set<string>();
    for (let t = 1; t <= 200; t++) {
      r.advance(START + t);
      for (const s of Object.keys(r.pgSummary())) seen.add(s);
    }
    expect([...seen].some((s) => s.includes('recovering'))).toBe(true);
    expect([...seen].some((s) => s === 'active+remapped+backfilling' || s === 'active+remapped+backfill_wait')).toBe(true);

    const s = make('scrub', { backgroundScrub: false });
    for (let t = 1; t <= 15; t++) s.advance(START + t);
    expect(s.pgSummary()['active+clean+scrubbing']).toBeGreaterThan(0);

    const n = make('nearfull');
    for (let t = 1; t <= 200; t++) n.advance(START + t);
    const states = (n.maps().osd_map!.osds as Array<{ state: string[] }>).map((o) => o.state.join(','));
    expect(states).toEqual(expect.arrayContaining(['exists,up,nearfull', 'exists,up,full']));
  });

  test('a JSON scenario file drives the control API', () => {
    const path = file('ok.json', JSON.stringify([
      { atS: 5, action: 'kill', osd: 2 },
      { atS: 6, action: 'kill-mon', mon: 'a' },
      { atS: 8, action: 'fill', osd: 'osd.4', ratio: 0.9 },
      { atS: 9, action: 'scrub', pool: 'rbd', deep: true },
      { atS: 12, action: 'revive', osd: 2 },
      { atS: 13, action: 'out', osd: 3 },
      { atS: 14, action: 'in', osd: 3 },
      { atS: 15, action: 'revive-mon', mon: 'mon.a' },
      { atS: 16, action: 'set', flag: 'noout' },
      { atS: 17, action: 'set', flag: 'nodeep-scrub' },
      { atS: 18, action: 'unset', flag: 'noout' },
    ]));
    const c = make(path);
    for (let t = 1; t <= 20; t++) c.advance(START + t);
    expect(c.events.map((e) => e.what)).toEqual(expect.arrayContaining([
      'osd.2 down (killed)', 'mon.a down (out of quorum)', 'osd.4 filled to 90%', 'deep-scrub requested for 128 PGs of pool 2',
      'osd.2 up (boot)', 'mon.a up (rejoined quorum)', 'noout flag set', 'nodeep-scrub flag set', 'noout flag unset',
    ]));
    expect(c.maps().osd_map).toMatchObject({ flags: 'nodeep-scrub,sortbitwise,recovery_deletes,purged_snapdirs,pglog_hardlimit', flags_num: 5799936 + 4096 });
  });
});

describe('bad scenarios are rejected with the reason', () => {
  const cases: Array<[string, string | (() => string), RegExp]> = [
    ['unknown name', 'meteor-strike', /unknown scenario "meteor-strike": use one of none, osd-down, recovery, scrub, nearfull/],
    ['missing file', () => join(dir, 'nope.json'), /scenario file .*nope\.json: cannot read it/],
    ['bad JSON', () => file('bad.json', '[{"atS": 1,'), /scenario file .*bad\.json: bad JSON/],
    ['not an array', () => file('obj.json', '{"atS": 1}'), /expected a JSON array of events/],
    ['unknown action', () => file('act.json', '[{"atS": 1, "action": "explode", "osd": 1}]'), /event 0: unknown action "explode" \(known: kill, revive, out, in, fill, scrub, kill-mon, revive-mon, set, unset, mon-disk, clock-skew, slow-ping, store-alert, repair, fail-mds, revive-mds, damage-mds, mds-read-only, fs-set, crash, device-failing\)/],
    ['bad flag', () => file('flag.json', '[{"atS": 1, "action": "set", "flag": "nofun"}]'), /"flag" must be a cluster flag \(pause, noup, .*\), got "nofun"/],
    ['bad osd id', () => file('osd.json', '[{"atS": 1, "action": "kill", "osd": 1}, {"atS": 2, "action": "kill", "osd": 12}]'), /event 1: "osd" must be an OSD id 0\.\.11, got 12/],
    ['bad time', () => file('time.json', '[{"atS": -1, "action": "kill", "osd": 1}]'), /"atS" must be a number of seconds >= 0/],
    ['bad ratio', () => file('ratio.json', '[{"atS": 1, "action": "fill", "osd": 1, "ratio": 2}]'), /"ratio" must be a number in \(0, 1\]/],
    ['bad mon', () => file('mon.json', '[{"atS": 1, "action": "kill-mon", "mon": "q"}]'), /"mon" must name a mon \(a, b, c\), got "q"/],
    ['bad pool', () => file('pool.json', '[{"atS": 1, "action": "scrub", "pool": "nopool"}]'), /no pool "nopool"/],
  ];
  for (const [name, spec, message] of cases) {
    test(name, () => {
      expect(() => make(typeof spec === 'string' ? spec : spec())).toThrow(message);
    });
  }

  test('bad options', () => {
    expect(() => new SimCluster({ osds: 2, seed: 1 })).toThrow(/osds must be an integer >= 3/);
    expect(() => new SimCluster({ osds: 10, seed: Number.NaN })).toThrow(/seed must be a number/);
    expect(() => new SimCluster({ osds: 10, seed: 1, osdsPerHost: 0 })).toThrow(/osdsPerHost/);
  });
});

describe('scale', () => {
  test('10,000 OSDs: construction, maps, a failure and reports', () => {
    let t0 = performance.now();
    const c = new SimCluster({ osds: 10_000, seed: 11, startS: START });
    const constructMs = performance.now() - t0;
    t0 = performance.now();
    const maps = c.maps();
    const mapsMs = performance.now() - t0;
    expect((maps.osd_map!.osds as unknown[]).length).toBe(10_000);
    expect(c.table.n).toBeGreaterThan(250_000);
    expect(c.table.n).toBeLessThan(400_000);
    t0 = performance.now();
    c.killOsd(1234);
    c.advance(START + 1);
    c.advance(START + 2);
    const killMs = performance.now() - t0;
    expect(Object.keys(c.pgSummary())).toContain('active+undersized+degraded');
    t0 = performance.now();
    for (let i = 0; i < 1000; i++) c.sampleCounters(`osd.${i}`, START + 2);
    const sampleUs = (performance.now() - t0) * 1000 / 1000;
    t0 = performance.now();
    for (let i = 0; i < 1000; i++) c.pgStats(i, START + 2);
    const pgStatsUs = (performance.now() - t0) * 1000 / 1000;
    console.log(`10k OSDs: construct ${constructMs.toFixed(0)} ms, maps ${mapsMs.toFixed(0)} ms, kill+2 ticks ${killMs.toFixed(0)} ms, ` +
      `sample ${sampleUs.toFixed(1)} us/osd, pgStats ${pgStatsUs.toFixed(1)} us/osd, ${c.table.n} PGs`);
  });
});
