// The CRUSH hierarchy as far as the PGMap and health checks need it: parents
// and children (OSD_HOST_DOWN, "root=default,host=h1" locations), device
// classes (df stats_by_class), crush weights and rule roots (df max_avail).
// Built from `osd tree` JSON, a `osd crush dump`, or just a host per OSD.

import type { OsdMapTree } from '../mgr-module/map-types.js';

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
      const lists = new Map<string, number[]>();
      for (const n of this.nodes.values()) {
        if (n.id < 0 || !n.deviceClass) continue;
        let l = lists.get(n.deviceClass);
        if (!l) lists.set(n.deviceClass, (l = []));
        l.push(n.id);
      }
      this.byClass = new Map([...lists.keys()].sort().map((c) => [c, Int32Array.from(lists.get(c)!).sort()]));
    }
    return this.byClass;
  }

  /**
   * Ceph's get_rule_weight_osd_map: for each `take` of the rule, the crush
   * weights of the OSDs under it (of the take's device class), normalised to
   * sum 1 per take, in float32 as Ceph computes them. Without rules, one take
   * over every OSD in the hierarchy. Worked out once per rule (df reads it
   * after every tick), as parallel arrays in the map's order.
   */
  ruleWeights(ruleId: number): RuleWeights {
    let hit = this.ruleWeightCache.get(ruleId);
    if (!hit) {
      const m = this.ruleWeightMap(ruleId);
      hit = Object.freeze({ osds: Int32Array.from(m.keys()), weights: Float64Array.from(m.values()) });
      this.ruleWeightCache.set(ruleId, hit);
    }
    return hit;
  }

  private ruleWeightMap(ruleId: number): Map<number, number> {
    const takes = this.rules.get(ruleId) ?? [...this.nodes.values()].filter((n) => n.parent === undefined && n.id < 0).map((n) => ({ root: n.id, deviceClass: undefined }));
    const out = new Map<number, number>();
    for (const take of takes) {
      const osds = take.root >= 0 ? [take.root] : this.osdsUnder(take.root).filter((o) => !take.deviceClass || this.deviceClass(o) === take.deviceClass);
      let sum = Math.fround(0);
      const ws = osds.map((o) => {
        const w = take.root >= 0 ? 0x10000 : Math.round((this.nodes.get(o)?.crushWeight ?? 0) * 0x10000);
        sum = Math.fround(sum + w);
        return w;
      });
      if (sum === 0) continue;
      osds.forEach((o, i) => out.set(o, Math.fround((out.get(o) ?? 0) + Math.fround(ws[i]! / sum))));
    }
    return out;
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
