// The PG state machine. OSD events re-peer the PGs they touch; each tick moves
// the PGs that have work (recovery, backfill, scrub) forward by simulated time,
// limited by per-OSD reservations as osd_max_backfills / osd_max_scrubs do.

import type { IoLedger } from './io-ledger.js';
import type { LoadShape } from './load.js';
import { PgAnalysis } from './pg-analysis.js';
import {
  ACTIVE_CLEAN, PG_ACTIVE, PG_BACKFILL_TOOFULL, PG_BACKFILL_WAIT, PG_BACKFILLING, PG_CLEAN, PG_DEEP_SCRUB, PG_DEGRADED,
  PG_DOWN, PG_PEERED, PG_PEERING, PG_RECOVERING, PG_RECOVERY_WAIT, PG_REMAPPED, PG_SCRUBBING, PG_UNDERSIZED, SCRUB_BITS,
} from './pg-state.js';
import {
  JOB_BACKFILL_WAIT, JOB_BACKFILLING, JOB_NONE, JOB_RECOVERING, JOB_RECOVERY_WAIT, MAX_SIZE, SCRUB_NONE, SCRUB_RUNNING,
  newWork, type MemberIndex, type PgTable, type PgWork,
} from './pg-table.js';
import { KIB } from './format.js';
import { ScrubScheduler } from './scrub-scheduler.js';
import type { OsdmapFlags } from './osdmap-flags.js';

/** How full an OSD is, as the OSD map state flags say. */
export const FULLNESS_NONE = 0;
export const FULLNESS_NEARFULL = 1;
export const FULLNESS_BACKFILLFULL = 2;
export const FULLNESS_FULL = 3;

export interface OsdFlags {
  isUp: Uint8Array;
  isIn: Uint8Array;
  fullness: Uint8Array;
  isSsd: Uint8Array;
}

export interface EngineOptions {
  /** Bytes per second one recovering or backfilling PG moves. */
  recoveryBytesPerS: number;
  /** osd_max_backfills: concurrent recoveries/backfills an OSD takes part in. */
  osdMaxBackfills: number;
  backgroundScrub: boolean;
  seed: number;
  /** The cluster flags: norecover, nobackfill, norebalance hold jobs back; noscrub, nodeep-scrub the scheduled scrubs. */
  clusterFlags: OsdmapFlags;
}

/** Seconds a PG stays "peering" after its acting set changes. */
export const PEERING_S = 1;
/** Writes an OSD may miss and still catch up from the PG log (else: backfill). */
const PG_LOG_MAX = 3000;

const JOB_BITS = [0, PG_RECOVERY_WAIT, PG_RECOVERING, PG_BACKFILL_WAIT, PG_BACKFILLING];

export class PgEngine {
  readonly an = new PgAnalysis();
  /** Set when a pg_temp appeared, changed or went away (the OSD map must change). */
  pgTempDirty = false;
  /** Set when what OSDs store or host changed (holders, primaries, backfill progress): OSD usage must be recomputed. */
  usageDirty = false;
  private readonly slots: Uint8Array;
  private readonly scrubs: ScrubScheduler;
  private readonly tooFull = new Set<number>();

  constructor(
    private readonly t: PgTable,
    private readonly members: MemberIndex,
    private readonly ledger: IoLedger,
    private readonly loads: LoadShape[],
    private readonly flags: OsdFlags,
    private readonly opts: EngineOptions,
  ) {
    this.slots = new Uint8Array(flags.isUp.length);
    this.scrubs = new ScrubScheduler(t, this.an, flags, opts.seed, opts.backgroundScrub, opts.clusterFlags);
  }

  get isUp(): Uint8Array {
    return this.flags.isUp;
  }

  /** First state of every PG: data where CRUSH put it, IO credited to primaries. */
  initialSettle(nowS: number): void {
    const t = this.t;
    t.holder.set(t.raw);
    for (let pg = 0; pg < t.n; pg++) this.settle(pg, nowS, true);
  }

