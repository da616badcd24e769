// Scenarios: timed events applied through the cluster's control API. Built-in
// ones by name, or a JSON file: [{"atS": 10, "action": "kill", "osd": 3}, ...]
// where atS is seconds after the simulation start. Anything malformed throws an
// Error that names the file, the event and the problem.

import { readFileSync } from 'node:fs';
import { hash32 } from './rng.js';
import { flagBits, SETTABLE_FLAGS } from './osdmap-flags.js';

export type ScenarioEvent =
  | { atS: number; action: 'kill' | 'revive' | 'out' | 'in'; osd: number }
  | { atS: number; action: 'fill'; osd: number; ratio: number; overS: number }
  | { atS: number; action: 'scrub'; pool?: number; deep: boolean }
  | { atS: number; action: 'kill-mon' | 'revive-mon'; mon: string }
  | { atS: number; action: 'set' | 'unset'; flag: string };

export const BUILTIN_SCENARIOS = ['none', 'osd-down', 'recovery', 'scrub', 'nearfull'] as const;
export const SCENARIO_ACTIONS = ['kill', 'revive', 'out', 'in', 'fill', 'scrub', 'kill-mon', 'revive-mon', 'set', 'unset'] as const;

export interface ScenarioContext {
  seed: number;
  numOsds: number;
  /** Host index of each OSD (built-ins pick OSDs on different hosts). */
  osdHost: (osd: number) => number;
  monNames: string[];
  /** Pool id by name or id. */
  poolId: (nameOrId: string | number) => number | undefined;
}

export function loadScenario(spec: string | undefined, ctx: ScenarioContext): ScenarioEvent[] {
  const name = spec ?? 'none';
  if ((BUILTIN_SCENARIOS as readonly string[]).includes(name)) return builtin(name, ctx);
  if (!name.endsWith('.json') && !name.includes('/')) {
    throw new Error(`unknown scenario "${name}": use one of ${BUILTIN_SCENARIOS.join(', ')} or a path to a JSON file`);
  }
  let text: string;
  try {
    text = readFileSync(name, 'utf8');
  } catch (e) {
    throw new Error(`scenario file ${name}: cannot read it: ${(e as Error).message}`, { cause: e });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`scenario file ${name}: bad JSON: ${(e as Error).message}`, { cause: e });
  }
  return parseScenario(doc, ctx, `scenario file ${name}`);
}

/** Validates a scenario document (an array of events). */
export function parseScenario(doc: unknown, ctx: ScenarioContext, where = 'scenario'): ScenarioEvent[] {
  if (!Array.isArray(doc)) throw new Error(`${where}: expected a JSON array of events, got ${typeof doc}`);
  const events = doc.map((raw: unknown, i) => parseEvent(raw, ctx, `${where}: event ${i}`));
  return events.sort((a, b) => a.atS - b.atS);
}

