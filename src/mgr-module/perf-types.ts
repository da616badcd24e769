// Perf counter type bits and priorities, as Ceph's perf_counters.h defines them.

export const PERFCOUNTER_TIME = 1;
export const PERFCOUNTER_U64 = 2;
export const PERFCOUNTER_LONGRUNAVG = 4;
export const PERFCOUNTER_COUNTER = 8;
export const PERFCOUNTER_HISTOGRAM = 16;

export const PRIO_CRITICAL = 10;
export const PRIO_INTERESTING = 8;
export const PRIO_USEFUL = 5;
export const PRIO_UNINTERESTING = 2;
export const PRIO_DEBUGONLY = 0;

/** How many f64 values a counter of this type takes in a REPORT vector. */
export function valueWidth(type: number): number {
  if (type & PERFCOUNTER_HISTOGRAM) return 0;
  return type & PERFCOUNTER_LONGRUNAVG ? 2 : 1;
}

export function isLongRunAvg(type: number): boolean {
  return (type & PERFCOUNTER_LONGRUNAVG) !== 0 && (type & PERFCOUNTER_HISTOGRAM) === 0;
}

/** Ceph's value_type string of perf schema. */
export function valueType(type: number): string {
  if (type & PERFCOUNTER_HISTOGRAM) return 'integer-pair';
  if (type & PERFCOUNTER_LONGRUNAVG) return type & PERFCOUNTER_TIME ? 'real-integer-pair' : 'integer-integer-pair';
  return type & PERFCOUNTER_TIME ? 'real' : 'integer';
}
