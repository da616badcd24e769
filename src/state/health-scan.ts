// The health scan of a large cluster as a background job: visits every PG
// (311,000 at 10,000 OSDs), then every OSD's report (usage, ~600,000 heartbeat
// rows, store alerts, repairs) in slices of a few milliseconds between other
// work, so neither stalls the event loop. One scan at a time; ClusterState
// starts one after each tick and serves the last complete result meanwhile,
// as Ceph's health is as of its last PGMap update.

import { performance } from 'node:perf_hooks';
import type { OsdMap } from '../mgr-module/map-types.js';
import type { PGMap, PgRecord } from './pg-map.js';
import type { HealthConfig } from './health.js';
import type { OsdMapHealth } from './health-osd.js';
import { PgHealthScan } from './health-pg.js';
import { OsdHealthScan } from './health-osd-scan.js';
import type { ScannedHealth } from './health-types.js';

/** What one scan reads. */
export interface HealthScanTarget {
  pgMap: PGMap | undefined;
  osdMap: OsdMap;
  /** Health's reading of `osdMap` and its topology (which OSDs are up and in, the full ratios). */
  mapHealth: OsdMapHealth;
  /** "Now" for stuck, scrub and heartbeat ages, Unix seconds. */
  nowS: number;
  config: HealthConfig;
}

/** PGs visited between two looks at the clock (a visit costs well under a microsecond). */
export const PG_CLOCK_EVERY = 256;

/**
 * One scan: every PG when PG stats are ready (pgmap_ready, as ceph-mgr), then
 * every OSD. `runUntil` may be called across event-loop turns while the
 * PGMap changes: each PG and OSD is judged as it is when visited.
 */
export class FullHealthScan {
  private readonly pg: PgHealthScan | undefined;
  private pgs: Iterator<PgRecord> | undefined;
  readonly osds: OsdHealthScan;

  constructor(private readonly t: HealthScanTarget) {
    const ready = t.pgMap?.isPgReady() ?? false;
    if (ready) {
      this.pg = new PgHealthScan(t.pgMap!, t.osdMap, t.nowS, t.config);
      this.pgs = t.pgMap!.pgs();
    }
    this.osds = new OsdHealthScan(t.pgMap, t.mapHealth, t.nowS, t.config, ready);
  }

  /** PGs visited (tests count work per slice with it). */
  get pgsVisited(): number {
    return this.pg?.visited ?? 0;
  }

  /** Visits PGs, then OSDs, until `endMs` (performance.now()); true when all were. */
  runUntil(endMs: number): boolean {
    const pgs = this.pgs;
    if (pgs !== undefined) {
      for (let n = 1; ; n++) {
        const it = pgs.next();
        if (it.done === true) break;
        this.pg!.visit(it.value);
        if (n % PG_CLOCK_EVERY === 0 && performance.now() >= endMs) return false;
      }
      this.pgs = undefined;
    }
    return this.osds.runUntil(endMs);
  }

  finish(): ScannedHealth {
    return Object.freeze({ pg: this.pg?.finish() ?? [], ...this.osds.finish(this.t.osdMap) });
  }
}

/** A whole scan in one go (small clusters, where health() computes in place). */
export function scanHealthNow(t: HealthScanTarget): ScannedHealth {
  const scan = new FullHealthScan(t);
  scan.runUntil(Infinity);
  return scan.finish();
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
  scan: FullHealthScan;
  startedMs: number;
  busyMs: number;
  /** This scan replaced one that had not completed. */
  isRestart: boolean;
}

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
    private readonly onDone: (found: ScannedHealth) => void,
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
    this.cur = {
      scan: new FullHealthScan(target),
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

  /** The running scan (tests count its work per slice). */
  get current(): FullHealthScan | undefined {
    return this.cur?.scan;
  }

  /** Visits PGs and OSDs for up to `budgetMs`, then yields; completes the scan when they run out. */
  runSlice(budgetMs: number): void {
    const cur = this.cur;
    if (!cur) return;
    const t0 = performance.now();
    let done = false;
    let found: ScannedHealth | undefined;
    try {
      done = cur.scan.runUntil(t0 + budgetMs);
      if (done) found = cur.scan.finish();
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
    this.onDone(found!);
  }
}
