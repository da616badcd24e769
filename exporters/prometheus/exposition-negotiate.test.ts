import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CONTENT_TYPE_OPENMETRICS, CONTENT_TYPE_TEXT, contentTypeFor, negotiate } from './exposition.js';

describe('negotiate', () => {
  const PROMETHEUS_2_42 =
    'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
  const PROMETHEUS_2_PROTOBUF =
    'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
  const PROMETHEUS_3 =
    'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1';
  const CHROME =
    'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7';
  const FIREFOX = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

  it.each([
    ['Prometheus 2.42', PROMETHEUS_2_42, 'openmetrics'],
    ['Prometheus 2.x with protobuf first', PROMETHEUS_2_PROTOBUF, 'openmetrics'],
    ['Prometheus 3', PROMETHEUS_3, 'openmetrics'],
    ['curl', '*/*', 'text'],
    ['no header', undefined, 'text'],
    ['empty header', '', 'text'],
    ['Chrome', CHROME, 'text'],
    ['Firefox', FIREFOX, 'text'],
    ['text/plain', 'text/plain', 'text'],
    ['text 0.0.4', 'text/plain;version=0.0.4', 'text'],
    ['OpenMetrics alone', 'application/openmetrics-text', 'openmetrics'],
    ['OpenMetrics 0.0.1', 'application/openmetrics-text; version=0.0.1', 'openmetrics'],
    ['OpenMetrics of an unknown version', 'application/openmetrics-text;version=2.0.0', 'text'],
    ['OpenMetrics refused', 'application/openmetrics-text;q=0,*/*', 'text'],
    ['OpenMetrics ranked below text', 'application/openmetrics-text;q=0.4,text/plain;q=0.5', 'text'],
    ['OpenMetrics tied with text', 'text/plain;version=0.0.4;q=0.5,application/openmetrics-text;version=1.0.0;q=0.5', 'openmetrics'],
    ['OpenMetrics below the wildcard', 'application/openmetrics-text;q=0.5,*/*', 'text'],
    ['text refused, OpenMetrics named', 'text/plain;q=0,application/openmetrics-text;q=0.1', 'openmetrics'],
    ['application wildcard', 'application/*', 'text'],
    ['case and spaces', ' Application/OpenMetrics-Text ; Version="1.0.0" ; Q=1 , text/plain ; q=0.5', 'openmetrics'],
    ['malformed q ignored', 'application/openmetrics-text;q=high,text/plain', 'text'],
    ['garbage', 'nonsense,,;;', 'text'],
  ])('%s → %s', (_what, accept, expected) => {
    expect(negotiate(accept)).toBe(expected);
  });

  it('names the content type of each format', () => {
    expect(CONTENT_TYPE_TEXT).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(CONTENT_TYPE_OPENMETRICS).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(contentTypeFor('text')).toBe(CONTENT_TYPE_TEXT);
    expect(contentTypeFor('openmetrics')).toBe(CONTENT_TYPE_OPENMETRICS);
    // prom-client agrees on both strings
    expect(Registry.PROMETHEUS_CONTENT_TYPE).toBe(CONTENT_TYPE_TEXT);
    expect(Registry.OPENMETRICS_CONTENT_TYPE).toBe(CONTENT_TYPE_OPENMETRICS);
  });
});

