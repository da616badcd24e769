// The CRUSH hierarchy as far as the PGMap and health checks need it: parents
// and children (OSD_HOST_DOWN, "root=default,host=h1" locations), device
// classes (df stats_by_class), crush weights and rule roots (df max_avail).
// Built from `osd tree` JSON, a `osd crush dump`, or just a host per OSD.

import type { OsdMapTree } from '../mgr-module/map-types.js';
import { IdSlots } from './id-slots.js';

export interface CrushNode {
  readonly id: number;
  readonly name: string;
  readonly type: string;
  readonly typeId: number;
  /** Children in CRUSH bucket order. */
  readonly children: number[];
  parent: number | undefined;
  /** Crush weight (OSDs), as `osd tree` prints it. */
  crushWeight: number;
  deviceClass: string | undefined;
  depth: number;
}

/** The parts of `osd crush dump` (get('osd_map_crush')) read here. */
export interface CrushDump {
  buckets?: Array<{ id: number; name: string; type_id: number; type_name: string; items: Array<{ id: number; weight: number }> }>;
  devices?: Array<{ id: number; name: string; class?: string }>;
  rules?: Array<{ rule_id: number; steps: Array<{ op: string; item?: number; item_name?: string }> }>;
  types?: Array<{ type_id: number; name: string }>;
}

/** A rule's OSDs and their normalised weights (index i of both). */
export interface RuleWeights {
  readonly osds: Int32Array;
  readonly weights: Float64Array;
}

/** The hierarchy as df reads it, by slot (IdSlots): per OSD its crush weight in 16.16 and its class; per bucket its children. */
export interface CompiledCrush {
  readonly osdSlots: IdSlots;
  /** Math.round(crush weight * 0x10000), as Ceph's rule weight map reads it. */
  readonly osdWeightFixed: Float64Array;
  /** Index into classNames, -1 without a class. */
  readonly osdClass: Int32Array;
  /** Device classes, in name order. */
  readonly classNames: readonly string[];
  /** Bucket id b at slot bucketSlots.slot(-1 - b). */
  readonly bucketSlots: IdSlots;
  readonly bucketChildren: ReadonlyArray<readonly number[]>;
}

interface Take {
  root: number;
  deviceClass: string | undefined;
}

/** Ceph's default CRUSH type for "root". */
const ROOT_TYPE_ID = 11;

export class CrushTopology {
  private readonly nodes = new Map<number, CrushNode>();
  /** What the hierarchy was built from: a real crush map ('tree', 'crush') or OSD hostnames ('hosts'). */
  source: 'tree' | 'crush' | 'hosts' = 'tree';
  private readonly rules = new Map<number, Take[]>();
  private maxType = 0;
  // A topology is built whole and never changed after: what df and health derive from it is kept.
  private treeOrder: readonly CrushNode[] | undefined;
  private treeIds: readonly number[] | undefined;
  private byClass: ReadonlyMap<string, Int32Array> | undefined;
  private readonly ruleWeightCache = new Map<number, RuleWeights>();
  private readonly takesWeightCache = new Map<string, RuleWeights>();
  private compiledCache: CompiledCrush | undefined;

  /** From `osd tree` / get('osd_map_tree'); rules (for df) from a crush dump when given. */
  static fromTree(tree: OsdMapTree, crush?: CrushDump): CrushTopology {
    const t = new CrushTopology();
    for (const n of tree.nodes ?? []) {
      // `osd tree` lists a bucket's children in reverse bucket order.
      const children = [...(n.children ?? [])].reverse();
      t.add({ id: n.id, name: n.name, type: n.type, typeId: n.type_id, children, crushWeight: n.crush_weight ?? 0, deviceClass: n.device_class });
    }
    t.link();
    if (crush) t.readRules(crush);
    return t;
  }

