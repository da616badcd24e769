// The PGMap's health checks, after Ceph 16's PGMap::get_health_checks:
// PG_AVAILABILITY, PG_DEGRADED, PG_DAMAGED, PG_BACKFILL_FULL, PG_RECOVERY_FULL
// (PG states, some only once stuck), OBJECT_MISPLACED, OBJECT_UNFOUND,
// OSD_SCRUB_ERRORS, LARGE_OMAP_OBJECTS, POOL_FULL / POOL_NEAR_FULL (quota
// thresholds), PG_NOT_SCRUBBED / PG_NOT_DEEP_SCRUBBED, OSD_TOO_MANY_REPAIRS.
// Those that need every PG visited (PgHealthScan) are apart from those read
// from sums, so ClusterState can run the scan in slices at scale.

import { STAT_SUM_INDEX as S } from '../protocol/messages.js';
import { checkRecorder, replayChecks, type AddCheck, type RecordedCheck } from './health-types.js';
import type { HealthSeverity } from '../mgr-module/health.js';
import type { OsdMap, OsdMapPool } from '../mgr-module/map-types.js';
import type { PGMap, PgRecord } from './pg-map.js';
import type { HealthConfig } from './health.js';
import { byteU, pgVectorString, percent3, timespanStr, utimeString } from './ceph-format.js';
import { pgStateBit } from './pg-states.js';

type Consequence = 'UNAVAILABLE' | 'DEGRADED' | 'BACKFILL_FULL' | 'DAMAGED' | 'RECOVERY_FULL';

const CONSEQUENCES: Record<Consequence, { code: string; severity: HealthSeverity; summary: string }> = {
  UNAVAILABLE: { code: 'PG_AVAILABILITY', severity: 'HEALTH_WARN', summary: 'Reduced data availability: ' },
  DEGRADED: { code: 'PG_DEGRADED', severity: 'HEALTH_WARN', summary: 'Degraded data redundancy: ' },
  BACKFILL_FULL: { code: 'PG_BACKFILL_FULL', severity: 'HEALTH_WARN', summary: "Low space hindering backfill (add storage if this doesn't resolve itself): " },
  DAMAGED: { code: 'PG_DAMAGED', severity: 'HEALTH_ERR', summary: 'Possible data damage: ' },
  RECOVERY_FULL: { code: 'PG_RECOVERY_FULL', severity: 'HEALTH_ERR', summary: 'Full OSDs blocking recovery: ' },
};

interface Response {
  word: string;
  bit: number;
  consequence: Consequence;
  /** For delayed reports: the stamp the PG must be older than, by mon_pg_stuck_threshold. */
  stuckSince?: (r: PgRecord) => number;
  /** ACTIVE is reported when absent ("inactive"). */
  invert?: boolean;
}

function response(word: string, consequence: Consequence, stuckSince?: (r: PgRecord) => number, invert = false): Response {
  return { word, bit: pgStateBit(word)!, consequence, stuckSince, invert };
}

/** Ceph's state_to_response, in PG_STATE bit order (which orders summaries: "inactive, down, ..., stale"). */
const RESPONSES: Response[] = [
  response('inconsistent', 'DAMAGED'),
  response('incomplete', 'UNAVAILABLE'),
  response('snaptrim_error', 'DAMAGED'),
  response('recovery_unfound', 'DAMAGED'),
  response('backfill_unfound', 'DAMAGED'),
  response('backfill_toofull', 'BACKFILL_FULL'),
  response('recovery_toofull', 'RECOVERY_FULL'),
  response('degraded', 'DEGRADED'),
  response('down', 'UNAVAILABLE'),
  response('peering', 'UNAVAILABLE', (r) => r.lastPeered),
  response('undersized', 'DEGRADED', (r) => r.lastFullsized),
  response('stale', 'UNAVAILABLE', (r) => r.lastUnstale),
  response('active', 'UNAVAILABLE', (r) => r.lastActive, true),
].sort((a, b) => a.bit - b.bit);

const stateName = (r: Response): string => (r.invert ? 'inactive' : r.word);

interface Causes {
  /** Response bit -> PGs. */
  states: Map<number, number>;
  messages: Map<string, { pool: number; ps: number; text: string }>;
}

