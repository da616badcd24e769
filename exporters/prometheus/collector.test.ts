// The collector fed with what real ceph-mgr 16.2.15 handed its modules, against
// what Ceph's prometheus module served from that same cluster: the same
// families (name, TYPE, HELP, label names and order) and, for the families
// whose inputs did not move between the two captures, the same samples.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Collector, type Collection } from './collector.js';
import { familyLabelNames, parseExposition, type ParsedBody } from './exposition-parse.js';
import { HealthHistory } from './health-history.js';
import { ReferenceCluster } from './reference-cluster.js';

const REFERENCE = parseExposition(
  readFileSync(new URL('../../test/fixtures/ceph-reference/prometheus/active-metrics.txt', import.meta.url), 'utf8'),
);

async function collectReference(opts: { excludePerfCounters?: boolean; minPriority?: number; sliceMs?: number } = {}): Promise<{ c: Collection; text: ParsedBody; om: ParsedBody }> {
  const collector = new Collector(new ReferenceCluster(), new HealthHistory(undefined, 1000), { warn: () => undefined, historyChanged: () => undefined }, true);
  const c = await collector.collect({ excludePerfCounters: opts.excludePerfCounters ?? false, minPriority: opts.minPriority ?? 5, sliceMs: opts.sliceMs ?? 10 });
  return { c, text: parseExposition(c.parts.text.join('')), om: parseExposition(c.parts.openmetrics.join('')) };
}

// `peerdump` is the module that captured mgr_internals/ (enabled after the /metrics capture).
const CAPTURE_ONLY = /name="peerdump"/;

function sampleKeys(body: ParsedBody, family: string): string[] {
  return (body.families.get(family)?.samples ?? []).map((s) => `${s.name}{${s.labels.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}} ${s.value}`).filter((k) => !CAPTURE_ONLY.test(k)).sort();
}

describe('collector on the reference cluster (Ceph 16.2.15 inputs)', () => {
  it('produces exactly the reference families: name, TYPE, HELP and label names', async () => {
    const { text } = await collectReference();
    const describe = (b: ParsedBody, name: string): string => {
      const f = b.families.get(name)!;
      return `${f.type} ${familyLabelNames(f)} | ${f.help}`;
    };
    const missing = [...REFERENCE.families.keys()].filter((n) => !text.families.has(n));
    const extra = [...text.families.keys()].filter((n) => !REFERENCE.families.has(n));
    const different = [...REFERENCE.families.keys()]
      .filter((n) => text.families.has(n) && REFERENCE.families.get(n)!.samples.length > 0 && describe(text, n) !== describe(REFERENCE, n))
      .map((n) => `${n}: ours ${describe(text, n)} / Ceph ${describe(REFERENCE, n)}`);
    expect({ missing, extra, different }).toEqual({ missing: [], extra: [], different: [] });
  });

  it('writes each HELP and TYPE once and every family contiguously (strict writer: no duplicate series)', async () => {
    const { text, om } = await collectReference();
    expect(new Set(text.typeLines).size).toBe(text.typeLines.length);
    expect(new Set(text.helpLines).size).toBe(text.helpLines.length);
    expect(new Set(om.typeLines).size).toBe(om.typeLines.length);
    expect(om.eof).toBe(true);
    expect(om.samples.length).toBe(text.samples.length);
  });

  it.each([
    'ceph_health_status', 'ceph_mon_quorum_status', 'ceph_mon_metadata', 'ceph_mgr_metadata', 'ceph_mgr_status', 'ceph_mgr_module_status', 'ceph_mgr_module_can_run',
    // (not ceph_pg_clean: two PGs were scrubbing when mgr_internals/ was captured)
    'ceph_osd_metadata', 'ceph_pool_metadata', 'ceph_pg_total', 'ceph_pg_active', 'ceph_pg_down', 'ceph_daemon_health_metrics',
    'ceph_osd_flag_noout', 'ceph_osd_up', 'ceph_osd_in', 'ceph_osd_weight', 'ceph_pool_objects_repaired', 'ceph_pool_quota_objects',
    'ceph_pool_recovering_objects_per_sec', 'ceph_num_objects_degraded', 'ceph_healthcheck_slow_ops', 'ceph_cluster_total_bytes',
  ])('%s: the same samples as Ceph served', async (family) => {
    const { text } = await collectReference();
    expect(sampleKeys(text, family)).toEqual(sampleKeys(REFERENCE, family));
  });

  it('exports perf counters as Ceph does: _sum/_count pairs, TIME in seconds, one series per daemon', async () => {
    const { text } = await collectReference();
    const cluster = new ReferenceCluster();
    let raw: { sum: number; count: number } | undefined;
    for (const d of cluster.daemonCounters()) {
      const c = d.columns.find((x) => x.path === 'osd.op_w_latency');
      if (d.daemon === 'osd.0' && c !== undefined) raw = { sum: d.values[c.col]!, count: d.values[c.col + 1]! };
    }
    const sum = text.families.get('ceph_osd_op_w_latency_sum')!.samples.find((s) => s.labels[0]?.[1] === 'osd.0');
    const count = text.families.get('ceph_osd_op_w_latency_count')!.samples.find((s) => s.labels[0]?.[1] === 'osd.0');
    expect(sum?.value).toBe(raw!.sum / 1e9);
    expect(count?.value).toBe(raw!.count);
    expect(text.families.get('ceph_osd_op_w')!.samples.map((s) => s.labels[0]?.[1])).toEqual(['osd.0', 'osd.1', 'osd.2', 'osd.3']);
    expect(text.families.get('ceph_paxos_commit_latency_sum')!.samples.map((s) => s.labels)).toEqual([[['ceph_daemon', 'mon.a']]]);
  });

  it('leaves perf counters out with exclude_perf_counters, and below the priority limit', async () => {
    const none = await collectReference({ excludePerfCounters: true });
    expect(none.text.families.has('ceph_osd_op_w')).toBe(false);
    expect(none.text.families.has('ceph_osd_up')).toBe(true);
    const critical = await collectReference({ minPriority: 10 });
    const all = await collectReference();
    expect(critical.c.series).toBeLessThan(all.c.series);
    expect(critical.c.series).toBeGreaterThan(none.c.series);
  });

  it('renders in slices without changing the body', async () => {
    const coarse = await collectReference({ sliceMs: 1000 });
    const fine = await collectReference({ sliceMs: 0 });
    expect(fine.c.slices).toBeGreaterThan(coarse.c.slices);
    const strip = (b: ParsedBody): string[] => b.samples.filter((s) => !s.name.startsWith('ceph_prometheus_collect')).map((s) => `${s.name}${JSON.stringify(s.labels)} ${s.value}`);
    expect(strip(fine.text)).toEqual(strip(coarse.text));
  });
});
