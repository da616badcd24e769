// What a peer may send, per frame type: the largest frame and the deepest
// JSON nesting the server accepts (docs/protocol.md, "Limits"). A frame over
// its bound is refused from its 5-byte header, before its payload is read.
// Every bound is also capped by ms_max_frame_bytes; before authentication by
// ms_preauth_max_bytes.

import { FrameType } from './frames.js';

export interface FrameBound {
  /** Largest frame (type byte and payload), bytes. */
  maxBytes: number;
  /** Deepest nesting of objects and arrays in its JSON (the REPORT and PG_STATS_BIN heads for those). */
  maxDepth: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** Bounds of the frames a client may send; other types are refused from the header. MAP is bounded by ms_max_frame_bytes only. */
export const CLIENT_FRAME_BOUNDS: Readonly<Partial<Record<number, FrameBound>>> = {
  [FrameType.HELLO]: { maxBytes: 4 * KiB, maxDepth: 2 },
  [FrameType.AUTH]: { maxBytes: 4 * KiB, maxDepth: 2 },
  // Ceph's `osd metadata`: ~40 strings, a few KiB.
  [FrameType.OPEN]: { maxBytes: 1 * MiB, maxDepth: 3 },
  // A head declaring mgr_max_counters_per_daemon (4096) counters is ~1 MiB; values 16 B each at most.
  [FrameType.REPORT]: { maxBytes: 8 * MiB, maxDepth: 4 },
  // One OSD's PGs: ~700 B each as JSON; 16 MiB holds ~20,000.
  // osd_stat.network_ping_times[].interfaces[].average is 7 deep.
  [FrameType.PG_STATS]: { maxBytes: 16 * MiB, maxDepth: 7 },
  [FrameType.PG_STATS_BIN]: { maxBytes: 16 * MiB, maxDepth: 7 },
  // A MAP of 10,000 OSDs is ~16 MB of JSON: only ms_max_frame_bytes bounds it.
  [FrameType.MAP]: { maxBytes: Infinity, maxDepth: 32 },
  [FrameType.COMMAND]: { maxBytes: 4 * MiB, maxDepth: 5 },
  [FrameType.CLOSE]: { maxBytes: 4 * KiB, maxDepth: 2 },
  // The cluster source's answer to a forwarded command: outb may be a dump (osd dump of a large cluster).
  [FrameType.MON_COMMAND_REPLY]: { maxBytes: 32 * MiB, maxDepth: 2 },
};

/** Largest head of PG_STATS_BIN (osd_stat, pool_statfs, the states table). */
export const MAX_PG_STATS_BIN_HEAD_BYTES = 1 * MiB;

/** JSON bodies above this size are parsed in slices that yield to the event loop. */
export const SLICED_JSON_MIN_BYTES = 256 * KiB;
