// Plain counters of the ingest path, read by mgrd's own metrics (mgrd_*).

/** Upper bounds (µs) of the report-time buckets: 1, 2, 5 ... 100,000. */
export const BUCKET_US = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000];

export class IngestStats {
  accepted = 0;
  refused = 0;
  opens = 0;
  reports = 0;
  values = 0;
  bytes = 0;
  pgStats = 0;
  /** Daemons forgotten, gone past mgr_daemon_stale_s. */
  daemonsPruned = 0;
  maps = 0;
  commands = 0;
  /** JSON bodies parsed in slices (large ones), and those being parsed now. */
  slicedJson = 0;
  slicedJsonActive = 0;
  /** Sessions closed with an error, by code. */
  readonly errors = new Map<string, number>();
  reportTimeSumMs = 0;
  reportTimeMaxMs = 0;
  /** Report processing time histogram: bucket i counts times below BUCKET_US[i] microseconds. */
  readonly reportTimeBuckets = new Float64Array(BUCKET_US.length + 1);

  countError(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  observeReport(ms: number): void {
    this.reportTimeSumMs += ms;
    if (ms > this.reportTimeMaxMs) this.reportTimeMaxMs = ms;
    const us = ms * 1000;
    let i = 0;
    while (i < BUCKET_US.length && us >= BUCKET_US[i]!) i++;
    this.reportTimeBuckets[i]!++;
  }

  /** Approximate quantile of report processing time, in milliseconds (upper bucket bound). */
  reportTimeQuantileMs(q: number): number {
    const total = this.reportTimeBuckets.reduce((a, b) => a + b, 0);
    if (total === 0) return 0;
    let seen = 0;
    for (let i = 0; i < this.reportTimeBuckets.length; i++) {
      seen += this.reportTimeBuckets[i]!;
      if (seen >= q * total) return i < BUCKET_US.length ? BUCKET_US[i]! / 1000 : this.reportTimeMaxMs;
    }
    return this.reportTimeMaxMs;
  }
}