/**
 * The per-PG part of PGMap::get_health_checks, fed one PG at a time: PG
 * states (some only once stuck) with their detail lines, OBJECT_UNFOUND's
 * detail, and the scrub deadlines. `visit` may be called across event-loop
 * turns while the PGMap changes (ClusterState slices it): a PG is judged as
 * it is when visited, the summaries as the sums are at `finish`.
 */
export class PgHealthScan {
  private readonly pools: Map<number, OsdMapPool>;
  private readonly max: number;
  private readonly cutoff: number;
  /** Per state id, the responses it triggers: worked out once per distinct state, not per PG. */
  private readonly matching: Array<readonly Response[] | undefined> = [];
  private readonly detected = new Map<Consequence, Causes>();
  private readonly scrub: ScrubChecker;
  private readonly unfound: string[] = [];
  private unfoundMore = false;
  /** PGs visited. */
  visited = 0;

  constructor(private readonly m: PGMap, osdMap: OsdMap, private readonly nowS: number, cfg: HealthConfig) {
    this.pools = new Map((osdMap.pools ?? []).map((p) => [p.pool, p]));
    this.max = cfg.monHealthMaxDetail;
    this.cutoff = nowS - cfg.monPgStuckThresholdS;
    this.scrub = new ScrubChecker(this.pools, nowS, cfg);
  }

  visit(rec: PgRecord): void {
    const pool = rec.pool;
    if (pool < 0) return; // a row freed since the scan began
    this.visited++;
    const m = this.m;
    const id = rec.stateId;
    const responses = this.matching[id] ?? this.match(id);
    for (const r of responses) {
      if (r.stuckSince) {
        const since = r.stuckSince(rec);
        if (since === 0 && rec.lastChange >= this.cutoff) continue; // never was, but still moving
        if (since >= this.cutoff) continue; // not stuck long enough
      }
      let causes = this.detected.get(r.consequence);
      if (!causes) this.detected.set(r.consequence, (causes = { states: new Map(), messages: new Map() }));
      causes.states.set(r.bit, (causes.states.get(r.bit) ?? 0) + 1);
      if (causes.messages.size > this.max) continue;
      causes.messages.set(rec.pgid, { pool, ps: rec.ps, text: pgMessage(m, rec, r, this.nowS, this.pools.get(pool)) });
    }
    if (!this.unfoundMore) {
      const nUnfound = m.pgStat(rec, S.num_objects_unfound);
      if (nUnfound) {
        this.unfound.push(`pg ${rec.pgid} has ${nUnfound} unfound objects`);
        if (this.unfound.length > this.max) {
          this.unfound.push('(additional pgs left out for brevity)');
          this.unfoundMore = true;
        }
      }
    }
    this.scrub.visit(rec);
  }

  private match(id: number): readonly Response[] {
    const words = this.m.states.info(id).words;
    const out = RESPONSES.filter((r) => words.has(r.word) !== (r.invert ?? false));
    this.matching[id] = out;
    return out;
  }

  /** The checks found, in Ceph's order; summaries from the PGMap's sums as they are now. */
  finish(): RecordedCheck[] {
    const { add, checks: out } = checkRecorder();
    const sum = this.m.clusterSum.stats;
    for (const [consequence, causes] of [...this.detected].sort((a, b) => order(a[0]) - order(b[0]))) {
      const c = CONSEQUENCES[consequence];
      let summary = c.summary;
      if (consequence === 'DEGRADED' && sum[S.num_objects_degraded] && sum[S.num_object_copies]! > 0) {
        const deg = sum[S.num_objects_degraded]!;
        const copies = sum[S.num_object_copies]!;
        summary += `${deg}/${copies} objects degraded (${percent3(deg, copies)}%), `;
      }
      const parts: string[] = [];
      let count = 0;
      for (const r of RESPONSES) {
        const n = causes.states.get(r.bit);
        if (!n) continue;
        parts.push(`${n} ${n > 1 ? 'pgs' : 'pg'} ${stateName(r)}`);
        count += n;
      }
      const detail = [...causes.messages.values()].sort((a, b) => a.pool - b.pool || a.ps - b.ps).map((x) => x.text);
      add(c.code, c.severity, summary + parts.join(', '), count, detail);
    }
    if (sum[S.num_objects_unfound] && sum[S.num_objects]) {
      const n = sum[S.num_objects_unfound]!;
      const objects = sum[S.num_objects]!;
      add('OBJECT_UNFOUND', 'HEALTH_WARN', `${n}/${objects} objects unfound (${percent3(n, objects)}%)`, n, [...this.unfound]);
    }
    this.scrub.report(add);
    return out;
  }
}

