// PG states: Ceph's state words, the order pg_state_string prints them in, and
// an intern table so the PGMap keeps one small integer per PG instead of a
// string, and counts states by id.

/** Ceph's PG_STATE_* bits, listed in pg_state_string's print order. */
export const PG_STATE_BITS: ReadonlyArray<readonly [word: string, bit: number]> = [
  ['stale', 17],
  ['creating', 0],
  ['active', 1],
  ['activating', 24],
  ['clean', 2],
  ['recovery_wait', 22],
  ['recovery_toofull', 28],
  ['recovering', 14],
  ['forced_recovery', 30],
  ['down', 4],
  ['recovery_unfound', 5],
  ['backfill_unfound', 6],
  ['undersized', 23],
  ['degraded', 10],
  ['remapped', 18],
  ['premerge', 7],
  ['scrubbing', 8],
  ['deep', 19],
  ['inconsistent', 11],
  ['peering', 12],
  ['repair', 13],
  ['backfill_wait', 15],
  ['backfilling', 20],
  ['forced_backfill', 31],
  ['backfill_toofull', 21],
  ['incomplete', 16],
  ['peered', 25],
  ['snaptrim', 26],
  ['snaptrim_wait', 27],
  ['snaptrim_error', 29],
  ['failed_repair', 32],
  ['laggy', 33],
  ['wait', 34],
];

/** Every word a state string can contain, "unknown" (no bits set) included. */
export const PG_STATE_WORDS: readonly string[] = [...PG_STATE_BITS.map(([w]) => w), 'unknown'];

const PRINT_ORDER = new Map<string, number>(PG_STATE_BITS.map(([w], i) => [w, i]));
const BIT_OF = new Map<string, number>(PG_STATE_BITS);

/** The PG_STATE_* bit number of a word (undefined for "unknown" and unrecognised words). */
export function pgStateBit(word: string): number | undefined {
  return BIT_OF.get(word);
}

/**
 * Canonical form of a state string: words deduplicated and in Ceph's print
 * order, so "clean+active" and "active+clean" count as one state (Ceph keys
 * states by bitmask). Words Ceph does not know are kept, after the known ones.
 */
export function canonicalPgState(raw: string): string {
  const words = [...new Set(raw.split('+').filter((w) => w !== '' && w !== 'unknown'))];
  if (words.length === 0) return 'unknown';
  words.sort((a, b) => {
    const ia = PRINT_ORDER.get(a) ?? Number.MAX_SAFE_INTEGER;
    const ib = PRINT_ORDER.get(b) ?? Number.MAX_SAFE_INTEGER;
    return ia !== ib ? ia - ib : a < b ? -1 : a > b ? 1 : 0;
  });
  return words.join('+');
}

/** Words the ingest path tests on every report, as bits (PgStateTable.flags): no Set lookups per PG. */
export const PGF = { active: 1, peered: 2, clean: 4, degraded: 8, undersized: 16, stale: 32 } as const;

export interface PgStateInfo {
  readonly id: number;
  /** Canonical state string. */
  readonly name: string;
  readonly words: ReadonlySet<string>;
}

/** Interns state strings. One per PGMap (ids are local to it). */
export class PgStateTable {
  private readonly infos: PgStateInfo[] = [];
  private readonly flagBits: number[] = [];
  private readonly byName = new Map<string, number>();
  /** Raw strings as reported, so the hot path is one Map lookup. */
  private readonly byRaw = new Map<string, number>();

  intern(raw: string): number {
    const hit = this.byRaw.get(raw);
    if (hit !== undefined) return hit;
    const name = canonicalPgState(raw);
    let id = this.byName.get(name);
    if (id === undefined) {
      id = this.infos.length;
      const words = name === 'unknown' ? new Set(['unknown']) : new Set(name.split('+'));
      this.infos.push({ id, name, words });
      let f = 0;
      for (const [w, bit] of Object.entries(PGF)) if (words.has(w)) f |= bit;
      this.flagBits.push(f);
      this.byName.set(name, id);
    }
    // Bounded by what reporters send; a hostile reporter could grow this, so cap the raw cache.
    if (this.byRaw.size < 10_000) this.byRaw.set(raw, id);
    return id;
  }

  info(id: number): PgStateInfo {
    const i = this.infos[id];
    if (!i) throw new RangeError(`unknown PG state id ${id}`);
    return i;
  }

  /** PGF bits of a state. */
  flags(id: number): number {
    const f = this.flagBits[id];
    if (f === undefined) throw new RangeError(`unknown PG state id ${id}`);
    return f;
  }

  name(id: number): string {
    return this.info(id).name;
  }

  has(id: number, word: string): boolean {
    return this.info(id).words.has(word);
  }

  /** The state with one more word (e.g. "stale"). */
  withWord(id: number, word: string): number {
    const info = this.info(id);
    if (info.words.has(word)) return id;
    return this.intern(info.name === 'unknown' ? word : `${info.name}+${word}`);
  }
}
