// Faults the simulated cluster can be given beyond OSD and mon failures, and
// the health checks Ceph's mon raises for them, with Ceph 16's codes, wording
// and severities: the mons' own checks (HealthMonitor: MON_DISK_LOW/CRIT/BIG
// per mon, MON_CLOCK_SKEW from the leader's time checks), the CephFS ones
// (MDSMonitor / FSMap::get_health_checks: MDS_DAMAGE, FS_DEGRADED,
// MDS_UP_LESS_THAN_MAX, MDS_ALL_DOWN, FS_WITH_FAILED_MDS,
// MDS_INSUFFICIENT_STANDBY, and the MDS's own MDS_READ_ONLY). What an OSD
// reports itself (store alerts, repaired reads) is kept here too and goes out
// in its osd_stat; the manager raises those checks. Pure: no clock.

import type { HealthCheckMap } from '../../mgr-module/health.js';
import { healthCheck } from '../../mgr-module/health.js';
import { byteU, cppFloat } from '../../state/ceph-format.js';
import { hashUnit } from './rng.js';
import type { SimMon } from './topology.js';

/** mon_data_avail_warn / _crit (percent) and mon_data_size_warn (bytes), Ceph 16's defaults. */
export const MON_DATA_AVAIL_WARN = 30;
export const MON_DATA_AVAIL_CRIT = 5;
export const MON_DATA_SIZE_WARN = 15 * 1024 ** 3;
/** mon_clock_drift_allowed, seconds. */
export const MON_CLOCK_DRIFT_ALLOWED = 0.05;

export type MdsState = 'active' | 'failed' | 'damaged';

/**
 * The store alerts the `store-alert` action raises without a message, in
 * BlueStore's wording (`n`: the spurious read errors; the OSD's device size).
 */
export const STORE_ALERTS: Readonly<Record<string, (n: number, deviceBytes: number) => string>> = {
  BLUESTORE_SPURIOUS_READ_ERRORS: (n) => `Detected ${n} spurious read errors`,
  BLUESTORE_DISK_SIZE_MISMATCH: (_n, size) =>
    `slow device size mismatch detected,  fm size(${size + 65536}) > slow device size(${size}), Please stop using this OSD as it might cause data loss.`,
};

interface MonDisk {
  availPct: number;
  storeBytes: number;
}

/** Substitutes HealthMonitor's %names% / %plurals% / %isorare% for the mons raising a member check. */
function monSummary(template: string, names: string[]): string {
  const many = names.length > 1;
  return template
    .replace('%names%', [...names].sort().join(','))
    .replace('%plurals%', many ? 's' : '')
    .replace('%isorare%', many ? 'are' : 'is');
}

export class SimFaults {
  private readonly monDisk: MonDisk[];
  /** Seconds each mon's clock is ahead of true time (the leader's skew is measured against it). */
  private readonly clockS: number[];
  mdsState: MdsState = 'active';
  mdsReadOnly = false;
  maxMds = 1;
  standbyCountWanted = 0;
  /** Bumped with each MDS map change (the fs map epoch follows). */
  fsEpochs = 0;
  /** OSD id -> its store alerts (name -> message). */
  readonly osdAlerts = new Map<number, Record<string, string>>();
  /** OSD id -> reads it repaired (osd_stat num_shards_repaired). */
  readonly repaired = new Map<number, number>();

  constructor(
    private readonly mons: readonly SimMon[],
    private readonly seed: number,
  ) {
    // A mon store of a few hundred MiB on a data disk 55-80 % free.
    this.monDisk = mons.map((m) => ({ availPct: 55 + Math.floor(25 * hashUnit(seed, m.rank, 0xd15c)), storeBytes: Math.round((120 + 200 * hashUnit(seed, m.rank, 0x5702)) * 1024 ** 2) }));
    this.clockS = mons.map(() => 0);
  }

  private mon(name: string, what: string): SimMon {
    const m = this.mons.find((x) => x.name === name.replace(/^mon\./, ''));
    if (m === undefined) throw new Error(`${what}: no mon named ${JSON.stringify(name)}`);
    return m;
  }

  /** The mon's data disk now has `availPct` % free, and its store `storeGiB` GiB when given. */
  setMonDisk(name: string, availPct: number, storeGiB?: number): void {
    const d = this.monDisk[this.mon(name, 'setMonDisk').rank]!;
    if (!(availPct >= 0 && availPct <= 100)) throw new Error(`setMonDisk: availPercent must be in [0, 100], got ${String(availPct)}`);
    d.availPct = Math.floor(availPct);
    if (storeGiB !== undefined) d.storeBytes = Math.round(storeGiB * 1024 ** 3);
  }

  /** The mon's clock runs `skewS` seconds ahead (negative: behind). */
  setClockSkew(name: string, skewS: number): void {
    if (!Number.isFinite(skewS)) throw new Error(`setClockSkew: skewS must be a number of seconds, got ${String(skewS)}`);
    this.clockS[this.mon(name, 'setClockSkew').rank] = skewS;
  }