  /** From get('osd_map_crush'): the hierarchy without shadow (per-class) buckets, and the rules. */
  static fromCrush(crush: CrushDump): CrushTopology {
    const t = new CrushTopology();
    t.source = 'crush';
    const cls = new Map((crush.devices ?? []).map((d) => [d.id, d]));
    const weights = new Map<number, number>();
    for (const b of crush.buckets ?? []) {
      if (b.name.includes('~')) continue;
      for (const it of b.items) if (it.id >= 0) weights.set(it.id, it.weight / 0x10000);
      t.add({ id: b.id, name: b.name, type: b.type_name, typeId: b.type_id, children: b.items.map((i) => i.id), crushWeight: 0, deviceClass: undefined });
    }
    for (const d of cls.values()) t.add({ id: d.id, name: d.name, type: 'osd', typeId: 0, children: [], crushWeight: weights.get(d.id) ?? 0, deviceClass: d.class });
    for (const ty of crush.types ?? []) t.maxType = Math.max(t.maxType, ty.type_id);
    t.link();
    t.readRules(crush);
    return t;
  }

  /** From a hostname per OSD (OSD metadata): root "default" > host > osd, unit weights, no device class. */
  static fromHosts(hostByOsd: ReadonlyMap<number, string> | Record<string, string>, rootName = 'default'): CrushTopology {
    const entries: Array<[number, string]> = hostByOsd instanceof Map ? [...hostByOsd] : Object.entries(hostByOsd).map(([k, v]) => [Number(k), v]);
    const t = new CrushTopology();
    t.source = 'hosts';
    const hosts = [...new Set(entries.map(([, h]) => h))].sort();
    const hostId = new Map(hosts.map((h, i) => [h, -2 - i]));
    t.add({ id: -1, name: rootName, type: 'root', typeId: ROOT_TYPE_ID, children: hosts.map((h) => hostId.get(h)!), crushWeight: 0, deviceClass: undefined });
    for (const h of hosts) {
      const osds = entries.filter(([, x]) => x === h).map(([o]) => o).sort((a, b) => a - b);
      t.add({ id: hostId.get(h)!, name: h, type: 'host', typeId: 1, children: osds, crushWeight: 0, deviceClass: undefined });
      for (const o of osds) t.add({ id: o, name: `osd.${o}`, type: 'osd', typeId: 0, children: [], crushWeight: 1, deviceClass: undefined });
    }
    t.link();
    return t;
  }

  node(id: number): CrushNode | undefined {
    return this.nodes.get(id);
  }

  has(id: number): boolean {
    return this.nodes.has(id);
  }

  /** Highest CRUSH type id (Ceph's get_max_type_id: "root" by default). */
  get maxTypeId(): number {
    return this.maxType;
  }

  /** Ceph's get_full_location_ordered_string: ancestors from the top, "root=default,host=h1". */
  locationString(id: number): string {
    const parts: string[] = [];
    let p = this.nodes.get(id)?.parent;
    const seen = new Set<number>();
    while (p !== undefined && !seen.has(p)) {
      seen.add(p);
      const n = this.nodes.get(p);
      if (!n) break;
      parts.push(`${n.type}=${n.name}`);
      p = n.parent;
    }
    return parts.reverse().join(',');
  }

  /** OSD leaves under a node (the node itself if it is an OSD). */
  osdsUnder(id: number): number[] {
    if (id >= 0) return this.nodes.has(id) ? [id] : [];
    const out: number[] = [];
    const stack = [id];
    const seen = new Set<number>();
    while (stack.length) {
      const cur = stack.pop()!;
      if (seen.has(cur)) continue;
      seen.add(cur);
      const n = this.nodes.get(cur);
      if (!n) continue;
      for (const c of n.children) if (c >= 0) out.push(c);
      else stack.push(c);
    }
    return out;
  }

  /** OSD nodes in the order `osd df` lists them (depth first, bucket order). */
  osdsInTreeOrder(): readonly CrushNode[] {
    this.treeOrder ??= this.walkTree();
    return this.treeOrder;
  }

  /** Ids of the OSDs in the hierarchy (reachable from a root), ascending. */
  treeOsdIds(): readonly number[] {
    this.treeIds ??= this.osdsInTreeOrder().map((n) => n.id).sort((a, b) => a - b);
    return this.treeIds;
  }

  private walkTree(): CrushNode[] {
    const out: CrushNode[] = [];
    const seen = new Set<number>();
    const visit = (id: number): void => {
      if (seen.has(id)) return;
      seen.add(id);
      const n = this.nodes.get(id);
      if (!n) return;
      if (id >= 0) out.push(n);
      for (const c of n.children) visit(c);
    };
    for (const n of this.nodes.values()) if (n.parent === undefined && n.id < 0) visit(n.id);
    return out;
  }

