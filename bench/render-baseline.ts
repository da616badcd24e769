// Render benchmark: the same synthetic cluster's /metrics rendered by
// prom-client's Registry and by our ExpositionWriter, in one process.
// Target (DESIGN "Exporters", STYLE 8): collection + render ≥ 5× faster than
// prom-client, and no event-loop stall > 50 ms when built in slices.
//
// Run (Node 20 has no TypeScript loader and tsx is not a dependency):
//   npx tsc -p tsconfig.json --outDir /tmp/rb
//   ln -sfn "$PWD/node_modules" /tmp/rb/node_modules; echo '{"type":"module"}' > /tmp/rb/package.json
//   node /tmp/rb/bench/render-baseline.js [osds=10000] [countersPerOsd=40] [runs=7]

import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Counter, Gauge, Registry } from 'prom-client';
import { ByteExpositionWriter } from '../exporters/prometheus/exposition-bytes.js';
import { ExpositionWriter, labelFragment, type ExpositionFormat } from '../exporters/prometheus/exposition.js';
import { syntheticCluster, type SyntheticSeries } from './lib/synthetic-cluster.js';

export { syntheticCluster };
export type { SyntheticSeries };

type Labels = Record<string, string>;

function labelObjects(series: SyntheticSeries): Labels[] {
  return series.labelSets.map((set) => Object.fromEntries(set.names.map((n, i) => [n, set.values[i] ?? ''])));
}

/**
 * prom-client, used the usual way: one Gauge/Counter per family (untyped → Gauge),
 * set() every series, then registry.metrics(). Label objects are built once
 * per label set, as our side builds one fragment per label set.
 */
export async function renderWithPromClient(series: SyntheticSeries): Promise<string> {
  const registry = new Registry();
  const labels = labelObjects(series);
  for (const fam of series.families) {
    const first = fam.labelSets[0];
    const labelNames = first === undefined ? [] : [...(series.labelSets[first]?.names ?? [])];
    const config = { name: fam.name, help: fam.help, labelNames, registers: [registry] };
    if (fam.type === 'counter') {
      const counter = new Counter(config);
      for (let i = 0; i < fam.values.length; i++) counter.inc(labels[fam.labelSets[i] ?? 0] ?? {}, fam.values[i] ?? 0);
    } else {
      const gauge = new Gauge(config);
      for (let i = 0; i < fam.values.length; i++) gauge.set(labels[fam.labelSets[i] ?? 0] ?? {}, fam.values[i] ?? 0);
    }
  }
  return registry.metrics();
}

/**
 * Our writer, family by family. Label fragments are built once per label set
 * inside the timed call unless `fragments` (the collector's per-daemon cache)
 * is passed.
 */
export function renderWithWriter(
  series: SyntheticSeries,
  format: ExpositionFormat = 'text',
  strict = false,
  fragments: readonly string[] = buildFragments(series),
): string {
  const w = new ExpositionWriter(format, { strict });
  for (const fam of series.families) {
    w.family(fam.name, fam.type, fam.help);
    const { labelSets, values } = fam;
    for (let i = 0; i < values.length; i++) w.sample(fam.name, fragments[labelSets[i] ?? 0] ?? '', values[i] ?? 0);
  }
  return w.finish();
}

/**
 * What the collector writes with: the byte writer (the render worker's kernel
 * writes the same bytes), label fragments encoded once (`encoded`, as the
 * collector keeps them per daemon), then the text body as one Buffer (headers
 * encoded, sample runs copied once), ready for a socket.
 */
export function renderWithBytes(series: SyntheticSeries, fragments: readonly string[], encoded: readonly Buffer[]): Buffer {
  const w = new ByteExpositionWriter();
  for (const fam of series.families) {
    w.family(fam.name, fam.type, fam.help);
    const { labelSets, values } = fam;
    for (let i = 0; i < values.length; i++) {
      const set = labelSets[i] ?? 0;
      w.sampleEncoded(fam.name, fragments[set] ?? '', encoded[set] ?? Buffer.alloc(0), values[i] ?? 0);
    }
  }
  return Buffer.concat(w.finishBoth().text.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : part)));
}

export function buildFragments(series: SyntheticSeries): string[] {
  return series.labelSets.map((set) => labelFragment(set.names, set.values));
}

/**
 * Worst case for the writer's family bookkeeping: round-robin over families,
 * switching family on every sample (as a daemon-by-daemon collector would).
 * Must produce the same body as renderWithWriter.
 */
export function renderWithWriterInterleaved(series: SyntheticSeries): string {
  const fragments = buildFragments(series);
  const w = new ExpositionWriter('text');
  const longest = Math.max(...series.families.map((f) => f.values.length));
  for (const fam of series.families) w.family(fam.name, fam.type, fam.help);
  for (let i = 0; i < longest; i++) {
    for (const fam of series.families) {
      if (i >= fam.values.length) continue;
      w.family(fam.name, fam.type, fam.help);
      w.sample(fam.name, fragments[fam.labelSets[i] ?? 0] ?? '', fam.values[i] ?? 0);
    }
  }
  return w.finish();
}

