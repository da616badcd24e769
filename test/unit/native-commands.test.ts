// Native cluster commands against a real manager fed over the wire with a
// small hand-built cluster (a mon sending maps, each OSD its PG_STATS): JSON
// shapes against the Ceph 16 captures, exact plain lines, and the errors.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MgrClient } from '../../src/client/mgr-client.js';
import { Errno } from '../../src/common/errno.js';
import { cephTimestamp } from '../../src/common/time.js';
import { STAT_SUM_INDEX as S, type MapMsg } from '../../src/protocol/messages.js';
import type { CommandCaller } from '../../src/server/daemon-server.js';
import type { OsdMap } from '../../src/mgr-module/map-types.js';
import { startTestMgr, waitFor, type TestMgr, type TestMgrOptions } from '../helpers/harness.js';
import { SimCluster as PgSim, makeOsdMap, makeOsdTree, refCli, refJson, type ClusterSpec } from '../helpers/pg-cluster.js';
import { expectSameShape } from '../helpers/shape.js';

const ADMIN: CommandCaller = { entity: 'client.admin', read: true, write: true };
const FSID = '433500eb-af2c-4dac-b9f0-03fd67b0928a';
const MIB = 1024 * 1024;
const HOUR_MS = 3600_000;

/**
 * 4 OSDs on 2 hosts (h0: 0,1; h1: 2,3). Pool rbd (size 2, min_size 1) spreads
 * over all four; pool data (size 2, min_size 2) lives on osd.2 and osd.3 only,
 * so stopping either of those would take data PGs offline.
 */
const SPEC: ClusterSpec = {
  numOsds: 4,
  osdsPerHost: 2,
  pools: [
    { id: 1, name: 'rbd', size: 2, pgNum: 8, minSize: 1 },
    { id: 2, name: 'data', size: 2, pgNum: 4, minSize: 2 },
  ],
  osdBytes: 4096 * MIB,
  perPoolOsds: [0, 1, 2, 3],
};

/** The cluster feeding a manager: a mon client sends maps, a client per OSD its PG_STATS. Time for rates is ours. */
class HandFedCluster {
  readonly sim = new PgSim(SPEC);
  osdMap: OsdMap;
  /** The clock of the manager's PG ticks (rates are deltas over it). */
  clockS = Math.floor(Date.now() / 1000);
  private readonly clients = new Map<number, MgrClient>();
  private mon: MgrClient | undefined;

  constructor(readonly t: TestMgr) {
    for (const p of this.sim.pgs) {
      const set = p.pool === 1 ? [p.ps % 4, (p.ps + 2) % 4] : p.ps % 2 === 0 ? [2, 3] : [3, 2];
      p.acting = [...set];
      p.up = [...set];
    }
    this.osdMap = this.makeMap([]);
  }

  makeMap(down: number[], mutate?: (m: OsdMap) => void): OsdMap {
    const m = makeOsdMap(SPEC, this.sim.epoch, { down });
    m.fsid = FSID;
    m.pg_temp = [];
    m.last_up_change = cephTimestamp(Date.now() - 3 * HOUR_MS);
    m.last_in_change = cephTimestamp(Date.now() - 5 * HOUR_MS);
    mutate?.(m);
    return m;
  }

  maps(): MapMsg {
    const mon = (rank: number, name: string) => ({ rank, name, addr: '', public_addr: '', public_addrs: { addrvec: [] }, priority: 0, weight: 0 });
    return {
      fsid: FSID,
      osd_map: this.osdMap,
      osd_map_tree: { ...makeOsdTree(SPEC) },
      mon_map: { epoch: 1, fsid: FSID, modified: '', created: '', min_mon_release_name: 'pacific', mons: [mon(0, 'a')] },
      mon_status: { election_epoch: 3, quorum: [0], quorum_age: 7200 },
      service_map: { epoch: 1, modified: '2026-11-26T17:40:00.597357+0000', services: {} },
      health_checks: {},
    };
  }

