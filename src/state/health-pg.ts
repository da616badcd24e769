// The PGMap's health checks, after Ceph 16's PGMap::get_health_checks:
// PG_AVAILABILITY, PG_DEGRADED, PG_DAMAGED, PG_BACKFILL_FULL, PG_RECOVERY_FULL
// (PG states, some only once stuck), OBJECT_MISPLACED, OBJECT_UNFOUND,
// OSD_SCRUB_ERRORS, LARGE_OMAP_OBJECTS, POOL_FULL / POOL_NEAR_FULL (quota
// thresholds), PG_NOT_SCRUBBED / PG_NOT_DEEP_SCRUBBED, OSD_TOO_MANY_REPAIRS.

import { STAT_SUM_INDEX as S } from '../protocol/messages.js';
import type { HealthSeverity } from './health-types.js';
import type { OsdMap, OsdMapPool } from './map-types.js';
import type { PGMap, PgRecord } from './pg-map.js';
import type { AddCheck, HealthConfig } from './health.js';
import { byteU, pgVectorString, percent3, timespanStr, utimeString } from './ceph-format.js';
import { pgStateBit } from './pg-states.js';
import { OSD_COL } from './stat-vectors.js';

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

/** The checks the PGMap raises; `add` merges into the OSDMap ones. */
export function pgHealthChecks(m: PGMap, osdMap: OsdMap, nowS: number, cfg: HealthConfig, add: AddCheck): void {
  const pools = new Map((osdMap.pools ?? []).map((p) => [p.pool, p]));
  const max = cfg.monHealthMaxDetail;
  const cutoff = nowS - cfg.monPgStuckThresholdS;
  // Per state id, the responses it triggers: computed once per distinct state, not per PG.
  const matching = new Map<number, Response[]>();
  for (const id of m.stateCounts().keys()) {
    const words = m.states.info(id).words;
    matching.set(id, RESPONSES.filter((r) => words.has(r.word) !== (r.invert ?? false)));
  }
  const detected = new Map<Consequence, Causes>();
  const scrub = scrubChecker(pools, nowS, cfg);
  const unfound: string[] = [];
  let unfoundMore = false;
  for (const rec of m.pgs()) {
    for (const r of matching.get(rec.stateId) ?? []) {
      if (r.stuckSince) {
        const since = r.stuckSince(rec);
        if (since === 0 && rec.lastChange >= cutoff) continue; // never was, but still moving
        if (since >= cutoff) continue; // not stuck long enough
      }
      let causes = detected.get(r.consequence);
      if (!causes) detected.set(r.consequence, (causes = { states: new Map(), messages: new Map() }));
      causes.states.set(r.bit, (causes.states.get(r.bit) ?? 0) + 1);
      if (causes.messages.size > max) continue;
      causes.messages.set(rec.pgid, { pool: rec.pool, ps: rec.ps, text: pgMessage(m, rec, r, nowS, pools.get(rec.pool)) });
    }
    const nUnfound = m.pgStat(rec, S.num_objects_unfound);
    if (nUnfound && !unfoundMore) {
      unfound.push(`pg ${rec.pgid} has ${nUnfound} unfound objects`);
      if (unfound.length > max) {
        unfound.push('(additional pgs left out for brevity)');
        unfoundMore = true;
      }
    }
    scrub.visit(rec);
  }

  const sum = m.clusterSum.stats;
  for (const [consequence, causes] of [...detected].sort((a, b) => order(a[0]) - order(b[0]))) {
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

  if (sum[S.num_scrub_errors]) add('OSD_SCRUB_ERRORS', 'HEALTH_ERR', `${sum[S.num_scrub_errors]} scrub errors`, sum[S.num_scrub_errors]!);
  largeOmapCheck(m, osdMap, add);
  if (cfg.monWarnOnMisplaced && sum[S.num_objects_misplaced] && sum[S.num_object_copies]! > 0) {
    const n = sum[S.num_objects_misplaced]!;
    const copies = sum[S.num_object_copies]!;
    add('OBJECT_MISPLACED', 'HEALTH_WARN', `${n}/${copies} objects misplaced (${percent3(n, copies)}%)`, n);
  }
  if (sum[S.num_objects_unfound] && sum[S.num_objects]) {
    const n = sum[S.num_objects_unfound]!;
    const objects = sum[S.num_objects]!;
    add('OBJECT_UNFOUND', 'HEALTH_WARN', `${n}/${objects} objects unfound (${percent3(n, objects)}%)`, n, unfound);
  }
  poolQuotaChecks(m, osdMap, cfg, add);
  scrub.report(add);
  repairedReadsCheck(m, cfg, add);
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

/** PG_NOT_SCRUBBED / PG_NOT_DEEP_SCRUBBED, fed one PG at a time from the main loop. */
function scrubChecker(pools: Map<number, OsdMapPool>, nowS: number, cfg: HealthConfig) {
  const opt = (p: OsdMapPool, key: string): number => {
    const v = (p.options as Record<string, unknown> | undefined)?.[key];
    return typeof v === 'number' && v > 0 ? v : 0;
  };
  const kinds = [
    { code: 'PG_NOT_SCRUBBED', ratio: cfg.monWarnPgNotScrubbedRatio, key: 'scrub_max_interval', dflt: cfg.osdScrubMaxIntervalS, what: 'scrubbed', stamp: (r: PgRecord) => r.lastScrubStamp },
    { code: 'PG_NOT_DEEP_SCRUBBED', ratio: cfg.monWarnPgNotDeepScrubbedRatio, key: 'deep_scrub_interval', dflt: cfg.osdDeepScrubIntervalS, what: 'deep-scrubbed', stamp: (r: PgRecord) => r.lastDeepScrubStamp },
  ].map((k) => ({ ...k, detail: [] as string[], more: 0, total: 0 }));
  const cutoffs = new Map<number, number[]>();
  return {
    visit(rec: PgRecord): void {
      const pool = pools.get(rec.pool);
      if (!pool) return;
      let cut = cutoffs.get(rec.pool);
      if (!cut) cutoffs.set(rec.pool, (cut = kinds.map((k) => { const iv = opt(pool, k.key) || k.dflt; return nowS - (k.ratio * iv + iv); })));
      kinds.forEach((k, i) => {
        const stamp = k.stamp(rec);
        // 0 means the reporter sent no stamp (an unreported placeholder, or a source without scrub data), not "1970".
        if (!k.ratio || stamp === 0 || stamp >= cut[i]!) return;
        if (k.detail.length < cfg.monHealthMaxDetail) k.detail.push(`pg ${rec.pgid} not ${k.what} since ${utimeString(stamp)}`);
        else k.more++;
        k.total++;
      });
    },
    report(add: AddCheck): void {
      for (const k of kinds) {
        if (!k.total) continue;
        const detail = k.more ? [...k.detail, `${k.more} more pgs... `] : k.detail;
        add(k.code, 'HEALTH_WARN', `${k.total} pgs not ${k.what} in time`, k.total, detail);
      }
    },
  };
}

function repairedReadsCheck(m: PGMap, cfg: HealthConfig, add: AddCheck): void {
  const detail: string[] = [];
  for (const osd of m.osdIds()) {
    const n = m.osdStat(osd)!.vec[OSD_COL.numShardsRepaired]!;
    if (n > cfg.monOsdWarnNumRepaired) detail.push(`osd.${osd} had ${n} reads repaired`);
  }
  if (detail.length) add('OSD_TOO_MANY_REPAIRS', 'HEALTH_WARN', `Too many repaired reads on ${detail.length} OSDs`, detail.length, detail);
}
