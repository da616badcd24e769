// What ran in each long stall bench:zabbix listed, from a CPU profile of the
// same run (node --cpu-prof; its timestamps are on the monotonic clock the
// bench prints each stall's start on). Per stall: the profile's busy samples
// by whose they are (the zabbix module's frames, the core's `src/`, GC, the
// rest) and the functions that took most, charged to the innermost project
// frame on the stack; and how much of the stall has no sample at all (the
// thread was not running: V8 takes a sample when the thread runs).
//
// Run: node bench/out/bench/zabbix-profile.js PROFILE.cpuprofile BENCH-OUTPUT.txt [--top 6]

import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const WHOSE: ReadonlyArray<readonly [string, RegExp]> = [
  ['module', /\/exporters\/zabbix\//],
  ['core', /\/bench\/out\/src\//],
  ['bench', /\/bench\/out\/(bench|test)\//],
];

function main(): void {
  const [profFile, benchFile] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const topAt = process.argv.indexOf('--top');
  const top = topAt > 0 ? Number(process.argv[topAt + 1]) : 6;
  if (profFile === undefined || benchFile === undefined) throw new Error('usage: zabbix-profile.js PROFILE.cpuprofile BENCH-OUTPUT.txt [--top N]');
  const p = JSON.parse(readFileSync(profFile, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Each sample's time, and its weight (the time to the next one).
  const at = new Float64Array(p.samples.length);
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) at[i] = t += p.timeDeltas[i] ?? 0;
  // A gap between samples far over the interval is time the thread did not run (a sample is taken when
  // it does): charged to "not running", not to the sample before it.
  const interval = [...p.timeDeltas].sort((a, b) => a - b)[p.timeDeltas.length >> 1] ?? 1000;
  const gapUs = 4 * interval;

  /** Whose a sample is, and the innermost project frame ("name file:line") it is charged to. */
  const memo = new Map<number, [string, string]>();
  const classify = (id: number): [string, string] => {
    let v = memo.get(id);
    if (v !== undefined) return v;
    const leaf = byId.get(id)!.callFrame.functionName;
    v = leaf === '(garbage collector)' ? ['GC', leaf] : leaf === '(idle)' ? ['idle', leaf] : leaf === '(program)' ? ['program', leaf] : ['other', leaf];
    if (v[0] === 'other') {
      for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
        const f = byId.get(n)!.callFrame;
        const w = WHOSE.find(([, re]) => re.test(f.url));
        if (w !== undefined) {
          v = [w[0], `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/bench\/out\//, '')}:${f.lineNumber + 1}`];
          break;
        }
      }
    }
    memo.set(id, v);
    return v;
  };

  const ms = (us: number): string => (us / 1000).toFixed(1);
  /** The samples in [from, to): µs by whose, and by function (busy ones). */
  const split = (from: number, to: number): { whose: Map<string, number>; fns: Map<string, number>; sampled: number } => {
    const whose = new Map<string, number>();
    const fns = new Map<string, number>();
    let sampled = 0;
    for (let i = 0; i < at.length - 1; i++) {
      if (at[i]! < from || at[i]! >= to) continue;
      let us = Math.min(at[i + 1]!, to) - at[i]!;
      if (us > gapUs) {
        whose.set('not running', (whose.get('not running') ?? 0) + us - interval);
        us = interval;
      }
      const [w, fn] = classify(p.samples[i]!);
      whose.set(w, (whose.get(w) ?? 0) + us);
      if (w !== 'idle') {
        sampled += us;
        fns.set(fn, (fns.get(fn) ?? 0) + us);
      }
    }
    if (whose.size === 0) whose.set('no samples', to - from);
    return { whose, fns, sampled };
  };
  const shares = (whose: Map<string, number>): string => [...whose].sort((a, b) => b[1] - a[1]).map(([w, us]) => `${w} ${ms(us)}`).join(', ');
  const fnList = (fns: Map<string, number>): string => [...fns].sort((a, b) => b[1] - a[1]).slice(0, top).map(([f, us]) => `      ${ms(us).padStart(7)} ms  ${f}`).join('\n');

  const text = readFileSync(benchFile, 'utf8');
  const seen = new Set<string>(); // the bench prints its output twice (stderr as it goes, stdout at the end)
  // Each window (discovery, a send, the 2 s before it without one): whose the busy time was.
  for (const m of text.matchAll(/^(discovery|send \d+|idle before send \d+): .* in ([0-9.]+) ms.* from (\d+) µs/gm)) {
    if (seen.has(m[3]!)) continue;
    seen.add(m[3]!);
    const from = Number(m[3]);
    const r = split(from, from + Number(m[2]) * 1000);
    console.log(`${m[1]}, ${Number(m[2]).toFixed(0)} ms: busy samples ${ms(r.sampled)} ms: ${shares(r.whose)}\n${fnList(r.fns)}`);
  }
  // Each stall over 50 ms: whose, and the functions.
  for (const m of text.matchAll(/([0-9.]+) ms at (\d+) µs \(CPU (\d+), waiting for a CPU (\d+)/g)) {
    if (seen.has(m[2]!)) continue;
    seen.add(m[2]!);
    const wall = Number(m[1]);
    const from = Number(m[2]);
    const r = split(from, from + wall * 1000);
    console.log(`stall ${wall.toFixed(1)} ms at ${from} µs (main-thread CPU ${m[3]} ms, waiting for a CPU ${m[4]} ms): busy samples ${ms(r.sampled)} ms: ${shares(r.whose)}\n${fnList(r.fns)}`);
  }
}

main();
