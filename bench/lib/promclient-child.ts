// The fair prom-client baseline of bench:scrape (issue 17 item 1), in its own
// process started with Node's default flags (no --expose-gc, no heap tuning:
// nothing of mgrd's process or V8 settings). argv: <text body file> <runs>.
//
// prom-client is used in its best idiomatic case: one persistent Registry,
// one Gauge/Counter per family (untyped -> Gauge), label objects built once,
// metrics created once. Each run is timed two ways:
//  - full: every series' value set again (what an exporter does when new
//    counters arrive) + registry.metrics() -- compared with mgrd's collection;
//  - render: registry.metrics() alone, values unchanged -- compared with
//    mgrd's writer rendering the same series.
// Prints one JSON line: { full: number[], render: number[], bytes, series, rss }.

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Registry } from 'prom-client';
import { seriesOf } from './series-of.js';

type Labels = Record<string, string>;
type Setter = (i: number) => void;

function main(): Promise<void> {
  const [file = '', runsArg = '5'] = process.argv.slice(2);
  const runs = Number(runsArg);
  const series = seriesOf(readFileSync(file, 'utf8'));
  const labels: Labels[] = series.labelSets.map((set) => Object.fromEntries(set.names.map((n, i) => [n, set.values[i] ?? ''])));
  const registry = new Registry();
  const fills: Array<() => void> = [];
  for (const fam of series.families) {
    const first = fam.labelSets[0];
    const labelNames = first === undefined ? [] : [...(series.labelSets[first]?.names ?? [])];
    // prom-client refuses an empty help (some Ceph counters have no description): one blank instead, one byte more per such family.
    const config = { name: fam.name, help: fam.help === '' ? ' ' : fam.help, labelNames, registers: [registry] };
    let set: Setter;
    if (fam.type === 'counter') {
      // A counter only goes up through inc(); reset() + inc(v) is how an exporter mirrors a counter read elsewhere.
      const c = new Counter(config);
      set = (i) => c.inc(labels[fam.labelSets[i] ?? 0] ?? {}, fam.values[i] ?? 0);
      fills.push(() => {
        c.reset();
        for (let i = 0; i < fam.values.length; i++) set(i);
      });
    } else {
      const g = new Gauge(config);
      set = (i) => g.set(labels[fam.labelSets[i] ?? 0] ?? {}, fam.values[i] ?? 0);
      fills.push(() => {
        for (let i = 0; i < fam.values.length; i++) set(i);
      });
    }
  }
  for (const f of fills) f(); // the registry's first fill: not timed (the persistent case)
  return run();

  async function run(): Promise<void> {
    let bytes = 0;
    await registry.metrics(); // warm-up
    const full: number[] = [];
    const render: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      for (const f of fills) f();
      bytes = Buffer.byteLength(await registry.metrics());
      full.push(performance.now() - t0);
      const t1 = performance.now();
      await registry.metrics();
      render.push(performance.now() - t1);
    }
    console.log(JSON.stringify({ full, render, bytes, series: series.sampleCount, rss: process.memoryUsage().rss }));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
