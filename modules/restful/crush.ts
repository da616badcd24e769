// Which OSDs a CRUSH rule can place data on: Ceph's restful common.crush_rule_osds,
// walked over the crush map's buckets (take, choose_firstn, chooseleaf_firstn).

export interface CrushBucket {
  id: number;
  type_name?: string;
  items?: ReadonlyArray<{ id: number }>;
}

export interface CrushStep {
  op: string;
  item?: number;
  type?: string;
}

export interface CrushRule {
  steps?: readonly CrushStep[];
}

/** The set of OSD ids the rule's `take` steps reach. */
export function crushRuleOsds(buckets: readonly CrushBucket[], rule: CrushRule): Set<number> {
  const byId = new Map(buckets.map((b) => [b.id, b]));
  const items = (id: number): ReadonlyArray<{ id: number }> => byId.get(id)?.items ?? [];

  const leaves = (id: number, out: Set<number>): void => {
    if (id >= 0) out.add(id);
    else for (const it of items(id)) leaves(it.id, out);
  };

  // Descendants of `node` of type `type` (OSDs for "osd"), not looking below a match.
  const descendants = (nodeId: number, type: string | undefined): Set<number> => {
    const out = new Set<number>();
    for (const it of items(nodeId)) {
      if (it.id >= 0) {
        if (type === 'osd') out.add(it.id);
        continue;
      }
      const child = byId.get(it.id);
      if (child === undefined) continue;
      if (child.type_name === type) out.add(child.id);
      else if (child.items !== undefined) for (const d of descendants(child.id, type)) out.add(d);
    }
    return out;
  };

  const gather = (rootId: number, steps: readonly CrushStep[], out: Set<number>): void => {
    if (rootId >= 0) {
      out.add(rootId);
      return;
    }
    const step = steps[0];
    if (step === undefined) return;
    if (step.op === 'choose_firstn' || step.op === 'choose_indep') {
      for (const id of descendants(rootId, step.type)) {
        if (id >= 0) out.add(id);
        else gather(id, steps.slice(1), out);
      }
    } else if (step.op === 'chooseleaf_firstn' || step.op === 'chooseleaf_indep') {
      for (const id of descendants(rootId, step.type)) {
        if (id >= 0) out.add(id);
        else for (const it of items(id)) leaves(it.id, out);
      }
    }
  };

  const osds = new Set<number>();
  const steps = rule.steps ?? [];
  steps.forEach((step, i) => {
    if (step.op === 'take' && step.item !== undefined && byId.has(step.item)) gather(step.item, steps.slice(i + 1), osds);
  });
  return osds;
}
