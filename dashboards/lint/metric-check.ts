// The static check's rules, apart from where the names come from: a selector's
// metric must be exported (or an exception), a `{__name__=~"..."}` selector must
// match some exported name, and label matchers may only name labels the metric
// has, or the labels a scrape adds.

import { parseQuery, type Selector } from './promql.js';
import type { Expression } from './sources.js';

/** Metric name -> label names seen on its samples (undefined: declared, no samples). */
export type KnownNames = ReadonlyMap<string, ReadonlySet<string> | undefined>;

export interface SelectorUse {
  where: string;
  selector: Selector;
}

export function selectorUses(expressions: Expression[]): SelectorUse[] {
  return expressions.flatMap((e) => parseQuery(e.expr).selectors.map((selector) => ({ where: e.where, selector })));
}

export function unknownNames(uses: SelectorUse[], known: KnownNames, exceptions: Readonly<Record<string, unknown>>): string[] {
  const out: string[] = [];
  for (const { where, selector } of uses) {
    if (selector.metric === undefined) {
      const re = selector.matchers.find((m) => m.name === '__name__' && m.op === '=~');
      const matches = re !== undefined && [...known.keys()].some((n) => new RegExp(`^(?:${re.value})$`).test(n));
      if (!matches) out.push(`${where}: ${selector.text} selects no exported metric name`);
    } else if (!known.has(selector.metric) && exceptions[selector.metric] === undefined) {
      out.push(`${where}: ${selector.metric}`);
    }
  }
  return out;
}

export function unknownLabels(uses: SelectorUse[], known: KnownNames, targetLabels: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const { where, selector } of uses) {
    const labels = selector.metric === undefined ? undefined : known.get(selector.metric);
    if (labels === undefined) continue; // declared without samples, or an exception: nothing to compare with
    for (const m of selector.matchers) {
      if (m.name !== '__name__' && !labels.has(m.name) && !targetLabels.has(m.name)) out.push(`${where}: ${selector.metric} has no label ${m.name}`);
    }
  }
  return out;
}