  /** Effective load integral of a PG's IO at t (frozen while inactive). */
  effI(pg: number, at: number): number {
    const t = this.t;
    const i = t.ioPrimary[pg]! >= 0 ? (this.loads[t.pool[pg]!] as LoadShape).integral(at) : (t.frozenI[pg] as number);
    return i - (t.ioOff[pg] as number);
  }

  pgWrites(pg: number, at: number): number {
    const p = this.t.pool[pg] as number;
    return (this.t.ioWeight[pg] as number) * ((this.ledger.wOps[p] as number) + (this.ledger.rwOps[p] as number)) * this.effI(pg, at);
  }

  /** The OSD that reports a PG: its acting primary, or for a down PG its first up member. */
  reporter(pg: number): number {
    const p = this.t.primary[pg] as number;
    if (p >= 0) return p;
    this.an.run(this.t, pg, this.flags.isUp);
    return this.an.upPrimary;
  }

  /** Degraded and misplaced object copies of a PG right now. */
  objectCounts(pg: number): { degraded: number; misplaced: number } {
    const t = this.t;
    const a = this.an.run(t, pg, this.flags.isUp);
    const w = t.work.get(pg);
    const O = t.objects[pg] as number;
    let deg = O * a.degradedSlots;
    let mis = O * a.misplacedSlots;
    if (w !== undefined) {
      deg += w.recoverObjs - (w.job === JOB_RECOVERING ? w.progress : 0);
      if (w.job === JOB_BACKFILLING || w.job === JOB_BACKFILL_WAIT) {
        const degFix = Math.min(a.nTargets, a.degradedSlots);
        const misFix = Math.min(Math.max(0, a.nTargets - degFix), a.misplacedSlots);
        deg -= w.progress * degFix;
        mis -= w.progress * misFix;
      }
    }
    return { degraded: Math.max(0, Math.round(deg)), misplaced: Math.max(0, Math.round(mis)) };
  }

  osdDown(osd: number, now: number): void {
    const t = this.t;
    for (const pg of Array.from(this.members.of(osd))) {
      const holds = t.holds(pg, osd);
      if (holds) {
        const w = this.ensureWork(pg);
        if (Number.isNaN(w.writesAtDown)) w.writesAtDown = this.pgWrites(pg, now);
      }
      if (holds || t.inRaw(pg, osd)) this.repeer(pg, now);
    }
  }

  osdUp(osd: number, now: number): void {
    const t = this.t;
    for (const pg of Array.from(this.members.of(osd))) {
      const holds = t.holds(pg, osd);
      if (holds) {
        const w = t.work.get(pg);
        if (w !== undefined && !Number.isNaN(w.writesAtDown)) {
          const missed = this.pgWrites(pg, now) - w.writesAtDown;
          if (missed > PG_LOG_MAX) {
            // Too far behind for log recovery: its copy is discarded and backfilled.
            const at = pg * MAX_SIZE;
            for (let r = 0; r < MAX_SIZE; r++) if (t.holder[at + r] === osd) t.holder[at + r] = -1;
            this.usageDirty = true;
          } else if (missed >= 1) {
            w.recoverObjs = Math.min(t.objects[pg] as number, Math.max(w.recoverObjs, Math.ceil(missed * 0.6)));
          }
          if (this.an.run(t, pg, this.flags.isUp).nDownHolders === 0) w.writesAtDown = Number.NaN;
        }
      }
      if (holds || t.inRaw(pg, osd)) this.repeer(pg, now);
    }
  }

  /** After the in-set changed: `changed` PGs got a new CRUSH mapping. */
  remapped(changed: number[], now: number): void {
    this.members.rebuild(this.t, this.flags.isUp.length);
    for (const pg of changed) this.repeer(pg, now);
  }

  /** Queues a scrub of every PG of a pool (or of all pools); returns how many PGs. */
  requestScrub(poolIndex: number | undefined, deep: boolean): number {
    return this.scrubs.request(poolIndex, deep);
  }

  /** `osd scrub|deep-scrub|repair <id>`: the PGs the OSD is acting primary for. */
  requestScrubPrimary(osd: number, deep: boolean): number {
    return this.scrubs.requestPrimary(osd, deep);
  }

