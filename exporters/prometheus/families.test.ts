// The family diff: a simulated cluster shaped like the reference (1 mon, 4
// OSDs) reports over the wire protocol to a real manager; the family set of its
// /metrics (name, TYPE, label names and order) is compared with what Ceph
// 16.2.15 served (active-metrics.txt). Every difference must be one of ALLOWED,
// each with its reason (also in docs/prometheus.md).

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimRunner } from '../../src/sim/sim-runner.js';
import { startPrometheusTestCluster, waitFor, type TestMgr } from '../../test/helpers/harness.js';
import { Collector } from './collector.js';
import { familyLabelNames, parseExposition, type ParsedBody, type ParsedFamily } from './exposition-parse.js';
import { HealthHistory } from './health-history.js';
import type { Module } from './module.js';

const REFERENCE = parseExposition(readFileSync(new URL('../../test/fixtures/ceph-reference/prometheus/active-metrics.txt', import.meta.url), 'utf8'));

/** Daemon types of the simulated cluster that the reference cluster did not run. */
const TYPES_NOT_IN_REFERENCE = ['mds.', 'rgw.'];

interface Allowance {
  readonly test: (name: string, ours: ParsedFamily | undefined) => boolean;
  readonly reason: string;
}

/** Differences allowed, by kind. Keep in step with docs/prometheus.md ("Differences from Ceph"). */
const ALLOWED: Record<'missing' | 'extra' | 'different', Allowance[]> = {
  // Nothing: the simulator runs the reference's daemon types with Ceph's own perf schemas.
  missing: [],
  extra: [
    { test: (n) => n.startsWith('mgrd_'), reason: "mgrd's own metrics (process, ingest, sessions, module queues, this exporter)" },
    {
      test: (_n, ours) => ours !== undefined && ours.samples.length > 0 && ours.samples.every((s) => s.labels.some(([k, v]) => (k === 'ceph_daemon' && TYPES_NOT_IN_REFERENCE.some((t) => v.startsWith(t))) || k === 'instance_id')),
      reason: 'perf counters of daemon types the reference cluster did not run (mds, rgw)',
    },
  ],
  different: [],
};

function signature(f: ParsedFamily): string {
  return `${f.type}(${familyLabelNames(f)})`;
}

interface Diff {
  missing: string[];
  extra: string[];
  different: string[];
}

function diffFamilies(ours: ParsedBody, reference: ParsedBody): { unexplained: Diff; explained: Record<string, string[]> } {
  const unexplained: Diff = { missing: [], extra: [], different: [] };
  const explained: Record<string, string[]> = {};
  const judge = (kind: keyof Diff, name: string, line: string): void => {
    const rule = ALLOWED[kind].find((a) => a.test(name, ours.families.get(name)));
    if (rule === undefined) unexplained[kind].push(line);
    else (explained[rule.reason] ??= []).push(name);
  };
  for (const [name, ref] of reference.families) {
    const f = ours.families.get(name);
    if (f === undefined) judge('missing', name, `${name} ${signature(ref)}`);
    else if (f.type !== ref.type || (ref.samples.length > 0 && f.samples.length > 0 && familyLabelNames(f) !== familyLabelNames(ref))) {
      judge('different', name, `${name}: ours ${signature(f)}, Ceph ${signature(ref)}`);
    }
  }
  for (const name of ours.families.keys()) if (!reference.families.has(name)) judge('extra', name, `${name} ${signature(ours.families.get(name)!)}`);
  return { unexplained, explained };
}

describe('families of a reference-shaped simulated cluster vs Ceph 16.2.15', () => {
  let t: TestMgr;
  let sim: SimRunner;
  let url: string;

  beforeAll(async () => {
    ({ t, sim, url } = await startPrometheusTestCluster({ osds: 4, seed: 7, model: { objectstore: 'mixed' } }));
    // Every reporting daemon's perf counters, and PG stats folded into pools.
    await waitFor(async () => {
      const body = await (await fetch(`${url}metrics`)).text();
      return /ceph_osd_op_w\{ceph_daemon="osd\.3"\}/.test(body) && /ceph_paxos_commit\{/.test(body) && /ceph_pool_stored\{/.test(body) && /ceph_pg_active\{/.test(body);
    }, 30_000, 'a complete /metrics');
  });

  afterAll(async () => {
    await sim?.stop();
    await t?.stop();
  });

  it('has every reference family, with the same TYPE and label names, apart from the documented differences', async () => {
    const ours = parseExposition(await (await fetch(`${url}metrics`)).text());
    const { unexplained, explained } = diffFamilies(ours, REFERENCE);
    // The allowed differences, listed for the test log.
    for (const [reason, names] of Object.entries(explained)) console.log(`allowed (${reason}): ${names.length}: ${names.slice(0, 12).join(' ')}${names.length > 12 ? ' …' : ''}`);
    expect(unexplained).toEqual({ missing: [], extra: [], different: [] });
  });

  it('writes no duplicate HELP/TYPE, and no duplicate series (strict writer over the live cluster)', async () => {
    const mod = t.mgr.registry.get('prometheus')?.instance as Module;
    const collector = new Collector(mod, new HealthHistory(undefined, 1000), { warn: () => undefined, historyChanged: () => undefined }, true);
    const c = await collector.collect({ excludePerfCounters: false, minPriority: 5, sliceMs: 5 });
    expect(c.errors).toEqual([]);
    for (const body of [c.parts.text.join(''), c.parts.openmetrics.join('')]) {
      const parsed = parseExposition(body);
      expect(new Set(parsed.helpLines).size).toBe(parsed.helpLines.length);
      expect(new Set(parsed.typeLines).size).toBe(parsed.typeLines.length);
    }
    const served = parseExposition(await (await fetch(`${url}metrics`)).text());
    expect(new Set(served.typeLines).size).toBe(served.typeLines.length);
    const keys = served.samples.map((s) => `${s.name}${JSON.stringify(s.labels)}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
