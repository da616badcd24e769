// Reads .cpuprofile files (bench/lib/thread-watch.ts, node --cpu-prof) and
// prints where the time went: over the whole profile, and in each stretch of
// the thread busy without a break longer than `minMs` (an event-loop delay).
// For each: self time by function, and by the innermost frame of the project's
// own code (src/, exporters/, modules/) on the stack, so time in node or a
// library is charged to the project's call that led to it.
//
// Run: node bench/out/bench/cpuprofile-stalls.js [--min 30] [--top 12] FILE...

import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const files = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));

function frameName(f: CallFrame): string {
  const file = f.url.replace(/^.*\/(bench\/out|node_modules)\//, '$1/').replace(/^file:\/\//, '');
  return `${f.functionName || '(anonymous)'} ${file}${file ? `:${f.lineNumber + 1}` : ''}`;
}

const OWN = /\/bench\/out\/(src|exporters|modules)\//;

function analyse(file: string, minMs: number, top: number): void {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const ownOf = new Map<number, string>();
  const own = (id: number): string => {
    let v = ownOf.get(id);
    if (v !== undefined) return v;
    v = '(no project frame)';
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)!.callFrame;
      if (OWN.test(f.url)) {
        v = frameName(f);
        break;
      }
    }
    ownOf.set(id, v);
    return v;
  };
  const idle = (id: number): boolean => byId.get(id)!.callFrame.functionName === '(idle)';

  const table = (title: string, from: number, to: number): void => {
    const self = new Map<string, number>();
    const mine = new Map<string, number>();
    let total = 0;
    for (let i = from; i < to; i++) {
      const id = p.samples[i]!;
      if (idle(id)) continue;
      const us = p.timeDeltas[i + 1] ?? 0;
      total += us;
      const k = frameName(byId.get(id)!.callFrame);
      self.set(k, (self.get(k) ?? 0) + us);
      const o = own(id);
      mine.set(o, (mine.get(o) ?? 0) + us);
    }
    const show = (m: Map<string, number>): string => [...m].sort((a, b) => b[1] - a[1]).slice(0, top)
      .map(([k, us]) => `    ${(us / 1000).toFixed(1).padStart(8)} ms  ${((us / total) * 100).toFixed(0).padStart(3)} %  ${k}`).join('\n');
    console.log(`${title}: ${(total / 1000).toFixed(1)} ms busy\n  self time:\n${show(self)}\n  by innermost project frame:\n${show(mine)}`);
  };

  const elapsed = p.timeDeltas.reduce((a, b) => a + b, 0);
  console.log(`\n# ${file}: ${(elapsed / 1000).toFixed(0)} ms, ${p.samples.length} samples`);
  table('whole profile', 0, p.samples.length);
  // Busy stretches: consecutive samples not idle.
  let start = -1;
  let at = 0;
  let startUs = 0;
  const stretches: Array<[number, number, number, number]> = [];
  for (let i = 0; i <= p.samples.length; i++) {
    const busy = i < p.samples.length && !idle(p.samples[i]!);
    if (busy && start < 0) {
      start = i;
      startUs = at;
    }
    if (!busy && start >= 0) {
      const ms = (at - startUs) / 1000;
      if (ms >= minMs) stretches.push([start, i, startUs / 1000, ms]);
      start = -1;
    }
    at += p.timeDeltas[i + 1] ?? 0;
  }
  console.log(`${stretches.length} busy stretches of ${minMs} ms or more: ${stretches.map((s) => s[3].toFixed(0)).join(', ')} ms`);
  for (const [s, e, t, ms] of stretches.sort((a, b) => b[3] - a[3]).slice(0, 5)) table(`stretch at +${t.toFixed(0)} ms, ${ms.toFixed(1)} ms`, s, e);
}

for (const f of files) analyse(f, arg('min', 30), arg('top', 12));
