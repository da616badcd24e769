// Plain counters of the ingest path, read by mgrd's own metrics (mgrd_*).

export class IngestStats {
  accepted = 0;
  refused = 0;
  opens = 0;
  reports = 0;
  values = 0;
  bytes = 0;
  pgStats = 0;
  maps = 0;
  commands = 0;
  /** Sessions closed with an error, by code. */
  readonly errors = new Map<string, number>();
  reportTimeSumMs = 0;
  reportTimeMaxMs = 0;

  countError(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  observeReport(ms: number): void {
    this.reportTimeSumMs += ms;
    if (ms > this.reportTimeMaxMs) this.reportTimeMaxMs = ms;
  }
}
