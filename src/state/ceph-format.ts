// Ceph's text formats for values the PGMap and health checks print: utime_t,
// byte_u_t, timespan_str, and the float32 arithmetic Ceph's `float` locals do.

const TEN_YEARS_S = 60 * 60 * 24 * 365 * 10;

/**
 * utime_t as Ceph streams it: "2026-11-26T17:43:30.628449+0000" for absolute
 * times; "10.309194" for values under ten years (Ceph treats those as relative,
 * which is also how a never-set stamp prints: "0.000000"). Input in seconds.
 */
export function utimeString(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) seconds = 0;
  let sec = Math.floor(seconds);
  // Rounded, not truncated: the seconds arrived as a JSON double, and truncating
  // 0.628449 stored as 0.62844899... would print one microsecond early.
  let usec = Math.round((seconds - sec) * 1e6);
  if (usec >= 1_000_000) {
    sec += 1;
    usec -= 1_000_000;
  }
  const frac = String(usec).padStart(6, '0');
  if (sec < TEN_YEARS_S) return `${sec}.${frac}`;
  const iso = new Date(sec * 1000).toISOString(); // 2026-11-26T17:43:30.000Z
  return `${iso.slice(0, 19)}.${frac}+0000`;
}

const BYTE_UNITS = [' B', ' KiB', ' MiB', ' GiB', ' TiB', ' PiB', ' EiB'];
const SI_UNITS = ['', 'k', 'M', 'G', 'T', 'P', 'E'];

/**
 * Ceph's format_u: the value in the largest unit it reaches, whole when exact,
 * else with up to two decimals while the text stays within 7 characters.
 */
export function formatU(value: number, base: number, units: readonly string[]): string {
  const v = Math.max(0, Math.floor(value));
  let n = v;
  let index = 0;
  while (n >= base && index < units.length - 1) {
    n = Math.floor(n / base);
    index++;
  }
  const unit = units[index]!;
  const mult = base ** index;
  if (index === 0 || v % mult === 0) return `${n}${unit}`;
  let out = '';
  for (let digits = 2; digits >= 0; digits--) {
    out = `${cFixed(v / mult, digits)}${unit}`;
    if (out.length <= 7) break;
  }
  return out;
}

/** byte_u_t: "0 B", "2 GiB", "7.9 GiB", "925 MiB". */
export function byteU(bytes: number): string {
  return formatU(bytes, 1024, BYTE_UNITS);
}

/** si_u_t: "14.81k", "57", "2M". */
export function siU(value: number): string {
  return formatU(value, 1000, SI_UNITS);
}

/** timespan_str: "1.5s", "42s", "5m", "3h", "2d", "4w", "5M", "2y". */
export function timespanStr(seconds: number): string {
  const nsec = Math.max(0, Math.floor(seconds * 1e9));
  if (nsec < 2_000_000_000) return `${cppFloat(Math.fround(nsec / 1e9))}s`;
  const sec = Math.floor(nsec / 1e9);
  if (sec < 120) return `${sec}s`;
  const min = Math.floor(sec / 60);
  if (min < 120) return `${min}m`;
  const hr = Math.floor(min / 60);
  if (hr < 48) return `${hr}h`;
  const day = Math.floor(hr / 24);
  if (day < 14) return `${day}d`;
  const wk = Math.floor(day / 7);
  if (wk < 12) return `${wk}w`;
  const mn = Math.floor(day / 30);
  if (mn < 24) return `${mn}M`;
  return `${Math.floor(day / 365)}y`;
}

/** A float as an ostream prints it by default (%g, 6 significant digits): 0.85, 1.5, 0.123457. */
export function cppFloat(x: number): string {
  if (x === 0) return '0';
  return String(Number(x.toPrecision(6)));
}

/** printf("%.3lf"): the percentages of degraded/misplaced/unfound messages. */
export function percent3(numerator: number, denominator: number): string {
  return cFixed((numerator / denominator) * 100, 3);
}

/**
 * printf("%.*f"): like toFixed, except that an exact tie rounds to even as glibc
 * does ("%.1f" of 1.25 is "1.2"; toFixed gives "1.3").
 */
export function cFixed(x: number, digits: number): string {
  const scale = 10 ** digits;
  const scaled = x * scale;
  const floor = Math.floor(scaled);
  if (scaled - floor === 0.5 && floor % 2 === 0 && Number.isSafeInteger(floor)) return (floor / scale).toFixed(digits);
  return x.toFixed(digits);
}

/** A PG vector as Ceph prints it in health details: "[0,3]", NONE for CRUSH_ITEM_NONE. */
export function pgVectorString(v: readonly number[]): string {
  return `[${v.map((o) => (o === CRUSH_ITEM_NONE ? 'NONE' : String(o))).join(',')}]`;
}

/** The hole in an erasure-coded PG's up/acting set. */
export const CRUSH_ITEM_NONE = 0x7fffffff;

/** Ceph's shift_round_up(x, 10): bytes to KiB, rounding up. */
export function kbRoundUp(bytes: number): number {
  return Math.floor((bytes + 1023) / 1024);
}

/** store_statfs_t::kb() and friends: bytes >> 10. */
export function kbOf(bytes: number): number {
  return Math.floor(bytes / 1024);
}
