// Payload types of the mgrd wire protocol. JSON payloads except REPORT and
// PG_STATS_BIN (binary after a JSON head). docs/protocol.md is the prose contract.

import type { HealthCheckMap } from '../mgr-module/health.js';

export interface HelloMsg {
  /** Always "mgrd". */
  protocol: string;
  /** Highest version the client speaks. */
  version: number;
  /** Lowest version the client accepts. */
  min_version: number;
  /** Entity name to authenticate as: "osd.3", "mon.a", "client.admin". */
  entity: string;
}

export interface ChallengeMsg {
  /** Version chosen by the server for this session. */
  version: number;
  /** 32 random bytes, hex. */
  server_nonce: string;
  /** Name of the manager answering (e.g. "x"). */
  mgr: string;
}

export interface AuthMsg {
  /** 32 random bytes, hex, chosen by the client. */
  client_nonce: string;
  /** hex HMAC-SHA256(secret, "mgrd-auth-v1" | entity | server_nonce | client_nonce). */
  proof: string;
}

export interface AuthOkMsg {
  /** hex HMAC-SHA256(secret, "mgrd-server-v1" | entity | client_nonce | server_nonce): proves the server knows the key. */
  server_proof: string;
  /** The entity's capabilities as granted, e.g. "allow profile osd". */
  caps: string;
  /** Session id, for logs. */
  session: number;
}

export interface OpenMsg {
  /** "osd.3"; must equal the authenticated entity unless the entity has the mon profile. */
  daemon_name: string;
  /** For service daemons (rgw, rbd-mirror...): the service map entry. */
  service_name?: string;
  /** Ceph's `osd metadata` strings: hostname, ceph_version, devices... */
  metadata: Record<string, string>;
  /** Free-form status strings (Ceph's daemon_status). */
  daemon_status?: Record<string, string>;
}

export interface ConfigureMsg {
  /** Seconds between REPORTs. */
  stats_period_s: number;
  /** Only counters with priority >= this are to be declared and sent. */
  stats_threshold: number;
  /** host:port of every manager in the MgrMap (active first): where to reconnect after a failover. */
  mgrs?: string[];
}

/** Unit of a counter, as Ceph's `units` in perf schema. */
export type CounterUnit = 'none' | 'bytes';

/** One declared counter: Ceph's PerfCounterType. */
export interface CounterDecl {
  /** "<section>.<name>", e.g. "osd.op_w_latency". */
  path: string;
  description: string;
  nick: string;
  /** Type bits: TIME=1, U64=2, LONGRUNAVG=4, COUNTER=8, HISTOGRAM=16. */
  type: number;
  priority: number;
  unit: CounterUnit;
}

export interface DaemonHealthMetric {
  type: string;
  value: number;
}

/** JSON head of a REPORT frame; every field optional. */
export interface ReportHead {
  declare?: CounterDecl[];
  undeclare?: string[];
  daemon_status?: Record<string, string>;
  health_metrics?: DaemonHealthMetric[];
}

/** One PG's statistics as a primary OSD reports them (compact form, docs/protocol.md). */
export interface PgStatReport {
  pgid: string;
  state: string;
  up: number[];
  acting: number[];
  up_primary: number;
  acting_primary: number;
  version: string;
  reported_epoch: number;
  reported_seq: number;
  log_size: number;
  ondisk_log_size: number;
  /** Unix seconds. */
  last_scrub_stamp: number;
  last_deep_scrub_stamp: number;
  /** Unix seconds of the last state change. */
  last_change: number;
  /** Seconds since the PG last was active+clean, or 0. */
  last_clean?: number;
  /** Values of STAT_SUM_FIELDS, in that order. */
  stat_sum: number[];
  /** OSDs blocking peering (for down PGs). */
  blocked_by?: number[];
}

/** Ceph's store_statfs_t, in bytes. */
export interface StoreStatfs {
  total: number;
  available: number;
  internally_reserved: number;
  allocated: number;
  data_stored: number;
  data_compressed: number;
  data_compressed_allocated: number;
  data_compressed_original: number;
  omap_allocated: number;
  internal_metadata: number;
}

/** Averages (and min, max) over Ceph's three windows, in milliseconds. */
export interface PingWindows {
  '1min': number;
  '5min': number;
  '15min': number;
}

export interface PingInterface {
  interface: 'back' | 'front';
  average: PingWindows;
  min: PingWindows;
  max: PingWindows;
  last: number;
}

/** One peer's entry of `network_ping_times` (see docs/protocol.md). */
export interface PeerPingTimes {
  osd: number;
  /** ctime() of the last update ("Thu Nov 26 17:41:22 2026"), UTC. */
  'last update': string;
  interfaces: PingInterface[];
}

