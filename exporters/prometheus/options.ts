// The module's options: Ceph 16's (same names, types and defaults) plus
// healthcheck_history_max_entries (from later Ceph), collect_slice_ms and
// perf_counters_prio_limit (ours).
// Values are validated by the manager when set; readConfig() turns them into
// one frozen, unit-named object per (re)configuration.

import { listenerOptions, type ModuleOption } from '../../src/mgr-module/index.js';

export const DEFAULT_PORT = 9283;

/** Ceph's prio_limit of get_all_perf_counters() in the module (PerfCounters PRIO_USEFUL). */
export const PRIO_USEFUL = 5;

export const MODULE_OPTIONS: readonly ModuleOption[] = [
  ...listenerOptions({ addr: '', port: DEFAULT_PORT, serves: 'HTTP requests' }),
  { name: 'scrape_interval', type: 'float', default: 15, min: 0.1, max: 3600, desc: 'seconds between collections; set it to the scrape interval of Prometheus. The cache is stale when a collection takes this long' },
  { name: 'cache', type: 'bool', default: true, desc: 'collect on the interval and serve the cached body; false collects for each scrape' },
  { name: 'stale_cache_strategy', type: 'str', default: 'log', enum_allowed: ['log', 'fail', 'return'], desc: "what a scrape of a stale cache gets: 'return' the stale body, or 503 ('fail', and 'log' as in Ceph, which treats every value but 'return' as 'fail'); always logged" },
  { name: 'standby_behaviour', type: 'str', default: 'default', enum_allowed: ['default', 'error'], desc: "what a standby answers on '/': 'default' a link to the active's /metrics, 'error' standby_error_status_code" },
  { name: 'standby_error_status_code', type: 'int', default: 500, min: 400, max: 599, desc: "HTTP status of a standby's '/' with standby_behaviour=error" },
  { name: 'exclude_perf_counters', type: 'bool', default: false, desc: 'leave the per-daemon perf counters (ceph_<section>_<counter>) out of /metrics' },
  { name: 'healthcheck_history_max_entries', type: 'int', default: 1000, min: 1, max: 1_000_000, desc: 'most health checks kept in the history behind ceph_health_detail and `healthcheck history ls`' },
  {
    name: 'perf_counters_prio_limit', type: 'int', default: PRIO_USEFUL, min: 0, max: 10,
    desc: "lowest priority of the perf counters exported: Ceph's prio_limit (5, PRIO_USEFUL); 0 exports every counter the daemons send, which mgr_stats_threshold still limits (mgrd)",
  },
  { name: 'collect_slice_ms', type: 'float', default: 5, min: 1, max: 1000, desc: 'longest stretch a collection runs before yielding to the event loop (mgrd)' },
];

export type StaleCacheStrategy = 'log' | 'fail' | 'return';

export interface PrometheusConfig {
  readonly serverAddr: string;
  readonly serverPort: number;
  readonly scrapeIntervalS: number;
  readonly cache: boolean;
  readonly staleCacheStrategy: StaleCacheStrategy;
  readonly standbyBehaviour: 'default' | 'error';
  readonly standbyErrorStatusCode: number;
  readonly excludePerfCounters: boolean;
  readonly healthHistoryMaxEntries: number;
  readonly collectSliceMs: number;
  /** Lowest perf counter priority exported (before mgr_stats_threshold: the effective limit is the higher). */
  readonly perfCountersPrioLimit: number;
}

type OptionReader = <T extends string | number | boolean>(name: string, fallback: T) => T;

export function readConfig(get: OptionReader): PrometheusConfig {
  const strategy = get<string>('stale_cache_strategy', 'log');
  return Object.freeze({
    serverAddr: get('server_addr', '').trim(),
    serverPort: get('server_port', DEFAULT_PORT),
    scrapeIntervalS: get('scrape_interval', 15),
    cache: get('cache', true),
    staleCacheStrategy: strategy === 'return' || strategy === 'fail' ? strategy : 'log',
    standbyBehaviour: get<string>('standby_behaviour', 'default') === 'error' ? 'error' : 'default',
    standbyErrorStatusCode: get('standby_error_status_code', 500),
    excludePerfCounters: get('exclude_perf_counters', false),
    healthHistoryMaxEntries: get('healthcheck_history_max_entries', 1000),
    collectSliceMs: get('collect_slice_ms', 5),
    perfCountersPrioLimit: get('perf_counters_prio_limit', PRIO_USEFUL),
  });
}

/** '' / '::' / '0.0.0.0' mean every address; the host to listen on (undefined: Node's dual-stack default). */
export function listenHost(serverAddr: string): string | undefined {
  return serverAddr === '' || serverAddr === '::' ? undefined : serverAddr;
}

export function isWildcard(serverAddr: string): boolean {
  return serverAddr === '' || serverAddr === '::' || serverAddr === '0.0.0.0';
}
