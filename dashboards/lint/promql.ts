// The series selectors of a PromQL expression, read with Prometheus's own
// grammar (@prometheus-io/lezer-promql, the parser of Prometheus's web UI):
// metric names and label matchers of every vector and matrix selector, and
// the syntax errors the parser recovered from. Grafana's interval variables
// are replaced by durations first; any other `$variable` must stand inside a
// string (a label value), where PromQL does not look.

import { parser } from '@prometheus-io/lezer-promql';
import type { SyntaxNode } from '@lezer/common';

export interface Matcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

export interface Selector {
  /** The metric name, from `name{...}` or an equality matcher on __name__; undefined for `{__name__=~"..."}` and the like. */
  metric: string | undefined;
  /** Every label matcher, __name__ ones included. */
  matchers: Matcher[];
  /** The selector as written. */
  text: string;
}

export interface ParsedQuery {
  selectors: Selector[];
  errors: string[];
}

/** Grafana's built-in interval variables, as durations PromQL accepts. */
const GRAFANA_INTERVALS: Record<string, string> = {
  __rate_interval: '1m',
  __interval: '1m',
  __range: '1h',
  __rate_interval_ms: '60000',
  __interval_ms: '60000',
  __range_s: '3600',
  __range_ms: '3600000',
};

/** Replaces $__rate_interval, ${__interval} etc.; other variables are left for the parser to reject outside strings. */
export function substituteIntervals(expr: string): string {
  return expr.replace(/\$\{?(__[a-z_]+)\}?/g, (m, name: string) => GRAFANA_INTERVALS[name] ?? m);
}

/** A PromQL string literal's value: "..." and '...' with Go escapes, `...` raw. */
export function stringValue(literal: string): string {
  const quote = literal[0];
  const body = literal.slice(1, -1);
  if (quote === '`') return body;
  return body.replace(/\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[0-7]{3}|.)/g, (_m, e: string) => {
    switch (e[0]) {
      case 'n': return '\n';
      case 't': return '\t';
      case 'r': return '\r';
      case 'u': case 'x': return String.fromCharCode(parseInt(e.slice(1), 16));
      default: return /^[0-7]{3}$/.test(e) ? String.fromCharCode(parseInt(e, 8)) : e;
    }
  });
}

function childrenOf(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c !== null; c = c.nextSibling) out.push(c);
  return out;
}

function readMatcher(node: SyntaxNode, src: string): Matcher | string {
  const parts = childrenOf(node);
  const nameNode = parts.find((c) => c.name === 'LabelName' || c.name === 'QuotedLabelName');
  const opNode = parts.find((c) => c.name === 'MatchOp');
  const valueNode = parts.filter((c) => c.name === 'StringLiteral').at(-1);
  if (nameNode === undefined) return `unreadable matcher ${src.slice(node.from, node.to)}`;
  const rawName = src.slice(nameNode.from, nameNode.to);
  const name = nameNode.name === 'QuotedLabelName' ? stringValue(rawName) : rawName;
  // {"metric_name"}: a quoted metric name on its own (Prometheus 3 syntax).
  if (opNode === undefined || valueNode === undefined || valueNode.from < opNode.to) return { name: '__name__', op: '=', value: name };
  return { name, op: src.slice(opNode.from, opNode.to) as Matcher['op'], value: stringValue(src.slice(valueNode.from, valueNode.to)) };
}

/** Parses `expr` (Grafana interval variables allowed) and lists its selectors and syntax errors. */
export function parseQuery(expr: string): ParsedQuery {
  const src = substituteIntervals(expr);
  const tree = parser.parse(src);
  const selectors: Selector[] = [];
  const errors: string[] = [];
  tree.iterate({
    enter(ref) {
      if (ref.type.isError) {
        const at = ref.from;
        errors.push(`syntax error at ${at}: ${JSON.stringify(src.slice(Math.max(0, at - 20), at + 20))}`);
        return;
      }
      if (ref.name !== 'VectorSelector') return;
      const node = ref.node;
      const parts = childrenOf(node);
      const ident = parts.find((c) => c.name === 'Identifier');
      const matchers: Matcher[] = [];
      const lm = parts.find((c) => c.name === 'LabelMatchers');
      for (const m of lm ? childrenOf(lm) : []) {
        if (m.name !== 'UnquotedLabelMatcher' && m.name !== 'QuotedLabelMatcher' && m.name !== 'QuotedLabelName') continue;
        const read = m.name === 'QuotedLabelName' ? { name: '__name__', op: '=' as const, value: stringValue(src.slice(m.from, m.to)) } : readMatcher(m, src);
        if (typeof read === 'string') errors.push(read);
        else matchers.push(read);
      }
      const nameEq = matchers.find((m) => m.name === '__name__' && m.op === '=');
      selectors.push({ metric: ident ? src.slice(ident.from, ident.to) : nameEq?.value, matchers, text: src.slice(node.from, node.to) });
    },
  });
  if (src.trim() === '') errors.push('empty expression');
  return { selectors, errors };
}
