// The manager's own options (Ceph's names where Ceph has one). `config set mgr
// <name> <value>` changes them at runtime; `--set name=value` at boot.

import type { OptionSpec } from './options.js';

export const MGR_OPTIONS: readonly OptionSpec[] = [
  { name: 'mgr_stats_period', type: 'float', default: 5, min: 0.05, max: 3600, desc: 'Seconds between daemon REPORTs (sent to daemons in CONFIGURE). Ceph: integer seconds; mgrd allows fractions for benchmarks.' },
  { name: 'mgr_stats_threshold', type: 'int', default: 5, min: 0, max: 11, desc: 'Lowest perf counter priority daemons send (PRIO_USEFUL = 5; 0 sends all).' },
  { name: 'mgr_tick_period', type: 'float', default: 2, min: 0.1, max: 600, desc: 'Seconds between manager ticks (PG rates, health).' },
  { name: 'mgr_mon_command_timeout_s', type: 'float', default: 30, min: 0.1, max: 3600, desc: 'Seconds a command answered by the cluster source (osd set, osd out, osd pool create...) may wait for its answer; then the caller gets ETIMEDOUT.' },
  { name: 'mgr_module_path', type: 'str', default: '', desc: 'Extra module folders, separated by ":" (besides exporters/ and modules/).', runtime: false },
  { name: 'mgr_module_queue_max', type: 'int', default: 1024, min: 8, max: 1_000_000, desc: 'Bound of each module queue (notifications coalesce by type and id; beyond the bound notifications are dropped and counted, MGR_MODULE_QUEUE_FULL, and commands get -EAGAIN).' },
  { name: 'mgr_module_op_timeout_ms', type: 'int', default: 30_000, min: 10, max: 3_600_000, desc: 'A notify, command or config handler running longer is a module fault: its caller gets ETIMEDOUT, the next handler waits for it (hooks never overlap), and if it has not returned after twice this the module is failed.' },
  { name: 'mgr_module_max_consecutive_faults', type: 'int', default: 5, min: 1, max: 1_000_000, desc: 'A module whose hooks fault this many times in a row (no hook succeeding in between) is failed (MGR_MODULE_ERROR, HEALTH_ERR) until disabled and enabled again.' },
  { name: 'mgr_module_shutdown_timeout_ms', type: 'int', default: 5_000, min: 10, max: 600_000, desc: 'Bound on each module shutdown() when disabling a module or stopping.' },
  { name: 'mgr_daemon_stale_s', type: 'float', default: 30, min: 1, max: 86_400, desc: 'A daemon whose session closed this long ago is forgotten (metadata, counters and their series), unless the cluster maps still list it (an OSD, mon or MDS that is down, as Ceph keeps).' },
  { name: 'ms_max_frame_bytes', type: 'int', default: 64 * 1024 * 1024, min: 4096, max: 1024 * 1024 * 1024, desc: 'Largest wire frame accepted; a larger one closes its session.', runtime: false },
  { name: 'ms_max_sessions', type: 'int', default: 50_000, min: 1, max: 1_000_000, desc: 'Most concurrent wire-protocol sessions; more are refused with an error frame.' },
  { name: 'ms_session_max_buffered_bytes', type: 'int', default: 16 * 1024 * 1024, min: 4096, max: 1024 * 1024 * 1024, desc: 'Most bytes queued to one slow reader before its session is closed.' },
  { name: 'ms_handshake_timeout_ms', type: 'int', default: 10_000, min: 100, max: 600_000, desc: 'A session that has not authenticated in this time is closed.' },
  // What an unauthenticated peer can make the manager hold (docs/limits.md).
  { name: 'ms_preauth_max_bytes', type: 'int', default: 8192, min: 512, max: 1024 * 1024, desc: 'Most bytes a connection may send before it has authenticated (HELLO and AUTH together); more closes it with E2BIG.' },
  { name: 'ms_preauth_max_sessions', type: 'int', default: 4096, min: 1, max: 1_000_000, desc: 'Most connections authenticating at once; more are refused with ELIMIT.' },
  { name: 'ms_preauth_max_sessions_per_peer', type: 'int', default: 1024, min: 1, max: 1_000_000, desc: 'Most connections authenticating at once from one peer address; more are refused with ELIMIT.' },
  // What an authenticated peer can make the manager keep or compute (docs/limits.md).
  { name: 'ms_session_max_pending_commands', type: 'int', default: 16, min: 1, max: 4096, desc: 'Commands of one session computed at once; later ones wait (and the session stops being read) until replies go out.' },
  { name: 'ms_session_replace_min_interval_s', type: 'float', default: 5, min: 0, max: 3600, desc: 'A new session for a daemon replaces its open one at most this often; an OPEN sooner is refused with ELIMIT.' },
  { name: 'mgr_max_counters_per_daemon', type: 'int', default: 4096, min: 1, max: 1_000_000, desc: 'Most perf counters one daemon may declare (a Ceph OSD declares ~400); more are refused with ELIMIT.' },
  { name: 'mgr_max_counter_values', type: 'int', default: 10_000_000, min: 1000, max: 1_000_000_000, desc: 'Most perf counter values kept for all daemons together (each keeps 20 samples: the latest as 8 bytes, the 19 before as XOR deltas, 1 bit each while it does not move, up to ~9 bytes when it does; and is a series on /metrics); a declaration beyond is refused with ELIMIT. A bluestore OSD declares 153 values at threshold 5 and 740 at threshold 0: 20,000 OSDs keep ~3.1M, 10,000 with every counter ~7.4M.' },
  { name: 'mgr_max_daemons_per_type', type: 'int', default: 32_768, min: 1, max: 10_000_000, desc: 'Most daemons of one type (osd, mon, rgw...) the manager keeps; an OPEN for a new one beyond is refused with ELIMIT.' },
  { name: 'mgr_max_stamp_skew_s', type: 'float', default: 30, min: 0, max: 86_400, desc: 'A PG_STATS stamp further than this ahead of the manager clock is clamped to the manager clock (and counted).' },
];
