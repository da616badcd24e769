// Per-daemon perf counters: one pass over every daemon's latest row (the SDK's
// fast path) grouped by plan, then family by family, daemon by daemon — in the
// render worker (perf-job.ts, render-kernel.ts) or here through a writer, in
// slices. Plans (what each column becomes) are shared by all daemons with the
// same schema and kept until the schema moves; label fragments are kept per
// daemon.

import { CHECK_EVERY, type CounterColumn, type DaemonCounters, type Slicer } from '../../src/mgr-module/index.js';
import type { MetricWriter } from './exposition-bytes.js';
import { labelFragment } from './exposition.js';
import { buildPlan, PERF_SERVICE_TYPES, sameColumns, type PerfPlan, type PlanRules } from './perf-plan.js';

export interface PerfSource {
  /** Each reporting daemon's latest row, one per next() (MgrModule.daemonCounters). */
  daemonCounters(svcType?: string): Iterator<DaemonCounters, void, undefined>;
}

export interface DaemonLabels {
  /** `{ceph_daemon="osd.3"}` (rgw: `{instance_id="…"}`). */
  readonly full: string;
  /** Its UTF-8 bytes, for writers that take them. */
  readonly bytes: Buffer;
  /** The same without the closing brace, for plans that add labels. */
  readonly open: string;
  /** Its id in the render worker's table (perf-job.ts). */
  readonly id: number;
}

/** The daemons that share one plan, with their latest rows: a snapshot that stays valid after the read. */
export interface PerfGroup {
  readonly plan: PerfPlan;
  readonly rows: Float64Array[];
  readonly labels: DaemonLabels[];
}

export interface PerfGroups {
  readonly groups: readonly PerfGroup[];
  readonly daemons: number;
  /** Label ids of daemons forgotten since the last snapshot. */
  readonly droppedLabels: readonly number[];
}

export interface PerfResult {
  readonly daemons: number;
  readonly samples: number;
}

/** Ceph labels rgw counters by instance_id (the daemon id), every other daemon by ceph_daemon. */
function daemonLabels(d: DaemonCounters, id: number): DaemonLabels {
  const full = d.type === 'rgw' ? labelFragment(['instance_id'], [d.id]) : labelFragment(['ceph_daemon'], [d.daemon]);
  return { full, bytes: Buffer.from(full, 'utf8'), open: full.slice(0, -1), id };
}

export class PerfCollector {
  /** Plan per columns array: a daemon keeps its array until its schema changes. */
  private plans = new WeakMap<readonly CounterColumn[], PerfPlan>();
  /** Known plans per daemon type, to share one among daemons with equal schemas. */
  private byType = new Map<string, PerfPlan[]>();
  private rulesKey = '';
  private readonly labels = new Map<string, DaemonLabels>();
  private nextLabelId = 0;
  private readonly reportedSkips = new Set<string>();

  constructor(private readonly warn: (msg: string) => void) {}

  /**
   * Reads every daemon's latest row and groups the daemons by plan, in slices:
   * the read itself is cut too (one daemon per next(), the budget checked every
   * CHECK_EVERY daemons). `onRead` gets the time of each stretch of reading.
   */
  async group(src: PerfSource, s: Slicer, rules: PlanRules, onRead?: (ms: number) => void): Promise<PerfGroups> {
    const key = `${rules.minPriority}`;
    if (key !== this.rulesKey) {
      this.rulesKey = key;
      this.plans = new WeakMap();
      this.byType = new Map();
    }
    const groups = new Map<PerfPlan, PerfGroup>();
    let daemons = 0;
    await s.each(src.daemonCounters(), (d) => {
      if (!PERF_SERVICE_TYPES.has(d.type)) return;
      daemons++;
      const plan = this.planFor(d, rules);
      let g = groups.get(plan);
      if (g === undefined) groups.set(plan, (g = { plan, rows: [], labels: [] }));
      g.rows.push(d.values);
      let l = this.labels.get(d.daemon);
      if (l === undefined) this.labels.set(d.daemon, (l = daemonLabels(d, this.nextLabelId++)));
      g.labels.push(l);
    }, { read: onRead });
    const droppedLabels = this.labels.size > 2 * daemons + 64 ? this.pruneLabels(groups.values()) : [];
    return { groups: [...groups.values()], daemons, droppedLabels };
  }

  /** Writes grouped daemons through a writer, in slices: family by family, daemon by daemon (the worker renders the same lines). */
  async write(groups: readonly PerfGroup[], w: MetricWriter, s: Slicer): Promise<number> {
    let samples = 0;
    let n = 0;
    const encoded = w.sampleEncoded?.bind(w);
    for (const g of groups) {
      for (const e of g.plan.entries) {
        if (!this.open(w, e.family, e.type, e.help)) continue;
        const { col, nanos, labelSuffix } = e;
        for (let i = 0; i < g.rows.length; i++) {
          const raw = g.rows[i]![col]!;
          const value = nanos ? raw / 1e9 : raw;
          const l = g.labels[i]!;
          if (labelSuffix !== '') w.sample(e.family, `${l.open}${labelSuffix}}`, value);
          else if (encoded !== undefined) encoded(e.family, l.full, l.bytes, value);
          else w.sample(e.family, l.full, value);
          if ((++n & (CHECK_EVERY - 1)) === 0 && s.due()) await s.yield();
        }
        samples += g.rows.length;
      }
    }
    return samples;
  }

  /** Reads and writes every daemon's counters in this thread (strict tests, or no render worker). */
  async collect(src: PerfSource, w: MetricWriter, s: Slicer, rules: PlanRules, onRead?: (ms: number) => void): Promise<PerfResult> {
    const { groups, daemons } = await this.group(src, s, rules, onRead);
    return { daemons, samples: await this.write(groups, w, s) };
  }

  /** Logs a warning once per message (a clash repeats every collection). */
  warnOnce(msg: string): void {
    if (this.reportedSkips.has(msg)) return;
    this.reportedSkips.add(msg);
    this.warn(msg);
  }

  /** Opens a family; false (warned once) when another daemon type already wrote it with another type. */
  private open(w: MetricWriter, family: string, type: 'gauge' | 'counter', help: string): boolean {
    try {
      w.family(family, type, help);
      return true;
    } catch (err) {
      this.warnOnce(`perf counter family ${family} not exported for every daemon: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
  }

  private planFor(d: DaemonCounters, rules: PlanRules): PerfPlan {
    const cached = this.plans.get(d.columns);
    if (cached !== undefined) return cached;
    let known = this.byType.get(d.type);
    if (known === undefined) this.byType.set(d.type, (known = []));
    let plan = known.find((p) => sameColumns(p.columns, d.columns));
    if (plan === undefined) {
      plan = buildPlan(d.type, d.columns, rules);
      known.push(plan);
      // Schemas change rarely; keep the list short if a daemon type keeps churning.
      if (known.length > 16) known.shift();
      for (const sk of plan.skipped) this.warnOnce(`perf counter ${d.type} ${sk.path} not exported: ${sk.reason}`);
    }
    this.plans.set(d.columns, plan);
    return plan;
  }

  private pruneLabels(groups: Iterable<PerfGroup>): number[] {
    const live = new Set<DaemonLabels>();
    for (const g of groups) for (const l of g.labels) live.add(l);
    const dropped: number[] = [];
    for (const [name, l] of this.labels) {
      if (live.has(l)) continue;
      this.labels.delete(name);
      dropped.push(l.id);
    }
    return dropped;
  }
}
