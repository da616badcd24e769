// crash: Ceph's crash module. Daemons' crash reports are posted to it
// (`crash post -i <meta>`, as ceph-crash does on each host; the simulator's
// `crash` action does the same), kept in the module store (`crash/<id>`,
// survives failover), listed and archived with `crash ls|ls-new|info|
// archive|archive-all|rm|prune|stat|json_report`, and every report of the last
// warn_recent_interval not yet archived raises RECENT_CRASH (daemons) or
// RECENT_MGR_MODULE_CRASH (reports naming an mgr_module), as Ceph's module.

import { Errno, MgrModule, type CmdMap, type CommandReturn, type ModuleCommand, type ModuleOption, type HealthCheckMap } from '../../src/mgr-module/index.js';
import { CrashFormatError, crashStat, crashTable, crashTime, parseReport, pyJsonFlat, pyJsonPretty, pyUtcNow, type CrashReport } from './crash-format.js';

/** Reports kept at most: the store is rewritten whole on each change, so a flood of posts must not grow it without bound (500 x 64 KiB). */
const MAX_REPORTS = 500;
/** Detail lines of a health check before "and N more". */
const MAX_DETAIL = 30;
const MIN_WAIT_S = 60;
const MAX_WAIT_S = 600;

/** A report field as Python's str() would print a string one; `dflt` when absent. */
function text(v: unknown, dflt: string): string {
  return v === undefined ? dflt : typeof v === 'string' ? v : JSON.stringify(v);
}

export class Module extends MgrModule {
  static override COMMANDS: readonly ModuleCommand[] = [
    { cmd: 'crash info name=id,type=CephString', desc: 'show crash dump metadata', perm: 'r' },
    { cmd: 'crash ls', desc: 'Show new and archived crash dumps', perm: 'r' },
    { cmd: 'crash ls-new', desc: 'Show new crash dumps', perm: 'r' },
    { cmd: 'crash post', desc: 'Add a crash dump (use -i <jsonfile>)', perm: 'rw' },
    { cmd: 'crash prune name=keep,type=CephInt', desc: 'Remove crashes older than <keep> days', perm: 'rw' },
    { cmd: 'crash rm name=id,type=CephString', desc: 'Remove a saved crash <id>', perm: 'rw' },
    { cmd: 'crash stat', desc: 'Summarize recorded crashes', perm: 'r' },
    { cmd: 'crash json_report name=hours,type=CephInt', desc: 'Crashes in the last <hours> hours', perm: 'r' },
    { cmd: 'crash archive name=id,type=CephString', desc: 'Acknowledge a crash and silence health warning(s)', perm: 'w' },
    { cmd: 'crash archive-all', desc: 'Acknowledge all new crashes and silence health warning(s)', perm: 'w' },
  ];

  static override MODULE_OPTIONS: readonly ModuleOption[] = [
    { name: 'warn_recent_interval', type: 'secs', default: 60 * 60 * 24 * 14, min: 0, desc: 'time interval in which to warn about recent crashes' },
    { name: 'retain_interval', type: 'secs', default: 60 * 60 * 24 * 365, min: 0, desc: 'how long to retain crashes before pruning them' },
  ];

  private crashes: Map<string, CrashReport> | undefined;

  /** Reports from the store, loaded once (the store is this module's own). */
  private all(): Map<string, CrashReport> {
    if (this.crashes) return this.crashes;
    const m = new Map<string, CrashReport>();
    for (const [k, v] of Object.entries(this.getStorePrefix('crash/'))) {
      try {
        m.set(k.slice('crash/'.length), parseReport(v));
      } catch (err) {
        this.log.warn({ key: k, err: (err as Error).message }, 'ignoring an unreadable stored crash report');
      }
    }
    return (this.crashes = m);
  }

  private warnRecentS(): number {
    return Number(this.getModuleOption<number>('warn_recent_interval', 60 * 60 * 24 * 14));
  }

  /** Refreshes health and prunes on a period, as Ceph's serve loop does (woken early by configNotify). */
  override async serve(): Promise<void> {
    while (!this.signal.aborted) {
      this.prune(Number(this.getModuleOption<number>('retain_interval', 60 * 60 * 24 * 365)));
      this.refreshHealth();
      await this.waitS(Math.min(MAX_WAIT_S, Math.max(this.warnRecentS() / 100, MIN_WAIT_S)));
    }
  }

  override configNotify(): void {
    this.wakeUp();
  }

