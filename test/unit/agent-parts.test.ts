// The Ceph agent's pure parts against real captures: perf schema and perf dump
// of a real OSD (test/fixtures/ceph-reference/admin_socket), admin socket
// names, ceph.conf run directories, and the health checks it forwards.

import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAsokName } from '../../src/agent/asok-discovery.js';
import { asokDirsFromConf, DEFAULT_RUN_DIR } from '../../src/agent/ceph-conf.js';
import { computedByManager, forwardedChecks } from '../../src/agent/cluster-health.js';
import { MapDiffer, monStatusFromQuorum } from '../../src/agent/cluster-maps.js';
import { metadataStrings } from '../../src/agent/daemon-metadata.js';
import { parseSchema, PerfDumpReader, PerfSchemaError, type PerfDumpJson, type PerfSchemaJson } from '../../src/agent/perf-schema.js';
import { valueWidth } from '../../src/mgr-module/perf-types.js';
import { refCli, refJson } from '../helpers/pg-cluster.js';

const schema = refJson<PerfSchemaJson>('admin_socket/osd.3.perf_schema.json');
const dump = refJson<PerfDumpJson>('admin_socket/osd.3.perf_dump.json');

describe('perf schema and perf dump of a real OSD', () => {
  const parsed = parseSchema(schema);

  it('declares every counter with its real type, priority, unit and description', () => {
    const n = Object.values(schema).reduce((a, s) => a + Object.keys(s).length, 0);
    expect(parsed.decls).toHaveLength(n);
    const w = parsed.decls.find((d) => d.path === 'osd.op_w_latency')!;
    const ref = schema.osd!.op_w_latency!;
    expect(w).toEqual({ path: 'osd.op_w_latency', description: ref.description, nick: ref.nick, type: ref.type, priority: ref.priority, unit: 'none' });
    expect(parsed.decls.find((d) => d.path === 'osd.op_in_bytes')!.unit).toBe('bytes');
    expect(parsed.keys[0]).toEqual(['AsyncMessenger::Worker-0', 'msgr_recv_messages']);
  });

  it('reads a dump into the schema-ordered vector: TIME in ns, averages as (sum, count)', () => {
    const r = new PerfDumpReader(parsed);
    expect(r.width).toBe(parsed.decls.reduce((a, d) => a + valueWidth(d.type), 0));
    expect(r.read(dump)).toEqual([]);
    const col = (path: string): number => {
      let c = 0;
      for (const d of parsed.decls) {
        if (d.path === path) return c;
        c += valueWidth(d.type);
      }
      throw new Error(path);
    };
    const osd = dump.osd as Record<string, unknown>;
    expect(r.vector[col('osd.op_w')]).toBe(osd.op_w);
    const lat = osd.op_w_latency as { sum: number; avgcount: number };
    expect(r.vector[col('osd.op_w_latency')]).toBeCloseTo(lat.sum * 1e9, 0);
    expect(r.vector[col('osd.op_w_latency') + 1]).toBe(lat.avgcount);
    const msgr = dump['AsyncMessenger::Worker-0'] as Record<string, number>;
    expect(r.vector[col('AsyncMessenger::Worker-0.msgr_running_total_time')]).toBeCloseTo(msgr.msgr_running_total_time! * 1e9, 0);
  });

  it('names the loggers a dump has and the schema lacks (read the schema again), ignoring empty ones', () => {
    const r = new PerfDumpReader(parsed);
    expect(r.read({ ...dump, 'objecter-0x55d1': { op_active: 1 }, 'empty-histograms': {} })).toEqual(['objecter-0x55d1']);
  });

  it('refuses a schema entry without type or priority', () => {
    expect(() => parseSchema({ osd: { op: { description: 'x' } } })).toThrow(PerfSchemaError);
  });
});

describe('admin socket names', () => {
  it('maps <cluster>-<name>.asok to the daemon the manager knows', () => {
    expect(parseAsokName('ceph-osd.12.asok', 'ceph')).toEqual({ name: 'osd.12', type: 'osd', id: '12', cephName: 'osd.12' });
    expect(parseAsokName('ceph-mon.node-a.asok', 'ceph')).toMatchObject({ name: 'mon.node-a', type: 'mon' });
    expect(parseAsokName('ceph-client.rgw.gw1.asok', 'ceph')).toEqual({ name: 'rgw.gw1', type: 'rgw', id: 'gw1', cephName: 'client.rgw.gw1' });
    expect(parseAsokName('ceph-mds.a.asok', 'ceph')).toMatchObject({ name: 'mds.a' });
  });

  it("leaves out clients' sockets, other clusters' and odd names", () => {
    for (const f of ['ceph-client.admin.1234.94.asok', 'backup-osd.1.asok', 'ceph-osd.x.asok', 'ceph-osd.1.pid', 'ceph-osd.1.asok.tmp']) expect(parseAsokName(f, 'ceph')).toBeUndefined();
    expect(parseAsokName('backup-osd.1.asok', 'backup')).toMatchObject({ name: 'osd.1' });
  });
});