  /**
   * The mon-side checks of the mons in quorum: each member's disk checks
   * (merged over the mons as HealthMonitor does), and the leader's clock
   * skew check of the others.
   */
  monChecks(up: readonly boolean[]): HealthCheckMap {
    const out: HealthCheckMap = {};
    const quorum = this.mons.filter((m) => up[m.rank]);
    const member = new Map<string, { severity: 'HEALTH_WARN' | 'HEALTH_ERR'; template: string; names: string[]; detail: string[] }>();
    const raise = (code: string, severity: 'HEALTH_WARN' | 'HEALTH_ERR', template: string, m: SimMon, detail: string): void => {
      let c = member.get(code);
      if (!c) member.set(code, (c = { severity, template, names: [], detail: [] }));
      c.names.push(m.name);
      c.detail.push(detail);
    };
    for (const m of quorum) {
      const d = this.monDisk[m.rank]!;
      if (d.availPct <= MON_DATA_AVAIL_CRIT) raise('MON_DISK_CRIT', 'HEALTH_ERR', 'mon%plurals% %names% %isorare% very low on available space', m, `mon.${m.name} has ${d.availPct}% avail`);
      else if (d.availPct <= MON_DATA_AVAIL_WARN) raise('MON_DISK_LOW', 'HEALTH_WARN', 'mon%plurals% %names% %isorare% low on available space', m, `mon.${m.name} has ${d.availPct}% avail`);
      if (d.storeBytes >= MON_DATA_SIZE_WARN) {
        raise('MON_DISK_BIG', 'HEALTH_WARN', 'mon%plurals% %names% %isorare% using a lot of disk space', m, `mon.${m.name} is ${byteU(d.storeBytes)} >= mon_data_size_warn (${byteU(MON_DATA_SIZE_WARN)})`);
      }
    }
    for (const [code, c] of member) out[code] = healthCheck(c.severity, monSummary(c.template, c.names), c.names.length, c.detail);
    const leader = quorum[0];
    if (leader !== undefined) {
      const skewed = quorum.slice(1).filter((m) => Math.abs(this.clockS[m.rank]! - this.clockS[leader.rank]!) > MON_CLOCK_DRIFT_ALLOWED);
      if (skewed.length > 0) {
        const detail = skewed.map((m) => {
          const skew = Math.abs(this.clockS[m.rank]! - this.clockS[leader.rank]!);
          // A LAN round trip between mons: 0.4-1.6 ms, fixed per mon.
          const latency = 0.0004 + 0.0012 * hashUnit(this.seed, m.rank, 0x1a7);
          return `mon.${m.name} clock skew ${cppFloat(skew)}s > max ${cppFloat(MON_CLOCK_DRIFT_ALLOWED)}s (latency ${cppFloat(latency)}s)`;
        });
        out.MON_CLOCK_SKEW = healthCheck('HEALTH_WARN', `clock skew detected on ${skewed.map((m) => `mon.${m.name}`).join(', ')}`, detail.length, detail);
      }
    }
    return out;
  }

  /** Whether the MDS daemon runs (a failed or damaged rank has none). */
  get mdsUp(): boolean {
    return this.mdsState === 'active';
  }

  /** The CephFS checks of filesystem `fsName` (one rank, no standby daemons), and the MDS's read-only one. */
  fsChecks(fsName: string, mdsName: string): HealthCheckMap {
    const out: HealthCheckMap = {};
    const damaged = this.mdsState === 'damaged';
    const failed = this.mdsState === 'failed';
    if (damaged) out.MDS_DAMAGE = healthCheck('HEALTH_ERR', '1 mds daemon damaged', 1, [`fs ${fsName} mds.0 is damaged`]);
    if (damaged || failed) out.FS_DEGRADED = healthCheck('HEALTH_WARN', '1 filesystem is degraded', 1, [`fs ${fsName} is degraded`]);
    // The one rank stays "in" while failed or damaged.
    if (1 < this.maxMds) out.MDS_UP_LESS_THAN_MAX = healthCheck('HEALTH_WARN', '1 filesystem is online with fewer MDS than max_mds', 1, [`fs ${fsName} has 1 MDS online, but wants ${this.maxMds}`]);
    if (damaged || failed) out.MDS_ALL_DOWN = healthCheck('HEALTH_ERR', '1 filesystem is offline', 1, [`fs ${fsName} is offline because no MDS is active for it.`]);
    // No standby can take the failed rank over.
    if (failed) out.FS_WITH_FAILED_MDS = healthCheck('HEALTH_WARN', '1 filesystem has a failed mds daemon', 1, [`fs ${fsName} has 1 failed mds`]);
    if (this.standbyCountWanted > 0) out.MDS_INSUFFICIENT_STANDBY = healthCheck('HEALTH_WARN', 'insufficient standby MDS daemons available', 1, [`have 0; want ${this.standbyCountWanted} more`]);
    if (this.mdsReadOnly && this.mdsUp) out.MDS_READ_ONLY = healthCheck('HEALTH_WARN', '1 MDSs are read only', 1, [`mds.${mdsName}(mds.0): MDS in read-only mode`]);
    return out;
  }

  /** Adds a store alert to an OSD (`message` undefined: the simulator's text for it); null removes it. */
  setStoreAlert(osd: number, alert: string, message: string | null): void {
    const cur = { ...(this.osdAlerts.get(osd) ?? {}) };
    if (message === null) delete cur[alert];
    else cur[alert] = message;
    if (Object.keys(cur).length === 0) this.osdAlerts.delete(osd);
    else this.osdAlerts.set(osd, cur);
  }

  /** The OSD repaired `n` more reads (a restarted OSD keeps its count: Ceph persists it in the superblock). */
  addRepairs(osd: number, n: number): void {
    this.repaired.set(osd, (this.repaired.get(osd) ?? 0) + n);
  }
}