export interface OsdStatReport {
  /** Store usage of the whole OSD. */
  statfs: StoreStatfs;
  hb_peers: number[];
  num_pgs: number;
  num_snap_trimming?: number;
  num_shards_repaired?: number;
  snap_trim_queue_len?: number;
  apply_latency_ms: number;
  commit_latency_ms: number;
  up_from: number;
  seq: number;
  /** Heartbeat ping times to each peer, as `pg dump osds` shows them. */
  network_ping_times?: PeerPingTimes[];
  /** The objectstore's alerts: name -> message (BLUESTORE_SPURIOUS_READ_ERRORS...). */
  alerts?: Record<string, string>;
}

export interface PgStatsMsg {
  osd: number;
  /** OSD map epoch the reporter has. */
  epoch: number;
  /** Unix seconds. */
  stamp: number;
  osd_stat: OsdStatReport;
  /** Per pool store stats on this OSD (Ceph's pool_statfs). */
  pool_statfs?: Array<{ poolid: number } & StoreStatfs>;
  /** PGs for which this OSD is primary. */
  pg_stats: PgStatReport[];
  /**
   * Heartbeat ping times packed (protocol/ping-times.ts), in place of
   * osd_stat.network_ping_times: what PG_STATS_BIN carries in binary. Not a
   * JSON field: the JSON frames carry network_ping_times (the client converts),
   * and a parsed JSON message's value here is ignored unless a Uint32Array.
   */
  packedPingTimes?: Uint32Array;
}

/**
 * The PG records of a PG_STATS message read one at a time, in place: after
 * the i-th next() the fields hold record i. Implemented over JSON pg_stats
 * objects (state/pg-record.ts) and over a PG_STATS_BIN payload
 * (protocol/pg-stats-codec.ts), so both apply through one path without an
 * object per PG. Values come normalised as the PGMap reads them: an absent
 * number is 0, an absent primary -1. Array fields are valid until next().
 */
export interface PgReportCursor {
  readonly count: number;
  /** Moves to the next record; false after the last. */
  next(): boolean;
  readonly pool: number;
  readonly ps: number;
  readonly state: string;
  /** Ids at [0, upCount): the array may be longer (it is reused). */
  readonly up: ArrayLike<number>;
  readonly upCount: number;
  readonly acting: ArrayLike<number>;
  readonly actingCount: number;
  readonly upPrimary: number;
  readonly actingPrimary: number;
  /** The version as EPOCH'V numbers... */
  readonly versionEpoch: number;
  readonly versionV: number;
  /** ...or, for a JSON version not of that form, the string as reported (then epoch and v are meaningless). */
  readonly versionRaw: string | undefined;
  readonly reportedEpoch: number;
  readonly reportedSeq: number;
  readonly logSize: number;
  readonly ondiskLogSize: number;
  readonly lastScrubStamp: number;
  readonly lastDeepScrubStamp: number;
  /** 0: not reported. */
  readonly lastChange: number;
  /** Seconds since the PG last was clean; 0: not reported. */
  readonly lastClean: number;
  /** STAT_SUM_FIELDS values: fewer mean the rest are 0, more are ignored. */
  readonly statSum: ArrayLike<number>;
  readonly blockedBy: ArrayLike<number>;
  readonly blockedByCount: number;
}

/**
 * A PG_STATS whose records were decoded and checked where they came in
 * (PG_STATS_BIN, by its decoder): the head's fields, and the records read in
 * place through records(), never built as `pg_stats` objects.
 */
export interface DecodedPgStats extends Omit<PgStatsMsg, 'pg_stats'> {
  /** A walk over the records from the first (one at a time: a new walk ends the previous one). */
  records(): PgReportCursor;
  /**
   * The binary ping times (PG_STATS_BIN's ping section), read into `into`
   * when it has their size, else into a new array; undefined when the frame
   * has none (protocol version 1: then osd_stat.network_ping_times).
   */
  pingTimesInto?(into: Uint32Array | undefined): Uint32Array | undefined;
}

/** Cluster maps from the cluster source (a `mon` entity). Every field optional; present ones replace. */
export interface MapMsg {
  fsid?: string;
  osd_map?: Record<string, unknown>;
  osd_map_tree?: Record<string, unknown>;
  osd_map_crush?: Record<string, unknown>;
  mon_map?: Record<string, unknown>;
  mon_status?: Record<string, unknown>;
  fs_map?: Record<string, unknown>;
  service_map?: Record<string, unknown>;
  /** Health checks raised by the cluster source (mon-side checks such as MON_DOWN); replaces the previous set. */
  health_checks?: HealthCheckMap;
  /** The commands this source answers (MON_COMMAND); replaces the set it declared before. */
  commands?: SourceCommandDecl[];
}

/** A command the cluster source answers: a Ceph descriptor, help and permission, as a module declares its COMMANDS. */
export interface SourceCommandDecl {
  /** "osd set name=key,type=CephChoices,strings=noout|noin". */
  cmd: string;
  desc: string;
  perm: 'r' | 'w' | 'rw';
}

/** A command forwarded to the cluster source: the cmdmap the manager validated against the source's descriptor. */
export interface MonCommandMsg {
  tid: number;
  cmd: Record<string, unknown>;
  inbuf?: string;
}

