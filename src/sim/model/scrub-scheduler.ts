// Scrub scheduling: scrubs asked for (startScrub, scenarios) and the periodic
// ones osd_scrub_min_interval / osd_deep_scrub_interval call for. A scrub runs
// only on an active+clean PG and reserves every acting OSD (osd_max_scrubs = 1);
// an interval change aborts it and queues it again.

import type { PgAnalysis } from './pg-analysis.js';
import type { OsdFlags } from './pg-engine.js';
import { ACTIVE_CLEAN } from './pg-state.js';
import { SCRUB_NONE, SCRUB_RUNNING, deepScrubInterval, scrubInterval, type PgTable, type PgWork } from './pg-table.js';
import { MIB } from './format.js';
import type { OsdmapFlags } from './osdmap-flags.js';

/** Background scheduling visits every PG once per this many seconds. */
const SWEEP_S = 600;

export class ScrubScheduler {
  private readonly slots: Uint8Array;
  /** Per PG: 0 nothing asked, 1 scrub, 2 deep scrub. */
  private req: Uint8Array;
  private pending = 0;
  private cursor = 0;

  constructor(
    private readonly t: PgTable,
    private readonly an: PgAnalysis,
    private readonly flags: OsdFlags,
    private readonly seed: number,
    private readonly background: boolean,
    private readonly clusterFlags: OsdmapFlags,
  ) {
    this.slots = new Uint8Array(flags.isUp.length);
    this.req = new Uint8Array(t.n);
  }

  request(poolIndex: number | undefined, deep: boolean): number {
    const t = this.t;
    const from = poolIndex === undefined ? 0 : (t.poolStart[poolIndex] as number);
    const to = poolIndex === undefined ? t.n : (t.poolStart[poolIndex + 1] as number);
    for (let pg = from; pg < to; pg++) this.ask(pg, deep);
    return to - from;
  }

  /** Queues a scrub of the PGs whose acting primary is `osd` (what `osd scrub <id>` asks of an OSD); returns how many. */
  requestPrimary(osd: number, deep: boolean): number {
    const t = this.t;
    let n = 0;
    for (let pg = 0; pg < t.n; pg++) {
      if (t.primary[pg] !== osd) continue;
      this.ask(pg, deep);
      n++;
    }
    return n;
  }

  /** A PG that goes away (its pool deleted or split anew): its reservations are given back. */
  drop(pg: number, w: PgWork | undefined): void {
    if (w !== undefined) this.release(w);
    if ((this.req[pg] as number) > 0) {
      this.req[pg] = 0;
      this.pending--;
    }
  }

  /** The table was reshaped: requests follow their PGs (old index -> new, -1 gone). */
  reindex(map: Int32Array): void {
    const req = new Uint8Array(this.t.n);
    this.pending = 0;
    map.forEach((to, pg) => {
      if (to < 0 || this.req[pg] === 0) return;
      req[to] = this.req[pg] as number;
      this.pending++;
    });
    this.req = req;
    this.cursor = 0;
  }

  private ask(pg: number, deep: boolean): void {
    const cur = this.req[pg] as number;
    if (cur === 0) this.pending++;
    this.req[pg] = Math.max(cur, deep ? 2 : 1);
  }

  /** An interval change aborts a running scrub; it is queued again. */
  abort(pg: number, w: PgWork): void {
    if (w.scrub !== SCRUB_RUNNING) return;
    this.release(w);
    this.ask(pg, w.scrubDeep);
  }

  finishIfDone(pg: number, w: PgWork, now: number): void {
    if (w.scrub !== SCRUB_RUNNING || now < w.scrubEnd) return;
    this.t.lastScrub[pg] = now;
    if (w.scrubDeep) this.t.lastDeepScrub[pg] = now;
    this.release(w);
  }

  private release(w: PgWork): void {
    for (const o of w.scrubReserved) this.slots[o] = (this.slots[o] as number) - 1;
    w.scrubReserved = [];
    w.scrub = SCRUB_NONE;
  }

  /** Starts the scrubs that are due and can get their reservations. */
  sweep(now: number, dt: number, work: (pg: number) => PgWork, settle: (pg: number) => void): void {
    const t = this.t;
    const n = t.n;
    const k = Math.min(n, this.pending > 0 ? n : this.background ? Math.ceil((n * Math.max(0, dt)) / SWEEP_S) : 0);
    for (let i = 0; i < k; i++) {
      const pg = this.cursor;
      this.cursor = (this.cursor + 1) % n;
      const req = this.req[pg] as number;
      let deep: boolean;
      if (req > 0) deep = req === 2;
      else {
        // noscrub / nodeep-scrub hold the scheduled scrubs back; asked-for ones run (Ceph's must_scrub).
        if (!this.background || this.clusterFlags.has('noscrub')) continue;
        const deepDue = now - (t.lastDeepScrub[pg] as number) >= deepScrubInterval(this.seed, pg) && !this.clusterFlags.has('nodeep-scrub');
        if (!deepDue && now - (t.lastScrub[pg] as number) < scrubInterval(this.seed, pg)) continue;
        deep = deepDue;
      }
      if (t.state[pg] !== ACTIVE_CLEAN) continue;
      const existing = t.work.get(pg);
      if (existing !== undefined && (existing.scrub !== SCRUB_NONE || existing.peeringUntil > now)) continue;
      const a = this.an.run(t, pg, this.flags.isUp);
      const who: number[] = [];
      for (let j = 0; j < a.nActing; j++) if ((a.acting[j] as number) >= 0) who.push(a.acting[j] as number);
      if (who.some((o) => (this.slots[o] as number) >= 1)) continue;
      for (const o of who) this.slots[o] = (this.slots[o] as number) + 1;
      const w = work(pg);
      w.scrub = SCRUB_RUNNING;
      w.scrubDeep = deep;
      w.scrubReserved = who;
      w.scrubEnd = now + this.seconds(pg, deep, a.primary);
      if (req > 0) {
        this.req[pg] = 0;
        this.pending--;
      }
      settle(pg);
    }
  }

  /** How long a scrub takes: metadata at ~2500 objects/s, plus data reads for a deep scrub. */
  private seconds(pg: number, deep: boolean, primary: number): number {
    const t = this.t;
    let s = 1 + (t.objects[pg] as number) / 2500;
    if (deep) s += (t.bytes[pg] as number) / t.poolOf(pg).k / (this.flags.isSsd[primary] === 1 ? 400 * MIB : 120 * MIB);
    return s;
  }
}
