// PG state bits and their text, in the order Ceph's pg_state_string() writes
// them ("active+undersized+degraded+remapped+backfilling"). The bit values are
// our own (they fit a Uint32Array); only the names and their order are Ceph's.

export const PG_CREATING = 1 << 0;
export const PG_ACTIVE = 1 << 1;
export const PG_CLEAN = 1 << 2;
export const PG_DOWN = 1 << 3;
export const PG_SCRUBBING = 1 << 4;
export const PG_DEGRADED = 1 << 5;
export const PG_PEERING = 1 << 6;
export const PG_RECOVERING = 1 << 7;
export const PG_BACKFILL_WAIT = 1 << 8;
export const PG_STALE = 1 << 9;
export const PG_REMAPPED = 1 << 10;
export const PG_DEEP_SCRUB = 1 << 11;
export const PG_BACKFILLING = 1 << 12;
export const PG_BACKFILL_TOOFULL = 1 << 13;
export const PG_RECOVERY_WAIT = 1 << 14;
export const PG_UNDERSIZED = 1 << 15;
export const PG_ACTIVATING = 1 << 16;
export const PG_PEERED = 1 << 17;
export const PG_INCOMPLETE = 1 << 18;

/** Ceph's order (osd_types.cc pg_state_string). */
const ORDER: ReadonlyArray<[number, string]> = [
  [PG_STALE, 'stale'],
  [PG_CREATING, 'creating'],
  [PG_ACTIVE, 'active'],
  [PG_ACTIVATING, 'activating'],
  [PG_CLEAN, 'clean'],
  [PG_RECOVERY_WAIT, 'recovery_wait'],
  [PG_RECOVERING, 'recovering'],
  [PG_DOWN, 'down'],
  [PG_UNDERSIZED, 'undersized'],
  [PG_DEGRADED, 'degraded'],
  [PG_REMAPPED, 'remapped'],
  [PG_SCRUBBING, 'scrubbing'],
  [PG_DEEP_SCRUB, 'deep'],
  [PG_PEERING, 'peering'],
  [PG_BACKFILL_WAIT, 'backfill_wait'],
  [PG_BACKFILLING, 'backfilling'],
  [PG_BACKFILL_TOOFULL, 'backfill_toofull'],
  [PG_INCOMPLETE, 'incomplete'],
  [PG_PEERED, 'peered'],
];

const cache = new Map<number, string>();

/** "active+clean", ...; "unknown" for no bits (as Ceph prints an empty state). */
export function pgStateString(state: number): string {
  const hit = cache.get(state);
  if (hit !== undefined) return hit;
  const words: string[] = [];
  for (const [bit, name] of ORDER) if (state & bit) words.push(name);
  const s = words.length > 0 ? words.join('+') : 'unknown';
  if (cache.size < 4096) cache.set(state, s);
  return s;
}

export const ACTIVE_CLEAN = PG_ACTIVE | PG_CLEAN;
/** Bits that a scrub may add to a clean PG without making it unclean. */
export const SCRUB_BITS = PG_SCRUBBING | PG_DEEP_SCRUB;