  deviceClass(osd: number): string | undefined {
    return this.nodes.get(osd)?.deviceClass;
  }

  /** OSD ids by device class, classes in name order, ids ascending (df's stats_by_class). */
  osdsByClass(): ReadonlyMap<string, Int32Array> {
    if (!this.byClass) {
      const c = this.compiled();
      const counts = new Int32Array(c.classNames.length);
      for (let s = 0; s < c.osdClass.length; s++) if (c.osdClass[s]! >= 0) counts[c.osdClass[s]!]!++;
      const lists = c.classNames.map((_, i) => new Int32Array(counts[i]!));
      counts.fill(0);
      for (let s = 0; s < c.osdClass.length; s++) {
        const k = c.osdClass[s]!;
        if (k >= 0) lists[k]![counts[k]!++] = c.osdSlots.idAt(s);
      }
      this.byClass = new Map(c.classNames.map((cls, i) => [cls, lists[i]!.sort()]));
    }
    return this.byClass;
  }

  /**
   * Ceph's get_rule_weight_osd_map: for each `take` of the rule, the crush
   * weights of the OSDs under it (of the take's device class), normalised to
   * sum 1 per take, in float32 as Ceph computes them. Without rules, one take
   * over every OSD in the hierarchy. Worked out once per list of takes (rules
   * with the same takes share one answer: df keeps one min tree for them), as
   * parallel arrays in the order a Map filled take by take would list them.
   */
  ruleWeights(ruleId: number): RuleWeights {
    let hit = this.ruleWeightCache.get(ruleId);
    if (!hit) {
      const takes = this.takesOf(ruleId);
      const key = takes.map((t) => `${t.root}~${t.deviceClass ?? ''}`).join(' ');
      hit = this.takesWeightCache.get(key);
      if (!hit) {
        hit = this.weightsOfTakes(takes);
        this.takesWeightCache.set(key, hit);
      }
      this.ruleWeightCache.set(ruleId, hit);
    }
    return hit;
  }

  /** Whether ruleWeights(ruleId) is worked out already. */
  hasRuleWeights(ruleId: number): boolean {
    return this.ruleWeightCache.has(ruleId);
  }

  /** Whether compiled() is made already. */
  isCompiled(): boolean {
    return this.compiledCache !== undefined;
  }

  private takesOf(ruleId: number): readonly Take[] {
    return this.rules.get(ruleId) ?? this.rootIds().map((id) => ({ root: id, deviceClass: undefined }));
  }

  /** Buckets without a parent, in node order. */
  private rootIds(): number[] {
    const out: number[] = [];
    for (const n of this.nodes.values()) if (n.parent === undefined && n.id < 0) out.push(n.id);
    return out;
  }

  private weightsOfTakes(takes: readonly Take[]): RuleWeights {
    const lists = takes.map((t) => this.takeWeights(t));
    // One take whose OSDs are listed once each (the usual rule): its weights are the answer as they are.
    if (lists.length === 1 && lists[0]!.distinct) return Object.freeze({ osds: lists[0]!.osds, weights: lists[0]!.weights });
    const out = new Map<number, number>();
    for (const l of lists) {
      for (let i = 0; i < l.osds.length; i++) {
        const o = l.osds[i]!;
        out.set(o, Math.fround((out.get(o) ?? 0) + l.weights[i]!));
      }
    }
    return Object.freeze({ osds: Int32Array.from(out.keys()), weights: Float64Array.from(out.values()) });
  }

