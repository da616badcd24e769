// Reading /metrics bodies in the real-cluster tests: one value, sums, and the
// label-name sets of families, with the shared exposition parser.

import { parseExposition, type ParsedBody, type ParsedSample } from '../../exporters/prometheus/exposition-parse.js';

export async function scrape(url: string): Promise<ParsedBody> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return parseExposition(await res.text());
}

/** The value of the sample of `name` whose labels include `labels`; undefined when there is none. */
export function value(body: ParsedBody, name: string, labels: Record<string, string> = {}): number | undefined {
  const f = body.families.get(name);
  const s = f?.samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels.some(([lk, lv]) => lk === k && lv === v)));
  return s?.value;
}

/** Every sample of `name` as label value of `by` -> value. */
export function byLabel(body: ParsedBody, name: string, by: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of body.families.get(name)?.samples ?? []) {
    if (s.name !== name) continue;
    const l = s.labels.find(([k]) => k === by);
    if (l) out[l[1]] = s.value;
  }
  return out;
}

export function sum(body: ParsedBody, name: string): number {
  return (body.families.get(name)?.samples ?? []).filter((s) => s.name === name).reduce((a, s) => a + s.value, 0);
}

/** Family name -> the distinct label-name sets of its samples (sorted names joined by ","). */
export function labelSets(body: ParsedBody): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [name, f] of body.families) {
    const sets = new Set(f.samples.map((s) => s.labels.map(([k]) => k).sort().join(',')));
    out.set(name, [...sets].sort());
  }
  return out;
}

/** Family name -> its series, each as `name{label="value",...}` with labels sorted; `keep` filters samples. */
export function seriesSets(body: ParsedBody, keep: (s: ParsedSample) => boolean = () => true): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [name, f] of body.families) {
    const series = f.samples.filter(keep).map((s) => `${s.name}{${[...s.labels].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`);
    out.set(name, [...new Set(series)].sort());
  }
  return out;
}
