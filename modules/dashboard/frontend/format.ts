// Number formatting shared by the views (binary units, as Ceph's dashboard).

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

export function bytes(n: number): string {
  if (!Number.isFinite(n) || n <= 0) return '0 B';
  const i = Math.min(UNITS.length - 1, Math.floor(Math.log(n) / Math.log(1024)));
  const v = n / 1024 ** i;
  return `${v >= 100 || i === 0 ? v.toFixed(0) : v.toFixed(1)} ${UNITS[i]}`;
}

export const rate = (n: number): string => `${bytes(n)}/s`;

export function count(n: number): string {
  if (!Number.isFinite(n)) return '0';
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)} k`;
  return n % 1 === 0 ? String(n) : n.toFixed(1);
}

/** An ops/s column: one decimal below 10,000 (so a column reads 46.0 above 53.2, not 46), then k/M/G. */
export const opsRate = (n: number): string => (Number.isFinite(n) && n < 1e4 ? n.toFixed(1) : count(n));

export const pct = (ratio: number): string => `${(ratio * 100).toFixed(1)}%`;

export function healthClass(status: string): string {
  return status === 'HEALTH_OK' ? 'ok' : status === 'HEALTH_WARN' ? 'warn' : 'err';
}
