// What get('df') reads from every OSD, kept up to date as reports arrive, so
// that df costs O(pools + classes) per call instead of O(OSDs): per device
// class the sum of its OSDs' statfs (stats_by_class), per CRUSH rule the
// smallest projected free space of its OSDs (Ceph's get_rule_avail, behind
// max_avail) in a min tree. At 10,000 OSDs df built whole took 9-15 ms of each
// tick's event-loop turn; the upkeep here is a few array writes per report.
// pg-map-df.ts holds the from-scratch reading (`scratchDfSums`), which this
// must equal (test/unit/df-index.test.ts compares them through random reports).

import type { OsdMap } from '../mgr-module/map-types.js';
import type { CrushTopology } from './crush-topology.js';
import { kbOf } from './ceph-format.js';
import { IdSlots } from './id-slots.js';
import { STATFS_COL as F, STATFS_W, addInto } from './stat-vectors.js';

/** What df reads that visits every OSD: the from-scratch reading and this index give the same answers. */
export interface DfSums {
  /** Per device class (name order) with at least one OSD with an osd_stat: the sum of their statfs. */
  classSums(): Array<[cls: string, v: Float64Array]>;
  /** Ceph's PGMap::get_rule_avail: raw bytes the rule's OSDs can still take. */
  ruleAvail(ruleId: number): number;
}

/** Told by the OSD table around each change of an OSD's vector (OsdStatTable.watcher). */
export interface OsdStatWatcher {
  /**
   * The OSD's vector is about to change (`gone` false: `enter` follows with the new one) or go for good
   * (`gone` true); `vec` is still the old one.
   */
  leave(osd: number, vec: Float64Array, gone: boolean): void;
  /** The OSD's vector is now this (a new OSD, or the change `leave` announced). */
  enter(osd: number, vec: Float64Array): void;
}

/** The rule's OSDs and weights (index i of both), as ruleAvail reads them. */
export interface RuleOsds {
  readonly osds: ArrayLike<number>;
  readonly weights: ArrayLike<number>;
}

/** Where a rule's OSDs and weights come from: the topology's rules, or every OSD of the map alike. */
export function ruleOsds(osdMap: OsdMap | undefined, topo: CrushTopology | undefined, ruleId: number): RuleOsds {
  if (topo) return topo.ruleWeights(ruleId);
  // No hierarchy known: every OSD of the map weighs the same.
  const osds = (osdMap?.osds ?? []).map((o) => o.osd);
  return { osds, weights: new Array<number>(osds.length).fill(Math.fround(1 / osds.length)) };
}

/**
 * One OSD's projected free space for a rule (raw bytes before the fullest
 * one, relative to its weight, hits full_ratio), or undefined when it does
 * not limit the rule (no osd_stat, zeroed because out, or weight 0).
 */
export function projectedAvail(v: Float64Array | undefined, w: number, fullRatio: number): number | undefined {
  if (!v || v[F.total] === 0 || w === 0) return undefined;
  const kb = kbOf(v[F.total]!);
  const unusable = kb * (1 - fullRatio);
  const avail = Math.max(0, kbOf(v[F.available]!) - unusable) * 1024;
  return Math.trunc(avail / w);
}

/** A rule's OSDs as leaves of a min tree: the root is the smallest projection, +Infinity when none counts. */
class RuleTree {
  /** OSD id -> slot; leaf of slot s at pos[s] (an OSD listed twice: its last place, as a Map kept it). */
  private readonly slots: IdSlots;
  private readonly pos: Int32Array;
  private readonly weights: Float64Array;
  private readonly size: number;
  private readonly tree: Float64Array;

  constructor(r: RuleOsds, private readonly fullRatio: number, vecOf: (osd: number) => Float64Array | undefined) {
    const n = r.osds.length;
    let size = 1;
    while (size < n) size *= 2;
    this.size = size;
    this.slots = new IdSlots(r.osds);
    this.pos = new Int32Array(this.slots.size);
    const tree = new Float64Array(2 * size).fill(Infinity);
    this.weights = Float64Array.from(r.weights);
    for (let i = 0; i < n; i++) {
      const osd = r.osds[i]!;
      this.pos[this.slots.slot(osd)] = i;
      tree[size + i] = projectedAvail(vecOf(osd), this.weights[i]!, fullRatio) ?? Infinity;
    }
    for (let i = size - 1; i >= 1; i--) tree[i] = Math.min(tree[2 * i]!, tree[2 * i + 1]!);
    this.tree = tree;
  }

  /** The OSD's vector changed (undefined: it has none now). */
  set(osd: number, v: Float64Array | undefined): void {
    const s = this.slots.slot(osd);
    if (s < 0) return;
    const p = this.pos[s]!;
    const tree = this.tree;
    let i = this.size + p;
    tree[i] = projectedAvail(v, this.weights[p]!, this.fullRatio) ?? Infinity;
    for (i >>= 1; i >= 1; i >>= 1) {
      const m = Math.min(tree[2 * i]!, tree[2 * i + 1]!);
      // Nothing above changes once a node keeps its value.
      if (tree[i] === m) break;
      tree[i] = m;
    }
  }

