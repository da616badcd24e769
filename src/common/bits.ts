// Bit tricks shared by the PG_STATS_BIN codec and the PGMap's sparse stat_sum
// store, which both keep "which of the 40 values are present" as a mask.

/** Number of bits set in a 32-bit integer. */
export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
