// Grafana's template variable interpolation for Prometheus queries, as far as
// the live test needs it to run the dashboards' queries as Grafana would send
// them: $var, ${var} and [[var]]; multi-value and "All" variables as a regex
// alternation with regex characters escaped (Grafana's Prometheus data source
// does the same); the interval variables as fixed durations.

/** Escapes regex characters as Grafana's Prometheus data source does (a backslash that survives PromQL string unquoting). */
export function regexEscape(value: string): string {
  return value.replace(/[$^*{}[\]'+?.()|\\]/g, '\\\\$&');
}

export interface VariableValues {
  /** Values per variable name. */
  values: Record<string, string[]>;
  /** Variables that are multi-value or have "All": formatted as (a|b), escaped. */
  multi: ReadonlySet<string>;
  /** Durations for $__rate_interval, $__interval and $__range. */
  intervals: { rate: string; interval: string; range: string };
}

export function interpolate(text: string, v: VariableValues): string {
  return text.replace(/\$\{([a-zA-Z_][a-zA-Z0-9_]*)(?::[a-z]+)?\}|\$([a-zA-Z_][a-zA-Z0-9_]*)|\[\[([a-zA-Z_][a-zA-Z0-9_]*)\]\]/g, (m, a?: string, b?: string, c?: string) => {
    const name = (a ?? b ?? c)!;
    if (name === '__rate_interval') return v.intervals.rate;
    if (name === '__interval') return v.intervals.interval;
    if (name === '__range') return v.intervals.range;
    const values = v.values[name];
    if (values === undefined) return m;
    if (!v.multi.has(name)) return values[0] ?? '';
    const escaped = values.map(regexEscape);
    return escaped.length === 1 ? escaped[0]! : `(${escaped.join('|')})`;
  });
}
