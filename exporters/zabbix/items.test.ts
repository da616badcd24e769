import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { GetName, Snapshot } from '../../src/mgr-module/index.js';
import { ReferenceCluster } from '../prometheus/reference-cluster.js';
import { zabbixReference } from '../../test/helpers/zabbix-reference.js';
import { discover, discoveryItems } from './discovery.js';
import { buildItems, type ItemSource, type ItemSourceName } from './items.js';
import { floatText, intText } from './values.js';

const CAPTURE = new URL('../../test/fixtures/ceph-reference/zabbix/', import.meta.url);
const captured = (file: string): { data: Array<{ host: string; key: string; value: string }> } => JSON.parse(readFileSync(new URL(file, CAPTURE), 'utf8'));

/** The reference cluster (what ceph-mgr 16.2.15 handed its modules), with one answer overridden. */
const reference = (over: Partial<Record<GetName, unknown>> = {}): ItemSource & { get<N extends GetName>(n: N): Snapshot<N> } => zabbixReference(over);

describe('items', () => {
  it('sends the keys Ceph sent, in its order, for the cluster it was captured from', () => {
    const ours = buildItems(reference()).map((i) => i.key);
    const theirs = captured('data_request_decoded.json').data.map((i) => i.key);
    expect(ours).toEqual(theirs);
  });

  it('writes each value as Ceph did: ints without a point, floats with one', () => {
    const ours = new Map(buildItems(reference()).map((i) => [i.key, i.value]));
    for (const { key, value } of captured('data_request_decoded.json').data) {
      const v = ours.get(key)!;
      const shape = (s: string): string => (/^-?\d+$/.test(s) ? 'int' : /^-?\d+\.\d+(e[+-]\d+)?$|e[+-]\d\d$/.test(s) ? 'float' : 'text');
      expect(`${key} ${shape(v)}`).toBe(`${key} ${shape(value)}`);
    }
    // Figures that did not move between the two captures, byte for byte.
    const same = ['ceph.overall_status', 'ceph.overall_status_int', 'ceph.num_mon', 'ceph.num_pools', 'ceph.total_bytes', 'ceph.num_osd',
      'ceph.osd_nearfull_ratio', 'ceph.osd_full_ratio', 'ceph.osd_backfillfull_ratio', 'ceph.[osd.0,up]', 'ceph.[osd.3,in]',
      'ceph.num_osd_up', 'ceph.[osd.3,num_pgs]', 'ceph.osd_max_pgs', 'ceph.num_pg', 'ceph.[osd.0,osd_latency_apply]', 'ceph.osd_latency_commit_avg'];
    const capturedValues = new Map(captured('data_request_decoded.json').data.map((i) => [i.key, i.value]));
    for (const k of same) expect(`${k}=${ours.get(k)}`).toBe(`${k}=${capturedValues.get(k)}`);
  });

  it('computes the aggregates as Ceph does (fill %, averages, latencies in ms, PG states split on +)', () => {
    const stats = new ReferenceCluster().get('osd_stats').osd_stats;
    const items = new Map(buildItems(reference()).map((i) => [i.key, i.value]));
    const fills = stats.map((o) => (o.kb_used / o.kb) * 100);
    expect(items.get('ceph.osd_max_fill')).toBe(String(Math.max(...fills)));
    expect(Number(items.get('ceph.osd_avg_fill'))).toBeCloseTo(fills.reduce((a, b) => a + b) / fills.length, 12);
    expect(items.get(`ceph.[osd.${stats[0]!.osd},osd_fill]`)).toBe(String(fills[0]));
    // get.pg_status: 55 active+clean, 2 active+recovering+undersized+remapped
    expect(items.get('ceph.num_pg_active')).toBe('57');
    expect(items.get('ceph.num_pg_clean')).toBe('55');
    expect(items.get('ceph.num_pg_recovering')).toBe('2');
    expect(items.get('ceph.num_pg_undersized')).toBe('2');
    expect(items.get('ceph.num_pg_degraded')).toBe('0');
    const latencies = reference({
      osd_stats: { osd_stats: stats.map((o, i) => ({ ...o, perf_stat: { ...o.perf_stat, apply_latency_ns: (i + 1) * 1_500_000, commit_latency_ns: 250_000 } })), pool_statfs: [] },
    });
    const l = new Map(buildItems(latencies).map((i) => [i.key, i.value]));
    expect([l.get('ceph.osd_latency_apply_max'), l.get('ceph.osd_latency_apply_min'), l.get('ceph.osd_latency_apply_avg')]).toEqual(['6.0', '1.5', '3.75']);
    expect(l.get('ceph.osd_latency_commit_max')).toBe('0.25');
  });

  it("reads the OSDs' brief rows, never the whole osd_stats (its build stalls a 10,000-OSD manager)", () => {
    const ref = reference();
    const asked: string[] = [];
    buildItems({ get: <N extends ItemSourceName>(n: N): Snapshot<N> => (asked.push(n), ref.get(n)) });
    expect(asked).toContain('osd_stats_brief');
    expect(asked).not.toContain('osd_stats');
  });

  it('leaves out what Ceph would have sent as garbage', () => {
    const unknown = reference({ health: { json: '{"status":"HEALTH_UNKNOWN"}' } });
    const keys = buildItems(unknown).map((i) => i.key);
    expect(keys).toContain('ceph.overall_status');
    expect(keys).not.toContain('ceph.overall_status_int');
    const stats = new ReferenceCluster().get('osd_stats').osd_stats;
    const empty = reference({ osd_stats: { osd_stats: stats.map((o) => ({ ...o, kb: 0 })), pool_statfs: [] } });
    const e = buildItems(empty).map((i) => i.key);
    expect(e.filter((k) => k.includes('osd_fill') || k.includes('num_pgs') || k.startsWith('ceph.osd_max'))).toEqual([]);
    expect(e).toContain('ceph.[osd.0,up]');
  });
});