  /** PGs about to go away (pool deleted, or laid out anew by a pg_num change): reservations and their IO released at `now`. */
  dropPgs(pgs: Iterable<number>, now: number): void {
    const t = this.t;
    for (const pg of pgs) {
      const w = t.work.get(pg);
      if (w !== undefined) this.endJob(w);
      this.scrubs.drop(pg, w);
      this.tooFull.delete(pg);
      if ((t.state[pg]! & PG_REMAPPED) !== 0) this.pgTempDirty = true;
      this.creditIo(pg, -1, now, false);
    }
    this.usageDirty = true;
  }

  /**
   * The table was reshaped (old PG -> new PG in `map`); `created` are the new
   * PGs, already mapped by CRUSH: a new pool's PGs hold their (empty) data
   * where CRUSH put them and peer, as a pool being created does.
   */
  reshaped(map: Int32Array, created: readonly number[], now: number): void {
    const t = this.t;
    const tooFull = [...this.tooFull];
    this.tooFull.clear();
    for (const pg of tooFull) if ((map[pg] as number) >= 0) this.tooFull.add(map[pg] as number);
    this.scrubs.reindex(map);
    for (const pg of created) t.holder.set(t.raw.subarray(pg * MAX_SIZE, (pg + 1) * MAX_SIZE), pg * MAX_SIZE);
    this.members.rebuild(t, this.flags.isUp.length);
    for (const pg of created) {
      // Inactive until it has peered: its IO counts from then.
      t.frozenI[pg] = (this.loads[t.pool[pg]!] as LoadShape).integral(now);
      this.repeer(pg, now);
    }
    this.usageDirty = true;
  }

  /** One cluster step of dt seconds ending at now. */
  tick(now: number, dt: number): void {
    for (const [pg, w] of this.t.work) this.step(pg, w, now, dt);
    this.scrubs.sweep(now, dt, (pg) => this.ensureWork(pg), (pg) => this.settle(pg, now));
  }

  private step(pg: number, w: PgWork, now: number, dt: number): void {
    const t = this.t;
    if (w.peeringUntil > now) {
      this.settle(pg, now);
      return;
    }
    const a = this.an.run(t, pg, this.flags.isUp);
    const primary = a.primary;
    if (a.activeCount > 0 && primary >= 0) {
      if (w.recoverObjs > 0) {
        if (w.job === JOB_RECOVERING) {
          const d = Math.min(w.recoverObjs - w.progress, this.objRate(pg) * dt);
          w.progress += d;
          this.account(pg, primary, d, 1);
          if (w.progress >= w.recoverObjs - 1e-6) {
            w.recoverObjs = 0;
            w.progress = 0;
            this.endJob(w);
          }
        } else {
          if (w.job !== JOB_RECOVERY_WAIT) {
            this.endJob(w);
            w.job = JOB_RECOVERY_WAIT;
            w.progress = 0;
          }
          if (!this.opts.clusterFlags.has('norecover') && this.reserve(w, [primary])) w.job = JOB_RECOVERING;
        }
      } else if (a.nTargets > 0) {
        if (w.targetSig !== a.targetSig) {
          w.progress = 0;
          w.targetSig = a.targetSig;
        }
        if (w.job === JOB_BACKFILLING) {
          const O = t.objects[pg] as number;
          const d = Math.min(O - w.progress, this.objRate(pg) * dt);
          w.progress += d;
          this.usageDirty = true;
          this.account(pg, primary, d, a.nTargets);
          if (w.progress >= O - 1e-6) this.completeBackfill(pg, w, now);
        } else {
          if (w.job !== JOB_BACKFILL_WAIT) this.endJob(w);
          w.job = JOB_BACKFILL_WAIT;
          let full = false;
          for (let i = 0; i < a.nTargets; i++) if (this.flags.fullness[a.targets[i] as number]! >= FULLNESS_BACKFILLFULL) full = true;
          if (full) this.tooFull.add(pg);
          else if (!this.backfillAllowed(a.degradedSlots > 0)) this.tooFull.delete(pg);
          else {
            this.tooFull.delete(pg);
            const who = [primary];
            for (let i = 0; i < a.nTargets; i++) who.push(a.targets[i] as number);
            if (this.reserve(w, who)) w.job = JOB_BACKFILLING;
          }
        }
      } else if (w.job !== JOB_NONE) this.endJob(w);
    } else if (w.job !== JOB_NONE) this.endJob(w);
    this.scrubs.finishIfDone(pg, w, now);
    this.settle(pg, now);
  }