/**
 * The checks the PGMap raises; `add` merges into the OSDMap ones. The per-PG
 * part (`scanned`) and OSD_TOO_MANY_REPAIRS (`repaired`) come from a scan
 * (health-scan.ts); the rest is read from sums here.
 */
export function pgHealthChecks(m: PGMap, osdMap: OsdMap, cfg: HealthConfig, add: AddCheck, scanned: readonly RecordedCheck[], repaired: readonly RecordedCheck[]): void {
  // None of these codes is raised by the count-based checks below or by the OSDMap: order among them is free.
  replayChecks(scanned, add);
  pgCountChecks(m, osdMap, cfg, add, repaired);
}

/** The PGMap checks read from sums alone: cheap at any scale (the per-OSD one, repaired reads, is scanned). */
function pgCountChecks(m: PGMap, osdMap: OsdMap, cfg: HealthConfig, add: AddCheck, repaired: readonly RecordedCheck[]): void {
  const sum = m.clusterSum.stats;
  if (sum[S.num_scrub_errors]) add('OSD_SCRUB_ERRORS', 'HEALTH_ERR', `${sum[S.num_scrub_errors]} scrub errors`, sum[S.num_scrub_errors]!);
  largeOmapCheck(m, osdMap, add);
  if (cfg.monWarnOnMisplaced && sum[S.num_objects_misplaced] && sum[S.num_object_copies]! > 0) {
    const n = sum[S.num_objects_misplaced]!;
    const copies = sum[S.num_object_copies]!;
    add('OBJECT_MISPLACED', 'HEALTH_WARN', `${n}/${copies} objects misplaced (${percent3(n, copies)}%)`, n);
  }
  poolQuotaChecks(m, osdMap, cfg, add);
  replayChecks(repaired, add);
}

const order = (c: Consequence): number => Object.keys(CONSEQUENCES).indexOf(c);

function pgMessage(m: PGMap, rec: PgRecord, r: Response, nowS: number, pool: OsdMapPool | undefined): string {
  const state = m.states.name(rec.stateId);
  let s: string;
  if (r.stuckSince) {
    const since = r.stuckSince(rec);
    const age = since === 0 ? ' since forever' : ` for ${timespanStr(nowS - since)}`;
    s = `pg ${rec.pgid} is stuck ${stateName(r)}${age}, current state ${state}, last acting ${pgVectorString(rec.acting)}`;
  } else {
    s = `pg ${rec.pgid} is ${state}, acting ${pgVectorString(rec.acting)}`;
    const unfound = m.pgStat(rec, S.num_objects_unfound);
    if (unfound) s += `, ${unfound} unfound`;
  }
  if (m.states.has(rec.stateId, 'incomplete') && pool && pool.min_size > 1) {
    s += ` (reducing pool ${pool.pool_name} min_size from ${pool.min_size} may help; search ceph.com/docs for 'incomplete')`;
  }
  return s;
}

function largeOmapCheck(m: PGMap, osdMap: OsdMap, add: AddCheck): void {
  const total = m.clusterSum.stats[S.num_large_omap_objects]!;
  if (!total) return;
  const detail: string[] = [];
  for (const p of osdMap.pools ?? []) {
    const n = m.poolSum(p.pool)?.stats[S.num_large_omap_objects];
    if (n) detail.push(`${n} large objects found in pool '${p.pool_name}'`);
  }
  if (detail.length === 0) return;
  detail.push("Search the cluster log for 'Large omap object found' for more details.");
  add('LARGE_OMAP_OBJECTS', 'HEALTH_WARN', `${total} large omap objects`, total, detail);
}

