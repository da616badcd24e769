// The MgrMap: who is active, who stands by, which modules are enabled, which
// services modules publish. Shape of Ceph's `ceph mgr dump` (get('mgr_map')).

import type { AddrVec } from '../mgr-module/map-types.js';
import type { AvailableModule, MgrMap, MgrStandbyInfo } from '../mgr-module/mgr-map-types.js';
import { cephTimestamp } from '../common/time.js';
import { ALWAYS_ON_MODULES, MGR_RELEASE } from '../common/always-on.js';

/** A manager process asking to take part: its name, gid and addresses. */
export interface MgrCandidate {
  name: string;
  gid: number;
  /** host:port of its daemon (wire-protocol) listener. */
  daemonAddr: string;
  /** host:port of its admin HTTP listener. */
  adminAddr: string;
  availableModules: AvailableModule[];
  /** `mgr metadata` of this manager (hostname, version, addresses). */
  metadata: Record<string, string>;
  /** URIs its standby modules serve while it is a standby. */
  services: Record<string, string>;
}

/** The MgrMap's entry for a standby candidate. */
export function standbyEntry(me: MgrCandidate): MgrStandbyInfo {
  return {
    gid: me.gid, name: me.name, available_modules: me.availableModules, mgr_features: MGR_FEATURES,
    addrs: addrVec(me.daemonAddr, me.gid), services: { ...me.services },
  };
}

/** Makes `me` the active in `m` (not yet available: it becomes so once its modules have started). */
export function electInto(m: MgrMap, me: MgrCandidate, nowMs: number): void {
  m.active_name = me.name;
  m.active_gid = me.gid;
  m.active_addr = `${me.daemonAddr}/${me.gid}`;
  m.active_addrs = addrVec(me.daemonAddr, me.gid);
  m.active_change = cephTimestamp(nowMs);
  m.active_mgr_features = MGR_FEATURES;
  m.available = false;
  m.available_modules = me.availableModules;
  m.standbys = m.standbys.filter((s) => s.name !== me.name && s.gid !== me.gid);
}

/** Clears the active (it failed, resigned or lost its lease). */
export function clearActive(m: MgrMap): void {
  m.active_name = '';
  m.active_gid = 0;
  m.available = false;
}

/** Modules enabled in a new cluster, besides the always-on ones (Ceph's mgr_initial_modules). */
export const DEFAULT_ENABLED_MODULES = ['prometheus', 'hello'];

/** Ceph's feature bits of a Pacific mgr (4540138314316775423), rounded to the nearest double. */
export const MGR_FEATURES = 4540138314316775424;

export function emptyMgrMap(): MgrMap {
  return {
    epoch: 0,
    active_gid: 0,
    active_name: '',
    active_addrs: { addrvec: [] },
    active_addr: '',
    active_change: '',
    active_mgr_features: 0,
    available: false,
    standbys: [],
    modules: [...DEFAULT_ENABLED_MODULES],
    available_modules: [],
    services: {},
    always_on_modules: { [MGR_RELEASE]: [...ALWAYS_ON_MODULES] },
    last_failure_osd_epoch: 0,
    active_clients: [],
  };
}

export function addrVec(hostPort: string, nonce: number): AddrVec {
  return { addrvec: [{ type: 'v2', addr: hostPort, nonce }] };
}

/**
 * `mgr fail NAME` applied to a map: the active is cleared (MgrStandby tears it down, then resigns);
 * a standby leaves the map until it joins again, which it does at once (as a Ceph standby's next beacon).
 */
export function failIn(m: MgrMap, name: string): void {
  if (m.active_name === name) clearActive(m);
  else m.standbys = m.standbys.filter((s) => s.name !== name);
}

/** The entries of a key-value store under a prefix. */
export function kvWithPrefix(kv: ReadonlyMap<string, string>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of kv) if (k.startsWith(prefix)) out[k] = v;
  return out;
}