describe('values', () => {
  it('writes numbers as Python did', () => {
    expect([floatText(0), floatText(-0), floatText(26.5), floatText(26), floatText(1e-5), floatText(1.5e16), floatText(0.0001)])
      .toEqual(['0.0', '0.0', '26.5', '26.0', '1e-05', '1.5e+16', '0.0001']);
    expect([intText(42), intText(1.9), intText(NaN), intText('7'), floatText(Infinity)]).toEqual(['42', '1', undefined, undefined, undefined]);
  });
});

describe('discovery', () => {
  it('lists the pools and OSDs Ceph listed, with their CRUSH root', () => {
    const d = discover(reference());
    const lld = JSON.parse(readFileSync(new URL('discovery_lld_pretty.json', CAPTURE), 'utf8')) as Record<string, { data: unknown[] }>;
    expect(d.pools).toEqual(lld['ceph.zabbix.pool.discovery']!.data);
    expect(d.osds).toEqual(lld['ceph.zabbix.osd.discovery']!.data);
    const sent = captured('discovery_request_decoded.json').data;
    const ours = discoveryItems(d);
    expect(ours.map((i) => i.key)).toEqual(sent.map((i) => i.key));
    expect(ours.map((i) => JSON.parse(i.value))).toEqual(sent.map((i) => JSON.parse(i.value)));
  });

  it('finds OSDs at any depth, and lists pools and OSDs outside any rule with an empty root', () => {
    const ref = new ReferenceCluster();
    const map = ref.get('osd_map');
    const crush = {
      rules: [{ rule_id: 0, steps: [{ op: 'take', item: -1, item_name: 'default' }, { op: 'emit' }] }],
      buckets: [
        { id: -1, name: 'default', items: [{ id: -5 }] },
        { id: -5, name: 'rack1', items: [{ id: -3 }, { id: -3 }] }, // a bucket listed twice is walked once
        { id: -3, name: 'host1', items: [{ id: 0 }, { id: 1 }, { id: 2 }] },
      ],
    };
    const d = discover({
      get: <N extends 'osd_map' | 'osd_map_crush'>(n: N) => (n === 'osd_map' ? { ...map, pools: [...map.pools, { ...map.pools[0]!, pool_name: 'orphan', crush_rule: 7 }] } : crush) as Snapshot<N>,
    });
    expect(d.osds).toEqual([0, 1, 2, 3].map((id) => ({ '{#OSD}': id, '{#CRUSH_RULE}': id < 3 ? 'default' : '' })));
    expect(d.pools.at(-1)).toEqual({ '{#POOL}': 'orphan', '{#CRUSH_RULE}': '' });
  });
});