  /** nobackfill holds every backfill; norebalance those of PGs that are only misplaced (Ceph lets degraded ones heal). */
  private backfillAllowed(degraded: boolean): boolean {
    const f = this.opts.clusterFlags;
    return !f.has('nobackfill') && (degraded || !f.has('norebalance'));
  }

  /** Recomputes a PG's state from its sets and work; credits its IO; files or drops its work record. */
  settle(pg: number, now: number, initial = false): void {
    const t = this.t;
    const a = this.an.run(t, pg, this.flags.isUp);
    const p = t.poolOf(pg);
    let w = t.work.get(pg);
    const prev = t.state[pg] as number;
    let st: number;
    let ioTo = -1;
    if (w !== undefined && w.peeringUntil > now) st = PG_PEERING;
    else if (a.activeCount === 0) st = PG_DOWN;
    else {
      const active = a.activeCount >= p.minSize;
      st = active ? PG_ACTIVE : PG_PEERED;
      if (a.activeCount < p.size) st |= PG_UNDERSIZED;
      // Ceph sets DEGRADED from num_objects_degraded: a PG missing a copy but holding no object is only undersized.
      if ((a.degradedSlots > 0 && (t.objects[pg] as number) > 0) || (w !== undefined && w.recoverObjs > 0)) st |= PG_DEGRADED;
      if (a.remapped) st |= PG_REMAPPED;
      const job = w?.job ?? JOB_NONE;
      if (job !== JOB_BACKFILL_WAIT) this.tooFull.delete(pg);
      st |= job === JOB_BACKFILL_WAIT && this.tooFull.has(pg) ? PG_BACKFILL_TOOFULL : (JOB_BITS[job] as number);
      if (active && (st & (PG_UNDERSIZED | PG_DEGRADED)) === 0 && job === JOB_NONE && a.nTargets === 0) {
        st |= PG_CLEAN;
        if (w !== undefined && w.scrub === SCRUB_RUNNING) st |= PG_SCRUBBING | (w.scrubDeep ? PG_DEEP_SCRUB : 0);
      }
      if (active) ioTo = a.primary;
    }
    t.state[pg] = st;
    if (t.primary[pg] !== a.primary) {
      t.primary[pg] = a.primary;
      this.usageDirty = true;
    }
    if (!initial && st !== prev) t.lastChange[pg] = now;
    if (((st ^ prev) & PG_REMAPPED) !== 0 && !initial) this.pgTempDirty = true;
    this.creditIo(pg, ioTo, now, initial);
    const steady = (st & ~SCRUB_BITS) === ACTIVE_CLEAN;
    if (steady) {
      if (w !== undefined && w.scrub === SCRUB_NONE && w.recoverObjs === 0 && w.reserved.length === 0) t.work.delete(pg);
      else if (w !== undefined) w.uncleanSince = Number.NaN;
    } else {
      w ??= this.ensureWork(pg);
      if (Number.isNaN(w.uncleanSince)) w.uncleanSince = now;
    }
  }

  private repeer(pg: number, now: number): void {
    const t = this.t;
    const w = this.ensureWork(pg);
    this.endJob(w);
    this.scrubs.abort(pg, w);
    if (this.an.run(t, pg, this.flags.isUp).upCount === 0 && (t.state[pg]! & PG_PEERING) === 0) w.staleState = t.state[pg] as number;
    if ((t.state[pg]! & PG_REMAPPED) !== 0) this.pgTempDirty = true;
    w.peeringUntil = now + PEERING_S;
    this.settle(pg, now);
  }

