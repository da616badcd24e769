// The shapes of Ceph's command grammar: a descriptor is prefix words followed by
// typed argument specs (`name=who,type=CephString,req=false`). Kept apart from the
// parser so the value checkers, matcher and help writer share them without cycles.

/** Argument types the grammar understands (Ceph's ceph_argparse class names). */
export const ARG_TYPES = [
  'CephString',
  'CephInt',
  'CephFloat',
  'CephBool',
  'CephChoices',
  'CephPoolname',
  'CephOsdName',
  'CephName',
  'CephPgid',
  'CephObjectname',
  'CephUUID',
  'CephIPAddr',
] as const;

export type ArgType = (typeof ARG_TYPES)[number];

/** Permission a command needs, as written in Ceph's COMMAND() tables. */
export type Perm = 'r' | 'w' | 'rw' | 'x';

/** MonCommand flags, as reported in get_command_descriptions. */
export const CommandFlag = {
  NOFORWARD: 1 << 0,
  OBSOLETE: 1 << 1,
  DEPRECATED: 1 << 2,
  MGR: 1 << 3,
  POLL: 1 << 4,
  HIDDEN: 1 << 5,
  TELL: 1 << 6,
} as const;

export interface ArgSpec {
  readonly name: string;
  readonly type: ArgType;
  readonly req: boolean;
  /** 1, or 'N' for "one or more" (values collected into an array). */
  readonly n: 1 | 'N';
  /** CephInt/CephFloat bounds, inclusive; an open side is -Infinity/Infinity. */
  readonly range?: readonly [number, number];
  /** CephChoices: the allowed words. */
  readonly strings?: readonly string[];
  /** CephString: a regular-expression character class every character must match. */
  readonly goodchars?: string;
  /** The key=value pairs exactly as written, for get_command_descriptions. */
  readonly attrs: Readonly<Record<string, string>>;
}

export interface CommandDescriptor {
  /** The descriptor string as written. */
  readonly signature: string;
  /** The literal words that name the command (`['osd', 'pool', 'stats']`). */
  readonly prefix: readonly string[];
  /** The prefix words joined by one space: what `cmdmap.prefix` carries. */
  readonly prefixText: string;
  readonly args: readonly ArgSpec[];
  /** One-line help. */
  readonly desc: string;
  readonly perm: Perm;
  /** The module the command belongs to ('mgr' for native commands). */
  readonly module: string;
  /** CommandFlag bits. */
  readonly flags: number;
}

/** One validated argument value. CephOsdName yields the numeric id (or '*'), as Ceph's CLI does. */
export type ArgScalar = string | number | boolean;
export type CmdValue = ArgScalar | ArgScalar[];

/** A validated cmdmap: the prefix, typed arguments, and the generic format/target. */
export interface Cmdmap {
  prefix: string;
  format?: string;
  [arg: string]: unknown;
}

/** Output formats every command accepts through the generic `format` argument. */
export const FORMATS = ['json', 'json-pretty', 'plain'] as const;
