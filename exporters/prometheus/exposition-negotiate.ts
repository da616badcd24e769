// Content negotiation for /metrics: Prometheus text 0.0.4 or OpenMetrics 1.0.0,
// chosen from the scraper's Accept header (RFC 9110 §12.5.1, q-values).
// Pure: no I/O. Re-exported by exposition.ts.

export type ExpositionFormat = 'text' | 'openmetrics';

export const CONTENT_TYPE_TEXT = 'text/plain; version=0.0.4; charset=utf-8';
export const CONTENT_TYPE_OPENMETRICS = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

export function contentTypeFor(format: ExpositionFormat): string {
  return format === 'openmetrics' ? CONTENT_TYPE_OPENMETRICS : CONTENT_TYPE_TEXT;
}

// OpenMetrics versions we can answer: 1.0.0 is what we write; 0.0.1 is the
// pre-release name of the same syntax, which Prometheus 2.x still offers.
const OPENMETRICS_VERSIONS: ReadonlySet<string> = new Set(['1.0.0', '0.0.1']);

interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  readonly version: string | undefined;
  readonly q: number;
}

/**
 * Picks the exposition format for an Accept header. OpenMetrics is opt-in: it
 * is chosen only when the client names `application/openmetrics-text`
 * explicitly (a supported version, or none) with q > 0 and ranks it at least as
 * high as text 0.0.4. Wildcards (the all-types range, `application/*`) never
 * select it, so curl, browsers and a missing header get text. When nothing acceptable is
 * named we still answer text (as Ceph does) rather than 406.
 */
export function negotiate(accept: string | undefined): ExpositionFormat {
  if (accept === undefined) return 'text';
  let qOpenMetrics = 0;
  // q for text is taken from the most specific range that matches text/plain 0.0.4
  // (RFC 9110: "the most specific reference has precedence").
  let qText = 0;
  let textSpecificity = -1;
  for (const part of accept.split(',')) {
    const range = parseMediaRange(part);
    if (range === undefined) continue;
    if (range.type === 'application' && range.subtype === 'openmetrics-text') {
      if (range.version === undefined || OPENMETRICS_VERSIONS.has(range.version)) {
        qOpenMetrics = Math.max(qOpenMetrics, range.q);
      }
      continue;
    }
    const specificity = textMatch(range);
    if (specificity < 0) continue;
    if (specificity > textSpecificity) {
      textSpecificity = specificity;
      qText = range.q;
    } else if (specificity === textSpecificity) {
      qText = Math.max(qText, range.q);
    }
  }
  return qOpenMetrics > 0 && qOpenMetrics >= qText ? 'openmetrics' : 'text';
}

// How specifically a range names text 0.0.4: 3 text/plain;version=0.0.4,
// 2 text/plain, 1 text/*, 0 */*, -1 not at all.
function textMatch(range: MediaRange): number {
  if (range.type === '*' && range.subtype === '*') return 0;
  if (range.type !== 'text') return -1;
  if (range.subtype === '*') return 1;
  if (range.subtype !== 'plain') return -1;
  if (range.version === undefined) return 2;
  return range.version === '0.0.4' ? 3 : -1;
}

/** Parses one `type/subtype;param=value;q=0.5`; undefined for a malformed range (ignored, not fatal). */
function parseMediaRange(part: string): MediaRange | undefined {
  const params = part.split(';');
  const mediaType = (params[0] ?? '').trim().toLowerCase();
  const slash = mediaType.indexOf('/');
  if (slash <= 0 || slash === mediaType.length - 1) return undefined;
  let version: string | undefined;
  let q = 1;
  for (let i = 1; i < params.length; i++) {
    const param = params[i] ?? '';
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    const key = param.slice(0, eq).trim().toLowerCase();
    let value = param.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (key === 'q') {
      if (!/^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/.test(value)) return undefined;
      q = Number(value);
    } else if (key === 'version') {
      version = value;
    }
  }
  return { type: mediaType.slice(0, slash), subtype: mediaType.slice(slash + 1), version, q };
}
