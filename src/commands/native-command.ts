// What a native command is: a Ceph descriptor, help, permission and a handler.
// Handlers live beside each other in native/*.ts, grouped by what they read.

import type { CommandResult } from '../common/errno.js';
import type { Logger } from '../common/log.js';
import type { OptionTable } from '../common/options.js';
import type { CmdMap } from '../mgr-module/types.js';
import type { MapStore } from '../mgr/map-store.js';
import type { Mgr } from '../mgr/mgr.js';
import type { ModuleRegistry } from '../registry/module-registry.js';
import type { CommandCaller } from '../server/daemon-server.js';

export interface CommandContext {
  mgr: Mgr;
  store: MapStore;
  options: OptionTable;
  registry: ModuleRegistry;
  log: Logger;
  mgrMetadata: () => Record<string, string>;
  /** Descriptors of every command (native and module), for help. */
  describe: () => import('./grammar.js').CommandDescriptor[];
}

export interface NativeCommand {
  cmd: string;
  desc: string;
  perm: 'r' | 'w' | 'rw';
  run: (ctx: CommandContext, cmd: CmdMap, inbuf: string, caller: CommandCaller) => CommandResult | Promise<CommandResult>;
}

export type Format = 'json' | 'json-pretty' | 'plain';

export function formatOf(cmd: CmdMap, fallback: Format = 'plain'): Format {
  const f = cmd.format;
  return f === 'json' || f === 'json-pretty' || f === 'plain' ? f : fallback;
}

/** Renders data as Ceph does: compact JSON, 4-space pretty JSON, or the command's plain text. */
export function render(cmd: CmdMap, data: unknown, plain?: () => string): CommandResult {
  const f = formatOf(cmd, plain ? 'plain' : 'json-pretty');
  let outb: string;
  if (f === 'json') outb = JSON.stringify(data);
  else if (f === 'json-pretty' || !plain) outb = JSON.stringify(data, null, 4);
  else outb = plain();
  return { r: 0, outb, outs: '' };
}
