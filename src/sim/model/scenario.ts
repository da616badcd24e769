// Scenarios: timed events applied through the cluster's control API. Built-in
// ones by name, or a JSON file: [{"atS": 10, "action": "kill", "osd": 3}, ...]
// where atS is seconds after the simulation start. Anything malformed throws an
// Error that names the file, the event and the problem.

import { readFileSync } from 'node:fs';
import { hash32 } from './rng.js';
import { flagBits, SETTABLE_FLAGS } from './osdmap-flags.js';
import { STORE_ALERTS } from './faults.js';

export type ScenarioEvent =
  | { atS: number; action: 'kill' | 'revive' | 'out' | 'in'; osd: number }
  | { atS: number; action: 'fill'; osd: number; ratio: number; overS: number }
  | { atS: number; action: 'scrub'; pool?: number; deep: boolean }
  | { atS: number; action: 'kill-mon' | 'revive-mon'; mon: string }
  | { atS: number; action: 'set' | 'unset'; flag: string }
  | { atS: number; action: 'mon-disk'; mon: string; availPercent: number; storeGiB?: number }
  | { atS: number; action: 'clock-skew'; mon: string; skewS: number }
  | { atS: number; action: 'slow-ping'; osd: number; backMs: number; frontMs: number }
  | { atS: number; action: 'store-alert'; osd: number; alert: string; message?: string; clear: boolean }
  | { atS: number; action: 'repair'; osd: number; reads: number }
  | { atS: number; action: 'fail-mds' | 'revive-mds' | 'damage-mds' }
  | { atS: number; action: 'mds-read-only'; on: boolean }
  | { atS: number; action: 'fs-set'; key: 'max_mds' | 'standby_count_wanted'; value: number }
  | { atS: number; action: 'crash'; daemon: string; mgrModule?: string; restart: boolean }
  | { atS: number; action: 'device-failing'; osd: number; inDays: number; clear: boolean };

export const BUILTIN_SCENARIOS = ['none', 'osd-down', 'recovery', 'scrub', 'nearfull', 'mon-down'] as const;
export const SCENARIO_ACTIONS = [
  'kill', 'revive', 'out', 'in', 'fill', 'scrub', 'kill-mon', 'revive-mon', 'set', 'unset',
  'mon-disk', 'clock-skew', 'slow-ping', 'store-alert', 'repair', 'fail-mds', 'revive-mds', 'damage-mds', 'mds-read-only', 'fs-set', 'crash', 'device-failing',
] as const;

export interface ScenarioContext {
  seed: number;
  numOsds: number;
  /** Host index of each OSD (built-ins pick OSDs on different hosts). */
  osdHost: (osd: number) => number;
  monNames: string[];
  /** Pool id by name or id. */
  poolId: (nameOrId: string | number) => number | undefined;
  /** Whether a daemon of the cluster has this name ("osd.3", "mds.node-0002"); default: OSDs and mons only. */
  isDaemon?: (name: string) => boolean;
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
    case 'kill-mon':
    case 'revive-mon':
      return { atS, action, mon: monName(e.mon, ctx, where) };
    default:
      return parseFaultEvent(atS, action, e, ctx, where);
  }
}

