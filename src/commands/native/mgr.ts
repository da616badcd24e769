// `mgr ...` native commands: modules, services, the map, metadata, failover.

import { Errno, cmdErr, cmdOk } from '../../common/errno.js';
import type { NativeCommand } from '../native-command.js';
import { render } from '../native-command.js';
import { alwaysOnModules } from '../../common/always-on.js';
import type { MgrMap } from '../../mgr-module/mgr-map-types.js';
import type { ModuleRegistry } from '../../registry/module-registry.js';
import { BUCKET_US } from '../../server/ingest-stats.js';

export const MGR_COMMANDS: NativeCommand[] = [
  {
    cmd: 'mgr module ls',
    desc: 'list active mgr modules',
    perm: 'r',
    // As Pacific's MgrMonitor: JSON in every format (pretty for plain), keys in Ceph's order;
    // mgrd adds failed_modules (enabled modules that failed, with the error) when there are any.
    run: (ctx, cmd) => render(cmd, moduleList(ctx.store.current(), ctx.registry)),
  },
  {
    cmd: 'mgr module enable name=module,type=CephString name=force,type=CephChoices,strings=--force,req=false',
    desc: 'enable mgr module',
    perm: 'w',
    run: async (ctx, cmd) => {
      const name = cmd.module as string;
      if (alwaysOnModules(ctx.store.current()).includes(name)) return cmdOk('', `module '${name}' is already enabled (always-on)`);
      const entry = ctx.registry.get(name);
      if (!entry) return cmdErr(Errno.ENOENT, `all mgr daemons do not support module '${name}', pass --force to force enablement`);
      if (!entry.canRun && cmd.force !== '--force') return cmdErr(Errno.ENOENT, `module '${name}' reports that it cannot run on the active manager daemon: ${entry.canRunReason} (pass --force to force enablement)`);
      if (ctx.store.current().modules.includes(name)) return cmdOk('', `module '${name}' is already enabled`);
      await ctx.store.update((m) => {
        m.modules = [...m.modules, name].sort();
      });
      return cmdOk();
    },
  },
  {
    cmd: 'mgr module disable name=module,type=CephString',
    desc: 'disable mgr module',
    perm: 'w',
    run: async (ctx, cmd) => {
      const name = cmd.module as string;
      if (alwaysOnModules(ctx.store.current()).includes(name)) return cmdErr(Errno.EINVAL, `module '${name}' cannot be disabled (always-on)`);
      if (!ctx.store.current().modules.includes(name)) return cmdOk('', `module '${name}' is already disabled`);
      await ctx.store.update((m) => {
        m.modules = m.modules.filter((x) => x !== name);
        delete m.services[name];
      });
      return cmdOk();
    },
  },
  {
    cmd: 'mgr services',
    desc: 'list service endpoints provided by mgr modules',
    perm: 'r',
    run: (ctx, cmd) => render(cmd, ctx.store.current().services),
  },
  {
    cmd: 'mgr dump name=epoch,type=CephInt,range=0,req=false',
    desc: 'dump the latest MgrMap',
    perm: 'r',
    run: (ctx, cmd) => {
      const map = ctx.store.current();
      if (cmd.epoch !== undefined && cmd.epoch !== map.epoch) return cmdErr(Errno.ENOENT, `mgrmap epoch ${cmd.epoch as number} is not available (current is ${map.epoch})`);
      return render(cmd, map);
    },
  },
  {
    cmd: 'mgr stat',
    desc: 'dump basic info about the mgr cluster state',
    perm: 'r',
    run: (ctx, cmd) => {
      const m = ctx.store.current();
      return render(cmd, { epoch: m.epoch, available: m.available, active_name: m.active_name, num_standby: m.standbys.length });
    },
  },
  {
    cmd: 'mgr metadata name=who,type=CephString,req=false',
    desc: 'dump metadata for all daemons or a specific daemon',
    perm: 'r',
    run: (ctx, cmd) => {
      const m = ctx.store.current();
      // The active's own, then each standby's as it registered (Ceph keeps them in the mon's store).
      const all = [
        { name: m.active_name, ...ctx.mgrMetadata() },
        ...m.standbys.map((s) => ({ name: s.name, ...(ctx.store.metadata(s.name) ?? {}) })),
      ];
      if (cmd.who !== undefined) {
        const one = all.find((x) => x.name === cmd.who);
        if (!one) return cmdErr(Errno.ENOENT, `mgr.${cmd.who as string} not found`);
        return render(cmd, one);
      }
      return render(cmd, all);
    },
  },
  {
    cmd: 'mgr ingest stat name=gc,type=CephBool,req=false',
    desc: 'show what the daemon listener has ingested: sessions, reports, counter values, bytes, processing time, memory (gc=true: after a full GC, when node runs with --expose-gc)',
    perm: 'r',
    run: (ctx, cmd) => {
      const gc = (globalThis as { gc?: () => void }).gc;
      if (cmd.gc === true && gc) gc();
      const s = ctx.stats();
      const mem = process.memoryUsage();
      const data = {
        ...s,
        reportTimeBuckets: { bounds_us: BUCKET_US, counts: [...ctx.reportTimeBuckets()] },
        memory: { rss: mem.rss, heap_used: mem.heapUsed, heap_total: mem.heapTotal, external: mem.external, array_buffers: mem.arrayBuffers },
        cpu_user_us: process.cpuUsage().user,
        cpu_system_us: process.cpuUsage().system,
      };
      return render({ ...cmd, format: cmd.format ?? 'json-pretty' }, data);
    },
  },
  {
    cmd: 'mgr fail name=who,type=CephString,req=false',
    desc: 'treat the named manager daemon as failed',
    perm: 'rw',
    run: (ctx, cmd) => {
      const m = ctx.store.current();
      const who = (cmd.who as string | undefined) ?? m.active_name;
      if (who !== m.active_name && !m.standbys.some((s) => s.name === who)) return cmdErr(Errno.EINVAL, `mgr.${who} does not exist`);
      // Reply first: failing the active tears down the session this reply travels on.
      setImmediate(() => {
        ctx.store.fail(who).catch((err: unknown) => ctx.log.error({ err: String(err) }, 'mgr fail'));
      });
      return cmdOk('', `failed mgr.${who}`);
    },
  },
];

/** `mgr module ls`: always-on, enabled (without the always-on) and disabled modules (with can_run, error_string, options). */
export function moduleList(map: MgrMap, registry: Pick<ModuleRegistry, 'availableModules' | 'list'>): Record<string, unknown> {
  const alwaysOn = alwaysOnModules(map);
  const enabled = map.modules.filter((m) => !alwaysOn.includes(m)).sort();
  const off = (name: string) => !map.modules.includes(name) && !alwaysOn.includes(name);
  const failed = registry.list()
    .filter((e) => e.failed && !off(e.name))
    .map((e) => ({ name: e.name, error_string: e.lastError }));
  return {
    always_on_modules: alwaysOn,
    enabled_modules: enabled,
    disabled_modules: registry.availableModules().filter((m) => off(m.name)),
    ...(failed.length > 0 ? { failed_modules: failed } : {}),
  };
}

/** Left-aligned columns separated by two spaces (Ceph's plain tables). */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 2))).join('').trimEnd()).join('\n') + '\n';
}
