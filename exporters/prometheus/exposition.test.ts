import { describe, expect, it } from 'vitest';
import { ExpositionWriter, escapeHelp, escapeLabelValue, formatValue, labelFragment, type FamilyType } from './exposition.js';

function render(format: 'text' | 'openmetrics', build: (w: ExpositionWriter) => void): string {
  const w = new ExpositionWriter(format, { strict: true });
  build(w);
  return w.finish();
}

// --- escaping, fragments, values ---

describe('escapeLabelValue / escapeHelp', () => {
  it('escapes backslash, double quote and newline in label values', () => {
    expect(escapeLabelValue('C:\\ceph')).toBe('C:\\\\ceph');
    expect(escapeLabelValue('say "hi"')).toBe('say \\"hi\\"');
    expect(escapeLabelValue('line1\nline2')).toBe('line1\\nline2');
    expect(escapeLabelValue('a\\"\n')).toBe('a\\\\\\"\\n');
    expect(escapeLabelValue('osd.0')).toBe('osd.0');
  });

  it('escapes backslash and newline in HELP, leaving double quotes', () => {
    expect(escapeHelp('a\\b\nc "d"')).toBe('a\\\\b\\nc "d"');
    expect(escapeHelp('Client write operations')).toBe('Client write operations');
  });
});

describe('labelFragment', () => {
  it('builds {a="x",b="y"} in the given order, escaping values', () => {
    expect(labelFragment(['ceph_daemon'], ['osd.3'])).toBe('{ceph_daemon="osd.3"}');
    expect(labelFragment(['pool_id', 'name'], ['4', 'we"ird\\\n'])).toBe('{pool_id="4",name="we\\"ird\\\\\\n"}');
    expect(labelFragment(['back_iface', 'b'], ['', 'x'])).toBe('{back_iface="",b="x"}');
  });

  it('is empty for no labels', () => {
    expect(labelFragment([], [])).toBe('');
  });

  it('rejects bad, reserved and repeated label names and length mismatches', () => {
    expect(() => labelFragment(['ceph-daemon'], ['x'])).toThrow(/invalid label name "ceph-daemon"/);
    expect(() => labelFragment(['0a'], ['x'])).toThrow(/invalid label name "0a"/);
    expect(() => labelFragment(['__name__'], ['x'])).toThrow(/invalid label name "__name__"/);
    expect(() => labelFragment(['a', 'a'], ['x', 'y'])).toThrow(/label name "a" repeated/);
    expect(() => labelFragment(['a', 'b'], ['x'])).toThrow(/2 label names \(a,b\) but 1 values/);
  });
});

