// `mgrd agent ceph` against a real Ceph 16.2 cluster (test/ceph/up.sh: 1 mon,
// 1 mgr with its prometheus module, 3 memstore OSDs + 1 bluestore, cephx on).
// A manager in this process (with the probe module, to read what the module
// API hands out), the built `mgrd agent ceph` in its own process as the
// README runs it, the real `ceph` CLI as the reference. Run alone with
// `npm run test:ceph`.

import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultModulePaths } from '../../src/registry/module-loader.js';
import { startCephCluster, type CephCluster } from '../ceph/cluster.js';
import { RadosClient } from '../../src/agent/rados-client.js';
import { silentLogger } from '../../src/common/log.js';
import { byLabel, labelSets, scrape, seriesSets, sum, value } from '../ceph/metrics.js';
import type { ParsedSample } from '../../exporters/prometheus/exposition-parse.js';
import { startTestMgr, type TestMgr } from '../helpers/harness.js';
import { assertBuilt, exited, freePort, MGRD_BIN, poll, spawnLogged, stopChild } from '../helpers/procs.js';
import { DEFAULT_DAEMON_PORT } from '../../src/cli/defaults.js';

let c: CephCluster;
let t: TestMgr;
let agent: ChildProcess | undefined;
let metricsUrl = '';
const agentLog = (): string => join(c.work, 'agent.log');

const HEALTH_CODE: Record<string, number> = { HEALTH_OK: 0, HEALTH_WARN: 1, HEALTH_ERR: 2 };

/** The same object with keys in order at every level (compared as JSON). */
function sorted(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]));
}

beforeAll(async () => {
  assertBuilt();
  c = await startCephCluster();
  t = await startTestMgr({
    modules: ['prometheus', 'probe'],
    modulePaths: [...defaultModulePaths(''), 'test/fixtures/modules'],
    // Threshold 0: every counter declared, so the schema can be compared whole.
    set: { mgr_stats_period: 1, mgr_tick_period: 1, mgr_stats_threshold: 0 },
    moduleOverrides: [
      { module: 'prometheus', option: 'server_port', value: '0' },
      { module: 'prometheus', option: 'server_addr', value: '127.0.0.1' },
      { module: 'prometheus', option: 'scrape_interval', value: '1' },
    ],
  });
  const keyring = join(c.work, 'mgrd.keyring');
  t.keyring.save(keyring);
  agent = spawnLogged(process.execPath, [
    MGRD_BIN, 'agent', 'ceph', '--mgr', t.daemonAddr, '--keyring', keyring, '--cluster-stats',
    '--ceph-conf', c.conf, '--ceph-name', c.agentName, '--ceph-keyring', c.agentKeyring,
    '--interval', '1', '--pg-interval', '2', '--command-timeout', '3', '--pg-timeout', '5', '--asok-timeout-ms', '1000', '--log-level', 'debug',
  ], agentLog());
  metricsUrl = `${await poll('the prometheus URI', 20_000, () => t.store.current().services.prometheus)}metrics`;
  await poll(`every daemon's session and the PG stats (agent log: ${agentLog()})`, 60_000, () =>
    ['osd.0', 'osd.1', 'osd.2', 'osd.3', 'mon.a'].every((d) => t.mgr.daemons.get(d)?.connected) && t.mgr.cluster.pgMap.isPgReady());
}, 300_000);

afterAll(async () => {
  await stopChild(agent);
  await t?.stop();
  await c?.stop();
});

const probe = async (what: string, ...args: string[]): Promise<unknown> => {
  const r = await t.mgr.runCommand({ entity: 'client.admin', read: true, write: true }, { cmd: { prefix: 'probe call', what, args } });
  if (r.r !== 0) throw new Error(`probe ${what}: ${r.outs}`);
  return JSON.parse(r.outb);
};

const healthDetail = async (): Promise<{ status: string; checks: Record<string, { summary: { message: string }; detail: Array<{ message: string }> }> }> => {
  const r = await t.mgr.runCommand({ entity: 'client.admin', read: true, write: true }, { cmd: { prefix: 'health', detail: 'detail', format: 'json' } });
  return JSON.parse(r.outb) as never;
};

