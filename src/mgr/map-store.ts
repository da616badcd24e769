// The map store: where the MgrMap and the module store/config live, and who
// decides which manager is active. `local` (a data dir and its lock, one host)
// is the embedded default; `etcd` (a lease per manager, several hosts) plugs
// into the same interface.
//
// The rule both keep: a process serves as active only while the store says it
// leads (isLeader(): the lock held, or a lease known to be alive). When the map
// stops naming it active, MgrStandby tears the active side down and then calls
// resign(), so leadership passes on only once nothing of the old active serves.

import type { CommandStore } from '../commands/native-command.js';
import type { MgrCandidate } from './mgr-map.js';
import type { MgrMap } from '../mgr-module/mgr-map-types.js';

export type MapListener = (map: MgrMap) => void;

/** The map listeners of a store: each new map goes to every listener in the order they subscribed. */
export class MapListeners {
  private readonly list: MapListener[] = [];

  add(listener: MapListener): () => void {
    this.list.push(listener);
    return () => {
      const i = this.list.indexOf(listener);
      if (i >= 0) this.list.splice(i, 1);
    };
  }

  /** Hands each listener the map (a copy the store keeps no reference to). */
  emit(map: MgrMap): void {
    for (const l of [...this.list]) l(map);
  }
}

export class NotLeaderError extends Error {
  readonly code = 'EAGAIN';
}

/** The manager's map store: the part commands and modules see (CommandStore: map, metadata, key-value store), and leadership. */
export interface MapStore extends CommandStore {
  readonly kind: string;
  /** Joins as a candidate; resolves once the candidate is in the map (active or standby). */
  join(me: MgrCandidate): Promise<void>;
  /** Updates this candidate's standby services (what its standby modules serve). */
  setServices(services: Record<string, string>): Promise<void>;
  /** Leaves the map (clean shutdown): an active steps down first and hands over at once. */
  leave(): Promise<void>;
  /** Whether this process may serve as active now (holds the lock, or a lease not about to expire). */
  isLeader(): boolean;
  /** Gives leadership away after the active side was torn down; this process stays a candidate. */
  resign(): Promise<void>;
  /** Called with every new map epoch, in order. Returns an unsubscribe function. */
  onMap(listener: MapListener): () => void;
  /** Called when the store can no longer work for this process (e.g. a file it must read is corrupt). */
  onFatal(listener: (err: Error) => void): void;
  close(): Promise<void>;
}
