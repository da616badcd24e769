// One dispatcher for both ways in (COMMAND frames and POST /api/v1/command):
// parse against descriptors, check permission, run native commands first, then
// the commands the cluster source answers (forwarded to it), then module
// commands on the module's queue. Ceph's errno contract throughout.

import { Errno, ErrnoError, type CommandResult } from '../common/errno.js';
import type { CmdMap } from '../mgr-module/types.js';
import type { CommandCaller } from '../server/daemon-server.js';
import type { SourceCommandRoute } from '../server/source-commands.js';
import { findDescriptor, matchArgv, parseDescriptor, validateCmdmap, type CommandDescriptor } from './grammar.js';
import type { CommandContext, NativeCommand } from './native-command.js';
import { NATIVE_COMMANDS } from './native/index.js';

/** What native commands see, but `describe`, which the dispatcher adds; and where the cluster source's commands go. */
export type DispatcherOptions = Omit<CommandContext, 'describe'> & { source?: SourceCommandRoute };

interface Route {
  desc: CommandDescriptor;
  native?: NativeCommand;
  /** Answered by the cluster source. */
  source?: true;
  module?: string;
}

export class CommandDispatcher {
  private readonly native: Route[];
  private moduleRoutes: Route[] = [];
  private moduleKey = '';
  private sourceRoutes: Route[] = [];
  private sourceDecls: readonly unknown[] = [];
  private readonly ctx: CommandContext;

  constructor(private readonly opts: DispatcherOptions) {
    // Ceph reports a native command's module as its first word (pg, osd, mgr...) and every module command as 'mgr'.
    this.native = NATIVE_COMMANDS.map((c) => ({ desc: parseDescriptor(c.cmd, c.desc, c.perm, c.cmd.split(' ')[0]), native: c }));
    const { source: _source, ...ctx } = opts;
    this.ctx = { ...ctx, describe: () => this.routes().map((r) => r.desc) };
  }

  /** The cluster source's commands, parsed again when it declares a new set; a bad descriptor is logged and left out. */
  private sourceRoutesNow(): Route[] {
    const decls = this.opts.source?.commands() ?? [];
    if (decls === this.sourceDecls) return this.sourceRoutes;
    this.sourceDecls = decls;
    const routes: Route[] = [];
    for (const c of decls) {
      try {
        routes.push({ desc: parseDescriptor(c.cmd, c.desc, c.perm, c.cmd.split(' ')[0]), source: true });
      } catch (err) {
        this.opts.log.error({ cmd: c.cmd }, `bad command descriptor from the cluster source: ${(err as Error).message}`);
      }
    }
    this.sourceRoutes = routes;
    return routes;
  }

  /** Native routes first, then the cluster source's, then module routes (Ceph's dispatch order: mon, then mgr). */
  private routes(): Route[] {
    const cmds = this.opts.registry.commands();
    const key = cmds.map((c) => `${c.module}:${c.cmd}`).join('\n');
    if (key !== this.moduleKey) {
      this.moduleKey = key;
      const routes: Route[] = [];
      for (const c of cmds) {
        try {
          routes.push({ desc: parseDescriptor(c.cmd, c.desc, c.perm, 'mgr'), module: c.module });
        } catch (err) {
          this.opts.log.error({ module: c.module, cmd: c.cmd }, `bad command descriptor: ${(err as Error).message}`);
        }
      }
      this.moduleRoutes = routes;
    }
    return [...this.native, ...this.sourceRoutesNow(), ...this.moduleRoutes];
  }

  async dispatch(caller: CommandCaller, req: { argv?: string[]; cmd?: Record<string, unknown>; inbuf?: string }): Promise<CommandResult> {
    try {
      const routes = this.routes();
      const descs = routes.map((r) => r.desc);
      let desc: CommandDescriptor;
      let cmdmap: CmdMap;
      if (Array.isArray(req.argv)) {
        if (req.argv.some((w) => typeof w !== 'string')) throw new ErrnoError(Errno.EINVAL, 'argv must be an array of strings');
        const m = matchArgv(descs, req.argv);
        desc = m.desc;
        cmdmap = m.cmdmap;
      } else if (req.cmd && typeof req.cmd === 'object' && !Array.isArray(req.cmd)) {
        const prefix = req.cmd.prefix;
        if (typeof prefix !== 'string' || prefix.trim() === '') throw new ErrnoError(Errno.EINVAL, "command needs a 'prefix' string");
        const found = findDescriptor(descs, prefix.trim().replace(/\s+/g, ' '));
        if (!found) throw new ErrnoError(Errno.EINVAL, `No handler found for '${prefix}'`);
        desc = found;
        cmdmap = validateCmdmap(desc, req.cmd);
      } else {
        throw new ErrnoError(Errno.EINVAL, 'a command needs argv (words) or cmd (a cmdmap with prefix)');
      }
      const route = routes.find((r) => r.desc === desc)!;
      const needsWrite = desc.perm.includes('w');
      const mayWrite = caller.write || (caller.writePrefixes?.includes(cmdmap.prefix) ?? false);
      if (needsWrite ? !mayWrite : !caller.read) {
        return { r: -Errno.EACCES, outb: '', outs: `access denied: '${cmdmap.prefix}' needs '${needsWrite ? 'w' : 'r'}' capability, which ${caller.entity} lacks` };
      }
      const inbuf = typeof req.inbuf === 'string' ? req.inbuf : '';
      if (route.native) return await route.native.run(this.ctx, cmdmap, inbuf, caller);
      if (route.source) return await this.opts.source!.forward(cmdmap, inbuf);
      return await this.opts.registry.runCommand(route.module!, inbuf, cmdmap);
    } catch (err) {
      if (err instanceof ErrnoError) return { r: -err.errno, outb: '', outs: err.message };
      this.opts.log.error({ err: err instanceof Error ? err.stack : String(err) }, 'command failed');
      return { r: -Errno.EIO, outb: '', outs: `internal error: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
}