describe('daemon counters from the admin sockets', () => {
  it('every OSD and the mon report their real perf schema: counter names and types equal `ceph daemon X perf schema`', async () => {
    for (const d of ['osd.0', 'osd.1', 'osd.2', 'osd.3', 'mon.a']) {
      const real = await c.json<Record<string, Record<string, { type: number; priority: number; units: string }>>>('daemon', d, 'perf', 'schema');
      const want = Object.entries(real).flatMap(([sec, cs]) => Object.entries(cs).map(([n, e]) => `${sec}.${n} type=${e.type} prio=${e.priority} ${e.units}`)).sort();
      const [type, id] = d.split('.') as [string, string];
      const mine = (await probe('get_perf_schema', type, id)) as Record<string, Record<string, { type: number; priority: number; units: number }>>;
      const got = Object.entries(mine[d]!).map(([p, e]) => `${p} type=${e.type} prio=${e.priority} ${e.units === 0 ? 'bytes' : 'none'}`).sort();
      expect(got).toEqual(want);
    }
  });

  it('`rados bench` writes move ceph_osd_op_w and the pool\'s wr_bytes', async () => {
    const before = await scrape(metricsUrl);
    const pools = await c.json<Array<{ poolnum: number; poolname: string }>>('osd', 'lspools');
    const data = String(pools.find((p) => p.poolname === 'data')!.poolnum);
    const opW0 = sum(before, 'ceph_osd_op_w');
    const wr0 = value(before, 'ceph_pool_wr_bytes', { pool_id: data })!;
    const out = await c.cli('rados', '-p', 'data', 'bench', '3', 'write', '-b', '16384', '-t', '4', '--no-cleanup');
    const writes = Number(/Total writes made:\s+(\d+)/.exec(out)![1]);
    expect(writes).toBeGreaterThan(10);
    await poll('op_w and wr_bytes to move by what rados bench wrote', 30_000, async () => {
      const m = await scrape(metricsUrl);
      return sum(m, 'ceph_osd_op_w') - opW0 >= writes && value(m, 'ceph_pool_wr_bytes', { pool_id: data })! - wr0 >= writes * 16384;
    });
  });
});