/** Quota thresholds below the quota itself (reaching it is the OSDMap's POOL_FULL). */
function poolQuotaChecks(m: PGMap, osdMap: OsdMap, cfg: HealthConfig, add: AddCheck): void {
  const warn = Math.fround(cfg.monPoolQuotaWarnThresholdPct / 100);
  const crit = Math.fround(cfg.monPoolQuotaCritThresholdPct / 100);
  const full: string[] = [];
  const near: string[] = [];
  let fullPools = 0;
  let nearPools = 0;
  for (const p of osdMap.pools ?? []) {
    const sum = m.poolSum(p.pool)?.stats;
    if (!sum) continue;
    let isFull = false;
    let isNear = false;
    const objects = sum[S.num_objects]!;
    const bytes = sum[S.num_bytes]!;
    const judge = (value: number, quota: number, msg: string): void => {
      if (crit > 0 && value >= quota * crit) {
        full.push(msg);
        isFull = true;
      } else if (warn > 0 && value >= quota * warn) {
        near.push(msg);
        isNear = true;
      }
    };
    if (p.quota_max_objects > 0 && objects < p.quota_max_objects) {
      judge(objects, p.quota_max_objects, `pool '${p.pool_name}' has ${objects} objects (max ${p.quota_max_objects})`);
    }
    if (p.quota_max_bytes > 0 && bytes < p.quota_max_bytes) {
      judge(bytes, p.quota_max_bytes, `pool '${p.pool_name}' has ${byteU(bytes)} (max ${byteU(p.quota_max_bytes)})`);
    }
    if (isFull) fullPools++;
    if (isNear) nearPools++;
  }
  if (fullPools) add('POOL_FULL', 'HEALTH_ERR', `${fullPools} pools full`, fullPools, full);
  if (nearPools) add('POOL_NEAR_FULL', 'HEALTH_WARN', `${nearPools} pools nearfull`, nearPools, near);
}

interface ScrubKind {
  code: string;
  what: string;
  ratio: number;
  key: string;
  dflt: number;
  detail: string[];
  more: number;
  total: number;
}

/** PG_NOT_SCRUBBED / PG_NOT_DEEP_SCRUBBED, fed one PG at a time by the scan. */
class ScrubChecker {
  private readonly kinds: [ScrubKind, ScrubKind];
  /** Per pool: [scrub cutoff, deep-scrub cutoff]. */
  private readonly cutoffs = new Map<number, [number, number]>();

  constructor(private readonly pools: Map<number, OsdMapPool>, private readonly nowS: number, private readonly cfg: HealthConfig) {
    const kind = (code: string, what: string, ratio: number, key: string, dflt: number): ScrubKind => ({ code, what, ratio, key, dflt, detail: [], more: 0, total: 0 });
    this.kinds = [
      kind('PG_NOT_SCRUBBED', 'scrubbed', cfg.monWarnPgNotScrubbedRatio, 'scrub_max_interval', cfg.osdScrubMaxIntervalS),
      kind('PG_NOT_DEEP_SCRUBBED', 'deep-scrubbed', cfg.monWarnPgNotDeepScrubbedRatio, 'deep_scrub_interval', cfg.osdDeepScrubIntervalS),
    ];
  }

  private cutoffsOf(poolId: number): [number, number] | undefined {
    const hit = this.cutoffs.get(poolId);
    if (hit) return hit;
    const pool = this.pools.get(poolId);
    if (!pool) return undefined;
    const opt = (key: string): number => {
      const v = (pool.options as Record<string, unknown> | undefined)?.[key];
      return typeof v === 'number' && v > 0 ? v : 0;
    };
    const cut = (k: ScrubKind): number => {
      const iv = opt(k.key) || k.dflt;
      return this.nowS - (k.ratio * iv + iv);
    };
    const out: [number, number] = [cut(this.kinds[0]), cut(this.kinds[1])];
    this.cutoffs.set(poolId, out);
    return out;
  }

  visit(rec: PgRecord): void {
    const cut = this.cutoffsOf(rec.pool);
    if (!cut) return;
    this.judge(this.kinds[0], rec, rec.lastScrubStamp, cut[0]);
    this.judge(this.kinds[1], rec, rec.lastDeepScrubStamp, cut[1]);
  }

  private judge(k: ScrubKind, rec: PgRecord, stamp: number, cutoff: number): void {
    // 0 means the reporter sent no stamp (an unreported placeholder, or a source without scrub data), not "1970".
    if (!k.ratio || stamp === 0 || stamp >= cutoff) return;
    if (k.detail.length < this.cfg.monHealthMaxDetail) k.detail.push(`pg ${rec.pgid} not ${k.what} since ${utimeString(stamp)}`);
    else k.more++;
    k.total++;
  }

  report(add: AddCheck): void {
    for (const k of this.kinds) {
      if (!k.total) continue;
      const detail = k.more ? [...k.detail, `${k.more} more pgs... `] : [...k.detail];
      add(k.code, 'HEALTH_WARN', `${k.total} pgs not ${k.what} in time`, k.total, detail);
    }
  }
}
