// Recovery and IO rates as Ceph prints them (PGMapDigest's recovery_summary,
// recovery_rate_summary, client_io_rate_summary, cache_io_rate_summary),
// rendered from the JSON those same functions dump, so text and JSON agree.

import { byteU, percent3 } from '../../state/ceph-format.js';
import { siU } from './table-format.js';

type Rates = Record<string, unknown>;

const n = (j: Rates, k: string): number => (typeof j[k] === 'number' ? j[k] : 0);
const has = (j: Rates, k: string): boolean => typeof j[k] === 'number';

/** "46/138 objects degraded (33.333%)", misplaced, unfound: one line each, when present. */
export function recoveryLines(j: Rates): string[] {
  const out: string[] = [];
  if (has(j, 'degraded_objects')) out.push(`${n(j, 'degraded_objects')}/${n(j, 'degraded_total')} objects degraded (${percent3(n(j, 'degraded_objects'), n(j, 'degraded_total'))}%)`);
  if (has(j, 'misplaced_objects')) out.push(`${n(j, 'misplaced_objects')}/${n(j, 'misplaced_total')} objects misplaced (${percent3(n(j, 'misplaced_objects'), n(j, 'misplaced_total'))}%)`);
  if (has(j, 'unfound_objects')) out.push(`${n(j, 'unfound_objects')}/${n(j, 'unfound_total')} objects unfound (${percent3(n(j, 'unfound_objects'), n(j, 'unfound_total'))}%)`);
  return out;
}

/** "12 MiB/s, 3 objects/s" (with ", N keys/s" when keys moved); '' when nothing recovers. */
export function recoveryRateText(j: Rates): string {
  if (!has(j, 'recovering_objects_per_sec')) return '';
  let out = `${byteU(n(j, 'recovering_bytes_per_sec'))}/s`;
  if (n(j, 'num_keys_recovered')) out += `, ${siU(n(j, 'recovering_keys_per_sec'))} keys/s`;
  return `${out}, ${siU(n(j, 'recovering_objects_per_sec'))} objects/s`;
}

/** "1.2 MiB/s rd, 3 KiB/s wr, 10 op/s rd, 5 op/s wr"; '' without client IO. */
export function clientIoText(j: Rates): string {
  if (!has(j, 'read_op_per_sec') && !has(j, 'write_op_per_sec')) return '';
  let out = '';
  if (has(j, 'read_bytes_sec')) out += `${byteU(n(j, 'read_bytes_sec'))}/s rd, `;
  if (has(j, 'write_bytes_sec')) out += `${byteU(n(j, 'write_bytes_sec'))}/s wr, `;
  return `${out}${siU(n(j, 'read_op_per_sec'))} op/s rd, ${siU(n(j, 'write_op_per_sec'))} op/s wr`;
}

/** "2 MiB/s flush, 1 op/s promote, 3 PGs flushing"; '' without cache-tier activity. */
export function cacheIoText(j: Rates): string {
  const parts: string[] = [];
  if (has(j, 'flush_bytes_sec')) parts.push(`${byteU(n(j, 'flush_bytes_sec'))}/s flush`);
  if (has(j, 'evict_bytes_sec')) parts.push(`${byteU(n(j, 'evict_bytes_sec'))}/s evict`);
  if (has(j, 'promote_op_per_sec')) parts.push(`${siU(n(j, 'promote_op_per_sec'))} op/s promote`);
  if (has(j, 'num_flush_mode_low')) parts.push(`${siU(n(j, 'num_flush_mode_low'))} PGs flushing`);
  if (has(j, 'num_flush_mode_high')) parts.push(`${siU(n(j, 'num_flush_mode_high'))} PGs flushing (high)`);
  if (has(j, 'num_evict_mode_some')) parts.push(`${siU(n(j, 'num_evict_mode_some'))} PGs evicting`);
  if (has(j, 'num_evict_mode_full')) parts.push(`${siU(n(j, 'num_evict_mode_full'))} PGs evicting (full)`);
  return parts.join(', ');
}