  private refreshHealth(): void {
    const cutoffS = Date.now() / 1000 - this.warnRecentS();
    const daemon: string[] = [];
    const module: string[] = [];
    for (const c of this.all().values()) {
      if ('archived' in c || !(crashTime(c.timestamp) > cutoffS)) continue;
      const who = text(c.entity_name, 'unidentified daemon');
      const host = text(c.utsname_hostname, '(unknown)');
      if ('mgr_module' in c) module.push(`mgr module ${String(c.mgr_module)} crashed in daemon ${who} on host ${host} at ${c.timestamp}`);
      else daemon.push(`${who} crashed on host ${host} at ${c.timestamp}`);
    }
    const checks: HealthCheckMap = {};
    const add = (code: string, summary: string, detail: string[]): void => {
      if (detail.length === 0) return;
      const n = detail.length;
      const shown = n > MAX_DETAIL ? [...detail.slice(0, MAX_DETAIL), `and ${n - MAX_DETAIL} more`] : detail;
      checks[code] = { severity: 'HEALTH_WARN', summary: { message: summary.replace('%d', String(n)), count: n }, detail: shown.map((message) => ({ message })) };
    };
    add('RECENT_CRASH', '%d daemons have recently crashed', daemon);
    add('RECENT_MGR_MODULE_CRASH', '%d mgr modules have recently crashed', module);
    this.setHealthChecks(checks);
  }

  private async save(id: string, c: CrashReport | undefined): Promise<void> {
    await this.setStore(`crash/${id}`, c === undefined ? undefined : JSON.stringify(c));
  }

  private prune(olderThanS: number): boolean {
    const cutoffS = Date.now() / 1000 - olderThanS;
    const gone = [...this.all()].filter(([, c]) => crashTime(c.timestamp) <= cutoffS).map(([id]) => id);
    for (const id of gone) {
      this.all().delete(id);
      void this.save(id, undefined).catch((err: unknown) => this.log.warn({ id, err: String(err) }, 'could not remove a pruned crash report'));
    }
    return gone.length > 0;
  }

  private list(onlyNew: boolean, format: string | undefined): CommandReturn {
    const rows = [...this.all().values()].filter((c) => !onlyNew || !('archived' in c)).sort((a, b) => (a.crash_id < b.crash_id ? -1 : a.crash_id > b.crash_id ? 1 : 0));
    if (format === 'json' || format === 'json-pretty') return [0, pyJsonPretty(rows), ''];
    return [0, crashTable(rows.map((c) => [c.crash_id, text(c.entity_name, 'unknown'), 'archived' in c ? '' : '*'] as const)), ''];
  }

  private async archive(ids: readonly string[]): Promise<void> {
    const stamp = pyUtcNow(Date.now());
    for (const id of ids) {
      const c = this.all().get(id)!;
      if (c.archived) continue;
      c.archived = stamp;
      await this.save(id, c);
    }
    this.refreshHealth();
  }

  override async handleCommand(inbuf: string, cmd: CmdMap): Promise<CommandReturn> {
    const id = typeof cmd.id === 'string' ? cmd.id : '';
    switch (cmd.prefix) {
      case 'crash info': {
        const c = this.all().get(id);
        return c ? [0, pyJsonPretty(c), ''] : [-Errno.EINVAL, '', `crash info: ${id} not found`];
      }
      case 'crash ls':
      case 'crash ls-new':
        return this.list(cmd.prefix === 'crash ls-new', typeof cmd.format === 'string' ? cmd.format : undefined);
      case 'crash post': {
        let c: CrashReport;
        try {
          c = parseReport(inbuf);
        } catch (err) {
          if (err instanceof CrashFormatError) return [-Errno.EINVAL, '', `malformed crash metadata: ${err.message}`];
          throw err;
        }
        if (this.all().has(c.crash_id)) return [0, '', ''];
        if (this.all().size >= MAX_REPORTS) return [-Errno.ENOSPC, '', `${MAX_REPORTS} crash reports kept already: remove some (crash rm, crash prune)`];
        this.all().set(c.crash_id, c);
        await this.save(c.crash_id, c);
        this.refreshHealth();
        return [0, '', ''];
      }
      case 'crash rm':
        if (this.all().delete(id)) {
          await this.save(id, undefined);
          this.refreshHealth();
        }
        return [0, '', ''];
      case 'crash prune':
        if (this.prune(Number(cmd.keep) * 86400)) this.refreshHealth();
        return [0, '', ''];
      case 'crash archive':
        if (!this.all().has(id)) return [-Errno.EINVAL, '', `crash info: ${id} not found`];
        await this.archive([id]);
        return [0, '', ''];
      case 'crash archive-all':
        await this.archive([...this.all().keys()]);
        return [0, '', ''];
      case 'crash stat':
        return [0, crashStat([...this.all().values()], Date.now() / 1000), ''];
      case 'crash json_report': {
        // Ceph counts every report by process name (whatever `hours` says), on stderr.
        const report: Record<string, number> = {};
        for (const c of this.all().values()) {
          const p = typeof c.process_name === 'string' && c.process_name !== '' ? c.process_name : 'unknown';
          report[p] = (report[p] ?? 0) + 1;
        }
        return [0, '', pyJsonFlat(report)];
      }
      default:
        return [-Errno.EINVAL, '', `crash: no command '${cmd.prefix}'`];
    }
  }
}