export interface SlicedRender {
  readonly body: string;
  readonly slices: number;
  /** Building every label fragment, as one synchronous stretch. */
  readonly fragmentsMs: number;
  /** Longest slice of samples + chunk(). */
  readonly maxSliceMs: number;
  readonly finishMs: number;
}

/** As the collector will: `sliceSamples` samples, chunk(), yield with setImmediate, repeat. */
export async function renderWithWriterSliced(series: SyntheticSeries, sliceSamples: number): Promise<SlicedRender> {
  let start = performance.now();
  const fragments = buildFragments(series);
  const fragmentsMs = performance.now() - start;
  await nextTurn();
  start = performance.now();
  const w = new ExpositionWriter('text');
  let maxSliceMs = 0;
  let slices = 0;
  let budget = sliceSamples;
  for (const fam of series.families) {
    w.family(fam.name, fam.type, fam.help);
    const { labelSets, values } = fam;
    for (let i = 0; i < values.length; i++) {
      w.sample(fam.name, fragments[labelSets[i] ?? 0] ?? '', values[i] ?? 0);
      if (--budget === 0) {
        w.chunk();
        maxSliceMs = Math.max(maxSliceMs, performance.now() - start);
        slices++;
        await nextTurn();
        start = performance.now();
        budget = sliceSamples;
      }
    }
  }
  w.chunk();
  maxSliceMs = Math.max(maxSliceMs, performance.now() - start);
  await nextTurn();
  const finishStart = performance.now();
  const body = w.finish();
  const finishMs = performance.now() - finishStart;
  return { body, slices: slices + 1, fragmentsMs, maxSliceMs, finishMs };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] ?? NaN;
}

function sampleLines(body: string): Set<string> {
  return new Set(body.split('\n').filter((l) => l !== '' && !l.startsWith('#')));
}

async function main(): Promise<void> {
  const osds = Number(process.argv[2] ?? 10_000);
  const counters = Number(process.argv[3] ?? 40);
  const runs = Number(process.argv[4] ?? 7);
  const series = syntheticCluster(osds, counters);
  console.log(`synthetic cluster: ${osds} OSDs × ${counters} perf counters → ${series.families.length} families, ${series.sampleCount} samples`);

  // Warm up both (JIT), and check they agree on every sample line.
  const ours = renderWithWriter(series, 'text', true);
  const theirs = await renderWithPromClient(series);
  const a = sampleLines(ours);
  const b = sampleLines(theirs);
  const same = a.size === b.size && [...a].every((l) => b.has(l));
  console.log(`sample lines identical to prom-client's: ${same} (${a.size} vs ${b.size})`);

  const cached = buildFragments(series);
  const variants: Record<string, () => unknown> = {
    'prom-client Registry': () => renderWithPromClient(series),
    'writer text': () => renderWithWriter(series, 'text'),
    'writer text, cached frags': () => renderWithWriter(series, 'text', false, cached),
    'writer text, strict': () => renderWithWriter(series, 'text', true),
    'writer openmetrics': () => renderWithWriter(series, 'openmetrics'),
    'writer text, interleaved': () => renderWithWriterInterleaved(series),
  };
  const times = new Map<string, number[]>(Object.keys(variants).map((k) => [k, []]));
  // Round-robin so that noise from other processes hits every variant alike.
  for (let r = 0; r < runs; r++) {
    for (const [name, fn] of Object.entries(variants)) {
      const t0 = performance.now();
      await fn();
      times.get(name)?.push(performance.now() - t0);
    }
  }
  const best = (name: string): number => Math.min(...(times.get(name) ?? []));
  const mid = (name: string): number => median(times.get(name) ?? []);
  for (const name of times.keys()) {
    console.log(`${name.padEnd(26)} best ${best(name).toFixed(1).padStart(7)} ms   median ${mid(name).toFixed(1).padStart(7)} ms`);
  }
  const prom = 'prom-client Registry';
  console.log(
    `ratio prom-client / writer text: best ${(best(prom) / best('writer text')).toFixed(1)}×, ` +
      `median ${(mid(prom) / mid('writer text')).toFixed(1)}× (strict: ${(mid(prom) / mid('writer text, strict')).toFixed(1)}×)`,
  );
  console.log(`interleaved body identical: ${renderWithWriterInterleaved(series) === ours}`);
  console.log(`body: ${Buffer.byteLength(ours)} bytes (prom-client: ${Buffer.byteLength(theirs)} bytes, blank lines between families)`);

  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const sliced = await renderWithWriterSliced(series, 20_000);
  loopDelay.disable();
  console.log(
    `sliced (20k samples/slice): ${sliced.slices} slices; fragments ${sliced.fragmentsMs.toFixed(1)} ms, ` +
      `longest slice ${sliced.maxSliceMs.toFixed(1)} ms, finish ${sliced.finishMs.toFixed(1)} ms; ` +
      `event-loop delay max ${(loopDelay.max / 1e6).toFixed(1)} ms; body identical: ${sliced.body === ours}`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