  async start(): Promise<void> {
    const key = (e: string): Buffer => this.t.keyring.lookup(e)!.key;
    this.mon = new MgrClient({ addrs: [this.t.daemonAddr], entity: 'mon.a', secret: key('mon.a') });
    this.mon.start();
    await this.mon.waitReady();
    this.mon.sendMap(this.maps());
    await waitFor(() => this.t.mgr.cluster.osdMap?.epoch === this.osdMap.epoch, 5000, 'the osd map');
    for (let osd = 0; osd < SPEC.numOsds; osd++) {
      const c = new MgrClient({
        addrs: [this.t.daemonAddr], entity: `osd.${osd}`, secret: key(`osd.${osd}`),
        daemon: {
          name: `osd.${osd}`, metadata: { hostname: `h${Math.floor(osd / 2)}` }, schema: () => [], sample: () => new Float64Array(0),
          pgStats: () => this.sim.messages(Date.now() / 1000).find((m) => m.osd === osd),
        },
      });
      this.clients.set(osd, c);
      c.start();
      await c.waitReady();
    }
    await this.report(0);
  }

  /** Every OSD that is not down reports now; `dtS` later the manager ticks, so views, rates and health follow. */
  async report(dtS = 5): Promise<void> {
    const before = this.t.mgr.server.stats.pgStats;
    let n = 0;
    for (const [osd, c] of this.clients) {
      if (this.sim.down.has(osd)) continue;
      c.reportNow();
      n++;
    }
    await waitFor(() => this.t.mgr.server.stats.pgStats >= before + n, 5000, 'PG_STATS');
    this.clockS += dtS;
    this.t.mgr.cluster.tick(this.clockS);
  }

  /** A new osd map epoch (OSDs down, pools, flags...) from the mon, then a round of reports. */
  async setMap(down: number[], mutate?: (m: OsdMap) => void): Promise<void> {
    this.sim.epoch++;
    this.sim.down.clear();
    for (const d of down) this.sim.down.add(d);
    this.osdMap = this.makeMap(down, mutate);
    this.mon!.sendMap({ osd_map: this.osdMap });
    await waitFor(() => this.t.mgr.cluster.osdMap?.epoch === this.osdMap.epoch, 5000, 'the new osd map');
    await this.report();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.clients.values(), ...(this.mon ? [this.mon] : [])].map((c) => c.stop()));
  }
}

/** A manager (its own tick timer parked: the test ticks) fed by a fresh hand-built cluster. */
function withCluster(opts: TestMgrOptions = {}) {
  const env = {} as { t: TestMgr; cluster: HandFedCluster };
  beforeAll(async () => {
    env.t = await startTestMgr({ modules: [], ...opts, set: { mgr_tick_period: 600, ...opts.set } });
    await env.t.store.update((m) => {
      m.active_change = cephTimestamp(Date.now() - 15 * 60_000);
      m.services = { prometheus: 'http://127.0.0.1:9283/' };
      m.standbys = [{ gid: 4242, name: 'y', available_modules: [], mgr_features: 0 }];
    });
    env.cluster = new HandFedCluster(env.t);
    await env.cluster.start();
  });
  afterAll(async () => {
    await env.cluster.stop();
    await env.t.stop();
  });
  const run = (...argv: string[]) => env.t.mgr.runCommand(ADMIN, { argv });
  const json = async <T = Record<string, unknown>>(...argv: string[]): Promise<T> => {
    const r = await run(...argv, '--format', 'json');
    expect(r.r, r.outs).toBe(0);
    return JSON.parse(r.outb) as T;
  };
  const text = async (...argv: string[]): Promise<string[]> => {
    const r = await run(...argv);
    expect(r.r, r.outs).toBe(0);
    return r.outb.split('\n');
  };
  return { env, run, json, text };
}

