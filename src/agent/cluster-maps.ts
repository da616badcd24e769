// The cluster maps as the MAP message carries them, from the cluster's own
// answers: `osd dump`, `osd tree`, `osd crush dump`, `quorum_status` (its
// monmap is what ceph-mgr's get('mon_map') is; mon_status is built from it,
// or taken from a local mon's socket), `fs dump`, `service dump`. Pure.

import type { MapMsg } from '../protocol/messages.js';

export interface QuorumStatusJson {
  election_epoch?: number;
  quorum?: number[];
  quorum_names?: string[];
  quorum_leader_name?: string;
  quorum_age?: number;
  features?: Record<string, unknown>;
  monmap?: { mons?: Array<{ name?: string; rank?: number }> } & Record<string, unknown>;
}

/**
 * The leader's `mon_status` as far as `quorum_status` tells it (a client with
 * `mon 'allow r'` may not ask a mon for mon_status itself): name, rank and
 * state of the leader, quorum, the monmap; the leader's session feature_map is
 * not known this way and is left empty.
 */
export function monStatusFromQuorum(q: QuorumStatusJson): Record<string, unknown> {
  const mons = q.monmap?.mons ?? [];
  const leader = mons.find((m) => m.name === q.quorum_leader_name);
  const inQuorum = new Set(q.quorum_names ?? []);
  return {
    name: q.quorum_leader_name ?? '',
    rank: leader?.rank ?? -1,
    state: 'leader',
    election_epoch: q.election_epoch ?? 0,
    quorum: q.quorum ?? [],
    quorum_age: q.quorum_age ?? 0,
    features: q.features ?? {},
    outside_quorum: mons.filter((m) => m.name !== undefined && !inQuorum.has(m.name)).map((m) => m.name),
    extra_probe_peers: [],
    sync_provider: [],
    monmap: q.monmap ?? {},
    feature_map: {},
    stretch_mode: false,
  };
}

type MapField = Exclude<keyof MapMsg, 'health_checks' | 'fsid'>;

/**
 * Remembers what was sent, field by field, so a MAP carries only what changed
 * (mon_status compared without quorum_age, which the manager counts on from
 * when it arrived), and everything again after a reconnection.
 */
export class MapDiffer {
  private readonly sent = new Map<string, string>();
  private readonly latest = new Map<MapField, Record<string, unknown>>();

  /** Records the newest value of a field. */
  set(field: MapField, value: Record<string, unknown>): void {
    this.latest.set(field, value);
  }

  has(field: MapField): boolean {
    return this.latest.has(field);
  }

  /** The fields that changed since last taken (all of them when `all`), marked as sent. */
  take(all: boolean): MapMsg {
    const out: MapMsg = {};
    for (const [field, value] of this.latest) {
      const key = field === 'mon_status' ? JSON.stringify({ ...value, quorum_age: 0 }) : JSON.stringify(value);
      if (!all && this.sent.get(field) === key) continue;
      this.sent.set(field, key);
      (out as Record<string, unknown>)[field] = value;
    }
    return out;
  }
}
