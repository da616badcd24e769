// The control API of the simulated cluster (kill/revive/out/in, fill, scrub,
// mon failures) and the mon-side rules that act by themselves: marking a down
// OSD out after mon_osd_down_out_interval, marking an auto-out OSD back in when
// it boots, and the nearfull/backfillfull/full flags of the OSD map.

import type { ScenarioEvent } from './scenario.js';
import { FULLNESS_BACKFILLFULL, FULLNESS_FULL, FULLNESS_NEARFULL, FULLNESS_NONE } from './pg-engine.js';
import { osdStatfs } from './osd-usage.js';
import { hash32 } from './rng.js';
import { flagBits, SETTABLE_FLAGS } from './osdmap-flags.js';
import type { SimCluster } from './sim-cluster.js';
import { FaultControl } from './fault-control.js';

/** An OSD marked down while running boots back after this (seconds; a real one takes a heartbeat or two). */
const BOOT_AFTER_MARKDOWN_S = 5;
const NEARFULL = 0.85;
const BACKFILLFULL = 0.9;
const FULL = 0.95;
/** Every OSD's fullness is re-checked once per this many simulated seconds. */
const FULLNESS_SWEEP_S = 30;

export class ClusterControl {
  /** OSDs with fill added (checked every tick). */
  private readonly filled = new Set<number>();
  private sweepCursor = 0;
  /** OSD id -> when it boots (bootPending). */
  private readonly bootAt = new Map<number, number>();

  /** The faults beyond OSD and mon failures (fault-control.ts). */
  readonly faults: FaultControl;

  constructor(private readonly c: SimCluster) {
    this.faults = new FaultControl(c, this);
  }

  apply(e: ScenarioEvent): void {
    switch (e.action) {
      case 'kill':
        return this.killOsd(e.osd);
      case 'revive':
        return this.reviveOsd(e.osd);
      case 'out':
        return this.markOut(e.osd, false);
      case 'in':
        return this.markIn(e.osd);
      case 'fill':
        return this.fill(e.osd, e.ratio, e.overS);
      case 'scrub':
        return this.scrub(e.pool, e.deep);
      case 'kill-mon':
        return this.setMon(e.mon, false);
      case 'revive-mon':
        return this.setMon(e.mon, true);
      case 'set':
      case 'unset':
        this.setFlag(e.flag, e.action === 'set');
        return;
      default:
        return this.faults.apply(e);
    }
  }

  /** `osd set|unset <key>`: false when it was already so (Ceph answers the same, without a new epoch). */
  setFlag(key: string, on: boolean): boolean {
    const bits = flagBits(key);
    if (bits === undefined) throw new Error(`${on ? 'set' : 'unset'}: no cluster flag ${JSON.stringify(key)} (flags: ${SETTABLE_FLAGS.filter((f) => f !== 'full').join(', ')})`);
    const f = this.c.flags;
    const next = on ? f.bits | bits : f.bits & ~bits;
    if (next === f.bits) return false;
    f.bits = next;
    this.c.log(`${key} flag ${on ? 'set' : 'unset'}`);
    this.commit();
    return true;
  }

