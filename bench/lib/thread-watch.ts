// What this thread did over a stretch of a benchmark: GC pauses (PerformanceObserver
// 'gc') and, when asked, a CPU profile of the stretch (node:inspector), so a
// long event-loop delay can be told apart into GC, our code and the core's.
// bench/cpuprofile-stalls.ts reads the profiles.

import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { performance, PerformanceObserver } from 'node:perf_hooks';

export interface GcFigures {
  /** Longest single pause, ms. */
  readonly max: number;
  /** All pauses together, ms. */
  readonly total: number;
  readonly count: number;
}

/** GC pauses from start() to stop(). */
export class GcWatch {
  private max = 0;
  private total = 0;
  private count = 0;
  private readonly obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      this.max = Math.max(this.max, e.duration);
      this.total += e.duration;
      this.count++;
    }
  });

  start(): void {
    this.max = 0;
    this.total = 0;
    this.count = 0;
    this.obs.observe({ entryTypes: ['gc'] });
  }

  /** The pauses since start() (entries are delivered asynchronously: call after a turn has passed). */
  stop(): GcFigures {
    for (const e of this.obs.takeRecords()) {
      this.max = Math.max(this.max, e.duration);
      this.total += e.duration;
      this.count++;
    }
    this.obs.disconnect();
    return { max: this.max, total: this.total, count: this.count };
  }
}

/** CPU profiles of chosen stretches, one file each; a no-op without a directory. */
export class CpuProfiles {
  private session: Session | undefined;

  constructor(private readonly dir: string | undefined, private readonly intervalUs = 250) {}

  private post(method: string, params?: object): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.session!.post(method, params, (err, res) => (err ? reject(err) : resolve(res)));
    });
  }

  async start(): Promise<void> {
    if (this.dir === undefined) return;
    if (!this.session) {
      this.session = new Session();
      this.session.connect();
      await this.post('Profiler.enable');
      await this.post('Profiler.setSamplingInterval', { interval: this.intervalUs });
    }
    await this.post('Profiler.start');
  }

  /** Writes the stretch's profile as <dir>/<name>.cpuprofile (with the performance.now() it ended at); returns the file. */
  async stop(name: string): Promise<string | undefined> {
    if (this.dir === undefined || !this.session) return undefined;
    const { profile } = (await this.post('Profiler.stop')) as { profile: object };
    const file = `${this.dir}/${name}.cpuprofile`;
    writeFileSync(file, JSON.stringify({ ...profile, endedAtMs: performance.now() }));
    return file;
  }

  close(): void {
    this.session?.disconnect();
    this.session = undefined;
  }
}
