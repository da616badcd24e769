// What an authenticated peer may make the manager keep (issue 8 item 8,
// docs/limits.md): daemons per type, counters per daemon and in all, one
// session replacing another, finite values, PG stats only for OSDs of the
// osd map and stamps not from the future; and forgetting daemons that went
// away. One leaked `osd.*` key must not be enough to exhaust the manager.

import type { Logger } from '../common/log.js';
import { num, type PgStatsMsg } from '../protocol/messages.js';
import type { ClusterState } from '../state/cluster-state.js';
import type { DaemonState, DaemonStateIndex, SchemaPlan } from '../state/daemon-state.js';
import type { LimitHits } from './limit-hits.js';
import { RateLimitedLog } from './rate-log.js';
import { ProtocolError, type Session } from './session.js';
import type { WireLimits } from './wire-limits.js';

export interface IngestGuardOptions {
  limits: WireLimits;
  hits: LimitHits;
  daemons: DaemonStateIndex;
  cluster: ClusterState;
  log: Logger;
  now?: () => number;
}

/** Index of the first value of buf[off..off+8n) (little-endian f64) that is NaN or ±Infinity, or -1. */
export function firstNonFinite(buf: Uint8Array, off: number, n: number): number {
  // All exponent bits set (0x7ff) is what makes a double NaN or infinite.
  for (let i = 0, p = off + 6; i < n; i++, p += 8) {
    if ((buf[p]! & 0xf0) === 0xf0 && (buf[p + 1]! & 0x7f) === 0x7f) return i;
  }
  return -1;
}

export class IngestGuard {
  /** When each daemon's session was last replaced by another (ms). */
  private readonly lastReplaceMs = new Map<string, number>();
  private readonly replaceLog = new RateLimitedLog(10_000);
  private readonly now: () => number;

  constructor(private readonly o: IngestGuardOptions) {
    this.now = o.now ?? Date.now;
  }

  /** OPEN for a daemon the manager does not know yet: within mgr_max_daemons_per_type. */
  checkNewDaemon(s: Session, type: string, name: string): void {
    const max = this.o.limits.maxDaemonsPerType;
    const n = this.o.daemons.countOfType(type);
    if (n < max) return;
    this.o.hits.hit('mgr_max_daemons_per_type', `${s.entity} from ${s.peer} may not open ${name}: the manager has ${n} daemons of type ${type}`);
    throw new ProtocolError('ELIMIT', `the manager has ${n} daemons of type ${type}, at most ${max} (mgr_max_daemons_per_type)`);
  }

  /**
   * OPEN for a daemon that has a session already: the new session replaces
   * the old one at most once per ms_session_replace_min_interval_s (a
   * restarted daemon whose old connection is not closed yet), and each
   * replacement is logged (at most one line per daemon every 10 s).
   */
  checkReplace(s: Session, name: string, previous: Session): void {
    const t = this.now();
    const minMs = this.o.limits.replaceMinIntervalS * 1000;
    const last = this.lastReplaceMs.get(name);
    if (last !== undefined && t - last < minMs) {
      this.o.hits.hit('ms_session_replace_min_interval_s', `${s.entity} from ${s.remote} tried to replace the session of ${name} (from ${previous.remote}) again after ${t - last} ms`);
      throw new ProtocolError('ELIMIT', `${name} has a session (from ${previous.remote}) that was replaced ${t - last} ms ago; at most one replacement every ${this.o.limits.replaceMinIntervalS} s (ms_session_replace_min_interval_s)`);
    }
    this.lastReplaceMs.set(name, t);
    this.replaceLog.maybe(name, (suppressed) => {
      this.o.log.warn({ daemon: name, from: previous.remote, to: s.remote, entity: s.entity, suppressed: suppressed || undefined },
        `session of ${name} from ${previous.remote} replaced by one from ${s.remote}${suppressed > 0 ? ` (${suppressed} more replacements since the last line)` : ''}`);
    });
  }