export interface CommandMsg {
  tid: number;
  /** Words as typed after `mgrd tell mgr` (the server matches them against descriptors)... */
  argv?: string[];
  /** ...or a Ceph cmdmap: {"prefix": "osd perf", "format": "json", ...}. */
  cmd?: Record<string, unknown>;
  inbuf?: string;
}

export interface CommandReplyMsg {
  tid: number;
  r: number;
  outs: string;
  outb: string;
}

export interface ErrorMsg {
  /** Short code: EPROTO, EAUTH, EPERM, E2BIG, EBADMSG, ESCHEMA, ESTATE, ELIMIT, EVERSION, ESHUTDOWN. */
  code: string;
  message: string;
}

export interface CloseMsg {
  reason?: string;
}

export interface RedirectMsg {
  /** host:port of the active manager's daemon listener. */
  addr: string;
  mgr: string;
}

/** The order of stat_sum values in PgStatReport.stat_sum (Ceph's object_stat_sum_t as dumped). */
export const STAT_SUM_FIELDS = [
  'num_bytes',
  'num_objects',
  'num_object_clones',
  'num_object_copies',
  'num_objects_missing_on_primary',
  'num_objects_missing',
  'num_objects_degraded',
  'num_objects_misplaced',
  'num_objects_unfound',
  'num_objects_dirty',
  'num_whiteouts',
  'num_read',
  'num_read_kb',
  'num_write',
  'num_write_kb',
  'num_scrub_errors',
  'num_shallow_scrub_errors',
  'num_deep_scrub_errors',
  'num_objects_recovered',
  'num_bytes_recovered',
  'num_keys_recovered',
  'num_objects_omap',
  'num_objects_hit_set_archive',
  'num_bytes_hit_set_archive',
  'num_flush',
  'num_flush_kb',
  'num_evict',
  'num_evict_kb',
  'num_promote',
  'num_flush_mode_high',
  'num_flush_mode_low',
  'num_evict_mode_some',
  'num_evict_mode_full',
  'num_objects_pinned',
  'num_legacy_snapsets',
  'num_large_omap_objects',
  'num_objects_manifest',
  'num_omap_bytes',
  'num_omap_keys',
  'num_objects_repaired',
] as const;

export type StatSumField = (typeof STAT_SUM_FIELDS)[number];

export const STAT_SUM_INDEX: Readonly<Record<StatSumField, number>> = Object.fromEntries(
  STAT_SUM_FIELDS.map((f, i) => [f, i]),
) as Record<StatSumField, number>;

/** Ceph's pg_t printed: "<pool>.<ps in hex>". */
export const pgidOf = (pool: number, ps: number): string => `${pool}.${ps.toString(16)}`;

/** Largest pool id a pgid may name (the PGMap keeps pool ids as int32). */
export const MAX_POOL_ID = 0x7fffffff;

/** "2.1f" -> pool 2, ps 31; undefined unless POOL.HEXSEED (no sign, no spaces, lower-case hex, pool <= MAX_POOL_ID). */
export function parsePgid(pgid: string): { pool: number; ps: number } | undefined {
  const dot = pgid.indexOf('.');
  if (dot <= 0 || dot === pgid.length - 1 || dot > 10 || pgid.length - dot > 9) return undefined;
  let pool = 0;
  for (let i = 0; i < dot; i++) {
    const c = pgid.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return undefined;
    pool = pool * 10 + c;
  }
  if (pool > MAX_POOL_ID) return undefined;
  let ps = 0;
  for (let i = dot + 1; i < pgid.length; i++) {
    const ch = pgid.charCodeAt(i);
    const d = ch >= 48 && ch <= 57 ? ch - 48 : ch >= 97 && ch <= 102 ? ch - 87 : -1;
    if (d < 0) return undefined;
    ps = ps * 16 + d;
  }
  return { pool, ps };
}

/**
 * Parses a canonical "EPOCH'V" version (decimals without sign or leading
 * zero, at most 15 digits each) into `out`, without allocating. False (and
 * `out` unchanged) for anything else, which the PGMap keeps verbatim.
 */
export function parseVersion(s: string, out: { versionEpoch: number; versionV: number }): boolean {
  const q = s.indexOf("'");
  const e = q > 0 ? decimal(s, 0, q) : -1;
  const v = e >= 0 ? decimal(s, q + 1, s.length) : -1;
  if (v < 0) return false;
  out.versionEpoch = e;
  out.versionV = v;
  return true;
}

/** s[from..to) as a canonical decimal (no sign, no leading zero, at most 15 digits), else -1. */
function decimal(s: string, from: number, to: number): number {
  const n = to - from;
  if (n < 1 || n > 15 || (n > 1 && s.charCodeAt(from) === 48)) return -1;
  let x = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    x = x * 10 + c;
  }
  return x;
}

/** A finite number or the fallback: how the manager reads a numeric field a reporter may leave out. */
export function num(v: unknown, fallback = 0): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}
