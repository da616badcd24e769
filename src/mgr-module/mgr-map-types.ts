// The MgrMap as a module reads it (get('mgr_map')): Ceph's `ceph mgr dump` shape,
// with mgrd's extensions marked. The core keeps and changes it (mgr/mgr-map.ts).

import type { AddrVec } from './map-types.js';

export interface ModuleOptionInfo {
  name: string;
  type: string;
  level: string;
  flags: number;
  default_value: string;
  min: string;
  max: string;
  enum_allowed: string[];
  desc: string;
  long_desc: string;
  tags: string[];
  see_also: string[];
}

export interface AvailableModule {
  name: string;
  can_run: boolean;
  error_string: string;
  module_options: Record<string, ModuleOptionInfo>;
}

export interface MgrStandbyInfo {
  gid: number;
  name: string;
  available_modules: AvailableModule[];
  mgr_features: number;
  /** mgrd: where the standby listens (its daemon address once active). Not in Ceph's map. */
  addrs?: AddrVec;
  /** mgrd: what its standby modules serve (e.g. prometheus' standby page). Not in Ceph's map. */
  services?: Record<string, string>;
}

export interface MgrMap {
  epoch: number;
  active_gid: number;
  active_name: string;
  active_addrs: AddrVec;
  active_addr: string;
  active_change: string;
  active_mgr_features: number;
  available: boolean;
  standbys: MgrStandbyInfo[];
  modules: string[];
  available_modules: AvailableModule[];
  services: Record<string, string>;
  always_on_modules: Record<string, string[]>;
  last_failure_osd_epoch: number;
  active_clients: unknown[];
}
