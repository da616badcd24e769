// The wire protocol's limits (docs/limits.md, "Wire protocol"): manager
// options read live, so `config set mgr ms_...` takes effect on the next
// frame or connection without a restart.

import type { OptionTable } from '../common/options.js';

export interface WireLimits {
  readonly maxFrameBytes: number;
  readonly maxSessions: number;
  readonly maxBufferedBytes: number;
  readonly handshakeTimeoutMs: number;
  readonly preauthMaxBytes: number;
  readonly preauthMaxSessions: number;
  readonly preauthMaxSessionsPerPeer: number;
  readonly maxPendingCommands: number;
  readonly replaceMinIntervalS: number;
  readonly maxCountersPerDaemon: number;
  readonly maxCounterValues: number;
  readonly maxDaemonsPerType: number;
  readonly maxStampSkewS: number;
  readonly daemonStaleS: number;
}

/** The option behind each limit. */
export const WIRE_LIMIT_OPTIONS: Readonly<Record<keyof WireLimits, string>> = {
  maxFrameBytes: 'ms_max_frame_bytes',
  maxSessions: 'ms_max_sessions',
  maxBufferedBytes: 'ms_session_max_buffered_bytes',
  handshakeTimeoutMs: 'ms_handshake_timeout_ms',
  preauthMaxBytes: 'ms_preauth_max_bytes',
  preauthMaxSessions: 'ms_preauth_max_sessions',
  preauthMaxSessionsPerPeer: 'ms_preauth_max_sessions_per_peer',
  maxPendingCommands: 'ms_session_max_pending_commands',
  replaceMinIntervalS: 'ms_session_replace_min_interval_s',
  maxCountersPerDaemon: 'mgr_max_counters_per_daemon',
  maxCounterValues: 'mgr_max_counter_values',
  maxDaemonsPerType: 'mgr_max_daemons_per_type',
  maxStampSkewS: 'mgr_max_stamp_skew_s',
  daemonStaleS: 'mgr_daemon_stale_s',
};

/** Limits that read the option table on every use. */
export function optionLimits(o: OptionTable): WireLimits {
  const out: Record<string, number> = {};
  for (const [key, name] of Object.entries(WIRE_LIMIT_OPTIONS)) {
    Object.defineProperty(out, key, { get: () => o.num(name), enumerable: true });
  }
  return out as unknown as WireLimits;
}
