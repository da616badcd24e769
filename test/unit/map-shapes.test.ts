// Issue 8 item 9: a MAP of the wrong shape is refused whole, never stored.
// Every field of a simulated cluster's maps is broken in turn (null, the wrong
// kind, removed); whatever the manager accepts, every reader of the maps
// (native commands, module views, the prometheus collection, zabbix items and
// discovery, tick, health) must still answer; whatever it refuses must leave
// the previous maps in place.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector } from '../../exporters/prometheus/collector.js';
import { HealthHistory } from '../../exporters/prometheus/health-history.js';
import type { Module } from '../../exporters/prometheus/module.js';
import { buildItems } from '../../exporters/zabbix/items.js';
import { discover, discoveryItems } from '../../exporters/zabbix/discovery.js';
import type { GetMap } from '../../src/mgr-module/index.js';
import type { MapMsg } from '../../src/protocol/messages.js';
import type { CommandCaller } from '../../src/server/daemon-server.js';
import type { SimRunner } from '../../src/sim/sim-runner.js';
import { ClusterState } from '../../src/state/cluster-state.js';
import { startPrometheusTestCluster, waitFor, type TestMgr } from '../helpers/harness.js';

const ADMIN: CommandCaller = { entity: 'client.admin', read: true, write: true };

const READ_COMMANDS: string[][] = [
  ['status'], ['status', '--format', 'json'], ['health'], ['health', 'detail'], ['health', 'detail', '--format', 'json'],
  ['df'], ['df', 'detail', '--format', 'json'], ['osd', 'stat'], ['osd', 'stat', '--format', 'json'], ['osd', 'perf'],
  ['osd', 'df'], ['osd', 'df', '--format', 'json'], ['osd', 'pool', 'stats'], ['osd', 'pool', 'stats', '--format', 'json'],
  ['service', 'dump'], ['pg', 'stat'], ['pg', 'stat', '--format', 'json'], ['pg', 'dump', 'pools', '--format', 'json'],
  ['pg', 'dump', 'osds', '--format', 'json'], ['osd', 'ok-to-stop', '0'], ['mgr', 'dump'],
];

/** Readers of every PG (slow even on a small cluster): only after a change of the osd map or CRUSH. */
const PG_COMMANDS: string[][] = [['pg', 'dump', '--format', 'json'], ['pg', 'dump', 'pgs_brief'], ['pg', 'ls'], ['mgr', 'metadata']];

const VIEWS: Array<keyof GetMap> = [
  'osd_map', 'osd_map_tree', 'osd_map_crush', 'mon_map', 'mon_status', 'fs_map', 'service_map', 'health', 'pg_summary', 'pg_status',
  'pg_dump', 'pg_stats', 'pool_stats', 'osd_pool_stats', 'osd_stats', 'osd_stats_brief', 'df', 'io_rate', 'osd_metadata', 'mds_metadata', 'osd_perf',
];

type Json = unknown;
interface Mutation { section: keyof MapMsg; path: string; value: Json }

const kind = (v: Json): string => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);
const REMOVE = Symbol('remove');

/** Values of another kind than `v` (null, and one of each other kind it could be mistaken for). */
function wrongValues(v: Json): Json[] {
  const out: Json[] = [null, REMOVE];
  switch (kind(v)) {
    case 'string': out.push(7); break;
    case 'number': out.push('x'); break;
    case 'boolean': out.push('x'); break;
    case 'array': out.push({}); break;
    case 'object': out.push([]); break;
  }
  return out;
}

/** Every path of `v` (arrays: their first element), with the values to try there. */
function* mutations(section: keyof MapMsg, v: Json, path: Array<string | number> = []): Generator<Mutation & { at: Array<string | number>; raw: Json }> {
  if (path.length > 0) {
    for (const w of wrongValues(v)) {
      if (w === REMOVE && typeof path[path.length - 1] === 'number') continue; // no holes in arrays
      yield { section, path: path.join('.'), value: w === REMOVE ? '<removed>' : w, at: path, raw: w };
    }
  }
  if (Array.isArray(v)) {
    if (v.length > 0) yield* mutations(section, v[0], [...path, 0]);
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) yield* mutations(section, x, [...path, k]);
  }
}

