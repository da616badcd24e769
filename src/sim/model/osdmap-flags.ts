// The cluster-wide OSD map flags (CEPH_OSDMAP_* in rados.h) the simulated mon
// keeps: set and unset by `osd set|unset` and scenario actions, dumped in the
// OSD map as Ceph does (`flags` in get_flag_string's order, `flags_num`,
// `flags_set` sorted), read by the model where Ceph's OSDs and mons obey them.

export const OSDMAP_FLAG_BITS = {
  pauserd: 1 << 2,
  pausewr: 1 << 3,
  pauserec: 1 << 4,
  noup: 1 << 5,
  nodown: 1 << 6,
  noout: 1 << 7,
  noin: 1 << 8,
  nobackfill: 1 << 9,
  norecover: 1 << 10,
  noscrub: 1 << 11,
  'nodeep-scrub': 1 << 12,
  notieragent: 1 << 13,
  norebalance: 1 << 14,
  sortbitwise: 1 << 15,
  recovery_deletes: 1 << 19,
  purged_snapdirs: 1 << 20,
  nosnaptrim: 1 << 21,
  pglog_hardlimit: 1 << 22,
} as const;

type FlagName = keyof typeof OSDMAP_FLAG_BITS;

/** OSDMap::get_flag_string's order. */
const STRING_ORDER: readonly FlagName[] = [
  'pauserd', 'pausewr', 'pauserec', 'noup', 'nodown', 'noout', 'noin', 'nobackfill', 'norebalance', 'norecover',
  'noscrub', 'nodeep-scrub', 'notieragent', 'nosnaptrim', 'sortbitwise', 'recovery_deletes', 'purged_snapdirs', 'pglog_hardlimit',
];

/** What `osd set|unset <key>` accepts (Pacific's MonCommands.h); `pause` is pauserd and pausewr together. */
export const SETTABLE_FLAGS = [
  'full', 'pause', 'noup', 'nodown', 'noout', 'noin', 'nobackfill', 'norebalance', 'norecover', 'noscrub', 'nodeep-scrub', 'notieragent', 'nosnaptrim',
] as const;

export type SettableFlag = (typeof SETTABLE_FLAGS)[number];

/** The bits a settable key stands for; undefined for `full` (no longer a cluster flag since Luminous). */
export function flagBits(key: string): number | undefined {
  if (key === 'pause') return OSDMAP_FLAG_BITS.pauserd | OSDMAP_FLAG_BITS.pausewr;
  return key !== 'full' && (SETTABLE_FLAGS as readonly string[]).includes(key) ? OSDMAP_FLAG_BITS[key as FlagName] : undefined;
}

/** A new cluster's flags (what the reference cluster shows). */
export const DEFAULT_OSDMAP_FLAGS = OSDMAP_FLAG_BITS.sortbitwise | OSDMAP_FLAG_BITS.recovery_deletes | OSDMAP_FLAG_BITS.purged_snapdirs | OSDMAP_FLAG_BITS.pglog_hardlimit;

/** The mutable flag word the model shares: the OSD map dumps it, the engine and the mon rules read it. */
export class OsdmapFlags {
  bits = DEFAULT_OSDMAP_FLAGS;

  has(name: FlagName): boolean {
    return (this.bits & OSDMAP_FLAG_BITS[name]) !== 0;
  }

  /** The osd_map fields Ceph dumps: flags, flags_num, flags_set. */
  dump(): { flags: string; flags_num: number; flags_set: string[] } {
    const names = STRING_ORDER.filter((n) => (this.bits & OSDMAP_FLAG_BITS[n]) !== 0);
    return { flags: names.join(','), flags_num: this.bits, flags_set: [...names].sort() };
  }
}