function parseEvent(raw: unknown, ctx: ScenarioContext, where: string): ScenarioEvent {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${where}: expected an object like {"atS": 10, "action": "kill", "osd": 3}`);
  const e = raw as Record<string, unknown>;
  const atS = e.atS;
  if (typeof atS !== 'number' || !Number.isFinite(atS) || atS < 0) throw new Error(`${where}: "atS" must be a number of seconds >= 0, got ${JSON.stringify(atS)}`);
  const action = e.action;
  if (typeof action !== 'string' || !(SCENARIO_ACTIONS as readonly string[]).includes(action)) {
    throw new Error(`${where}: unknown action ${JSON.stringify(action)} (known: ${SCENARIO_ACTIONS.join(', ')})`);
  }
  switch (action) {
    case 'kill':
    case 'revive':
    case 'out':
    case 'in':
      return { atS, action, osd: osdId(e.osd, ctx, where) };
    case 'fill': {
      const ratio = e.ratio;
      if (typeof ratio !== 'number' || !(ratio > 0 && ratio <= 1)) throw new Error(`${where}: "ratio" must be a number in (0, 1], got ${JSON.stringify(ratio)}`);
      const overS = e.overS ?? 0;
      if (typeof overS !== 'number' || !(overS >= 0)) throw new Error(`${where}: "overS" must be a number of seconds >= 0, got ${JSON.stringify(overS)}`);
      return { atS, action, osd: osdId(e.osd, ctx, where), ratio, overS };
    }
    case 'scrub': {
      let pool: number | undefined;
      if (e.pool !== undefined) {
        if (typeof e.pool !== 'string' && typeof e.pool !== 'number') throw new Error(`${where}: "pool" must be a pool name or id`);
        pool = ctx.poolId(e.pool);
        if (pool === undefined) throw new Error(`${where}: no pool ${JSON.stringify(e.pool)}`);
      }
      if (e.deep !== undefined && typeof e.deep !== 'boolean') throw new Error(`${where}: "deep" must be true or false`);
      return pool === undefined ? { atS, action, deep: e.deep === true } : { atS, action, pool, deep: e.deep === true };
    }
    case 'set':
    case 'unset': {
      if (typeof e.flag !== 'string' || flagBits(e.flag) === undefined) {
        throw new Error(`${where}: "flag" must be a cluster flag (${SETTABLE_FLAGS.filter((f) => f !== 'full').join(', ')}), got ${JSON.stringify(e.flag)}`);
      }
      return { atS, action, flag: e.flag };
    }
    default: {
      const mon = typeof e.mon === 'string' ? e.mon.replace(/^mon\./, '') : undefined;
      if (mon === undefined || !ctx.monNames.includes(mon)) {
        throw new Error(`${where}: "mon" must name a mon (${ctx.monNames.join(', ')}), got ${JSON.stringify(e.mon)}`);
      }
      return { atS, action: action as 'kill-mon' | 'revive-mon', mon };
    }
  }
}

function osdId(v: unknown, ctx: ScenarioContext, where: string): number {
  const n = typeof v === 'string' && /^(osd\.)?\d+$/.test(v) ? Number(v.replace('osd.', '')) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n >= ctx.numOsds) {
    throw new Error(`${where}: "osd" must be an OSD id 0..${ctx.numOsds - 1}, got ${JSON.stringify(v)}`);
  }
  return n;
}

/** Two OSDs on different hosts, chosen by the seed. */
function pickOsds(ctx: ScenarioContext): [number, number] {
  const a = hash32(ctx.seed, 101) % ctx.numOsds;
  let b = hash32(ctx.seed, 202) % ctx.numOsds;
  for (let i = 0; i < ctx.numOsds && ctx.osdHost(b) === ctx.osdHost(a); i++) b = (b + 1) % ctx.numOsds;
  return [a, b];
}

function builtin(name: string, ctx: ScenarioContext): ScenarioEvent[] {
  const [a, b] = pickOsds(ctx);
  switch (name) {
    case 'osd-down':
      // Fail, get marked out (data backfills elsewhere), come back and get marked in (data moves back).
      return [
        { atS: 10, action: 'kill', osd: a },
        { atS: 40, action: 'out', osd: a },
        { atS: 600, action: 'revive', osd: a },
        { atS: 620, action: 'in', osd: a },
      ];
    case 'recovery':
      // A short outage (log-based recovery of what it missed), then a planned out/in (misplaced data, backfill).
      return [
        { atS: 10, action: 'kill', osd: a },
        { atS: 70, action: 'revive', osd: a },
        { atS: 120, action: 'out', osd: b },
        { atS: 420, action: 'in', osd: b },
      ];
    case 'scrub':
      return [
        { atS: 10, action: 'scrub', deep: false },
        { atS: 120, action: 'scrub', deep: true },
      ];
    case 'nearfull':
      return [
        { atS: 10, action: 'fill', osd: a, ratio: 0.88, overS: 60 },
        { atS: 30, action: 'fill', osd: b, ratio: 0.96, overS: 120 },
      ];
    default:
      return [];
  }
}
