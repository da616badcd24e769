// A small reader of exposition bodies (text 0.0.4 and OpenMetrics) for tests
// and tools: families with their HELP, TYPE and samples in order, and every
// HELP/TYPE line seen (to catch repeats). Strict about syntax: a line it cannot
// read throws, naming it.

export interface ParsedSample {
  readonly name: string;
  /** Label names and unescaped values, in written order. */
  readonly labels: ReadonlyArray<readonly [string, string]>;
  readonly value: number;
}

export interface ParsedFamily {
  readonly name: string;
  help: string;
  type: string;
  readonly samples: ParsedSample[];
}

/** One TYPE line with the HELP line just before it and the samples after it, up to the next TYPE. */
export interface ParsedBlock {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly samples: ParsedSample[];
}

export interface ParsedBody {
  /** By family name, in first-seen order. */
  readonly families: Map<string, ParsedFamily>;
  /** The header runs as written: a family headed twice (upstream's bug) gives two blocks. */
  readonly blocks: ParsedBlock[];
  readonly helpLines: string[];
  readonly typeLines: string[];
  readonly samples: ParsedSample[];
  eof: boolean;
}

function unescape(s: string): string {
  return s.replace(/\\(["\\n])/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}

function parseLabels(src: string, line: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let i = 0;
  while (i < src.length) {
    const eq = src.indexOf('="', i);
    if (eq < 0) throw new Error(`bad labels in line: ${line}`);
    const name = src.slice(i, eq);
    let j = eq + 2;
    let raw = '';
    while (j < src.length && src[j] !== '"') {
      if (src[j] === '\\') raw += src[j++];
      raw += src[j++];
    }
    if (j >= src.length) throw new Error(`unterminated label value in line: ${line}`);
    out.push([name, unescape(raw)]);
    i = j + 1;
    if (src[i] === ',') i++;
  }
  return out;
}

const SAMPLE_RE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;

export function parseExposition(body: string): ParsedBody {
  const parsed: ParsedBody = { families: new Map(), blocks: [], helpLines: [], typeLines: [], samples: [], eof: false };
  let current: ParsedFamily | undefined;
  let lastHelp: { name: string; help: string } | undefined;
  let block: ParsedBlock | undefined;
  const family = (name: string): ParsedFamily => {
    let f = parsed.families.get(name);
    if (f === undefined) parsed.families.set(name, (f = { name, help: '', type: '', samples: [] }));
    return f;
  };
  for (const line of body.split('\n')) {
    if (line === '') continue;
    if (line === '# EOF') {
      parsed.eof = true;
      continue;
    }
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta !== null) {
      const [, kind, name = '', rest = ''] = meta;
      current = family(name);
      if (kind === 'HELP') {
        parsed.helpLines.push(name);
        lastHelp = { name, help: unescape(rest) };
        if (current.help === '') current.help = lastHelp.help;
      } else {
        parsed.typeLines.push(name);
        if (current.type === '') current.type = rest;
        block = { name, help: lastHelp?.name === name ? lastHelp.help : '', type: rest, samples: [] };
        parsed.blocks.push(block);
      }
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = SAMPLE_RE.exec(line);
    if (m === null) throw new Error(`unparsable line: ${line}`);
    const [, name = '', labels, value = ''] = m;
    const sample: ParsedSample = {
      name,
      labels: labels === undefined || labels === '' ? [] : parseLabels(labels, line),
      value: /^nan$/i.test(value) ? NaN : Number(value.replace(/^\+?Inf$/, 'Infinity')),
    };
    (current !== undefined && name.startsWith(current.name) ? current : family(name)).samples.push(sample);
    block?.samples.push(sample);
    parsed.samples.push(sample);
  }
  return parsed;
}

/** The label names a family's samples carry (of its first sample), joined: `ceph_daemon,hostname`. */
export function familyLabelNames(f: ParsedFamily): string {
  const first = f.samples.find((s) => s.name === f.name) ?? f.samples[0];
  return first === undefined ? '' : first.labels.map(([k]) => k).join(',');
}
