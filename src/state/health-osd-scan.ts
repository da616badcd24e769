// The health checks read from each OSD's own report (usage past the full
// ratios, slow heartbeats, store alerts, repaired reads), fed one OSD at a
// time so a scan can stop between two OSDs: at 10,000 OSDs the ping rows alone
// are ~600,000, too many for one event-loop turn (issue 17 item 2).

import { performance } from 'node:perf_hooks';
import type { OsdMap } from '../mgr-module/map-types.js';
import type { HealthConfig } from './health.js';
import { OsdUsageJudge, type OsdMapHealth } from './health-osd.js';
import { OsAlertJudge, RepairedReadsJudge, SlowPingJudge } from './health-osd-stat.js';
import { checkRecorder, type RecordedCheck, type ScannedHealth } from './health-types.js';
import type { OsdStatEntry } from './osd-stat-table.js';
import type { PGMap } from './pg-map.js';

/** OSDs visited between two looks at the clock (an OSD with ~30 peers is a few microseconds). */
export const OSD_CLOCK_EVERY = 16;

export class OsdHealthScan {
  private readonly usage: OsdUsageJudge;
  private readonly slowPing: SlowPingJudge;
  private readonly osAlerts: OsAlertJudge;
  private readonly repaired: RepairedReadsJudge;
  /** Next up-and-in OSD for usage, by index. */
  private nextUp = 0;
  /** The OSD reports, walked after usage (a live iterator: reports keep arriving between slices). */
  private reports: Iterator<OsdStatEntry> | undefined;
  /** OSDs visited (tests count work per slice with it). */
  visited = 0;

  /**
   * `pgReady`: whether PG stats are ready (pgmap_ready). Usage is judged
   * either way (the map's flags count without reports); the other checks only
   * then, as ceph-mgr.
   */
  constructor(private readonly pgMap: PGMap | undefined, private readonly h: OsdMapHealth, nowS: number, cfg: HealthConfig, private readonly pgReady: boolean) {
    this.usage = new OsdUsageJudge(h);
    this.slowPing = new SlowPingJudge(nowS, cfg);
    this.osAlerts = new OsAlertJudge(cfg.monHealthMaxDetail);
    this.repaired = new RepairedReadsJudge(cfg);
  }

  /** Visits OSDs until `endMs` (performance.now()); true when every one was. */
  runUntil(endMs: number): boolean {
    for (let n = 1; ; n++) {
      if (!this.step()) return true;
      if (n % OSD_CLOCK_EVERY === 0 && performance.now() >= endMs) return false;
    }
  }

  /** One OSD: false when there was none left. */
  private step(): boolean {
    if (this.nextUp < this.usage.size) {
      this.usage.visit(this.nextUp++, this.pgMap);
      this.visited++;
      return true;
    }
    if (!this.pgReady || this.pgMap === undefined) return false;
    this.reports ??= this.pgMap.osdTable.entries();
    const it = this.reports.next();
    if (it.done === true) return false;
    const e = it.value;
    this.slowPing.visit(e);
    this.osAlerts.visit(e);
    this.repaired.visit(e);
    this.visited++;
    return true;
  }

  /** The checks found. */
  finish(osdMap: OsdMap): Omit<ScannedHealth, 'pg'> {
    const record = (fill: (r: ReturnType<typeof checkRecorder>) => void): RecordedCheck[] => {
      const r = checkRecorder();
      fill(r);
      return r.checks;
    };
    return {
      usage: record((r) => this.usage.report(r.add)),
      slowPing: record((r) => this.slowPing.report(osdMap, this.h.topology, r.add)),
      osAlerts: record((r) => this.osAlerts.report(r.add)),
      repaired: record((r) => this.repaired.report(r.add)),
    };
  }
}
