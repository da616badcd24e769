// Ceph's time formats.

/** "2026-11-26T17:43:30.628449+0000" (utime_t as Ceph dumps it), from milliseconds. */
export function cephTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-11-26T17:43:30.628Z
  const micros = String(Math.floor((ms % 1000) * 1000)).padStart(6, '0');
  return `${iso.slice(0, 19)}.${micros}+0000`;
}
