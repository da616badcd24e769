// What a native command is: a Ceph descriptor, help, permission and a handler.
// Handlers live beside each other in native/*.ts, grouped by what they read.

import type { CommandResult } from '../common/errno.js';
import type { Logger } from '../common/log.js';
import type { OptionTable } from '../common/options.js';
import type { CmdMap, MgrdStats } from '../mgr-module/types.js';
import type { MgrMap } from '../mgr-module/mgr-map-types.js';
import type { ModuleKvStore } from '../registry/module-context.js';
import type { ModuleRegistry } from '../registry/module-registry.js';
import type { CommandCaller } from '../server/daemon-server.js';
import type { ClusterState } from '../state/cluster-state.js';

/** The map store as commands use it (the MapStore is one): the MgrMap and its changes, manager metadata, the config-key store. */
export interface CommandStore extends ModuleKvStore {
  /** The current map (a copy). */
  current(): MgrMap;
  /** Changes the map as the active manager (enabled modules, services, available). Bumps the epoch. Throws NotLeaderError on a standby. */
  update(mutate: (map: MgrMap) => void): Promise<MgrMap>;
  /** `mgr fail`: the named manager stops being active (a standby, or the same process if alone, takes over) or, a standby, leaves the map until it joins again. */
  fail(name: string): Promise<void>;
  /** `mgr metadata` of a manager in the map. */
  metadata(name: string): Record<string, string> | undefined;
}

/** What native commands read of the cluster: its maps, the PG map and health (read only). */
export type CommandCluster = Readonly<Pick<ClusterState,
  'fsid' | 'osdMap' | 'osdMapTree' | 'monMap' | 'monStatus' | 'monStatusAtS' | 'fsMap' | 'serviceMap' | 'pgMap' | 'health'>>;

/** What native commands read and change: a narrow view of the manager, never the Mgr itself. */
export interface CommandContext {
  cluster: CommandCluster;
  /** mgrd's own counters (`mgr ingest stat`). */
  stats: () => MgrdStats;
  /** The daemon listener's report processing time histogram (counts per bucket). */
  reportTimeBuckets: () => Iterable<number>;
  store: CommandStore;
  options: OptionTable;
  registry: ModuleRegistry;
  log: Logger;
  mgrMetadata: () => Record<string, string>;
  /** The daemons the manager knows, with their metadata (`device ls` reads their devices). */
  daemons: () => Iterable<{ type: string; id: string; metadata: Readonly<Record<string, string>> }>;
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