  /** A planned schema change: within mgr_max_counters_per_daemon, and what it adds within mgr_max_counter_values. */
  checkSchema(d: DaemonState, plan: SchemaPlan): void {
    const limits = this.o.limits;
    if (plan.counters.length > limits.maxCountersPerDaemon) {
      this.o.hits.hit('mgr_max_counters_per_daemon', `${d.key} declared ${plan.counters.length} counters`);
      throw new ProtocolError('ELIMIT', `${d.key} declares ${plan.counters.length} counters, at most ${limits.maxCountersPerDaemon} (mgr_max_counters_per_daemon)`);
    }
    const added = plan.width - d.width;
    const total = this.o.daemons.totalValues;
    if (added > 0 && total + added > limits.maxCounterValues) {
      this.o.hits.hit('mgr_max_counter_values', `${d.key} declared ${added} more values while the manager keeps ${total}`);
      throw new ProtocolError('ELIMIT', `${d.key} adds ${added} counter values to the ${total} the manager keeps, at most ${limits.maxCounterValues} (mgr_max_counter_values)`);
    }
  }

  /** REPORT values must be finite: Ceph's are unsigned 64-bit integers, which hold no NaN or infinity. */
  checkValues(d: DaemonState, buf: Uint8Array, off: number, n: number): void {
    const i = firstNonFinite(buf, off, n);
    if (i < 0) return;
    const v = new DataView(buf.buffer, buf.byteOffset + off + i * 8, 8).getFloat64(0, true);
    throw new ProtocolError('ESCHEMA', `REPORT value ${i} of ${d.key} is ${String(v)}: counter values must be finite (Ceph's are unsigned 64-bit integers)`);
  }

  /**
   * PG_STATS: the stamp to apply it with, or undefined to drop it (an OSD the
   * osd map does not have). A stamp further than mgr_max_stamp_skew_s ahead
   * of the manager's clock is replaced by the manager's clock: a reporter's
   * clock must not move the PGMap's time forward for good.
   */
  pgStatsStamp(s: Session, msg: PgStatsMsg, nowS: number): number | undefined {
    const osd = Number(msg.osd);
    if (!this.o.cluster.hasOsd(osd)) {
      this.o.hits.hit('pg_stats_osd_not_in_osd_map', `PG_STATS of osd.${osd} from ${s.entity} dropped: the osd map (epoch ${this.o.cluster.osdMap?.epoch ?? 0}) has no such OSD`, false);
      return undefined;
    }
    const stamp = num(msg.stamp) > 0 ? msg.stamp : nowS;
    const skewS = this.o.limits.maxStampSkewS;
    if (stamp <= nowS + skewS) return stamp;
    this.o.hits.hit('mgr_max_stamp_skew_s', `PG_STATS of osd.${osd} from ${s.entity} stamped ${(stamp - nowS).toFixed(1)} s ahead of the manager's clock: applied as of now`);
    return nowS;
  }

  /**
   * Forgets daemons whose session closed more than mgr_daemon_stale_s ago,
   * with their metadata and counters (their series leave /metrics), unless
   * the cluster maps still list them: a down OSD stays, as in Ceph. Returns
   * the names forgotten.
   */
  prune(): string[] {
    const t = this.now();
    const staleMs = this.o.limits.daemonStaleS * 1000;
    const gone: string[] = [];
    for (const d of this.o.daemons.values()) {
      if (d.connected || d.closedAtMs === 0 || t - d.closedAtMs <= staleMs) continue;
      if (this.o.cluster.listsDaemon(d.type, d.id) === true) continue;
      gone.push(d.key);
    }
    for (const key of gone) this.o.daemons.remove(key);
    const replaceMs = this.o.limits.replaceMinIntervalS * 1000;
    for (const [name, at] of this.lastReplaceMs) if (t - at >= replaceMs) this.lastReplaceMs.delete(name);
    if (gone.length > 0) {
      this.o.log.info({ daemons: gone.length }, `forgot ${gone.length} daemon${gone.length === 1 ? '' : 's'} gone for more than ${this.o.limits.daemonStaleS} s: ${gone.slice(0, 10).join(', ')}${gone.length > 10 ? ', ...' : ''}`);
    }
    return gone;
  }
}
