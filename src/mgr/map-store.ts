// The map store: where the MgrMap and the module store/config live. `local`
// (one process, a data dir) is the embedded default; `etcd` (distributed, with
// leader election) plugs into the same interface.

import type { MgrCandidate, MgrMap } from './mgr-map.js';

export type MapListener = (map: MgrMap) => void;

export interface MapStore {
  readonly kind: string;
  /** Joins as a candidate; resolves once the candidate is in the map (active or standby). */
  join(me: MgrCandidate): Promise<void>;
  /** Leaves the map (clean shutdown): an active steps down first. */
  leave(): Promise<void>;
  /** The current map (a copy). */
  current(): MgrMap;
  /** Called with every new map epoch, in order. Returns an unsubscribe function. */
  onMap(listener: MapListener): () => void;
  /** Changes the map as the active manager (enabled modules, services, available). Bumps the epoch. */
  update(mutate: (map: MgrMap) => void): Promise<MgrMap>;
  /** `mgr fail`: the named manager stops being active; a standby (or the same process, if alone) takes over. */
  fail(name: string): Promise<void>;
  /** Key-value store for module stores and config (persisted; survives failover). */
  kvGet(key: string): string | undefined;
  kvSet(key: string, value: string | undefined): Promise<void>;
  kvList(prefix: string): Record<string, string>;
  close(): Promise<void>;
}
