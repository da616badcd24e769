// `config set|get|rm|show|dump` for the manager's options and module options
// (`mgr/<module>/<option>`). Values are validated before they are stored.

import { Errno, ErrnoError, cmdErr, cmdOk, type CommandResult } from '../../common/errno.js';
import { shownValue } from '../../common/options.js';
import type { CmdMap } from '../../mgr-module/types.js';
import type { CommandContext, NativeCommand } from '../native-command.js';
import { render } from '../native-command.js';
import { table } from './mgr.js';
import { col, textTable } from './table-format.js';

/** Splits `mgr/<module>/<option>`; undefined for a manager option. */
function moduleOption(name: string): { module: string; option: string } | undefined {
  const m = /^mgr\/([a-z][a-z0-9_]*)\/([A-Za-z0-9_]+)$/.exec(name);
  return m ? { module: m[1]!, option: m[2]! } : undefined;
}

function checkWho(who: unknown): void {
  if (typeof who !== 'string' || !(who === 'mgr' || who.startsWith('mgr.') || who === 'global')) {
    throw new ErrnoError(Errno.EINVAL, `invalid value '${String(who)}' for who: mgrd holds config for 'mgr' (or 'mgr.<id>') only`);
  }
}

export const mgrOptionKey = (name: string): string => `config/mgr/${name}`;

interface Row {
  name: string;
  value: string;
  default: string;
  source: 'default' | 'mon' | 'override';
  /** Ceph's can_update_at_runtime: false for an option that takes effect at the next start (RO `*`). */
  runtime: boolean;
}

/** Where mgrd keeps every value: Ceph's `mgr` section (`config set mgr.x|global` land there too). */
const SECTION = 'mgr';
/** mgrd's options have no levels; Ceph's module options are `advanced` unless declared otherwise. */
const LEVEL = 'advanced';

const byName = (a: Row, b: Row): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function allRows(ctx: CommandContext, onlySet: boolean): Row[] {
  const rows: Row[] = [];
  for (const s of ctx.options.allSpecs()) {
    if (onlySet && !ctx.options.isSet(s.name)) continue;
    rows.push({ name: s.name, value: shownValue(s, ctx.options.get(s.name)), default: shownValue(s, s.default), source: ctx.options.isSet(s.name) ? 'mon' : 'default', runtime: s.runtime !== false });
  }
  for (const e of ctx.registry.list()) {
    for (const s of e.options.allSpecs()) {
      if (onlySet && !e.options.isSet(s.name)) continue;
      rows.push({
        name: `mgr/${e.name}/${s.name}`, value: shownValue(s, e.options.get(s.name)), default: shownValue(s, s.default),
        source: e.options.isSet(s.name) ? 'mon' : 'default', runtime: s.runtime !== false,
      });
    }
  }
  return rows.sort(byName);
}

/** One option's value (its default when unset); ENOENT with Ceph's `unrecognized key` for an unknown name. */
function getValue(ctx: CommandContext, name: string): string {
  const mo = moduleOption(name);
  const options = mo ? ctx.registry.get(mo.module)?.options : ctx.options;
  const key = mo ? mo.option : name;
  if (!options?.has(key)) throw new ErrnoError(Errno.ENOENT, `unrecognized key '${name}'`);
  return shownValue(options.spec(key), options.get(key));
}

async function setValue(ctx: CommandContext, name: string, value: string | undefined): Promise<void> {
  const mo = moduleOption(name);
  if (mo) {
    await ctx.registry.setOption(mo.module, mo.option, value);
    return;
  }
  if (!ctx.options.has(name)) throw new ErrnoError(Errno.EINVAL, `unrecognized config option '${name}'`);
  const spec = ctx.options.spec(name)!;
  if (value === undefined) {
    ctx.options.unset(name);
    await ctx.store.kvSet(mgrOptionKey(name), undefined);
    return;
  }
  const v = ctx.options.set(name, value);
  await ctx.store.kvSet(mgrOptionKey(name), JSON.stringify(v));
  if (spec.runtime === false) ctx.log.warn({ option: name }, 'option takes effect at the next start of mgrd');
}