describe('formatValue', () => {
  it.each([
    [0, '0'],
    [-0, '0'],
    [1, '1'],
    [-42, '-42'],
    [67108864, '67108864'],
    [7429494655, '7429494655'],
    [2 ** 53, '9007199254740992'],
    [1e20, '100000000000000000000'],
    [1e21, '1e+21'],
    [0.1, '0.1'],
    [0.1 + 0.2, '0.30000000000000004'],
    [0.11542774736881256, '0.11542774736881256'],
    [1.5e-7, '1.5e-7'],
    [0.000001, '0.000001'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
  ])('%s → %s', (v, expected) => {
    expect(formatValue(v)).toBe(expected);
  });

  it('round-trips every finite double', () => {
    const view = new DataView(new ArrayBuffer(8));
    for (let i = 0; i < 10_000; i++) {
      view.setUint32(0, (Math.random() * 2 ** 32) >>> 0);
      view.setUint32(4, (Math.random() * 2 ** 32) >>> 0);
      const v = view.getFloat64(0);
      if (Number.isFinite(v)) expect(Number(formatValue(v))).toBe(v);
    }
  });
});

// --- the writer ---

describe('ExpositionWriter (text 0.0.4)', () => {
  it('writes HELP, TYPE and samples, with exact lines', () => {
    const body = render('text', (w) => {
      w.family('ceph_health_status', 'untyped', 'Cluster health status');
      w.sample('ceph_health_status', '', 0);
      w.family('ceph_osd_op_w', 'counter', 'Client write operations');
      w.sample('ceph_osd_op_w', labelFragment(['ceph_daemon'], ['osd.0']), 123);
      w.sample('ceph_osd_op_w', labelFragment(['ceph_daemon'], ['osd.1']), 0.5);
    });
    expect(body).toBe(
      [
        '# HELP ceph_health_status Cluster health status',
        '# TYPE ceph_health_status untyped',
        'ceph_health_status 0',
        '# HELP ceph_osd_op_w Client write operations',
        '# TYPE ceph_osd_op_w counter',
        'ceph_osd_op_w{ceph_daemon="osd.0"} 123',
        'ceph_osd_op_w{ceph_daemon="osd.1"} 0.5',
        '',
      ].join('\n'),
    );
  });

  it('escapes HELP text and writes a family with no samples', () => {
    const body = render('text', (w) => w.family('ceph_fs_metadata', 'untyped', 'FS "Metadata"\\ of\nfs'));
    expect(body).toBe('# HELP ceph_fs_metadata FS "Metadata"\\\\ of\\nfs\n# TYPE ceph_fs_metadata untyped\n');
  });

  it('does not repeat HELP/TYPE when a family is reopened, and keeps its samples contiguous', () => {
    const body = render('text', (w) => {
      for (const osd of ['osd.0', 'osd.1']) {
        const labels = labelFragment(['ceph_daemon'], [osd]);
        w.family('ceph_osd_op_r', 'counter', 'Client read operations').sample('ceph_osd_op_r', labels, 1);
        w.family('ceph_osd_op_w', 'counter', 'Client write operations (help of a reopen is ignored)');
        w.sample('ceph_osd_op_w', labels, 2);
        w.family('ceph_osd_op_w', 'counter', 'Client write operations');
      }
    });
    expect(body.split('\n')).toEqual([
      '# HELP ceph_osd_op_r Client read operations',
      '# TYPE ceph_osd_op_r counter',
      'ceph_osd_op_r{ceph_daemon="osd.0"} 1',
      'ceph_osd_op_r{ceph_daemon="osd.1"} 1',
      '# HELP ceph_osd_op_w Client write operations (help of a reopen is ignored)',
      '# TYPE ceph_osd_op_w counter',
      'ceph_osd_op_w{ceph_daemon="osd.0"} 2',
      'ceph_osd_op_w{ceph_daemon="osd.1"} 2',
      '',
    ]);
  });

  it('keeps families contiguous and in order across many flushes and chunk() calls', () => {
    const n = 5000; // several FLUSH_CHARS runs per family
    const labels = Array.from({ length: n }, (_, i) => labelFragment(['ceph_daemon'], [`osd.${i}`]));
    const build = (w: ExpositionWriter, chunks: boolean): void => {
      for (let i = 0; i < n; i++) {
        w.family('ceph_a', 'gauge', 'a').sample('ceph_a', labels[i] ?? '', i);
        w.family('ceph_b', 'gauge', 'b').sample('ceph_b', labels[i] ?? '', -i);
        if (chunks && i % 777 === 0) w.chunk();
      }
    };
    const plain = render('text', (w) => build(w, false));
    expect(render('text', (w) => build(w, true))).toBe(plain);
    const lines = plain.split('\n');
    expect(lines[2]).toBe('ceph_a{ceph_daemon="osd.0"} 0');
    expect(lines[n + 1]).toBe(`ceph_a{ceph_daemon="osd.${n - 1}"} ${n - 1}`);
    expect(lines[n + 2]).toBe('# HELP ceph_b b');
    expect(lines[n + 4]).toBe('ceph_b{ceph_daemon="osd.0"} 0');
    expect(lines[2 * n + 3]).toBe(`ceph_b{ceph_daemon="osd.${n - 1}"} -${n - 1}`);
    expect(lines).toHaveLength(2 * n + 5);
  });

  it('throws, naming the family, when a family is reopened with another type', () => {
    const w = new ExpositionWriter('text');
    w.family('ceph_osd_up', 'untyped', 'OSD status up');
    expect(() => w.family('ceph_osd_up', 'gauge', 'OSD status up')).toThrow(
      'metric family ceph_osd_up was opened as untyped and cannot be reopened as gauge',
    );
  });

  it('rejects invalid names and types, samples outside a family, and use after finish', () => {
    const w = new ExpositionWriter('text');
    expect(() => w.sample('ceph_x', '', 1)).toThrow('sample ceph_x: no metric family is open');
    expect(() => w.family('ceph-x', 'gauge', 'x')).toThrow('invalid metric family name "ceph-x"');
    expect(() => w.family('ceph_x', 'summary' as FamilyType, 'x')).toThrow('metric family ceph_x: unknown type "summary"');
    w.family('ceph_x', 'gauge', 'x').sample('ceph_x', '', 1);
    expect(w.finish()).toBe('# HELP ceph_x x\n# TYPE ceph_x gauge\nceph_x 1\n');
    expect(() => w.sample('ceph_x', '', 1)).toThrow(/no metric family is open/);
    expect(() => w.family('ceph_y', 'gauge', 'y')).toThrow('metric family ceph_y: the writer is finished');
    expect(() => w.finish()).toThrow('ExpositionWriter.finish() called twice');
  });

  it('hands out the body as flat parts when asked, with the same content', () => {
    const build = (w: ExpositionWriter): void => {
      w.family('a', 'gauge', 'a').sample('a', '', 1);
      w.family('b', 'counter', 'b').sample('b', '{x="1"}', 2);
      w.family('a', 'gauge', 'a').sample('a', '{x="2"}', 3);
    };
    for (const format of ['text', 'openmetrics'] as const) {
      const whole = new ExpositionWriter(format);
      const parts = new ExpositionWriter(format);
      build(whole);
      build(parts);
      expect(parts.finishParts().join('')).toBe(whole.finish());
    }
  });

  it('counts samples and families', () => {
    const w = new ExpositionWriter('text');
    w.family('a', 'gauge', 'a').sample('a', '', 1);
    w.family('b', 'gauge', 'b').sample('b', '', 1);
    w.family('a', 'gauge', 'a').sample('a', '{x="1"}', 1);
    expect([w.sampleCount, w.familyCount]).toEqual([3, 2]);
  });
});

describe('ExpositionWriter duplicate guard (strict mode)', () => {
  it('throws on a duplicate series, naming it', () => {
    const w = new ExpositionWriter('text', { strict: true });
    const osd0 = labelFragment(['ceph_daemon'], ['osd.0']);
    w.family('ceph_osd_up', 'untyped', 'OSD status up').sample('ceph_osd_up', osd0, 1);
    w.family('ceph_osd_in', 'untyped', 'OSD status in').sample('ceph_osd_in', osd0, 1);
    expect(() => w.family('ceph_osd_up', 'untyped', 'OSD status up').sample('ceph_osd_up', osd0, 0)).toThrow(
      'duplicate series ceph_osd_up{ceph_daemon="osd.0"} in metric family ceph_osd_up',
    );
    expect(w.finish()).not.toContain('} 0');
  });

  it('answers seen() for written series only', () => {
    const w = new ExpositionWriter('text', { strict: true });
    w.family('ceph_pg_total', 'gauge', 'PG Total').sample('ceph_pg_total', '{pool_id="1"}', 32);
    expect(w.seen('ceph_pg_total', '{pool_id="1"}')).toBe(true);
    expect(w.seen('ceph_pg_total', '{pool_id="2"}')).toBe(false);
    expect(w.seen('ceph_pg_active', '{pool_id="1"}')).toBe(false);
    expect(() => new ExpositionWriter('text').seen('a', '')).toThrow(/strict: true/);
  });

  it('allows suffixed sample names in a family and rejects foreign ones', () => {
    const w = new ExpositionWriter('text', { strict: true });
    w.family('mgrd_op_latency_seconds', 'untyped', 'latency');
    w.sample('mgrd_op_latency_seconds_sum', '', 1.5);
    w.sample('mgrd_op_latency_seconds_count', '', 3);
    expect(() => w.sample('ceph_osd_up', '', 1)).toThrow(
      'sample ceph_osd_up does not belong to the open metric family mgrd_op_latency_seconds',
    );
    expect(() => w.sample('mgrd_op_latency_seconds', 'ceph_daemon="x"', 1)).toThrow(/are not a label fragment/);
  });

  it('without strict mode writes whatever it is given (the caller guarantees uniqueness)', () => {
    const w = new ExpositionWriter('text');
    w.family('a', 'gauge', 'a').sample('a', '', 1);
    w.sample('a', '', 2);
    expect(w.finish()).toBe('# HELP a a\n# TYPE a gauge\na 1\na 2\n');
  });
});

describe('ExpositionWriter (OpenMetrics 1.0.0)', () => {
  it('maps untyped and Ceph counters to unknown, keeps _total counters, escapes HELP quotes, ends with # EOF', () => {
    const osd0 = labelFragment(['ceph_daemon'], ['osd.0']);
    const body = render('openmetrics', (w) => {
      w.family('ceph_health_status', 'untyped', 'Cluster health status').sample('ceph_health_status', '', 0);
      w.family('ceph_osd_op_w', 'counter', 'Client write operations').sample('ceph_osd_op_w', osd0, 7);
      w.family('ceph_osd_op_w_latency_sum', 'counter', 'Latency of write operation (including queue time) Total');
      w.sample('ceph_osd_op_w_latency_sum', osd0, 0.25);
      w.family('ceph_osd_numpg', 'gauge', 'Placement "groups"\\').sample('ceph_osd_numpg', osd0, 57);
      w.family('mgrd_reports_total', 'counter', 'Reports received').sample('mgrd_reports_total', '', 12);
    });
    expect(body.split('\n')).toEqual([
      '# HELP ceph_health_status Cluster health status',
      '# TYPE ceph_health_status unknown',
      'ceph_health_status 0',
      '# HELP ceph_osd_op_w Client write operations',
      '# TYPE ceph_osd_op_w unknown',
      'ceph_osd_op_w{ceph_daemon="osd.0"} 7',
      '# HELP ceph_osd_op_w_latency_sum Latency of write operation (including queue time) Total',
      '# TYPE ceph_osd_op_w_latency_sum unknown',
      'ceph_osd_op_w_latency_sum{ceph_daemon="osd.0"} 0.25',
      '# HELP ceph_osd_numpg Placement \\"groups\\"\\\\',
      '# TYPE ceph_osd_numpg gauge',
      'ceph_osd_numpg{ceph_daemon="osd.0"} 57',
      '# HELP mgrd_reports Reports received',
      '# TYPE mgrd_reports counter',
      'mgrd_reports_total 12',
      '# EOF',
      '',
    ]);
  });

  it('is just # EOF when empty', () => {
    expect(new ExpositionWriter('openmetrics').finish()).toBe('# EOF\n');
    expect(new ExpositionWriter('text').finish()).toBe('');
  });

  it('rejects two families that would share one OpenMetrics name', () => {
    const w = new ExpositionWriter('openmetrics');
    w.family('mgrd_reports_total', 'counter', 'Reports received');
    expect(() => w.family('mgrd_reports', 'gauge', 'x')).toThrow(
      'metric family mgrd_reports clashes with mgrd_reports_total: both are family mgrd_reports in OpenMetrics',
    );
    // the same pair is fine in text 0.0.4, where the counter keeps its _total name
    const t = new ExpositionWriter('text');
    t.family('mgrd_reports_total', 'counter', 'Reports received');
    expect(() => t.family('mgrd_reports', 'gauge', 'x')).not.toThrow();
  });
});


describe('ExpositionWriter dual mode (one pass, both formats)', () => {
  const build = (w: ExpositionWriter): void => {
    const osd0 = labelFragment(['ceph_daemon'], ['osd.0']);
    w.family('ceph_health_status', 'untyped', 'Cluster health status').sample('ceph_health_status', '', 1);
    w.family('ceph_osd_op_w', 'counter', 'Client "write" operations').sample('ceph_osd_op_w', osd0, 7);
    w.family('mgrd_reports_total', 'counter', 'Reports received').sample('mgrd_reports_total', '', 12);
    w.family('mgrd_gc_seconds', 'histogram', 'GC pauses');
    w.sample('mgrd_gc_seconds_bucket', '{le="0.01"}', 1);
    w.sample('mgrd_gc_seconds_bucket', '{le="+Inf"}', 2);
    w.sample('mgrd_gc_seconds_sum', '', 0.5);
    w.sample('mgrd_gc_seconds_count', '', 2);
    w.family('ceph_osd_op_w', 'counter', 'Client "write" operations').sample('ceph_osd_op_w', labelFragment(['ceph_daemon'], ['osd.1']), 8);
  };

  it.each(['text', 'openmetrics'] as const)('gives the same bodies as two single-format writers (primary %s)', (primary) => {
    const dual = new ExpositionWriter(primary, { dual: true, strict: true });
    build(dual);
    const both = dual.finishBoth();
    expect(both.text.join('')).toBe(render('text', build));
    expect(both.openmetrics.join('')).toBe(render('openmetrics', build));
  });

  it('shares the sample runs between the two bodies and writes histograms with their type', () => {
    const w = new ExpositionWriter('text', { dual: true });
    build(w);
    const { text, openmetrics } = w.finishBoth();
    expect(text.length + 1).toBe(openmetrics.length);
    expect(text[1]).toBe(openmetrics[1]);
    expect(text.join('')).toContain('# TYPE mgrd_gc_seconds histogram\nmgrd_gc_seconds_bucket{le="0.01"} 1\n');
    expect(openmetrics.join('')).toContain('# TYPE mgrd_gc_seconds histogram\n');
    expect(openmetrics.join('')).toContain('# TYPE mgrd_reports counter\nmgrd_reports_total 12\n');
  });

  it('checks OpenMetrics clashes even when the primary format is text, and needs dual for finishBoth()', () => {
    const w = new ExpositionWriter('text', { dual: true });
    w.family('mgrd_reports_total', 'counter', 'Reports received');
    expect(() => w.family('mgrd_reports', 'gauge', 'x')).toThrow(/clashes with mgrd_reports_total/);
    expect(() => new ExpositionWriter('text').finishBoth()).toThrow(/dual: true/);
  });
});