  checkOsd(id: number, what: string): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.c.osd.count) throw new Error(`${what}: no OSD ${String(id)} (ids are 0..${this.c.osd.count - 1})`);
  }

  /** Applies an OSD map change made by this call: one new epoch. */
  commit(): void {
    this.c.engine.usageDirty = false;
    this.c.usage.invalidate();
    this.c.engine.pgTempDirty = false;
    this.c.bumpMaps(true);
  }

  /**
   * `osd down`: the mon marks a running OSD down; the OSD sees itself wrongly
   * marked down and boots back into the map BOOT_AFTER_MARKDOWN_S later
   * (unless noup holds it down). The model restarts its session meanwhile.
   */
  markDown(id: number): void {
    this.checkOsd(id, 'markDown');
    if (this.c.osd.isUp[id] !== 1) return;
    this.killOsd(id, 'marked down');
    this.bootAt.set(id, this.c.nowS + BOOT_AFTER_MARKDOWN_S);
  }

  /** OSDs waiting to boot: marked down while running, or revived while noup was set. */
  bootPending(): void {
    if (this.bootAt.size === 0 || this.c.flags.has('noup')) return;
    for (const [id, at] of this.bootAt) if (this.c.nowS >= at) this.reviveOsd(id);
  }

  killOsd(id: number, why = 'killed'): void {
    this.checkOsd(id, 'killOsd');
    this.bootAt.delete(id);
    const c = this.c;
    const s = c.osd;
    if (s.isUp[id] !== 1) return;
    const now = c.nowS;
    c.ledger.bank(id, now);
    s.isUp[id] = 0;
    s.downAt[id] = c.epoch + 1;
    s.lastCleanEnd[id] = c.epoch;
    s.downStampS[id] = now;
    if (s.isIn[id] === 1) s.downIn.add(id);
    c.lastUpChangeS = now;
    c.engine.osdDown(id, now);
    c.builder.dirty(id);
    c.log(`osd.${id} down (${why})`);
    this.commit();
  }

  reviveOsd(id: number): void {
    this.checkOsd(id, 'reviveOsd');
    const c = this.c;
    const s = c.osd;
    if (s.isUp[id] === 1) return;
    if (c.flags.has('noup')) {
      // The daemon runs, but the mon does not mark it up until noup is unset.
      if (!this.bootAt.has(id)) c.log(`osd.${id} booting, held down by noup`);
      this.bootAt.set(id, c.nowS);
      return;
    }
    this.bootAt.delete(id);
    const now = c.nowS;
    s.isUp[id] = 1;
    s.upFrom[id] = s.upThru[id] = c.epoch + 1;
    s.lastCleanBegin[id] = c.epoch + 1;
    s.nonce[id] = 1000 + (hash32(id, c.epoch, 0x5eed) % 4_000_000);
    s.startedS[id] = now;
    s.reportSeq[id] = 0;
    s.downIn.delete(id);
    // A restarted daemon starts its perf counters from zero.
    c.ledger.reset(id, now);
    c.lastUpChangeS = now;
    c.engine.osdUp(id, now);
    c.builder.dirty(id);
    c.metadataChanged();
    c.log(`osd.${id} up (boot)`);
    this.commit();
    // mon_osd_auto_mark_auto_out_in: an OSD the mon marked out comes back in when it boots.
    // noin keeps it out.
    if (s.autoout[id] === 1 && s.isIn[id] === 0 && !c.flags.has('noin')) this.markIn(id);
  }

  markOut(id: number, auto: boolean): void {
    this.checkOsd(id, 'markOut');
    const s = this.c.osd;
    if (s.isIn[id] !== 1) return;
    s.autoout[id] = auto ? 1 : 0;
    this.setWeight(id, 0, `marked out${auto ? ` (down for ${this.c.downOutIntervalS}s)` : ''}`);
  }

  markIn(id: number): void {
    this.checkOsd(id, 'markIn');
    if (this.c.osd.isIn[id] === 1) return;
    this.c.osd.autoout[id] = 0;
    this.setWeight(id, 1, 'marked in');
  }

  /** `osd reweight <id> <w>`: the OSD map's weight, as Ceph's 16.16 fixed point; 0 is out. Returns the fixed-point value. */
  reweight(id: number, w: number): number {
    this.checkOsd(id, 'reweight');
    if (!(w >= 0 && w <= 1)) throw new Error(`reweight: weight must be in [0, 1], got ${String(w)}`);
    const fixed = Math.trunc(w * 0x10000);
    if (fixed / 0x10000 !== this.c.osd.reweight[id]) this.setWeight(id, fixed / 0x10000, `reweighted to ${w}`);
    return fixed;
  }

  /** One OSD's weight changes: in/out follow (weight > 0), CRUSH remaps, one new epoch. */
  private setWeight(id: number, w: number, why: string): void {
    const c = this.c;
    const s = c.osd;
    const wasIn = s.isIn[id] === 1;
    s.reweight[id] = w;
    s.isIn[id] = w > 0 ? 1 : 0;
    if (w > 0) s.autoout[id] = 0;
    if (w === 0) s.downIn.delete(id);
    else if (!wasIn && s.isUp[id] !== 1) s.downIn.add(id);
    if (wasIn !== (w > 0)) c.lastInChangeS = c.nowS;
    const changed = c.table.remap(c.placement, s.reweight);
    c.engine.remapped(changed, c.nowS);
    c.builder.dirty(id);
    c.log(`osd.${id} ${why}, ${changed.length} PGs remapped`);
    this.commit();
  }

  fill(id: number, ratio: number, overS: number): void {
    this.checkOsd(id, 'setOsdFull');
    if (!(ratio > 0 && ratio <= 1)) throw new Error(`setOsdFull: ratio must be in (0, 1], got ${String(ratio)}`);
    const c = this.c;
    this.filled.add(id);
    if (overS > 0) {
      c.osd.ramps.set(id, { fromRatio: c.osdUsedRatio(id), toRatio: ratio, startS: c.nowS, overS });
      c.log(`osd.${id} filling to ${(ratio * 100).toFixed(0)}% over ${overS}s`);
    } else {
      c.osd.ramps.delete(id);
      this.setRatio(id, ratio);
      c.log(`osd.${id} filled to ${(ratio * 100).toFixed(0)}%`);
    }
    this.updateFullness();
  }

  /** Sets an OSD's extra bytes so that its used ratio is `ratio` (never below its real data). */
  private setRatio(id: number, ratio: number): void {
    const c = this.c;
    const size = c.topo.osds[id]!.sizeBytes;
    const base = osdStatfs(size, c.usage.get(id), 0);
    const usedNow = base.total - base.available;
    // Each extra byte costs 1.015 allocated + 0.006 metadata (see osdStatfs).
    c.osd.extraBytes[id] = Math.max(0, (ratio * size - usedNow) / 1.021);
  }

  /** Moves the gradual fills forward (called from advance). */
  rampFills(): void {
    const c = this.c;
    for (const [id, r] of c.osd.ramps) {
      const f = Math.min(1, (c.nowS - r.startS) / r.overS);
      this.setRatio(id, r.fromRatio + (r.toRatio - r.fromRatio) * f);
      if (f >= 1) c.osd.ramps.delete(id);
    }
  }

  /** The OSD map's nearfull/backfillfull/full flags follow the OSDs' usage. */
  updateFullness(): void {
    const c = this.c;
    const n = c.osd.count;
    const check = new Set<number>(this.filled);
    for (let i = 0; i < n; i++) if (c.osd.fullness[i] !== FULLNESS_NONE) check.add(i);
    const sweep = Math.min(n, Math.ceil(n / FULLNESS_SWEEP_S));
    for (let i = 0; i < sweep; i++) {
      check.add(this.sweepCursor);
      this.sweepCursor = (this.sweepCursor + 1) % n;
    }
    let changed = false;
    for (const id of check) {
      const ratio = c.osdUsedRatio(id);
      const level = ratio >= FULL ? FULLNESS_FULL : ratio >= BACKFILLFULL ? FULLNESS_BACKFILLFULL : ratio >= NEARFULL ? FULLNESS_NEARFULL : FULLNESS_NONE;
      if (level === c.osd.fullness[id]) continue;
      c.osd.fullness[id] = level;
      c.builder.dirty(id);
      const name = ['not full', 'nearfull', 'backfillfull', 'full'][level] as string;
      c.log(`osd.${id} is ${name} (${(ratio * 100).toFixed(1)}% used)`);
      changed = true;
    }
    if (changed) this.commit();
  }

  /** mon_osd_down_out_interval: down OSDs are marked out after a while, unless noout is set. */
  autoOut(): void {
    const c = this.c;
    if (c.flags.has('noout')) return;
    for (const id of Array.from(c.osd.downIn)) {
      if (c.nowS - (c.osd.downStampS[id] as number) >= c.downOutIntervalS) this.markOut(id, true);
    }
  }

  scrub(poolId: number | undefined, deep: boolean): void {
    const c = this.c;
    let index: number | undefined;
    if (poolId !== undefined) {
      index = c.pools.find((p) => p.id === poolId)?.index;
      if (index === undefined) throw new Error(`startScrub: no pool with id ${String(poolId)}`);
    }
    const n = c.engine.requestScrub(index, deep);
    c.log(`${deep ? 'deep-scrub' : 'scrub'} requested for ${n} PGs${poolId !== undefined ? ` of pool ${poolId}` : ''}`);
  }

  /** `osd scrub|deep-scrub|repair <id>`: the PGs the OSD is primary for; returns how many. */
  scrubOsd(id: number, deep: boolean): number {
    this.checkOsd(id, 'scrubOsd');
    const n = this.c.engine.requestScrubPrimary(id, deep);
    this.c.log(`${deep ? 'deep-scrub' : 'scrub'} requested for ${n} PGs of osd.${id}`);
    return n;
  }

  setMon(name: string, up: boolean): void {
    const c = this.c;
    const m = c.topo.mons.find((x) => x.name === name.replace(/^mon\./, ''));
    if (m === undefined) throw new Error(`${up ? 'reviveMon' : 'killMon'}: no mon named ${JSON.stringify(name)}`);
    if (c.monUp[m.rank] === up) return;
    c.monUp[m.rank] = up;
    c.electionEpoch += 2;
    c.quorumSinceS = c.nowS;
    const leader = c.topo.mons.find((x) => c.monUp[x.rank])?.rank ?? -1;
    c.monRoles.forEach((r, rank) => {
      if (c.monUp[rank]) r.elections++;
      r.leader = rank === leader;
    });
    if (up) {
      const role = c.monRoles[m.rank]!;
      role.startS = c.nowS;
      role.epochAtStart = c.epoch;
    }
    c.log(`mon.${m.name} ${up ? 'up (rejoined quorum)' : 'down (out of quorum)'}`);
    c.bumpMaps(false);
  }
}
