// Line-protocol text, exact: escaping per name kind and per server dialect,
// numeric fields. Whether the servers read it back as written is checked
// against real ones in test/integration/influx.test.ts.

import { describe, expect, it } from 'vitest';
import { escapeName, fieldValue, line, tagFragment } from './line-protocol.js';

describe('line protocol', () => {
  it('leaves plain names alone (the same string, no copy)', () => {
    const s = 'osd.op_w_latency';
    expect(escapeName(s, 'v1')).toBe(s);
    expect(escapeName('active+clean', 'v2')).toBe('active+clean');
  });

  it('escapes comma, space and = in tags and field keys, comma and space in measurements', () => {
    expect(escapeName('my pool,a=b', 'v1')).toBe('my\\ pool\\,a\\=b');
    expect(escapeName('my pool,a=b', 'v2')).toBe('my\\ pool\\,a\\=b');
    expect(escapeName('m x,y=z', 'v1', true)).toBe('m\\ x\\,y=z');
  });

  it('writes quotes, tabs and unicode as they are, newlines as \\n and \\r', () => {
    expect(escapeName('say "hi"\tthere', 'v1')).toBe('say\\ "hi"\tthere');
    expect(escapeName('pööl-☃-池', 'v2')).toBe('pööl-☃-池');
    expect(escapeName('a\nb\rc', 'v1')).toBe('a\\nb\\rc');
  });

  it('doubles backslashes for the 2.x API', () => {
    expect(escapeName('a\\b', 'v2')).toBe('a\\\\b');
    expect(escapeName('end\\', 'v2')).toBe('end\\\\');
    expect(escapeName('a\\,b', 'v2')).toBe('a\\\\\\,b');
  });

  it('keeps 1.x backslashes literal, and writes the ones 1.x cannot read (before an escape, at the end) as ＼', () => {
    expect(escapeName('a\\b', 'v1')).toBe('a\\b');
    expect(escapeName('a\\\\b', 'v1')).toBe('a\\\\b');
    expect(escapeName('end\\', 'v1')).toBe('end＼');
    expect(escapeName('two\\\\', 'v1')).toBe('two\\＼');
    expect(escapeName('a\\,b', 'v1')).toBe('a＼\\,b');
    expect(escapeName('a\\ b', 'v1')).toBe('a＼\\ b');
    expect(escapeName('a\\=b', 'v1')).toBe('a＼\\=b');
    expect(escapeName('m\\=b', 'v1', true)).toBe('m\\=b'); // = needs no escape in a measurement
  });

  it('writes `value` as an integer always (as Ceph did: one type per field), rounding, clamping to int64, nothing for NaN/infinity', () => {
    expect(fieldValue(0)).toBe('0i');
    expect(fieldValue(-42)).toBe('-42i');
    expect(fieldValue(13260020796)).toBe('13260020796i');
    expect(fieldValue(752924722539006.9)).toBe('752924722539007i');
    expect(fieldValue(0.4)).toBe('0i');
    expect(fieldValue(2 ** 62)).toBe('4611686018427387904i');
    expect(fieldValue(2 ** 63)).toBe('9223372036854775807i');
    expect(fieldValue(1e300)).toBe('9223372036854775807i');
    expect(fieldValue(-(2 ** 63))).toBe('-9223372036854775808i');
    expect(fieldValue(-1e300)).toBe('-9223372036854775808i');
    expect(fieldValue(Number.NaN)).toBeUndefined();
    expect(fieldValue(Number.POSITIVE_INFINITY)).toBeUndefined();
  });

  it('builds a whole line as the capture has them, leaving out empty tag values', () => {
    expect(line('ceph_pool_stats', [['fsid', 'f'], ['pool_id', '1'], ['pool_name', 'device_health_metrics'], ['type_instance', 'stored']], 'value', 0, 1795714826346, 'v1'))
      .toBe('ceph_pool_stats,fsid=f,pool_id=1,pool_name=device_health_metrics,type_instance=stored value=0i 1795714826346');
    expect(tagFragment([['host', ''], ['a', 'b c']], 'v1')).toBe(',a=b\\ c');
    expect(line('m', [], 'value', Number.NaN, 1, 'v2')).toBeUndefined();
  });
});