describe('status and health', () => {
  const { env, run, json, text } = withCluster({ modules: ['hello'] });

  it('status prints the `ceph -s` layout', async () => {
    expect(await text('status')).toEqual([
      '  cluster:',
      `    id:     ${FSID}`,
      '    health: HEALTH_OK',
      ' ',
      '  services:',
      '    mon: 1 daemons, quorum a (age 2h)',
      '    mgr: x(active, since 15m), standbys: y',
      '    osd: 4 osds: 4 up (since 3h), 4 in (since 5h)',
      ' ',
      '  data:',
      '    pools:   2 pools, 12 pgs',
      '    objects: 80 objects, 320 MiB',
      '    usage:   896 MiB used, 15 GiB / 16 GiB avail',
      '    pgs:     12 active+clean',
      ' ',
      '',
    ]);
  });

  it('status -f json has the keys and types of `ceph status -f json`', async () => {
    const ours = await json('status');
    expectSameShape(ours, refCli('cli/status_json.txt'), 'status', { mapPaths: ['mgrmap.services'] });
    expect(ours).toMatchObject({
      fsid: FSID,
      health: { status: 'HEALTH_OK', checks: {}, mutes: [] },
      quorum: [0],
      quorum_names: ['a'],
      monmap: { epoch: 1, min_mon_release_name: 'pacific', num_mons: 1 },
      osdmap: { num_osds: 4, num_up_osds: 4, num_in_osds: 4, num_remapped_pgs: 0 },
      pgmap: { num_pgs: 12, num_pools: 2, num_objects: 80, data_bytes: 320 * MIB, bytes_total: 4 * 4096 * MIB },
      mgrmap: { available: true, num_standbys: 1, modules: ['hello'], services: { prometheus: 'http://127.0.0.1:9283/' } },
      progress_events: {},
    });
  });

  it('health and health detail are HEALTH_OK in JSON and text', async () => {
    expect(await text('health')).toEqual(['HEALTH_OK', '']);
    const ref = refCli('cli/health_detail_json.txt');
    expect(await json('health', 'detail')).toEqual(ref);
  });

  it('client IO, recovery and degraded objects show in status, with PG_DEGRADED', async () => {
    const c = env.cluster;
    const pg = c.sim.pg('1.1');
    pg.state = 'active+undersized+degraded';
    pg.acting = [1];
    pg.stat[S.num_objects_degraded] = pg.stat[S.num_objects]!;
    for (const p of c.sim.pgs) {
      p.stat[S.num_read]! += 100;
      p.stat[S.num_read_kb]! += 400;
      p.stat[S.num_write]! += 50;
      p.stat[S.num_write_kb]! += 200;
      p.stat[S.num_objects_recovered]! += 10;
      p.stat[S.num_bytes_recovered]! += 10 * 4 * MIB;
    }
    await c.report(5);
    const lines = await text('status');
    expect(lines.slice(0, 6)).toEqual([
      '  cluster:',
      `    id:     ${FSID}`,
      '    health: HEALTH_WARN',
      '            Degraded data redundancy: 10/160 objects degraded (6.250%), 1 pg degraded',
      ' ',
      '  services:',
    ]);
    expect(lines.slice(10)).toEqual([
      '  data:',
      '    pools:   2 pools, 12 pgs',
      '    objects: 80 objects, 320 MiB',
      // pg 1.1 lost its copy on osd.3: 40 MiB less raw use.
      '    usage:   856 MiB used, 15 GiB / 16 GiB avail',
      '    pgs:     10/160 objects degraded (6.250%)',
      '             11 active+clean',
      '             1  active+undersized+degraded',
      ' ',
      '  io:',
      // 12 PGs x (400 KiB read, 200 KiB written, 100 + 50 ops, 10 objects of 4 MiB recovered) in 5 s.
      '    client:   960 KiB/s rd, 480 KiB/s wr, 240 op/s rd, 120 op/s wr',
      '    recovery: 96 MiB/s, 24 objects/s',
      ' ',
      '',
    ]);
    expect(await text('health', 'detail')).toEqual([
      'HEALTH_WARN Degraded data redundancy: 10/160 objects degraded (6.250%), 1 pg degraded',
      '[WRN] PG_DEGRADED: Degraded data redundancy: 10/160 objects degraded (6.250%), 1 pg degraded',
      '    pg 1.1 is active+undersized+degraded, acting [1]',
      '',
    ]);
    const pgmap = (await json('status')).pgmap as Record<string, number>;
    expect(pgmap).toMatchObject({ degraded_objects: 10, degraded_total: 160, read_bytes_sec: 983040, write_bytes_sec: 491520, read_op_per_sec: 240, write_op_per_sec: 120, recovering_objects_per_sec: 24 });
    expect((await run('pg', 'stat')).outb).toBe(
      '12 pgs: 11 active+clean, 1 active+undersized+degraded; 320 MiB data, 856 MiB used, 15 GiB / 16 GiB avail; ' +
        '960 KiB/s rd, 480 KiB/s wr, 360 op/s; 10/160 objects degraded (6.250%); 96 MiB/s, 24 objects/s recovering\n',
    );
  });

  it('an OSD down turns status to HEALTH_WARN with OSD_DOWN and 3 up', async () => {
    const c = env.cluster;
    await c.setMap([3], (m) => {
      m.last_up_change = cephTimestamp(Date.now() - 30 * 60_000);
      m.flags = `${m.flags},noout`;
    });
    const lines = await text('status');
    expect(lines[2]).toBe('    health: HEALTH_WARN');
    expect(lines[3]).toBe('            noout flag(s) set');
    expect(lines).toContain('            1 osds down');
    expect(lines).toContain('    osd: 4 osds: 3 up (since 30m), 4 in (since 5h)');
    expect(lines).toContain('         flags noout');
    const h = await json<{ status: string; checks: Record<string, { summary: { message: string }; detail?: unknown }> }>('health');
    expect(h.status).toBe('HEALTH_WARN');
    expect(h.checks.OSD_DOWN!.summary.message).toBe('1 osds down');
    expect(h.checks.OSD_DOWN!.detail).toBeUndefined();
    const detail = await json<{ checks: Record<string, { detail: Array<{ message: string }> }> }>('health', 'detail');
    expect(detail.checks.OSD_DOWN!.detail).toEqual([{ message: 'osd.3 (root=default,host=h1) is down' }]);
    expectSameShape(detail.checks.OSD_DOWN, { severity: 'HEALTH_WARN', summary: { message: '', count: 1 }, detail: [{ message: '' }], muted: false }, 'health detail check');
    const plain = await text('health', 'detail');
    expect(plain).toContain('[WRN] OSD_DOWN: 1 osds down');
    expect(plain).toContain('    osd.3 (root=default,host=h1) is down');
    expect(plain[0]).toMatch(/^HEALTH_WARN .*1 osds down/);
    expect(await json('osd', 'stat')).toMatchObject({ num_osds: 4, num_up_osds: 3, num_in_osds: 4 });
  });
});

