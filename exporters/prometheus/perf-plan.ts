// How one daemon's perf counter schema becomes metric families, as Ceph 16's
// module does it: `ceph_` + the counter path with `.`, `/`, blanks and `::`
// turned into `_` (a trailing `-` into `_minus`, `+` into `_plus`), labelled by
// the daemon; long-running averages as `_sum`/`_count`; TIME values from
// nanoseconds to seconds; histograms and odd type combinations skipped.
// A plan is built once per distinct schema and shared by every daemon with it.

import {
  PERFCOUNTER_COUNTER, PERFCOUNTER_HISTOGRAM, PERFCOUNTER_LONGRUNAVG, PERFCOUNTER_TIME, PERFCOUNTER_U64,
  type CounterColumn,
} from '../../src/mgr-module/index.js';
import { escapeLabelValue } from './exposition.js';
import type { PlanEntry } from './render-kernel.js';

/** Daemon types whose counters Ceph's get_all_perf_counters() hands the module (mgr's own are not among them). */
export const PERF_SERVICE_TYPES: ReadonlySet<string> = new Set(['mds', 'mon', 'osd', 'rbd-mirror', 'rgw', 'tcmu-runner']);

const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const ILLEGAL = /[./\s]|::/g;

/** Ceph's promethize(): a counter path as a family name. */
export function promethize(path: string): string {
  let r = path.replace(ILLEGAL, '_').replace(/\+/g, '_plus');
  r = r.endsWith('-') ? `${r.slice(0, -1)}_minus` : r.replace(/-/g, '_');
  return `ceph_${r}`;
}

const TYPE_MASK = ~(PERFCOUNTER_TIME | PERFCOUNTER_U64);

/**
 * Ceph's _stattype_to_str(): the family type of a counter, or undefined for the
 * combinations Ceph skips (histograms; LONGRUNAVG|COUNTER and the like).
 */
export function perfFamilyType(type: number): 'gauge' | 'counter' | undefined {
  const t = type & TYPE_MASK;
  if (t === 0) return 'gauge';
  if (t === PERFCOUNTER_LONGRUNAVG || t === PERFCOUNTER_COUNTER) return 'counter';
  return undefined; // PERFCOUNTER_HISTOGRAM alone, or a mix: Ceph exports neither
}

/** What a family takes from a row: defined beside the render kernel, which must import nothing. */
export type { PlanEntry } from './render-kernel.js';

export interface PerfPlan {
  /** The columns this plan was built from (compared structurally with other daemons' columns). */
  readonly columns: readonly CounterColumn[];
  readonly entries: readonly PlanEntry[];
  /** Families a counter would have produced but that were left out, with why (logged once). */
  readonly skipped: ReadonlyArray<{ path: string; reason: string }>;
}

export interface PlanRules {
  /** Lowest priority exported: max(PRIO_USEFUL, the stats threshold), as Ceph's prio_limit. */
  readonly minPriority: number;
  /** Family names owned by the cluster-level collector: a counter may not write into them. */
  readonly reserved: ReadonlySet<string>;
}

const RBD_MIRROR_IMAGE = /^rbd_mirror_image_([^/]+)\/(?:(?:([^/]+)\/)?)(.*)\.(replay(?:_bytes|_latency)?)$/;
const RGW_SYNC_FROM = /^data-sync-from-(.*)\./;

function labelPairs(names: readonly string[], values: readonly string[]): string {
  return names.map((n, i) => `,${n}="${escapeLabelValue(values[i] ?? '')}"`).join('');
}

/** Builds the plan for one schema (daemon type matters for rbd-mirror's per-image counters). */
export function buildPlan(daemonType: string, columns: readonly CounterColumn[], rules: PlanRules): PerfPlan {
  const entries: PlanEntry[] = [];
  const skipped: Array<{ path: string; reason: string }> = [];
  const seen = new Set<string>();
  const add = (family: string, type: 'gauge' | 'counter', help: string, col: number, nanos: boolean, labelSuffix: string, path: string): void => {
    if (!METRIC_NAME_RE.test(family)) {
      skipped.push({ path, reason: `"${family}" is not a valid metric name` });
    } else if (rules.reserved.has(family)) {
      skipped.push({ path, reason: `${family} is a cluster-level family` });
    } else if (seen.has(family + labelSuffix)) {
      skipped.push({ path, reason: `${family} is already produced by another counter of this daemon` });
    } else {
      seen.add(family + labelSuffix);
      entries.push({ family, type, help, col, nanos, labelSuffix });
    }
  };
  for (const c of columns) {
    if (c.width === 0 || c.priority < rules.minPriority || (c.type & PERFCOUNTER_HISTOGRAM) !== 0) continue;
    const type = perfFamilyType(c.type);
    if (type === undefined) continue;
    let path = c.path;
    let suffix = '';
    if (daemonType === 'rbd-mirror') {
      const m = RBD_MIRROR_IMAGE.exec(path);
      if (m !== null) {
        path = `rbd_mirror_image_${m[4] ?? ''}`;
        suffix = labelPairs(['pool', 'namespace', 'image'], [m[1] ?? '', m[2] ?? '', m[3] ?? '']);
      }
    }
    const nanos = (c.type & PERFCOUNTER_TIME) !== 0;
    const names: Array<[string, string]> = [[promethize(path), suffix]];
    // Ceph 16 also writes RGW sync counters under a fixed name with the zone as a label.
    const zone = RGW_SYNC_FROM.exec(path);
    if (zone !== null) names.push([promethize(path.replace(/from-([^.]*)/, 'from-zone')), suffix + labelPairs(['source_zone'], [zone[1] ?? ''])]);
    for (const [family, labelSuffix] of names) {
      if ((c.type & PERFCOUNTER_LONGRUNAVG) !== 0) {
        add(`${family}_sum`, type, `${c.description} Total`, c.col, nanos, labelSuffix, c.path);
        add(`${family}_count`, 'counter', `${c.description} Count`, c.col + 1, false, labelSuffix, c.path);
      } else {
        add(family, type, c.description, c.col, nanos, labelSuffix, c.path);
      }
    }
  }
  return { columns, entries, skipped };
}

/** Whether two schemas give the same plan (daemons of one type usually share one). */
export function sameColumns(a: readonly CounterColumn[], b: readonly CounterColumn[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.col !== y.col || x.type !== y.type || x.priority !== y.priority || x.width !== y.width || x.path !== y.path || x.description !== y.description) {
      return false;
    }
  }
  return true;
}
