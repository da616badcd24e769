// InfluxDB line protocol, pure: escaping of names and the text of one point.
// No imports upward; benchmarked in bench/influx.ts.
//
//   measurement,tag_key=tag_value,... field_key=value timestamp
//
// Escaping, as the two kinds of server read it (checked against InfluxDB 1.6
// and VictoriaMetrics' /api/v2/write in exporters/influx/*.test.ts and
// test/integration/influx.test.ts):
// - `,` and space in every name, `=` in tag keys, tag values and field keys,
//   take a backslash.
// - A newline or carriage return cannot stand in a line: written as the two
//   characters `\n` / `\r` (as @influxdata/influxdb-client does). Tabs and any
//   other character (quotes, unicode) are written as they are.
// - Backslashes differ. The 2.x API (and VictoriaMetrics) reads `\\` as one
//   backslash: each is doubled ('v2'). InfluxDB 1.x keeps backslashes as
//   written and has no way to write one that ends a name or stands before an
//   escaped character (its parser takes the pair as an escape, the line
//   fails, and with it the whole batch): such a backslash is written as
//   U+FF3C '＼' there ('v1'); every other backslash stays as it is.

export type Dialect = 'v1' | 'v2';

/** Characters that need care somewhere in a name. */
const SPECIAL = /[,= \\\n\r]/;
const FULLWIDTH_BACKSLASH = '\uFF3C';

/**
 * Escapes a tag key, tag value or field key (`measurement` = true: a
 * measurement name, where `=` needs no escape).
 */
export function escapeName(s: string, dialect: Dialect, measurement = false): string {
  if (!SPECIAL.test(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    switch (c) {
      case ',':
      case ' ':
        out += '\\' + c;
        break;
      case '=':
        out += measurement ? c : '\\=';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\\':
        out += dialect === 'v2' ? '\\\\' : v1Backslash(s, i, measurement);
        break;
      default:
        out += c;
    }
  }
  return out;
}

/** InfluxDB 1.x: a backslash is literal unless an escape follows it or the name ends there. */
function v1Backslash(s: string, i: number, measurement: boolean): string {
  const next = s[i + 1];
  if (next === '\\') return '\\'; // the run goes on: decided at its last backslash
  const escapedNext = next === undefined || next === ',' || next === ' ' || next === '\n' || next === '\r' || (next === '=' && !measurement);
  return escapedNext ? FULLWIDTH_BACKSLASH : '\\';
}

/** int64 bounds, as doubles (2^63 is the first double above int64's range). */
const INT64_MAX_TEXT = '9223372036854775807';
const INT64_MIN_TEXT = '-9223372036854775808';
const TWO_63 = 2 ** 63;

/**
 * The `value` field, always an integer (`<n>i`), as Ceph's module wrote it:
 * Ceph's counters are integers (TIME sums in nanoseconds), and InfluxDB keeps
 * one type per field, so one float would make every later integer a "field
 * type conflict" (400, the batch lost). A fractional value (which only a
 * non-Ceph source sends) is rounded; beyond int64 it is clamped. Undefined for
 * NaN and infinities, which line protocol cannot carry.
 */
export function fieldValue(v: number): string | undefined {
  if (!Number.isFinite(v)) return undefined;
  const r = Math.round(v);
  if (Math.abs(r) <= Number.MAX_SAFE_INTEGER) return `${r}i`;
  if (r >= TWO_63) return `${INT64_MAX_TEXT}i`;
  if (r < -TWO_63) return `${INT64_MIN_TEXT}i`;
  return `${BigInt(r)}i`; // String() would round to the shortest form ("…388000"): the double's exact digits
}

/** Tag fragment `,k1=v1,k2=v2` for tags already sorted by key (what InfluxDB stores best). */
export function tagFragment(tags: ReadonlyArray<readonly [string, string]>, dialect: Dialect): string {
  let out = '';
  for (const [k, v] of tags) {
    if (v === '') continue; // line protocol has no empty tag values
    out += `,${escapeName(k, dialect)}=${escapeName(v, dialect)}`;
  }
  return out;
}

/** One whole line, for callers that do not cache fragments. */
export function line(
  measurement: string, tags: ReadonlyArray<readonly [string, string]>, field: string, value: number, timestamp: number, dialect: Dialect,
): string | undefined {
  const v = fieldValue(value);
  if (v === undefined) return undefined;
  return `${escapeName(measurement, dialect, true)}${tagFragment(tags, dialect)} ${escapeName(field, dialect)}=${v} ${timestamp}`;
}
