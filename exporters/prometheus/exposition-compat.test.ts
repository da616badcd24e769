// Our output against the two references we must agree with: prom-client's
// serialiser (line for line) and what Ceph 16's module served (sample for
// sample, minus its repeated HELP/TYPE).

import { readFileSync } from 'node:fs';
import { Counter, Gauge, Registry, type RegistryContentType } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ExpositionWriter, labelFragment, type FamilyType } from './exposition.js';
import { parseExposition, type ParsedBody, type ParsedSample } from './exposition-parse.js';

const REFERENCE = new URL('../../test/fixtures/ceph-reference/prometheus/active-metrics.txt', import.meta.url);

/** name{sorted labels} value — order-independent identity of a sample. */
function sampleKey(s: ParsedSample): string {
  const labels = [...s.labels].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return `${s.name}{${labels.join(',')}} ${String(s.value)}`;
}

// --- against prom-client ---

describe('same lines as prom-client', () => {
  const daemons = ['osd.0', 'osd.1', 'mon.a'];
  const odd = 'we"ird\\ho\nst';
  const gaugeValues = [0, 0.1, 1e21, -3.5, 7429494655, 1.5e-7, Infinity, -Infinity]; // NaN: prom-client writes "Nan"
  const counterValues = [0, 1, 123456789, 0.25];

  async function both(format: 'text' | 'openmetrics'): Promise<[string, string]> {
    const registry = new Registry<RegistryContentType>();
    registry.setContentType(format === 'openmetrics' ? Registry.OPENMETRICS_CONTENT_TYPE : Registry.PROMETHEUS_CONTENT_TYPE);
    const gaugeHelp = format === 'text' ? 'Placement "groups"\\ per\nOSD' : 'Placement groups\\ per\nOSD'; // prom-client leaves " raw in OpenMetrics HELP
    const gauge = new Gauge({ name: 'ceph_osd_numpg', help: gaugeHelp, labelNames: ['ceph_daemon', 'hostname'], registers: [registry] });
    const counter = new Counter({ name: 'mgrd_reports_total', help: 'Reports received', labelNames: ['ceph_daemon'], registers: [registry] });
    const plain = new Gauge({ name: 'ceph_health_status', help: 'Cluster health status', registers: [registry] });
    const w = new ExpositionWriter(format, { strict: true });
    w.family('ceph_osd_numpg', 'gauge', gaugeHelp);
    gaugeValues.forEach((v, i) => {
      const labels = { ceph_daemon: `osd.${i}`, hostname: i === 0 ? odd : `host-${i}` };
      gauge.set(labels, v);
      w.sample('ceph_osd_numpg', labelFragment(Object.keys(labels), Object.values(labels)), v);
    });
    w.family('mgrd_reports_total', 'counter', 'Reports received');
    daemons.forEach((d, i) => {
      counter.inc({ ceph_daemon: d }, counterValues[i]);
      w.sample('mgrd_reports_total', labelFragment(['ceph_daemon'], [d]), counterValues[i] ?? 0);
    });
    plain.set(2);
    w.family('ceph_health_status', 'gauge', 'Cluster health status').sample('ceph_health_status', '', 2);
    return [w.finish(), await registry.metrics()];
  }

  const lines = (body: string): string[] => body.split('\n').filter((l) => l !== '').sort();

  it('text 0.0.4: identical lines modulo order, and the same parsed samples', async () => {
    const [ours, theirs] = await both('text');
    expect(lines(ours)).toEqual(lines(theirs));
    const a = parseExposition(ours);
    const b = parseExposition(theirs);
    expect(a.samples.map(sampleKey).sort()).toEqual(b.samples.map(sampleKey).sort());
    expect(a.samples.find((s) => s.labels.some(([, v]) => v === odd))).toBeDefined();
  });

  it('OpenMetrics: identical lines modulo order for gauges and _total counters', async () => {
    const [ours, theirs] = await both('openmetrics');
    expect(lines(ours)).toEqual(lines(theirs));
    expect(ours.endsWith('\n# EOF\n')).toBe(true);
  });
});

// --- against what Ceph served ---

describe('re-rendering the reference /metrics of Ceph 16.2.15', () => {
  const reference = parseExposition(readFileSync(REFERENCE, 'utf8'));

  function rerender(format: 'text' | 'openmetrics'): ParsedBody {
    const w = new ExpositionWriter(format, { strict: true });
    for (const block of reference.blocks) {
      w.family(block.name, block.type as FamilyType, block.help);
      for (const s of block.samples) {
        w.sample(s.name, labelFragment(s.labels.map(([k]) => k), s.labels.map(([, v]) => v)), s.value);
      }
    }
    return parseExposition(w.finish());
  }

  it('the reference does repeat HELP/TYPE (the upstream bug we must not copy)', () => {
    expect([reference.samples.length, new Set(reference.typeLines).size]).toEqual([771, 371]);
    expect(reference.typeLines.filter((n) => n === 'ceph_pool_objects_repaired').length).toBeGreaterThan(1);
    expect(new Set(reference.typeLines).size).toBeLessThan(reference.typeLines.length);
  });

  it('text: the same sample set, exactly one HELP and TYPE per family, each family contiguous', () => {
    const ours = rerender('text');
    expect(ours.samples.map(sampleKey).sort()).toEqual(reference.samples.map(sampleKey).sort());
    const families = [...new Set(reference.typeLines)];
    expect(ours.helpLines).toEqual(families);
    expect(ours.typeLines).toEqual(families);
    for (const block of ours.blocks) {
      const first = reference.blocks.find((b) => b.name === block.name);
      expect([block.type, block.help]).toEqual([first?.type, first?.help]);
      for (const s of block.samples) expect(s.name).toBe(block.name);
    }
    const repaired = ours.blocks.find((b) => b.name === 'ceph_pool_objects_repaired');
    expect(repaired?.samples.map((s) => s.labels[0]?.[1])).toEqual(['1', '4', '3', '2']);
  });

  it('OpenMetrics: same samples, unknown for untyped and Ceph counters, # EOF', () => {
    const ours = rerender('openmetrics');
    expect(ours.eof).toBe(true);
    expect(ours.samples.map(sampleKey).sort()).toEqual(reference.samples.map(sampleKey).sort());
    expect(new Set(ours.typeLines).size).toBe(ours.typeLines.length);
    for (const block of ours.blocks) {
      const refType = reference.blocks.find((b) => b.name === block.name)?.type;
      expect(block.type).toBe(refType === 'gauge' ? 'gauge' : 'unknown');
    }
  });
});