  private completeBackfill(pg: number, w: PgWork, now: number): void {
    const t = this.t;
    const a = this.an.run(t, pg, this.flags.isUp);
    const at = pg * MAX_SIZE;
    if (a.erasure) {
      for (let r = 0; r < a.size; r++) {
        const u = a.up[r] as number;
        if (u >= 0) t.holder[at + r] = u;
      }
    } else {
      // Holders become the up set, plus down members CRUSH still maps here (they catch up from the log later).
      const keep: number[] = [];
      for (let i = 0; i < a.nUp; i++) keep.push(a.up[i] as number);
      for (let r = 0; r < MAX_SIZE; r++) {
        const h = t.holder[at + r] as number;
        if (h >= 0 && this.flags.isUp[h] !== 1 && t.inRaw(pg, h) && keep.length < a.size && !keep.includes(h)) keep.push(h);
      }
      for (let r = 0; r < MAX_SIZE; r++) t.holder[at + r] = keep[r] ?? -1;
    }
    if (this.an.run(t, pg, this.flags.isUp).nDownHolders === 0) w.writesAtDown = Number.NaN;
    this.usageDirty = true;
    w.progress = 0;
    w.targetSig = 0;
    this.endJob(w);
    // Removing the pg_temp starts a new interval.
    this.pgTempDirty = true;
    w.peeringUntil = now + PEERING_S;
  }

  private objRate(pg: number): number {
    const t = this.t;
    const O = t.objects[pg] as number;
    const shard = O > 0 ? (t.bytes[pg] as number) / O / t.poolOf(pg).k : 0;
    return this.opts.recoveryBytesPerS / Math.max(shard, 64 * KIB);
  }

  private account(pg: number, primary: number, objs: number, copies: number): void {
    const t = this.t;
    const O = t.objects[pg] as number;
    const per = O > 0 ? (t.bytes[pg] as number) / O / t.poolOf(pg).k : 0;
    const n = objs * copies;
    t.recoveredObjs[pg] = (t.recoveredObjs[pg] as number) + n;
    t.recoveredBytes[pg] = (t.recoveredBytes[pg] as number) + n * per;
    this.ledger.addRecovery(primary, n, n * per);
  }

  private creditIo(pg: number, to: number, now: number, initial: boolean): void {
    const t = this.t;
    const cur = t.ioPrimary[pg] as number;
    if (cur === to) return;
    const p = t.pool[pg] as number;
    const share = t.ioWeight[pg] as number;
    if (initial) {
      if (cur >= 0) this.ledger.wsum[cur * this.ledger.numPools + p] = (this.ledger.wsum[cur * this.ledger.numPools + p] as number) - share;
      if (to >= 0) this.ledger.wsum[to * this.ledger.numPools + p] = (this.ledger.wsum[to * this.ledger.numPools + p] as number) + share;
      t.ioPrimary[pg] = to;
      return;
    }
    const I = (this.loads[p] as LoadShape).integral(now);
    if (cur < 0) t.ioOff[pg] = (t.ioOff[pg] as number) + I - (t.frozenI[pg] as number);
    if (to < 0) t.frozenI[pg] = I;
    this.ledger.move(p, share, cur, to, now);
    t.ioPrimary[pg] = to;
  }

  private reserve(w: PgWork, who: number[]): boolean {
    if (w.reserved.length > 0) return true;
    for (const o of who) if (this.slots[o]! >= this.opts.osdMaxBackfills) return false;
    for (const o of who) this.slots[o] = (this.slots[o] as number) + 1;
    w.reserved = who;
    return true;
  }

  private endJob(w: PgWork): void {
    for (const o of w.reserved) this.slots[o] = (this.slots[o] as number) - 1;
    w.reserved = [];
    w.job = JOB_NONE;
  }

  private ensureWork(pg: number): PgWork {
    let w = this.t.work.get(pg);
    if (w === undefined) {
      w = newWork();
      this.t.work.set(pg, w);
    }
    return w;
  }
}
