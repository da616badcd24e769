// Shape checks of what a map store reads back (a file, an etcd value): a value
// of the wrong shape is refused with the path of the first bad field, before
// any part of mgrd reads it.

import { kindOf } from '../common/shape.js';
import type { MgrMap } from '../mgr-module/mgr-map-types.js';

export class ShapeError extends Error {
  constructor(readonly what: string, message: string) {
    super(message);
  }
}

type Kind = 'string' | 'number' | 'boolean' | 'object' | 'array';

function expectKind(what: string, path: string, v: unknown, kind: Kind): void {
  if (kindOf(v) !== kind) throw new ShapeError(what, `${path} is ${kindOf(v)}, expected ${kind}`);
}

const MAP_FIELDS: Array<[keyof MgrMap, Kind]> = [
  ['epoch', 'number'], ['active_gid', 'number'], ['active_name', 'string'], ['active_addrs', 'object'],
  ['active_addr', 'string'], ['active_change', 'string'], ['active_mgr_features', 'number'], ['available', 'boolean'],
  ['standbys', 'array'], ['modules', 'array'], ['available_modules', 'array'], ['services', 'object'],
  ['always_on_modules', 'object'], ['last_failure_osd_epoch', 'number'], ['active_clients', 'array'],
];

/** Returns `v` as a MgrMap, or throws ShapeError naming the first bad field. */
export function checkMgrMap(v: unknown): MgrMap {
  const what = 'MgrMap';
  expectKind(what, 'the map', v, 'object');
  const m = v as Record<string, unknown>;
  for (const [k, kind] of MAP_FIELDS) expectKind(what, k, m[k], kind);
  const map = m as unknown as MgrMap;
  if (!Number.isSafeInteger(map.epoch) || map.epoch < 0) throw new ShapeError(what, `epoch ${map.epoch} is not a non-negative integer`);
  expectKind(what, 'active_addrs.addrvec', map.active_addrs.addrvec, 'array');
  map.modules.forEach((x, i) => expectKind(what, `modules[${i}]`, x, 'string'));
  for (const [k, x] of Object.entries(map.services)) expectKind(what, `services.${k}`, x, 'string');
  map.standbys.forEach((s, i) => {
    expectKind(what, `standbys[${i}]`, s, 'object');
    expectKind(what, `standbys[${i}].name`, s.name, 'string');
    expectKind(what, `standbys[${i}].gid`, s.gid, 'number');
    expectKind(what, `standbys[${i}].available_modules`, s.available_modules, 'array');
  });
  map.available_modules.forEach((a, i) => {
    expectKind(what, `available_modules[${i}]`, a, 'object');
    expectKind(what, `available_modules[${i}].name`, a.name, 'string');
  });
  return map;
}

/** Returns `v` as the key-value store (string values), or throws ShapeError. */
export function checkKv(v: unknown): Record<string, string> {
  const what = 'key-value store';
  expectKind(what, 'the store', v, 'object');
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) expectKind(what, JSON.stringify(k), x, 'string');
  return v as Record<string, string>;
}