describe('admin socket directories from ceph.conf', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-conf-'));
  const conf = (text: string): string => {
    const p = join(dir, `c${readdirSync(dir).length}.conf`);
    writeFileSync(p, text);
    return p;
  };

  it("expands $run_dir and $cluster in each section's admin_socket", () => {
    const p = conf('[global]\nrun dir = /srv/run\nadmin_socket = $run_dir/$cluster-$name.asok\n[osd]\nadmin socket = /other/$cluster/$name.asok ; comment\n');
    expect(asokDirsFromConf(p, 'ceph')).toEqual(['/srv/run', '/other/ceph']);
  });

  it("falls back to Ceph's run dir, and skips a directory that depends on the daemon's name", () => {
    expect(asokDirsFromConf(join(dir, 'missing.conf'), 'ceph')).toEqual([DEFAULT_RUN_DIR]);
    expect(asokDirsFromConf(conf('[global]\nfsid = x\n'), 'ceph')).toEqual([DEFAULT_RUN_DIR]);
    expect(asokDirsFromConf(conf('[global]\nadmin_socket = /run/$name/x.asok\n'), 'ceph')).toEqual([DEFAULT_RUN_DIR]);
  });
});

describe('forwarded health', () => {
  it("keeps the real cluster's checks mgrd does not compute, drops those it does", () => {
    const h = { status: 'HEALTH_WARN', checks: {
      MON_DOWN: { severity: 'HEALTH_WARN', summary: { message: '1/3 mons down', count: 1 }, detail: [{ message: 'mon.c is down' }] },
      OSD_DOWN: { severity: 'HEALTH_WARN', summary: { message: '1 osds down', count: 1 }, detail: [] },
      OSD_HOST_DOWN: { severity: 'HEALTH_WARN', summary: { message: '1 host (1 osds) down', count: 1 }, detail: [] },
      PG_DEGRADED: { severity: 'HEALTH_WARN', summary: { message: 'Degraded data redundancy', count: 3 }, detail: [] },
    } };
    expect(forwardedChecks(h)).toEqual({ MON_DOWN: { severity: 'HEALTH_WARN', summary: { message: '1/3 mons down', count: 1 }, detail: [{ message: 'mon.c is down' }], muted: false } });
  });

  it('lists every check code the manager computes (src/state/health-*.ts)', () => {
    const dirUrl = new URL('../../src/state/', import.meta.url);
    const codes = new Set<string>();
    for (const f of readdirSync(dirUrl).filter((n) => /^health.*\.ts$/.test(n))) {
      const text = readFileSync(new URL(f, dirUrl), 'utf8');
      for (const m of text.matchAll(/\b(?:add|check|code)\(\s*'([A-Z][A-Z_]+)'/g)) codes.add(m[1]!);
      for (const m of text.matchAll(/'((?:PG|OBJECT|POOL|OSD|OSDMAP|LARGE)_[A-Z_]+)'/g)) codes.add(m[1]!);
    }
    expect(codes.size).toBeGreaterThan(15);
    for (const c of codes) expect([c, computedByManager(c)]).toEqual([c, true]);
    expect(computedByManager('MON_DOWN')).toBe(false);
    expect(computedByManager('SLOW_OPS')).toBe(false);
  });
});

describe('cluster maps', () => {
  it("builds the leader's mon_status from quorum_status, with the monmap get('mon_map') has", () => {
    const q = refCli<Parameters<typeof monStatusFromQuorum>[0]>('cli/quorum_status_json.txt');
    const s = monStatusFromQuorum(q);
    const ref = JSON.parse(refJson<{ json: string }>('mgr_internals/get.mon_status.json').json) as Record<string, unknown>;
    expect(Object.keys(s).sort()).toEqual(Object.keys(ref).sort());
    for (const k of ['name', 'rank', 'state', 'quorum', 'outside_quorum']) expect([k, s[k]]).toEqual([k, ref[k]]);
    expect(Object.keys(s.monmap as object).sort()).toEqual(Object.keys(refJson('mgr_internals/get.mon_map.json')).sort());
  });

  it('sends what changed, mon_status without quorum_age, and everything after a reconnection', () => {
    const d = new MapDiffer();
    d.set('osd_map', { epoch: 1 });
    d.set('mon_status', { quorum_age: 5, quorum: [0] });
    expect(Object.keys(d.take(false))).toEqual(['osd_map', 'mon_status']);
    d.set('mon_status', { quorum_age: 10, quorum: [0] });
    d.set('osd_map', { epoch: 1 });
    expect(d.take(false)).toEqual({});
    d.set('osd_map', { epoch: 2 });
    expect(d.take(false)).toEqual({ osd_map: { epoch: 2 } });
    expect(Object.keys(d.take(true))).toEqual(['osd_map', 'mon_status']);
  });
});

describe('daemon metadata', () => {
  it("is Ceph's `osd metadata` as strings, without the id key", () => {
    const ref = refCli<Array<Record<string, unknown>>>('cli/osd_metadata_json.txt')[0]!;
    const m = metadataStrings(ref);
    const kept = refJson<Record<string, string>>('mgr_internals/get_metadata.osd.0.json');
    expect(Object.keys(m).sort()).toEqual(Object.keys(kept).sort());
    for (const v of Object.values(m)) expect(typeof v).toBe('string');
  });
});
