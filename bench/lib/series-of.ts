// A /metrics text body turned into the baselines' input: the same families,
// label sets and values (mgrd_* left out). prom-client wants one label set per
// metric, so a family whose series carry different label names (rgw's
// instance_id next to ceph_daemon) gets their union, missing ones empty.

import { parseExposition } from '../../exporters/prometheus/exposition-parse.js';
import type { FamilyType } from '../../exporters/prometheus/exposition.js';
import type { SyntheticFamily, SyntheticLabelSet, SyntheticSeries } from './synthetic-cluster.js';

export function seriesOf(body: string): SyntheticSeries {
  const parsed = parseExposition(body);
  const labelSets: SyntheticLabelSet[] = [];
  const index = new Map<string, number>();
  const families: SyntheticFamily[] = [];
  for (const f of parsed.families.values()) {
    if (f.name.startsWith('mgrd_') || f.samples.length === 0) continue;
    const names = [...new Set(f.samples.flatMap((s) => s.labels.map(([n]) => n)))];
    const sets = new Uint32Array(f.samples.length);
    const values = new Float64Array(f.samples.length);
    f.samples.forEach((s, i) => {
      const byName = new Map(s.labels);
      const vals = names.map((n) => byName.get(n) ?? '');
      const key = `${names.join(',')}\u0000${vals.join('\u0000')}`;
      let k = index.get(key);
      if (k === undefined) {
        index.set(key, (k = labelSets.length));
        labelSets.push({ names, values: vals });
      }
      sets[i] = k;
      values[i] = s.value;
    });
    families.push({ name: f.name, type: f.type as FamilyType, help: f.help, labelSets: sets, values });
  }
  return { labelSets, families, sampleCount: families.reduce((n, f) => n + f.values.length, 0) };
}