describe('pg and osd commands', () => {
  const { env, run, json, text } = withCluster();

  it('pg stat: JSON shape and the one-line summary', async () => {
    expectSameShape(await json('pg', 'stat'), refCli('cli/pg_stat_json.txt'), 'pg stat');
    expect(await text('pg', 'stat')).toEqual(['12 pgs: 12 active+clean; 320 MiB data, 896 MiB used, 15 GiB / 16 GiB avail', '']);
  });

  it('pg dump in every form has the shape of Ceph’s', async () => {
    const cases: Array<[string[], unknown]> = [
      [[], refJson('cli/pg_dump_full.json.gz')],
      [['all'], refJson('cli/pg_dump_full.json.gz')],
      [['sum'], refCli('cli/pg_dump_sum_json.txt')],
      [['summary'], refCli('cli/pg_dump_sum_json.txt')],
      [['pools'], refCli('cli/pg_dump_pools_json.txt')],
      [['osds'], refCli('cli/pg_dump_osds_json.txt')],
      [['pgs_brief'], refCli('cli/pg_dump_pgs_brief_json.txt')],
    ];
    for (const [what, ref] of cases) {
      const r = await run('pg', 'dump', ...what, '--format', 'json');
      expect(r.r, r.outs).toBe(0);
      expect(r.outs).toBe(`dumped ${what[0] ?? 'all'}`);
      // mgrd's OSD reports carry no heartbeat ping times: network_ping_times is there, empty.
      expectSameShape(JSON.parse(r.outb), ref, `pg dump ${what.join(' ')}`, { ignore: ['pg_map.osd_stats[].network_ping_times[]', 'osd_stats[].network_ping_times[]'] });
    }
    const pgs = await json<{ pg_stats: Array<{ pgid: string }> }>('pg', 'dump', 'pgs');
    expect(pgs.pg_stats).toHaveLength(12);
  });

  it('pg dump pgs_brief in text', async () => {
    expect(await text('pg', 'dump', 'pgs_brief')).toEqual([
      'PG_STAT  STATE         UP     UP_PRIMARY  ACTING  ACTING_PRIMARY',
      '1.0      active+clean  [0,2]           0   [0,2]               0',
      '1.1      active+clean  [1,3]           1   [1,3]               1',
      '1.2      active+clean  [2,0]           2   [2,0]               2',
      '1.3      active+clean  [3,1]           3   [3,1]               3',
      '1.4      active+clean  [0,2]           0   [0,2]               0',
      '1.5      active+clean  [1,3]           1   [1,3]               1',
      '1.6      active+clean  [2,0]           2   [2,0]               2',
      '1.7      active+clean  [3,1]           3   [3,1]               3',
      '2.0      active+clean  [2,3]           2   [2,3]               2',
      '2.1      active+clean  [3,2]           3   [3,2]               3',
      '2.2      active+clean  [2,3]           2   [2,3]               2',
      '2.3      active+clean  [3,2]           3   [3,2]               3',
      '',
    ]);
    const all = (await run('pg', 'dump')).outb;
    expect(all).toMatch(/^version \d+\nstamp \S+\nlast_osdmap_epoch 0\nlast_pg_scan 0\nPG_STAT {2}OBJECTS {2}MISSING_ON_PRIMARY/);
    expect(all).toContain('* NOTE: Omap statistics are gathered during deep scrub');
    expect(all).toMatch(/\nOSD_STAT +USED +AVAIL +USED_RAW +TOTAL +HB_PEERS +PG_SUM +PRIMARY_PG_SUM\n/);
  });

  it('pg ls by pool and by state, as JSON and text', async () => {
    const ls = await json<{ pg_ready: boolean; pg_stats: Array<{ pgid: string }> }>('pg', 'ls', '2');
    expect(ls.pg_ready).toBe(true);
    expect(ls.pg_stats.map((p) => p.pgid)).toEqual(['2.0', '2.1', '2.2', '2.3']);
    const ref = refJson<{ pg_map: { pg_stats: unknown[] } }>('cli/pg_dump_full.json.gz');
    expectSameShape(ls, { pg_ready: true, pg_stats: ref.pg_map.pg_stats }, 'pg ls');
    expect((await json<{ pg_stats: unknown[] }>('pg', 'ls', 'states=clean')).pg_stats).toHaveLength(12);
    expect((await json<{ pg_stats: unknown[] }>('pg', 'ls', 'states=degraded')).pg_stats).toHaveLength(0);
    const lines = await text('pg', 'ls', '2');
    expect(lines[0]).toMatch(/^PG +OBJECTS +DEGRADED +MISPLACED +UNFOUND +BYTES +OMAP_BYTES\* +OMAP_KEYS\* +LOG +STATE +SINCE +VERSION +REPORTED +UP +ACTING +SCRUB_STAMP +DEEP_SCRUB_STAMP *$/);
    expect(lines[1]).toMatch(/^2\.0 +4 +0 +0 +0 +16777216 +0 +0 +4 +active\+clean +\S+ +\d+'4 +\d+:\d+ +\[2,3\] +\[2,3\] +\S+ +\S+$/);
    expect(lines).toHaveLength(1 + 4 + 3);
    expect(await run('pg', 'ls', '7')).toMatchObject({ r: -Errno.ENOENT, outs: 'pool 7 does not exist' });
    expect(await run('pg', 'ls', '1', 'bogus')).toMatchObject({ r: -Errno.EINVAL, outs: 'invalid state bogus' });
  });

  it('osd perf: JSON shape and text', async () => {
    const ours = await json('osd', 'perf');
    expectSameShape(ours, refCli('cli/tell_mgr_osd_perf.txt'), 'osd perf');
    expect(await text('osd', 'perf')).toEqual([
      'osd  commit_latency(ms)  apply_latency(ms)',
      '  0                   2                  1',
      '  1                   2                  1',
      '  2                   2                  1',
      '  3                   2                  1',
      '',
    ]);
  });

  it('osd df: JSON shape, text, and filters by class and by name', async () => {
    expectSameShape(await json('osd', 'df'), refCli('cli/osd_df_json.txt'), 'osd df');
    expect(await text('osd', 'df')).toEqual([
      'ID  CLASS  WEIGHT   REWEIGHT  SIZE    RAW USE  DATA     OMAP  META     AVAIL    %USE  VAR   PGS  STATUS',
      // rbd puts 120 MiB on osd.0 and osd.2, 100 MiB on osd.1 and osd.3; data 100 MiB on osd.2 and osd.3; 64 MiB overhead each.
      ' 0    hdd  0.00200   1.00000   4 GiB  184 MiB  184 MiB   0 B   64 MiB  3.8 GiB  4.49  0.82    4      up',
      ' 1    hdd  0.00200   1.00000   4 GiB  164 MiB  164 MiB   0 B   64 MiB  3.8 GiB  4.00  0.73    4      up',
      ' 2    hdd  0.00200   1.00000   4 GiB  284 MiB  284 MiB   0 B   64 MiB  3.7 GiB  6.93  1.27    8      up',
      ' 3    hdd  0.00200   1.00000   4 GiB  264 MiB  264 MiB   0 B   64 MiB  3.7 GiB  6.45  1.18    8      up',
      '                       TOTAL  16 GiB  896 MiB  896 MiB   0 B  256 MiB   15 GiB  5.47                   ',
      'MIN/MAX VAR: 0.73/1.27  STDDEV: 1.24',
      '',
    ]);
    const h1 = await json<{ nodes: Array<{ id: number }>; summary: { total_kb: number } }>('osd', 'df', 'name', 'h1');
    expect(h1.nodes.map((n) => n.id)).toEqual([2, 3]);
    expect(h1.summary.total_kb).toBe(2 * 4096 * 1024);
    expect((await json<{ nodes: unknown[] }>('osd', 'df', 'class', 'hdd')).nodes).toHaveLength(4);
    expect((await json<{ nodes: Array<{ id: number }> }>('osd', 'df', 'plain', 'name', 'osd.1')).nodes.map((n) => n.id)).toEqual([1]);
    expect(await run('osd', 'df', 'class', 'ssd')).toMatchObject({ r: -Errno.EINVAL, outs: "specified class 'ssd' does not exist" });
    expect(await run('osd', 'df', 'name', 'h9')).toMatchObject({ r: -Errno.EINVAL, outs: "specified name 'h9' does not exist" });
    expect((await run('osd', 'df', 'tree')).r).toBe(-Errno.EOPNOTSUPP);
  });

  it('osd pool stats: all pools, one pool, and an unknown pool', async () => {
    const all = await json<Array<{ pool_name: string }>>('osd', 'pool', 'stats');
    expectSameShape(all, refCli('cli/tell_mgr_osd_pool_stats.txt'), 'osd pool stats');
    expect(all.map((p) => p.pool_name)).toEqual(['rbd', 'data']);
    expect(await json('osd', 'pool', 'stats', 'data')).toEqual([{ pool_name: 'data', pool_id: 2, recovery: {}, recovery_rate: {}, client_io_rate: {} }]);
    expect(await text('osd', 'pool', 'stats', 'data')).toEqual(['pool data id 2', '  nothing is going on', '', '']);
    expect(await run('osd', 'pool', 'stats', 'nosuch')).toMatchObject({ r: -Errno.ENOENT, outb: '', outs: "unrecognized pool 'nosuch'" });
    // The same through the admin HTTP endpoint, as a Ceph cmdmap.
    const res = await fetch(`${env.t.adminUrl}/api/v1/command`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${env.t.token}` },
      body: JSON.stringify({ prefix: 'osd pool stats', pool_name: 'nosuch', format: 'json' }),
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ retval: -Errno.ENOENT, outb: '', outs: "unrecognized pool 'nosuch'" });
  });

  it('df and df detail: JSON shapes and the two tables', async () => {
    expectSameShape(await json('df'), refCli('cli/df_json.txt'), 'df');
    expectSameShape(await json('df', 'detail'), refCli('cli/df_detail_json.txt'), 'df detail');
    expect(await text('df')).toEqual([
      '--- RAW STORAGE ---',
      'CLASS    SIZE   AVAIL     USED  RAW USED  %RAW USED',
      'hdd    16 GiB  15 GiB  896 MiB   896 MiB       5.47',
      'TOTAL  16 GiB  15 GiB  896 MiB   896 MiB       5.47',
      ' ',
      '--- POOLS ---',
      'POOL  ID  PGS   STORED  OBJECTS     USED  %USED  MAX AVAIL',
      // Raw headroom: osd.2, the fullest, can take (3812 - 5% of 4096) MiB at weight 1/4: 14.09 GiB, halved by 2 replicas.
      'rbd    1    8  220 MiB       55  440 MiB   2.96    7.0 GiB',
      'data   2    4  100 MiB       25  200 MiB   1.37    7.0 GiB',
      '',
    ]);
    const detail = await text('df', 'detail');
    expect(detail[6]).toBe('POOL  ID  PGS   STORED   (DATA)  (OMAP)  OBJECTS     USED   (DATA)  (OMAP)  %USED  MAX AVAIL  QUOTA OBJECTS  QUOTA BYTES  DIRTY  USED COMPR  UNDER COMPR');
    expect(detail[7]).toBe('rbd    1    8  220 MiB  220 MiB     0 B       55  440 MiB  440 MiB     0 B   2.96    7.0 GiB            N/A          N/A    N/A         0 B          0 B');
  });

  it('service dump and osd stat', async () => {
    expectSameShape(await json('service', 'dump'), refCli('cli/service_dump_json.txt'), 'service dump');
    expect(JSON.parse((await run('service', 'dump')).outb)).toEqual({ epoch: 1, modified: '2026-11-26T17:40:00.597357+0000', services: {} });
    const stat = await json('osd', 'stat');
    expectSameShape(stat, refCli('cli/osd_stat_json.txt'), 'osd stat');
    expect(stat).toMatchObject({ epoch: env.cluster.osdMap.epoch, num_osds: 4, num_up_osds: 4, num_in_osds: 4, num_remapped_pgs: 0 });
    expect(await text('osd', 'stat')).toEqual([`4 osds: 4 up (since 3h), 4 in (since 5h); epoch: e${env.cluster.osdMap.epoch}`, '']);
  });

  it('osd ok-to-stop: safe, unsafe, widened up to max, and bad ids', async () => {
    const ok = await run('osd', 'ok-to-stop', '1');
    expect(ok.r).toBe(0);
    expect(JSON.parse(ok.outb)).toEqual({ ok_to_stop: true, osds: [1], num_ok_pgs: 4, num_not_ok_pgs: 0, ok_become_degraded: ['1.1', '1.3', '1.5', '1.7'] });
    const bad = await run('osd', 'ok-to-stop', 'osd.2');
    expect(bad.r).toBe(-Errno.EBUSY);
    expect(bad.outs).toBe('unsafe to stop osd(s) at this time (4 PGs are or would become offline)');
    expect(JSON.parse(bad.outb)).toEqual({
      ok_to_stop: false, osds: [2], num_ok_pgs: 4, num_not_ok_pgs: 4,
      bad_become_inactive: ['2.0', '2.1', '2.2', '2.3'], ok_become_degraded: ['1.0', '1.2', '1.4', '1.6'],
    });
    // From osd.1, max 2 adds its host sibling osd.0: rbd keeps one copy of each PG, data is elsewhere.
    const wide = await run('osd', 'ok-to-stop', '1', '--max', '2');
    expect(JSON.parse(wide.outb)).toMatchObject({ ok_to_stop: true, osds: [0, 1], num_ok_pgs: 8, num_not_ok_pgs: 0 });
    // Widening stops at the first OSD that would make it unsafe.
    expect(JSON.parse((await run('osd', 'ok-to-stop', '0', '--max', '4')).outb)).toMatchObject({ osds: [0, 1] });
    expect(await run('osd', 'ok-to-stop', 'foo')).toMatchObject({ r: -Errno.EINVAL, outs: "invalid osd id 'foo'" });
    expect(await run('osd', 'ok-to-stop', '99')).toMatchObject({ r: -Errno.ENOENT, outs: 'osd.99 does not exist' });
    expect(await run('osd', 'ok-to-stop')).toMatchObject({ r: -Errno.EINVAL });
  });

  it('osd ok-to-stop draws no conclusion while PGs are unknown', async () => {
    await env.cluster.setMap([], (m) => {
      m.pools.push({ ...structuredClone(m.pools[0]!), pool: 3, pool_name: 'new', pg_num: 2, pg_placement_num: 2 });
    });
    const r = await run('osd', 'ok-to-stop', '1');
    expect(r).toMatchObject({ r: -Errno.EAGAIN, outs: '2 pgs have unknown state; cannot draw any conclusions' });
    expect(JSON.parse(r.outb)).toMatchObject({ ok_to_stop: false, unknown_pgs: ['3.0', '3.1'] });
  });
});

describe('replies too large to deliver', () => {
  // One reply must fit the session's send buffer: 96 KiB here, so about 32 KiB of data.
  const { env, run } = withCluster({ set: { ms_session_max_buffered_bytes: 96 * 1024 } });

  it('pg dump refuses with -ERANGE and says what to ask for instead; smaller forms pass', async () => {
    for (const fmt of ['json', 'json-pretty']) {
      const r = await run('pg', 'dump', 'all', '--format', fmt);
      expect(r.r).toBe(-Errno.ERANGE);
      expect(r.outb).toBe('');
      expect(r.outs).toMatch(/^pg dump all of 12 PGs would be about \d+(\.\d)? KiB, more than the 32 KiB one reply can carry \(ms_session_max_buffered_bytes\); ask for less: 'pg dump pgs_brief'/);
    }
    expect((await run('pg', 'dump', 'pgs_brief', '--format', 'json')).r).toBe(0);
    expect((await run('pg', 'dump', 'summary', '--format', 'json-pretty')).r).toBe(0);
    // The text form is far smaller than the JSON: it fits.
    expect((await run('pg', 'dump')).r).toBe(0);
    expect((await run('pg', 'ls', '--format', 'json-pretty')).r).toBe(-Errno.ERANGE);
    expect((await run('pg', 'ls', '2', '--format', 'json')).r).toBe(0);
  });

  it('what the guard lets through arrives over the wire', async () => {
    const admin = await env.t.admin();
    const r = await admin.command({ argv: ['pg', 'dump', 'pgs_brief', '--format', 'json-pretty'] });
    expect(r.r).toBe(0);
    expect(JSON.parse(r.outb)).toMatchObject({ pg_ready: true });
    const refused = await admin.command({ argv: ['pg', 'dump', '--format', 'json'] });
    expect(refused.r).toBe(-Errno.ERANGE);
  });
});

describe('pg dump at scale', () => {
  // 100,000 PGs (a new pool the OSDs have not reported yet: placeholders in state unknown).
  const { env, run } = withCluster();

  it('refuses pg dump all at once without building it, and still serves pgs_brief over the wire', async () => {
    await env.cluster.setMap([], (m) => {
      m.pools.push({ ...structuredClone(m.pools[0]!), pool: 3, pool_name: 'big', pg_num: 100_000, pg_placement_num: 100_000 });
    });
    expect(env.t.mgr.cluster.pgMap.numPgs).toBe(100_012);
    const started = Date.now();
    const r = await run('pg', 'dump', '--format', 'json');
    const tookMs = Date.now() - started;
    expect(r.r).toBe(-Errno.ERANGE);
    expect(r.outs).toMatch(/^pg dump all of 100012 PGs would be about \d+\.\d MiB, more than the 15\.9 MiB one reply can carry \(ms_session_max_buffered_bytes\); ask for less/);
    expect(tookMs).toBeLessThan(5000); // estimated from a few PGs, not built
    expect((await run('pg', 'ls', '--format', 'json')).r).toBe(-Errno.ERANGE);
    const admin = await env.t.admin();
    const brief = await admin.command({ argv: ['pg', 'dump', 'pgs_brief', '--format', 'json'] });
    expect(brief.r, brief.outs).toBe(0);
    expect((JSON.parse(brief.outb) as { pg_stats: unknown[] }).pg_stats).toHaveLength(100_012);
  }, 30_000);
});

describe('before the cluster has sent anything', () => {
  let t: TestMgr;
  beforeAll(async () => {
    t = await startTestMgr({ modules: [] });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('every command answers, and ok-to-stop says it cannot tell yet', async () => {
    const cmds = [['status'], ['health', 'detail'], ['df', 'detail'], ['osd', 'stat'], ['osd', 'perf'], ['osd', 'df'], ['osd', 'pool', 'stats'], ['service', 'dump'], ['pg', 'stat'], ['pg', 'dump'], ['pg', 'ls']];
    for (const argv of cmds) {
      for (const format of ['plain', 'json']) {
        const r = await t.mgr.runCommand(ADMIN, { argv: [...argv, '--format', format] });
        expect(r.r, `${argv.join(' ')} --format ${format}: ${r.outs}`).toBe(0);
      }
    }
    expect(await t.mgr.runCommand(ADMIN, { argv: ['osd', 'ok-to-stop', '0'] })).toMatchObject({ r: -Errno.EAGAIN, outs: 'no osd map from the cluster yet; cannot draw any conclusions' });
  });
});
