// The per-PG health scan of a large cluster as a background job: visits every
// PG in slices of a few milliseconds between other work, so 311,000 PGs never
// stall the event loop. One scan at a time; ClusterState starts one after each
// tick and serves the last complete result meanwhile, as Ceph's health is as
// of its last PGMap update.

import { performance } from 'node:perf_hooks';
import type { OsdMap } from '../mgr-module/map-types.js';
import type { PGMap, PgRecord } from './pg-map.js';
import { DEFAULT_HEALTH_CONFIG, type HealthConfig } from './health.js';
import { PgHealthScan } from './health-pg.js';
import type { RecordedCheck } from './health-types.js';

/** What one scan reads. */
export interface HealthScanTarget {
  pgMap: PGMap;
  osdMap: OsdMap;
  /** "Now" for stuck and scrub ages, Unix seconds. */
  nowS: number;
  config?: Partial<HealthConfig>;
}

export interface HealthScanStats {
  /** Scans completed. */
  runs: number;
  /** Scans cancelled by a newer one before they completed. */
  restarts: number;
  /** Scans dropped because a slice threw (the last complete result stays). */
  failures: number;
  /** Slices run, all scans. */
  slices: number;
  longestSliceMs: number;
  /** The last completed scan: time spent in its slices, and from start to end. */
  lastBusyMs: number;
  lastWallMs: number;
  running: boolean;
}

interface Running {
  scan: PgHealthScan;
  pgs: Iterator<PgRecord>;
  startedMs: number;
  busyMs: number;
  /** This scan replaced one that had not completed. */
  isRestart: boolean;
}

/** PGs visited between two looks at the clock (a visit costs well under a microsecond). */
const CLOCK_EVERY = 256;

export class HealthScanJob {
  readonly stats: HealthScanStats = { runs: 0, restarts: 0, failures: 0, slices: 0, longestSliceMs: 0, lastBusyMs: 0, lastWallMs: 0, running: false };
  private cur: Running | undefined;
  /** Asked for while a restarted scan finishes: starts when it completes. */
  private pending: HealthScanTarget | undefined;
  private timer: NodeJS.Immediate | undefined;
  private disposed = false;

  /**
   * `onDone` gets each completed scan's checks (called from a slice: it must
   * not start a scan synchronously of its own accord, and should be quick).
   */
  constructor(
    private readonly onDone: (checks: readonly RecordedCheck[]) => void,
    private readonly sliceMs = 5,
    /** A slice threw: the scan (and any pending one) is dropped; the next start() begins afresh. Must not throw. */
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  get running(): boolean {
    return this.cur !== undefined;
  }

  /**
   * Starts a scan. One already running is cancelled and started again on the
   * newer data, unless it is itself such a restart: that one completes first
   * and the new scan follows it, so ticks faster than a scan cannot starve
   * health of results.
   */
  start(target: HealthScanTarget): void {
    if (this.disposed) return;
    if (this.cur?.isRestart) {
      this.pending = target;
      return;
    }
    const isRestart = this.cur !== undefined;
    if (isRestart) this.stats.restarts++;
    this.begin(target, isRestart);
  }

  private begin(target: HealthScanTarget, isRestart: boolean): void {
    const cfg: HealthConfig = { ...DEFAULT_HEALTH_CONFIG, ...target.config };
    this.cur = {
      scan: new PgHealthScan(target.pgMap, target.osdMap, target.nowS, cfg),
      pgs: target.pgMap.pgs(),
      startedMs: performance.now(),
      busyMs: 0,
      isRestart,
    };
    this.stats.running = true;
    this.schedule();
  }

  /** Drops the running scan and any pending one; the last result stays where onDone put it. */
  cancel(): void {
    this.cur = undefined;
    this.pending = undefined;
    this.stats.running = false;
    if (this.timer) clearImmediate(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.disposed = true;
    this.cancel();
  }

  /** Runs the current scan, and a pending one, to the end now (tests, settle). */
  drain(): void {
    while (this.cur) this.runSlice(Infinity);
  }

  private schedule(): void {
    this.timer ??= setImmediate(() => {
      this.timer = undefined;
      this.runSlice(this.sliceMs);
    });
  }

  /** Visits PGs for up to `budgetMs`, then yields; completes the scan when the PGs run out. */
  runSlice(budgetMs: number): void {
    const cur = this.cur;
    if (!cur) return;
    const t0 = performance.now();
    const end = t0 + budgetMs;
    let done = false;
    let checks: readonly RecordedCheck[] | undefined;
    try {
      for (let n = 1; ; n++) {
        const it = cur.pgs.next();
        if (it.done) {
          done = true;
          break;
        }
        cur.scan.visit(it.value);
        if (n % CLOCK_EVERY === 0 && performance.now() >= end) break;
      }
      if (done) checks = Object.freeze(cur.scan.finish());
    } catch (err) {
      // From a timer there is nobody to throw to: drop this scan, keep the last result.
      this.cancel();
      this.stats.failures++;
      this.onError(err);
      return;
    }
    const ms = performance.now() - t0;
    cur.busyMs += ms;
    this.stats.slices++;
    if (ms > this.stats.longestSliceMs) this.stats.longestSliceMs = ms;
    if (!done) {
      this.schedule();
      return;
    }
    this.cur = undefined;
    this.stats.running = false;
    this.stats.runs++;
    this.stats.lastBusyMs = cur.busyMs;
    this.stats.lastWallMs = performance.now() - cur.startedMs;
    const next = this.pending;
    this.pending = undefined;
    if (next) this.begin(next, false);
    this.onDone(checks!);
  }
}