describe('cluster state', () => {
  it("ceph_osd_up/in, ceph_pool_stored/objects, ceph_pg_active, ceph_health_status, ceph_osd_numpg equal the cluster's own answers", async () => {
    let last = '';
    await poll('mgrd /metrics to equal the ceph CLI answers taken at the same moment', 60_000, async () => {
      const [osdDump, df, pgs, health] = await Promise.all([
        c.json<{ osds: Array<{ osd: number; up: number; in: number }> }>('osd', 'dump'),
        c.json<{ pools: Array<{ id: number; stats: { stored: number; objects: number } }> }>('df', 'detail'),
        c.json<{ pg_stats: Array<{ pgid: string; state: string }> }>('pg', 'dump', 'pgs_brief'),
        c.json<{ status: string }>('health'),
      ]);
      // ceph_osd_numpg is the OSD's own counter (osd.numpg of its perf dump), not the PG map's count.
      const numpg = await Promise.all([0, 1, 2, 3].map(async (n) => [`osd.${n}`, (await c.json<{ osd: { numpg: number } }>('daemon', `osd.${n}`, 'perf', 'dump', 'osd')).osd.numpg]));
      const m = await scrape(metricsUrl);
      const active: Record<string, number> = {};
      for (const p of pgs.pg_stats) if (p.state.split('+').includes('active')) active[p.pgid.split('.')[0]!] = (active[p.pgid.split('.')[0]!] ?? 0) + 1;
      const want = {
        up: Object.fromEntries(osdDump.osds.map((o) => [`osd.${o.osd}`, o.up])),
        in: Object.fromEntries(osdDump.osds.map((o) => [`osd.${o.osd}`, o.in])),
        stored: Object.fromEntries(df.pools.map((p) => [String(p.id), p.stats.stored])),
        objects: Object.fromEntries(df.pools.map((p) => [String(p.id), p.stats.objects])),
        active,
        health: HEALTH_CODE[health.status],
        numpg: Object.fromEntries(numpg),
      };
      const got = {
        up: byLabel(m, 'ceph_osd_up', 'ceph_daemon'),
        in: byLabel(m, 'ceph_osd_in', 'ceph_daemon'),
        stored: byLabel(m, 'ceph_pool_stored', 'pool_id'),
        objects: byLabel(m, 'ceph_pool_objects', 'pool_id'),
        active: Object.fromEntries(Object.entries(byLabel(m, 'ceph_pg_active', 'pool_id')).filter(([, v]) => v > 0)),
        health: value(m, 'ceph_health_status'),
        numpg: byLabel(m, 'ceph_osd_numpg', 'ceph_daemon'),
      };
      last = JSON.stringify({ want, got });
      expect(Object.keys(got.up)).toHaveLength(4);
      return JSON.stringify(sorted(got)) === JSON.stringify(sorted(want)) ? true : undefined;
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n${last}`);
    });
  });

  it("serves the real mgr's prometheus families: the label names of every family both have, and the same series, but for the differences listed", async () => {
    const pending = (s: ParsedSample): boolean => s.labels.some(([k, v]) => k === 'type' && v === 'PENDING_CREATING_PGS');
    // Series (label names and values) that differ, each family with its reason (docs/agent.md lists them).
    const SERIES_DIFFER: Record<string, string> = {
      // (ceph_daemon of ceph_mgr_metadata and ceph_mgr_status is mgrd's id: this test's mgrd is named x, as the real mgr.)
      ceph_mgr_metadata: 'the manager is mgrd: ceph_version is mgrd\'s',
      ceph_mgr_module_can_run: "mgrd's modules, not ceph-mgr's Python modules",
      ceph_mgr_module_status: "mgrd's modules, not ceph-mgr's Python modules",
      ceph_prometheus_collect_duration_seconds_sum: "method: mgrd's collection steps (no get_rbd_stats; get_pool_repaired_objects, get_all_daemon_health_metrics, get_perf_counters timed apart)",
      ceph_prometheus_collect_duration_seconds_count: 'as _sum',
    };
    const keep = (s: ParsedSample): boolean =>
      // No admin socket command shows an OSD's pending PG creations: the agent sends SLOW_OPS only.
      !pending(s) &&
      // Ceph's module keeps every check it has seen since it started (0 once cleared); this mgrd started later: the active ones.
      !(s.name === 'ceph_health_detail' && s.value === 0);
    const compare = async (): Promise<Record<string, unknown>> => {
      const [realBody, mineBody] = await Promise.all([scrape(`http://127.0.0.1:${c.promPort}/metrics`), scrape(metricsUrl)]);
      const real = labelSets(realBody);
      const mine = labelSets(mineBody);
      const realSeries = seriesSets(realBody, keep);
      const mineSeries = seriesSets(mineBody, keep);
      const differing = [...realSeries].filter(([n, ss]) => mineSeries.has(n) && JSON.stringify(ss) !== JSON.stringify(mineSeries.get(n))).map(([n]) => n);
      return {
        // Label-name differences on families both have samples in: none.
        labelNames: [...real].filter(([n, sets]) => sets.length > 0 && (mine.get(n)?.length ?? 0) > 0 && JSON.stringify(sets) !== JSON.stringify(mine.get(n)))
          .map(([n, sets]) => `${n}: ceph-mgr ${JSON.stringify(sets)}, mgrd ${JSON.stringify(mine.get(n))}`),
        // Every family the real module has samples in, mgrd has too; mgrd's own are mgrd_*.
        onlyReal: [...real.keys()].filter((n) => real.get(n)!.length > 0 && !mine.get(n)?.length),
        onlyMgrd: [...mine.keys()].filter((n) => !real.has(n) && !n.startsWith('mgrd_')),
        unexplained: differing.filter((n) => !(n in SERIES_DIFFER)).map((n) => `${n}: ceph-mgr ${JSON.stringify(realSeries.get(n))}, mgrd ${JSON.stringify(mineSeries.get(n))}`),
        // Each listed difference is one (the list is not stale).
        explained: differing.filter((n) => n in SERIES_DIFFER).sort(),
        // The real OSDs report PENDING_CREATING_PGS (the one daemon health metric the agent cannot read), mgrd's do not.
        pendingCreatingPgs: [realBody, mineBody].map((b) => b.families.get('ceph_daemon_health_metrics')?.samples.filter(pending).length),
      };
    };
    const want = { labelNames: [], onlyReal: [], onlyMgrd: [], unexplained: [], explained: Object.keys(SERIES_DIFFER).sort(), pendingCreatingPgs: [4, 0] };
    let last: Record<string, unknown> = {};
    // Polled: a manager that just started has not yet collected every daemon's counters.
    await poll("mgrd's /metrics to differ from the real module's only as listed", 60_000, async () => {
      last = await compare();
      return JSON.stringify(last) === JSON.stringify(want) ? true : undefined;
    }, 1000).catch(() => undefined);
    expect(last).toEqual(want);
  });
});

describe('the cluster connection (one long-lived librados helper)', () => {
  it('answers mon and mgr commands with the caps mon r, mgr r; refuses a write; an idle helper stops and the next command starts one', async () => {
    const r = new RadosClient({ conf: c.conf, name: c.agentName, keyring: c.agentKeyring, connectTimeoutS: 10, idleStopMs: 1000, log: silentLogger() });
    try {
      const osd = await r.json<{ epoch: number }>('mon', { prefix: 'osd dump' }, 10_000);
      expect(osd.epoch).toBe((await c.json<{ epoch: number }>('osd', 'dump')).epoch);
      const pg = await r.json<{ pg_map: { pg_stats: unknown[] } }>('mgr', { prefix: 'pg dump' }, 10_000);
      expect(pg.pg_map.pg_stats.length).toBeGreaterThan(50);
      await expect(r.command('mon', { prefix: 'osd set', key: 'noout' }, 10_000)).rejects.toMatchObject({ errno: -13 });
      const first = r.pid!;
      const spawns = r.spawns;
      await poll('the idle helper to exit', 10_000, () => {
        try {
          process.kill(first, 0);
          return false;
        } catch {
          return true;
        }
      });
      expect(r.pid).toBeUndefined();
      expect((await r.json<{ epoch: number }>('mon', { prefix: 'osd dump' }, 10_000)).epoch).toBe(osd.epoch);
      expect(r.spawns).toBe(spawns + 1);
    } finally {
      await r.stop();
    }
  });
});

describe("README's \"Monitor a real Ceph cluster\", as written (plus free ports)", () => {
  const FREE = ['--admin-addr', '127.0.0.1:0', '--set', 'mgr/prometheus/server_port=0', '--set', 'mgr/prometheus/server_addr=127.0.0.1'];
  /** `mgrd tell` as the README shows it. */
  const tell = async (dir: string, ...words: string[]): Promise<string> => c.cli(process.execPath, MGRD_BIN, 'tell', '--data-dir', dir, 'mgr', ...words);
  const sees = (dir: string): Promise<true> => poll(`mgrd in ${dir} to show the cluster`, 90_000, async () => {
    const s = JSON.parse(await tell(dir, 'status', '--format', 'json')) as { fsid: string; osdmap: { num_up_osds: number }; pgmap: { num_pgs: number; pgs_by_state: Array<{ state_name: string; count: number }> } };
    const clean = s.pgmap.pgs_by_state.find((x) => x.state_name === 'active+clean')?.count;
    return s.osdmap.num_up_osds === 4 && s.pgmap.num_pgs > 0 && clean === s.pgmap.num_pgs ? true : undefined;
  }, 1000);

  it('`mgrd run --ceph`: one command reports the local cluster (CEPH_CONF, keyring and admin sockets from ceph.conf)', async () => {
    const dir = mkdtempSync(join(c.work, 'run-ceph-'));
    const log = join(dir, '..', 'run-ceph.log');
    const child = spawnLogged(process.execPath, [MGRD_BIN, 'run', '--ceph', '--data-dir', dir, '--daemon-addr', '127.0.0.1:0', ...FREE], log, { ...process.env, CEPH_CONF: c.conf });
    try {
      await sees(dir);
      expect(readFileSync(log, 'utf8')).toContain(`reporting Ceph from ${c.conf}`);
    } finally {
      await stopChild(child);
    }
    expect(child.exitCode).toBe(0);
  });

  it('`mgrd run` + `mgrd agent ceph --cluster-stats --ceph-name client.mgrd`; the agent follows mgrd through a restart', async () => {
    const dir = mkdtempSync(join(c.work, 'run-'));
    const daemonAddr = `127.0.0.1:${await freePort()}`;
    const startRun = (): ReturnType<typeof spawnLogged> => spawnLogged(process.execPath, [MGRD_BIN, 'run', '--data-dir', dir, '--daemon-addr', daemonAddr, ...FREE], join(dir, '..', 'run.log'));
    let run = startRun();
    const agentChild = spawnLogged(process.execPath, [MGRD_BIN, 'agent', 'ceph', '--data-dir', dir, '--cluster-stats', '--ceph-name', c.agentName], join(dir, '..', 'agent.log'), { ...process.env, CEPH_CONF: c.conf });
    try {
      await poll('mgrd.json', 30_000, () => readFileSync(join(dir, 'mgrd.json'), 'utf8'));
      await sees(dir);
      await stopChild(run);
      run = startRun();
      // A new manager starts with nothing: the agent re-opens every session and sends maps and PG stats again.
      await sees(dir);
      expect(JSON.parse(await tell(dir, 'health', '--format', 'json'))).toMatchObject({ status: 'HEALTH_OK' });
    } finally {
      await stopChild(agentChild);
      await stopChild(run);
    }
    expect(agentChild.exitCode).toBe(0);
  });

  it("the default wire port is outside the Ceph daemons' port range, and a port a Ceph daemon holds ends `mgrd run` naming it and the flag", async () => {
    const range = await Promise.all(['ms_bind_port_min', 'ms_bind_port_max'].map(async (o) => Number((await c.cli('ceph', 'config', 'get', 'osd.0', o)).trim())));
    expect(DEFAULT_DAEMON_PORT < range[0]! || DEFAULT_DAEMON_PORT > range[1]!).toBe(true);
    const osd = (await c.json<{ osds: Array<{ public_addr: string }> }>('osd', 'dump')).osds[0]!;
    const taken = /^([\d.]+:\d+)\//.exec(osd.public_addr)![1]!;
    const dir = mkdtempSync(join(c.work, 'busy-'));
    const child = spawnLogged(process.execPath, [MGRD_BIN, 'run', '--data-dir', dir, '--daemon-addr', taken, ...FREE], join(dir, '..', 'busy.log'));
    expect(await exited(child)).toBe(1);
    expect(readFileSync(join(dir, '..', 'busy.log'), 'utf8')).toContain(`cannot listen for daemons on ${taken} (--daemon-addr): listen EADDRINUSE`);
  });
});

describe('failure behaviour', () => {
  const reports = (d: string): number => t.mgr.daemons.get(d)?.reports ?? 0;
  const connected = (d: string): boolean => t.mgr.daemons.get(d)?.connected ?? false;
  const healthy = async (): Promise<void> => {
    let last = '';
    try {
      await poll('the cluster to be HEALTH_OK with every OSD up', 120_000, async () => {
        const [h, s] = await Promise.all([c.json<{ status: string; checks: Record<string, { summary: { message: string } }> }>('health'), c.json<{ num_up_osds: number }>('osd', 'stat')]);
        last = `${h.status} (${Object.entries(h.checks).map(([k, v]) => `${k}: ${v.summary.message}`).join('; ')}), ${s.num_up_osds} OSDs up`;
        return h.status === 'HEALTH_OK' && s.num_up_osds === 4;
      }, 1000);
    } catch (err) {
      throw new Error(`${(err as Error).message}; Ceph said last: ${last}`);
    }
  };

  it("a hung admin socket times out without stalling the other daemons; its session closes, and opens again when it answers", async () => {
    const pid = c.pid('osd.1');
    process.kill(pid, 'SIGSTOP');
    try {
      const before = reports('osd.0') + reports('mon.a');
      await poll('osd.1 session to close after its reads time out', 30_000, () => !connected('osd.1'));
      // The others kept reporting every period all along.
      expect(reports('osd.0') + reports('mon.a') - before).toBeGreaterThanOrEqual(4);
      expect(connected('osd.0') && connected('mon.a')).toBe(true);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await poll('osd.1 session to open again', 30_000, () => connected('osd.1'));
    await healthy();
  });

  it('the cluster not answering raises MGR_AGENT_CLUSTER_UNREACHABLE naming the error and keeps the last state; it clears when the cluster answers', async () => {
    const pid = c.pid('mon.a');
    process.kill(pid, 'SIGSTOP');
    let check: { summary: { message: string }; detail: Array<{ message: string }> } | undefined;
    try {
      check = await poll('MGR_AGENT_CLUSTER_UNREACHABLE', 30_000, async () => (await healthDetail()).checks.MGR_AGENT_CLUSTER_UNREACHABLE);
      const m = await scrape(metricsUrl);
      expect(byLabel(m, 'ceph_osd_up', 'ceph_daemon')).toEqual({ 'osd.0': 1, 'osd.1': 1, 'osd.2': 1, 'osd.3': 1 });
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    // The command timed out in librados (rados_mon_op_timeout) or in the agent, whichever came first.
    expect(check.summary.message).toMatch(/^mgrd agent cannot get the cluster state: '[a-z_ ]+' (got no answer within 3000 ms|failed: ETIMEDOUT.*)$/);
    await poll('MGR_AGENT_CLUSTER_UNREACHABLE to clear', 60_000, async () => !(await healthDetail()).checks.MGR_AGENT_CLUSTER_UNREACHABLE);
    await healthy();
  });

  it("a ceph-mgr that does not answer: `pg dump` fails alone (maps and health go on), MGR_AGENT_PG_STATS_STALE says how old mgrd's PG stats are", async () => {
    const pid = c.pid('mgr.x');
    process.kill(pid, 'SIGSTOP');
    let stale: { summary: { message: string } } | undefined;
    let unreachable: { detail: Array<{ message: string }> } | undefined;
    try {
      stale = await poll('MGR_AGENT_PG_STATS_STALE', 60_000, async () => (await healthDetail()).checks.MGR_AGENT_PG_STATS_STALE);
      unreachable = (await healthDetail()).checks.MGR_AGENT_CLUSTER_UNREACHABLE;
      // The PG stats mgrd had are kept.
      expect(sum(await scrape(metricsUrl), 'ceph_pg_active')).toBe(57);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    // librados times out, or answers nothing, while the mgr does not answer.
    expect(stale.summary.message).toMatch(/^PG stats are \d+ s old: 'pg dump' (got no answer within 5000 ms|gave an empty answer)/);
    // Only the commands the mgr answers failed; the mons' (osd dump, health...) went on.
    expect(unreachable?.detail.map((d) => d.message.replace(/ (got no answer within 3000 ms|gave an empty answer).*/, ''))).toEqual(["'service dump'"]);
    await poll('MGR_AGENT_PG_STATS_STALE to clear', 60_000, async () => !(await healthDetail()).checks.MGR_AGENT_PG_STATS_STALE);
    await healthy();
  });

  it("stopping an OSD turns its ceph_osd_up to 0 and raises OSD_DOWN with Ceph's message; its session closes, and a restart opens a new one", async () => {
    // osd.3 is the bluestore OSD: a memstore OSD stopped by SIGTERM (Ceph's osd_fast_shutdown) comes back
    // empty, and the size-1 pool's PGs it held stay stale on Ceph itself, so the cluster is not HEALTH_OK again.
    process.kill(c.pid('osd.3'), 'SIGTERM');
    await poll('osd.3 session to close', 30_000, () => !connected('osd.3'));
    const real = await poll('OSD_DOWN in ceph health detail', 60_000, async () => (await c.json<{ checks: Record<string, { summary: { message: string }; detail: Array<{ message: string }> }> }>('health', 'detail')).checks.OSD_DOWN);
    await poll('ceph_osd_up of osd.3 to be 0', 30_000, async () => value(await scrape(metricsUrl), 'ceph_osd_up', { ceph_daemon: 'osd.3' }) === 0);
    const mine = await poll('OSD_DOWN in mgrd health detail', 30_000, async () => (await healthDetail()).checks.OSD_DOWN);
    expect(mine.summary.message).toBe(real.summary.message);
    expect(mine.detail.map((d) => d.message)).toEqual(real.detail.map((d) => d.message));
    // `mgrd tell mgr health detail`, as an operator types it.
    const out = await c.cli(process.execPath, MGRD_BIN, 'tell', '--mgr', t.daemonAddr, '--keyring', join(c.work, 'mgrd.keyring'), 'mgr', 'health', 'detail');
    expect(out).toContain(`[WRN] OSD_DOWN: ${real.summary.message}`);
    for (const d of real.detail) expect(out).toContain(d.message);

    await c.startDaemon('osd', '3');
    await poll('osd.3 session to open again after the restart', 60_000, () => connected('osd.3'));
    await poll('ceph_osd_up of osd.3 to be 1', 60_000, async () => value(await scrape(metricsUrl), 'ceph_osd_up', { ceph_daemon: 'osd.3' }) === 1);
    await healthy();
  });
});