  /**
   * One take's OSDs (depth first, as osdsUnder lists them, repeats kept) and their normalised weights
   * (0 when the take weighs nothing: such a take adds nothing to the rule); `distinct`: no OSD twice.
   */
  private takeWeights(take: Take): { osds: Int32Array; weights: Float64Array; distinct: boolean } {
    const c = this.compiled();
    if (take.root >= 0) return { osds: Int32Array.of(take.root), weights: Float64Array.of(1), distinct: true };
    // -2: any class; -3: a class no OSD has (nothing matches).
    const cls = !take.deviceClass ? -2 : c.classNames.includes(take.deviceClass) ? c.classNames.indexOf(take.deviceClass) : -3;
    const ids: number[] = [];
    const ws: number[] = [];
    let sum = Math.fround(0);
    let distinct = true;
    const seen = new Uint8Array(c.bucketSlots.size);
    const mark = new Uint8Array(c.osdSlots.size);
    const stack = [take.root];
    while (stack.length > 0) {
      const b = c.bucketSlots.slot(-1 - stack.pop()!);
      if (b < 0 || seen[b] === 1) continue;
      seen[b] = 1;
      const children = c.bucketChildren[b]!;
      for (let i = 0; i < children.length; i++) {
        const o = children[i]!;
        if (o < 0) {
          stack.push(o);
          continue;
        }
        const s = c.osdSlots.slot(o);
        // A take of a device class keeps that class's OSDs (an OSD without a node has none).
        if (cls !== -2 && (s < 0 || c.osdClass[s] !== cls)) continue;
        if (s < 0 || mark[s] === 1) distinct = false;
        else mark[s] = 1;
        const w = s < 0 ? 0 : c.osdWeightFixed[s]!;
        sum = Math.fround(sum + w);
        ids.push(o);
        ws.push(w);
      }
    }
    if (sum === 0) return { osds: new Int32Array(0), weights: new Float64Array(0), distinct: true };
    const weights = new Float64Array(ids.length);
    for (let i = 0; i < ids.length; i++) weights[i] = Math.fround(ws[i]! / sum);
    return { osds: Int32Array.from(ids), weights, distinct };
  }

  /** The hierarchy as typed arrays by OSD slot and bucket slot, made once (df's rule weights and classes read it). */
  compiled(): CompiledCrush {
    if (this.compiledCache) return this.compiledCache;
    const osdIds: number[] = [];
    const bucketIds: number[] = [];
    const classSet = new Set<string>();
    for (const n of this.nodes.values()) {
      if (n.id >= 0) {
        osdIds.push(n.id);
        if (n.deviceClass) classSet.add(n.deviceClass);
      } else bucketIds.push(n.id);
    }
    const classNames = [...classSet].sort();
    const classIndex = new Map(classNames.map((c, i) => [c, i]));
    const osdSlots = new IdSlots(osdIds);
    const bucketSlots = new IdSlots(bucketIds.map((id) => -1 - id));
    const osdWeightFixed = new Float64Array(osdSlots.size);
    const osdClass = new Int32Array(osdSlots.size).fill(-1);
    const bucketChildren: number[][] = new Array<number[]>(bucketSlots.size);
    for (const n of this.nodes.values()) {
      if (n.id >= 0) {
        const s = osdSlots.slot(n.id);
        osdWeightFixed[s] = Math.round(n.crushWeight * 0x10000);
        osdClass[s] = n.deviceClass ? classIndex.get(n.deviceClass)! : -1;
      } else bucketChildren[bucketSlots.slot(-1 - n.id)] = n.children;
    }
    this.compiledCache = { osdSlots, osdWeightFixed, osdClass, classNames, bucketSlots, bucketChildren };
    return this.compiledCache;
  }

  private add(n: Omit<CrushNode, 'parent' | 'depth'>): void {
    this.nodes.set(n.id, { ...n, parent: undefined, depth: 0 });
    this.maxType = Math.max(this.maxType, n.typeId);
  }

  private link(): void {
    for (const n of this.nodes.values()) {
      for (const c of n.children) {
        const child = this.nodes.get(c);
        if (child && child.parent === undefined) child.parent = n.id;
      }
    }
    for (const n of this.nodes.values()) {
      let d = 0;
      for (let p = n.parent; p !== undefined && d < 64; p = this.nodes.get(p)?.parent) d++;
      n.depth = d;
    }
  }

  private readRules(crush: CrushDump): void {
    const byName = new Map<string, number>();
    for (const n of this.nodes.values()) byName.set(n.name, n.id);
    for (const r of crush.rules ?? []) {
      const takes: Take[] = [];
      for (const s of r.steps ?? []) {
        if (s.op !== 'take') continue;
        const [rootName, cls] = (s.item_name ?? '').split('~');
        const root = rootName ? byName.get(rootName) : s.item;
        if (root !== undefined) takes.push({ root, deviceClass: cls });
      }
      this.rules.set(r.rule_id, takes);
    }
  }
}