function applyAt(root: Json, at: Array<string | number>, raw: Json): Json {
  const copy = structuredClone(root) as Record<string | number, Json>;
  let cur = copy;
  for (const k of at.slice(0, -1)) cur = cur[k] as Record<string | number, Json>;
  const last = at[at.length - 1]!;
  if (raw === REMOVE) delete cur[last];
  else cur[last] = raw;
  return copy;
}

describe('cluster maps of the wrong shape (issue 8 item 9)', () => {
  let t: TestMgr;
  let sim: SimRunner;
  let good: MapMsg;
  let collector: Collector;
  let mod: Module;

  beforeAll(async () => {
    ({ t, sim } = await startPrometheusTestCluster({ osds: 4, seed: 5 }));
    await waitFor(() => t.mgr.cluster.pgMap.isPgReady() && t.mgr.cluster.fsMap && t.mgr.cluster.serviceMap, 30_000, 'a cluster with every map');
    good = structuredClone(sim.cluster.maps());
    // A check with every field, as the source sends MON_DOWN (the healthy simulated cluster has none).
    good.health_checks = { MON_CLOCK_SKEW: { severity: 'HEALTH_WARN', summary: { message: 'clock skew detected on mon.b', count: 1 }, detail: [{ message: 'mon.b clock skew 0.2s > max 0.05s' }], muted: false } };
    await sim.stop(); // nothing sends maps but the test from here on
    mod = t.mgr.registry.get('prometheus')?.instance as Module;
    collector = new Collector(mod, new HealthHistory(undefined, 1000), { warn: () => undefined, historyChanged: () => undefined });
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
  });

  /** The stored map of a section (the object, compared by identity: a refused message stores nothing). */
  const FIELDS: Record<string, string> = {
    osd_map: 'osdMap', osd_map_tree: 'osdMapTree', osd_map_crush: 'osdMapCrush', mon_map: 'monMap', mon_status: 'monStatus',
    fs_map: 'fsMap', service_map: 'serviceMap', health_checks: 'monChecks',
  };
  const stored = (section: string): unknown => (t.mgr.cluster as unknown as Record<string, unknown>)[FIELDS[section]!];

  /** What fails reading the maps now: one line per reader that threw or answered an error. */
  async function readerFailures(all = true): Promise<string[]> {
    const bad: string[] = [];
    const attempt = async (what: string, f: () => unknown): Promise<void> => {
      try {
        await f();
      } catch (err) {
        bad.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    await attempt('tick', () => t.mgr.cluster.tick(Date.now() / 1000));
    await attempt('health', () => t.mgr.cluster.health());
    for (const argv of all ? [...READ_COMMANDS, ...PG_COMMANDS] : READ_COMMANDS) {
      const r = await t.mgr.runCommand(ADMIN, { argv });
      // Any errno is an answer (ok-to-stop says EAGAIN while PGs are unknown); EIO is a reader that threw.
      if (r.r === -5) bad.push(`${argv.join(' ')}: ${r.r} ${r.outs}`);
    }
    for (const v of VIEWS) await attempt(`get('${v}')`, () => JSON.stringify(mod.get(v)));
    const c = await collector.collect({ excludePerfCounters: true, minPriority: 5, sliceMs: 50 });
    for (const e of c.errors) bad.push(`prometheus ${e.method}: ${e.message}`);
    await attempt('zabbix items', () => buildItems(mod));
    await attempt('zabbix discovery', () => discoveryItems(discover(mod)));
    return bad;
  }

  it('the maps of a real Ceph 16.2.15 cluster pass the checks (test/fixtures/ceph-reference)', () => {
    const ref = (name: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(`../fixtures/ceph-reference/mgr_internals/get.${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
    const health = JSON.parse(ref('health').json as string) as { checks: Record<string, unknown> };
    const msg = {
      osd_map: ref('osd_map'), osd_map_tree: ref('osd_map_tree'), osd_map_crush: ref('osd_map_crush'), mon_map: ref('mon_map'),
      mon_status: ref('mon_status'), fs_map: ref('fs_map'), service_map: ref('service_map'), health_checks: health.checks,
    } as MapMsg;
    const cs = new ClusterState();
    expect(() => cs.applyMap(msg)).not.toThrow();
    expect(cs.monMap?.mons.length).toBeGreaterThan(0);
  });

  it('the good maps read without a failure', async () => {
    t.mgr.cluster.applyMap(structuredClone(good));
    expect(await readerFailures()).toEqual([]);
  });

  it('refuses what the issue found stored: mdsmap null, mons [null], malformed health checks', () => {
    const refused = (msg: MapMsg): string => {
      try {
        t.mgr.cluster.applyMap(msg);
      } catch (err) {
        return (err as Error).message;
      }
      return 'accepted';
    };
    const fs = structuredClone(good.fs_map) as { filesystems: Array<{ mdsmap: unknown }> };
    fs.filesystems[0]!.mdsmap = null;
    expect(refused({ fs_map: fs })).toMatch(/fs_map\.filesystems\[0\]\.mdsmap/);
    expect(refused({ mon_map: { ...good.mon_map, mons: [null] } })).toMatch(/mon_map\.mons\[0\]/);
    expect(refused({ health_checks: { X: { severity: 'HEALTH_WARN', summary: { message: 'x', count: 1 }, detail: [null] } } } as unknown as MapMsg)).toMatch(/health_checks\.X\.detail\[0\]/);
    expect(refused({ health_checks: { X: { severity: 'HEALTH_WARN', summary: { message: 'x', count: 1 }, detail: 'x' } } } as unknown as MapMsg)).toMatch(/health_checks\.X\.detail/);
    // Refused whole: the good fs map stays.
    expect(t.mgr.cluster.fsMap?.filesystems[0]?.mdsmap).toBeTruthy();
    t.mgr.cluster.applyMap(structuredClone(good));
  });

  it('every field broken in turn: refused whole, or every reader still answers', async () => {
    const failures: string[] = [];
    let accepted = 0;
    let refused = 0;
    let readMs = 0;
    const sections = (Object.keys(good) as Array<keyof MapMsg>).filter((k) => k !== 'fsid');
    for (const section of sections) {
      for (const m of mutations(section, good[section])) {
        const msg = { [section]: applyAt(good[section], m.at, m.raw) } as MapMsg;
        const before = stored(section);
        let ok = true;
        try {
          t.mgr.cluster.applyMap(msg);
          accepted++;
        } catch {
          refused++;
          ok = false;
        }
        const what = `${section}.${m.path} = ${JSON.stringify(m.value)}`;
        if (!ok) {
          // Checked before anything is stored: nothing changed that a reader could see.
          if (stored(section) !== before) failures.push(`${what}: refused but stored`);
        } else {
          const t0 = performance.now();
          for (const f of await readerFailures(section.startsWith('osd_map'))) failures.push(`${what}: ${f}`);
          readMs += performance.now() - t0;
        }
        t.mgr.cluster.applyMap(structuredClone({ [section]: good[section] }));
      }
    }
    if (process.env.MAP_SHAPES_DUMP) (await import('node:fs')).writeFileSync(process.env.MAP_SHAPES_DUMP, failures.join('\n'));
    console.log(`map mutations: ${accepted} accepted, ${refused} refused, ${failures.length} reader failures, readers ${Math.round(readMs / accepted)} ms per accepted one`);
    expect(failures.slice(0, 40)).toEqual([]);
    expect(accepted + refused).toBeGreaterThan(500);
  }, 600_000);
});