/** The actions of the mon, MDS and OSD faults (faults.ts). */
function parseFaultEvent(atS: number, action: string, e: Record<string, unknown>, ctx: ScenarioContext, where: string): ScenarioEvent {
  switch (action) {
    case 'mon-disk': {
      const availPercent = num(e.availPercent, where, 'availPercent', 0, 100);
      if (e.storeGiB === undefined) return { atS, action, mon: monName(e.mon, ctx, where), availPercent };
      return { atS, action, mon: monName(e.mon, ctx, where), availPercent, storeGiB: num(e.storeGiB, where, 'storeGiB', 0, 1e6) };
    }
    case 'clock-skew':
      return { atS, action, mon: monName(e.mon, ctx, where), skewS: num(e.skewS, where, 'skewS', -86400, 86400) };
    case 'slow-ping': {
      const backMs = num(e.backMs ?? 0, where, 'backMs', 0, 60_000);
      return { atS, action, osd: osdId(e.osd, ctx, where), backMs, frontMs: num(e.frontMs ?? backMs, where, 'frontMs', 0, 60_000) };
    }
    case 'store-alert': {
      if (typeof e.alert !== 'string' || !/^[A-Z][A-Z0-9_]{0,63}$/.test(e.alert)) throw new Error(`${where}: "alert" must be an alert name like BLUESTORE_SPURIOUS_READ_ERRORS, got ${JSON.stringify(e.alert)}`);
      if (e.message !== undefined && (typeof e.message !== 'string' || e.message.length > 512)) throw new Error(`${where}: "message" must be a string of at most 512 characters`);
      if (e.message === undefined && e.clear !== true && STORE_ALERTS[e.alert] === undefined) {
        throw new Error(`${where}: "message" is needed for ${e.alert} (the simulator has its own text for ${Object.keys(STORE_ALERTS).join(', ')})`);
      }
      if (e.clear !== undefined && typeof e.clear !== 'boolean') throw new Error(`${where}: "clear" must be true or false`);
      const base = { atS, action, osd: osdId(e.osd, ctx, where), alert: e.alert, clear: e.clear === true } as const;
      return e.message === undefined ? base : { ...base, message: e.message };
    }
    case 'repair':
      return { atS, action, osd: osdId(e.osd, ctx, where), reads: num(e.reads, where, 'reads', 1, 1e9, true) };
    case 'fail-mds':
    case 'revive-mds':
    case 'damage-mds':
      return { atS, action };
    case 'crash': {
      const daemon = e.daemon;
      const known = (n: string): boolean => (ctx.isDaemon ? ctx.isDaemon(n) : /^osd\.\d+$/.test(n) ? Number(n.slice(4)) < ctx.numOsds : ctx.monNames.includes(n.replace(/^mon\./, '')) && n.startsWith('mon.'));
      if (e.mgrModule !== undefined && (typeof e.mgrModule !== 'string' || !/^[a-z_][a-z0-9_]{0,63}$/.test(e.mgrModule))) throw new Error(`${where}: "mgrModule" must be a module name, got ${JSON.stringify(e.mgrModule)}`);
      const isMgr = typeof daemon === 'string' && /^mgr\.[A-Za-z0-9_.-]{1,64}$/.test(daemon);
      if (typeof daemon !== 'string' || !(known(daemon) || (isMgr && e.mgrModule !== undefined))) {
        throw new Error(`${where}: "daemon" must name a daemon of the cluster (osd.3, mon.a, mds.<host>, rgw.<host>), or mgr.<id> with "mgrModule", got ${JSON.stringify(daemon)}`);
      }
      if (e.restart !== undefined && typeof e.restart !== 'boolean') throw new Error(`${where}: "restart" must be true or false`);
      const base = { atS, action, daemon, restart: e.restart !== false } as const;
      return e.mgrModule === undefined ? base : { ...base, mgrModule: e.mgrModule };
    }
    case 'device-failing': {
      if (e.clear !== undefined && typeof e.clear !== 'boolean') throw new Error(`${where}: "clear" must be true or false`);
      const clear = e.clear === true;
      return { atS, action, osd: osdId(e.osd, ctx, where), inDays: clear ? 0 : num(e.inDays, where, 'inDays', 0.001, 36500), clear };
    }
    case 'mds-read-only':
      if (e.on !== undefined && typeof e.on !== 'boolean') throw new Error(`${where}: "on" must be true or false`);
      return { atS, action, on: e.on !== false };
    default: {
      if (e.key !== 'max_mds' && e.key !== 'standby_count_wanted') throw new Error(`${where}: "key" must be max_mds or standby_count_wanted, got ${JSON.stringify(e.key)}`);
      const min = e.key === 'max_mds' ? 1 : 0;
      return { atS, action: 'fs-set', key: e.key, value: num(e.value, where, 'value', min, 32, true) };
    }
  }
}

function num(v: unknown, where: string, name: string, min: number, max: number, integer = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    throw new Error(`${where}: "${name}" must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
  return v;
}

function monName(v: unknown, ctx: ScenarioContext, where: string): string {
  const mon = typeof v === 'string' ? v.replace(/^mon\./, '') : undefined;
  if (mon === undefined || !ctx.monNames.includes(mon)) {
    throw new Error(`${where}: "mon" must name a mon (${ctx.monNames.join(', ')}), got ${JSON.stringify(v)}`);
  }
  return mon;
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
    case 'mon-down': {
      // The last mon stops for five minutes: MON_DOWN, quorum without it, then back.
      if (ctx.monNames.length < 2) throw new Error(`scenario "mon-down" needs at least 2 mons (this cluster has ${ctx.monNames.length}; set mons: 3)`);
      const mon = ctx.monNames[ctx.monNames.length - 1]!;
      return [
        { atS: 10, action: 'kill-mon', mon },
        { atS: 310, action: 'revive-mon', mon },
      ];
    }
    case 'nearfull':
      return [
        { atS: 10, action: 'fill', osd: a, ratio: 0.88, overS: 60 },
        { atS: 30, action: 'fill', osd: b, ratio: 0.96, overS: 120 },
      ];
    default:
      return [];
  }
}
