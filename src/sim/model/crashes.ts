// Crashing daemons: a `crash` scenario action stops a daemon the way a crash
// does (systemd restarts it ten seconds later) and leaves a crash report, in
// the keys ceph-crash posts to the manager's crash module (`crash post -i
// meta`): crash_id, timestamp, entity_name, process_name, ceph_version,
// utsname_*, os_*, backtrace (and mgr_module for a manager module's crash).
// Pure: ids and backtraces come from the seed and the time.

import { hashUnit, hash32 } from './rng.js';
import type { Outbox } from './outbox.js';

/** Seconds before systemd restarts a crashed daemon (Restart=on-failure, RestartSec=10s). */
export const RESTART_AFTER_S = 10;
/** The entity ceph-crash posts as (client.crash.<host> on a real cluster). */
export const CRASH_ENTITY = 'client.crash';

const PROCESS: Record<string, string> = { osd: 'ceph-osd', mon: 'ceph-mon', mds: 'ceph-mds', rgw: 'radosgw', mgr: 'ceph-mgr' };

/** A few frames of a real Pacific abort, so `stack_sig` has something to hash. */
const FRAMES = [
  '(()+0x13140) [0x7f5c3a0b1140]',
  'gsignal()',
  'abort()',
  '(ceph::__ceph_abort(char const*, int, char const*, std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > const&)+0x197) [0x55d1f0c6b9a1]',
];

/** utime_t as crash reports stamp it: "2026-12-06T23:59:59.123456Z". */
function crashStamp(unixS: number): string {
  const ms = Math.floor(unixS * 1000);
  const micros = String(Math.floor((unixS - Math.floor(unixS)) * 1e6)).padStart(6, '0');
  return `${new Date(ms).toISOString().slice(0, 19)}.${micros}Z`;
}

function uuidFrom(seed: number, n: number): string {
  const hex = [0, 1, 2, 3].map((i) => hash32(seed, n, i).toString(16).padStart(8, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export interface CrashSite {
  /** "osd.3", "mon.b", "mds.node-0002", "mgr.x". */
  entity: string;
  hostname: string;
  /** Set for a manager module's crash (RECENT_MGR_MODULE_CRASH). */
  mgrModule?: string;
}

/** The report ceph-crash would post for a crash of `site` at `nowS`. */
export function crashReport(site: CrashSite, nowS: number, seed: number, n: number): Record<string, unknown> {
  const stamp = crashStamp(nowS);
  const type = site.entity.split('.')[0]!;
  const depth = 2 + Math.floor(3 * hashUnit(seed, n, 0xc7a5));
  const report: Record<string, unknown> = {
    crash_id: `${stamp}_${uuidFrom(seed, n)}`,
    timestamp: stamp,
    process_name: PROCESS[type] ?? 'ceph',
    entity_name: site.entity,
    ceph_version: '16.2.15',
    utsname_hostname: site.hostname,
    utsname_sysname: 'Linux',
    utsname_release: '5.10.0-28-amd64',
    utsname_version: '#1 SMP Debian 5.10.209-2 (2024-01-31)',
    utsname_machine: 'x86_64',
    os_name: 'Debian GNU/Linux',
    os_id: 'debian',
    os_version_id: '11',
    os_version: '11 (bullseye)',
    backtrace: FRAMES.slice(0, depth),
  };
  if (site.mgrModule !== undefined) {
    report.mgr_module = site.mgrModule;
    report.mgr_python_exception = 'RuntimeError';
  }
  return report;
}

/** Crashes: their reports go to the outbox (`crash post`); crashed daemons wait for their restart. */
export class CrashLog {
  private readonly restarts = new Map<string, number>();
  private count = 0;

  constructor(
    private readonly seed: number,
    private readonly outbox: Outbox,
  ) {}

  /** Records a crash now; `restartAtS` when the daemon comes back by itself. */
  record(site: CrashSite, nowS: number, restartAtS?: number): Record<string, unknown> {
    const r = crashReport(site, nowS, this.seed, this.count++);
    this.outbox.push({ entity: CRASH_ENTITY, cmd: { prefix: 'crash post' }, inbuf: JSON.stringify(r) });
    if (restartAtS !== undefined) this.restarts.set(site.entity, restartAtS);
    return r;
  }

  /** Daemons due to restart at `nowS` (removed from the list). */
  dueRestarts(nowS: number): string[] {
    const due: string[] = [];
    for (const [entity, at] of this.restarts) if (nowS >= at) due.push(entity);
    for (const e of due) this.restarts.delete(e);
    return due;
  }
}
