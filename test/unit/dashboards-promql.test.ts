// The PromQL selector reader and the static check's rules, on hand-made
// expressions: what they must find and what they must reject.

import { describe, expect, it } from 'vitest';
import { unknownLabels, unknownNames } from '../../dashboards/lint/metric-check.js';
import { parseQuery, stringValue, substituteIntervals } from '../../dashboards/lint/promql.js';

describe('PromQL selectors', () => {
  it('reads metric names and matchers of vector and matrix selectors, not function or label names', () => {
    const { selectors, errors } = parseQuery(
      'sum by (hostname) (rate(ceph_osd_op_r{job=~"$job", cluster=~"$cluster"}[$__rate_interval]) * on (ceph_daemon) group_left (hostname) ceph_osd_metadata) / count(up) or vector(0)');
    expect(errors).toEqual([]);
    expect(selectors.map((s) => s.metric)).toEqual(['ceph_osd_op_r', 'ceph_osd_metadata', 'up']);
    expect(selectors[0]!.matchers).toEqual([{ name: 'job', op: '=~', value: '$job' }, { name: 'cluster', op: '=~', value: '$cluster' }]);
  });

  it('reads __name__ matchers, quoted names and escapes', () => {
    const { selectors } = parseQuery(`{__name__="ceph_osd_up", x!~'a\\'b'} + {__name__=~"ceph_osd_.*"} + {"ceph_osd_in"}`);
    expect(selectors.map((s) => s.metric)).toEqual(['ceph_osd_up', undefined, 'ceph_osd_in']);
    expect(selectors[0]!.matchers[1]).toEqual({ name: 'x', op: '!~', value: "a'b" });
    expect(stringValue('`a\\b`')).toBe('a\\b');
  });

  it('reports syntax errors, a variable outside a string, and an empty expression', () => {
    expect(parseQuery('sum(rate(ceph_osd_op_w[5m])').errors).not.toEqual([]);
    expect(parseQuery('topk($n, ceph_osd_numpg)').errors).not.toEqual([]);
    expect(parseQuery('ceph_osd_up{').errors).not.toEqual([]);
    expect(parseQuery(' ').errors).toContain('empty expression');
    expect(substituteIntervals('x[$__rate_interval] offset ${__range}')).toBe('x[1m] offset 1h');
  });
});

describe('the static check rules', () => {
  const known = new Map<string, Set<string> | undefined>([
    ['ceph_pool_objects_repaired', new Set(['poolid'])],
    ['ceph_osd_up', new Set(['ceph_daemon'])],
    ['ceph_health_detail', undefined],
  ]);
  const use = (expr: string): Array<{ where: string; selector: ReturnType<typeof parseQuery>['selectors'][number] }> =>
    parseQuery(expr).selectors.map((selector) => ({ where: 'x', selector }));

  it('finds names not exported and not excepted, and name regexes that match nothing', () => {
    expect(unknownNames(use('ceph_osd_up + ceph_osd_upp + node_load1 + {__name__=~"ceph_nothing_.*"} + {__name__=~"ceph_osd_.*"}'), known, { node_load1: {} }))
      .toEqual(['x: ceph_osd_upp', 'x: {__name__=~"ceph_nothing_.*"} selects no exported metric name']);
  });

  it('finds labels the metric does not have (Ceph\'s poolid vs pool_id), allowing target labels', () => {
    expect(unknownLabels(use('ceph_pool_objects_repaired{pool_id="1"} + ceph_osd_up{ceph_daemon="osd.0", cluster="c"} + ceph_health_detail{name="X"}'), known, new Set(['cluster'])))
      .toEqual(['x: ceph_pool_objects_repaired has no label pool_id']);
  });
});

describe('Grafana variable interpolation (the live test sends queries as Grafana would)', () => {
  it('single values raw, multi values as an escaped alternation, intervals as durations', async () => {
    const { interpolate } = await import('../../dashboards/lint/grafana-vars.js');
    const v = { values: { osd: ['osd.1'], host: ['node-0001', 'a.b'], instance: ['127.0.0.1:9283'] }, multi: new Set(['host', 'instance']), intervals: { rate: '15s', interval: '5s', range: '5m' } };
    expect(interpolate('x{ceph_daemon=~"$osd", hostname=~"${host}", instance=~"[[instance]]"}[$__rate_interval]', v))
      .toBe('x{ceph_daemon=~"osd.1", hostname=~"(node-0001|a\\\\.b)", instance=~"127\\\\.0\\\\.0\\\\.1:9283"}[15s]');
    expect(interpolate('$unknown', v)).toBe('$unknown');
  });
});