  /** get_rule_avail: 0 when no OSD of the rule counts. */
  avail(): number {
    const min = this.tree[1]!;
    return min === Infinity ? 0 : min;
  }
}

/**
 * df's sums for one topology and full ratio (and, without a topology, one
 * osd map: its OSDs are the rule's), kept by the OSD table's watcher calls.
 * Exact as long as the sums are integers below 2^53, as the PGMap's other
 * sums (stat-vectors.ts).
 */
export class DfIndex implements DfSums, OsdStatWatcher {
  private readonly classNames: readonly string[];
  /** The topology's OSD slots and each one's class (index into classNames, -1 none). */
  private readonly osdSlots: IdSlots | undefined;
  private readonly classOfSlot: Int32Array;
  private readonly sums: Float64Array[];
  private readonly counts: Int32Array;
  /** Per rule its tree (null: read from scratch); rules with the same OSDs and weights share one. */
  private readonly rules = new Map<number, RuleTree | null>();
  private readonly treeOf = new Map<RuleOsds, RuleTree>();
  private trees: RuleTree[] = [];

  /** `vecOf`: the OSD's current vector (the table's), for building rule trees later. */
  constructor(
    readonly osdMap: OsdMap | undefined,
    readonly topo: CrushTopology | undefined,
    readonly fullRatio: number,
    private readonly vecOf: (osd: number) => Float64Array | undefined,
    current: Iterable<{ osd: number; vec: Float64Array }>,
  ) {
    const c = topo?.compiled();
    this.classNames = c?.classNames ?? [];
    this.osdSlots = c?.osdSlots;
    this.classOfSlot = c?.osdClass ?? new Int32Array(0);
    this.sums = this.classNames.map(() => new Float64Array(STATFS_W));
    this.counts = new Int32Array(this.classNames.length);
    for (const e of current) this.enter(e.osd, e.vec);
  }

  /** Whether this index answers for df of this map and topology. */
  serves(osdMap: OsdMap | undefined, topo: CrushTopology | undefined): boolean {
    if (topo !== this.topo || fullRatioOf(osdMap) !== this.fullRatio) return false;
    // Without a topology the rule is every OSD of the map: another map, another rule.
    return topo !== undefined || osdMap === this.osdMap;
  }

  private classOf(osd: number): number {
    const slots = this.osdSlots;
    if (slots === undefined) return -1;
    const s = slots.slot(osd);
    return s < 0 ? -1 : this.classOfSlot[s]!;
  }

  leave(osd: number, vec: Float64Array, gone: boolean): void {
    const c = this.classOf(osd);
    if (c >= 0) {
      addInto(this.sums[c]!, 0, vec, 0, STATFS_W, -1);
      this.counts[c]!--;
    }
    // A change is followed by enter(), which sets the rule trees' leaf once: walking each tree to its root
    // here too would do every report's tree work twice.
    if (gone) for (const t of this.trees) t.set(osd, undefined);
  }

  enter(osd: number, vec: Float64Array): void {
    const c = this.classOf(osd);
    if (c >= 0) {
      addInto(this.sums[c]!, 0, vec, 0, STATFS_W, 1);
      this.counts[c]!++;
    }
    for (const t of this.trees) t.set(osd, vec);
  }

  classSums(): Array<[cls: string, v: Float64Array]> {
    const out: Array<[string, Float64Array]> = [];
    this.classNames.forEach((cls, i) => {
      if (this.counts[i]! > 0) out.push([cls, this.sums[i]!]);
    });
    return out;
  }

  /** Whether the rule's tree is made (ahead of the first df, DfPrep makes them one per slice). */
  hasRule(ruleId: number): boolean {
    return this.rules.has(ruleId);
  }

  ruleAvail(ruleId: number): number {
    let t = this.rules.get(ruleId);
    if (t === undefined) {
      const r = ruleOsds(this.osdMap, this.topo, ruleId);
      // A negative or NaN weight (a broken map) makes the from-scratch minimum depend on order: not kept here.
      let ok = true;
      for (let i = 0; i < r.weights.length; i++) if (!(r.weights[i]! >= 0)) ok = false;
      t = null;
      if (ok) {
        t = this.treeOf.get(r) ?? null;
        if (t === null) {
          t = new RuleTree(r, this.fullRatio, this.vecOf);
          this.treeOf.set(r, t);
          this.trees = [...this.trees, t];
        }
      }
      this.rules.set(ruleId, t);
    }
    return t ? t.avail() : ruleAvailScratch(ruleOsds(this.osdMap, this.topo, ruleId), this.fullRatio, this.vecOf);
  }
}

/** df's full_ratio, in float32 as Ceph reads it. */
export function fullRatioOf(osdMap: OsdMap | undefined): number {
  return Math.fround(osdMap?.full_ratio ?? 0.95);
}

/** get_rule_avail over every OSD of the rule, in the rule's order. */
export function ruleAvailScratch(r: RuleOsds, fullRatio: number, vecOf: (osd: number) => Float64Array | undefined): number {
  let min = -1;
  for (let i = 0; i < r.osds.length; i++) {
    const proj = projectedAvail(vecOf(r.osds[i]!), r.weights[i]!, fullRatio);
    if (proj === undefined) continue;
    if (min < 0 || proj < min) min = proj;
  }
  return Math.max(0, min);
}
