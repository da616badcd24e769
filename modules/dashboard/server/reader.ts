// The narrow slice of the SDK the dashboard's views read (the module hands
// itself in; tests can hand a plain object).

import type { MgrModule } from '../../../src/mgr-module/index.js';

export type ClusterReader = Pick<MgrModule, 'get' | 'listServers' | 'forEachDaemonCounters' | 'getCounter' | 'getMetadata' | 'getPerfSchema'>;

/** Parses the JSON text `get('health')` and `get('mon_status')` answer with; an empty object if it is not JSON. */
export function parseJson<T>(text: string | undefined): Partial<T> {
  if (typeof text !== 'string') return {};
  try {
    return JSON.parse(text) as Partial<T>;
  } catch {
    return {};
  }
}

export const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