/** One row of Ceph's config table: the section that holds the value (`  mgr` indented under global in `config dump`). */
export interface ConfigTableRow {
  who: string;
  mask: string;
  level: string;
  name: string;
  value: string;
  /** can_update_at_runtime: RO is `*` when false. */
  runtime: boolean;
}

const CONFIG_COLUMNS = ['WHO', 'MASK', 'LEVEL', 'OPTION', 'VALUE', 'RO'].map((h) => col(h, 'left'));

/** Ceph's `WHO MASK LEVEL OPTION VALUE RO` TextTable (ConfigMonitor's `config get <who>` and `config dump`). */
export function configTable(rows: readonly ConfigTableRow[]): string {
  return textTable(CONFIG_COLUMNS, rows.map((r) => [r.who, r.mask, r.level, r.name, r.value, r.runtime ? '' : '*']));
}

const tableRows = (rows: readonly Row[], who: string): ConfigTableRow[] => rows.map((r) => ({ who, mask: '', level: LEVEL, name: r.name, value: r.value, runtime: r.runtime }));

/** `config get|show [key]`: one value, or every option (only those set, for get) as the caller renders them. */
function showConfig(ctx: CommandContext, cmd: CmdMap, onlySet: boolean, view: (rows: Row[]) => [unknown, () => string]): CommandResult {
  checkWho(cmd.who);
  if (typeof cmd.key === 'string') {
    // Ceph answers one value as plain text whatever the format.
    return cmdOk(`${getValue(ctx, cmd.key)}\n`);
  }
  const [data, plain] = view(allRows(ctx, onlySet));
  return render(cmd, data, plain);
}

export const CONFIG_COMMANDS: NativeCommand[] = [
  {
    cmd: 'config set name=who,type=CephString name=name,type=CephString name=value,type=CephString',
    desc: 'Set a configuration option for mgr or a module (mgr/<module>/<option>)',
    perm: 'rw',
    run: async (ctx, cmd) => {
      checkWho(cmd.who);
      await setValue(ctx, cmd.name as string, cmd.value as string);
      return cmdOk();
    },
  },
  {
    cmd: 'config rm name=who,type=CephString name=name,type=CephString',
    desc: 'Clear a configuration option (back to its default)',
    perm: 'rw',
    run: async (ctx, cmd) => {
      checkWho(cmd.who);
      await setValue(ctx, cmd.name as string, undefined);
      return cmdOk();
    },
  },
  {
    cmd: 'config get name=who,type=CephString name=key,type=CephString,req=false',
    desc: 'Show configuration option(s) for mgr',
    perm: 'r',
    run: (ctx, cmd) => showConfig(ctx, cmd, true, (rows) => [
      Object.fromEntries(rows.map((r) => [r.name, { value: r.value, section: SECTION, mask: {}, can_update_at_runtime: r.runtime }])),
      () => configTable(tableRows(rows, SECTION)),
    ]),
  },
  {
    cmd: 'config show name=who,type=CephString name=key,type=CephString,req=false',
    desc: 'Show running configuration of the mgr',
    perm: 'r',
    run: (ctx, cmd) => showConfig(ctx, cmd, false, (rows) => [
      Object.fromEntries(rows.map((r) => [r.name, { value: r.value, default: r.default, source: r.source }])),
      () => table([['NAME', 'VALUE', 'SOURCE'], ...rows.map((r) => [r.name, r.value, r.source])]),
    ]),
  },
  {
    cmd: 'config dump',
    desc: 'Show all configuration options that are set',
    perm: 'r',
    run: (ctx, cmd) => {
      const rows = allRows(ctx, true);
      return render(
        cmd,
        rows.map((r) => ({ section: SECTION, name: r.name, value: r.value, level: LEVEL, can_update_at_runtime: r.runtime, mask: '' })),
        // Ceph indents a daemon type's section under global (ConfigMonitor's indent_who).
        () => configTable(tableRows(rows, `  ${SECTION}`)),
      );
    },
  },
];

export { cmdErr };
