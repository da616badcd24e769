// The push loop every push exporter shares (influx, zabbix): once an interval
// the module produces items into a bounded queue; workers take batches and
// send them; a failed send is retried with exponential backoff and jitter (or
// when the server's Retry-After says), an answer that cannot succeed drops its
// batch; when the queue is full the oldest items go. Every item ends up counted
// exactly once as sent or dropped (sent + dropped + queued = produced), and the
// counts reach /metrics (mgrd_module_push_*) and health checks
// (MGR_<MODULE>_SEND_FAILED, MGR_<MODULE>_QUEUE_FULL, MGR_<MODULE>_COLLECT_FAILED).

import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { healthCheck, type HealthCheckMap } from './health.js';
import { PushQueue, type QueueUnits } from './push-queue.js';
import { backoffDelayMs, DEFAULT_RETRY, PushError, type RetryPolicy } from './push-retry.js';
import type { PushStats } from './types.js';

/** What the loop needs of its module (an MgrModule is one). */
export interface PushHost {
  readonly moduleName: string;
  readonly log: Logger;
  /** The module's lifetime: the loop stops when it aborts. */
  readonly signal: AbortSignal;
  setHealthChecks(checks: HealthCheckMap): void;
  /** Hands the core a reader of the loop's counters (mgrd_module_push_* on /metrics). */
  setPushStats(read: (() => PushStats) | undefined): void;
}

export interface PushLoopOptions<T> {
  /** Seconds between intervals; read at every interval (call reschedule() from configNotify). */
  intervalS: () => number;
  /**
   * Builds one interval's items and hands them to `emit` in as many calls as it
   * likes. Await emit: it holds the producer back while the workers catch up
   * (never past the next interval, never while sends are failing). Long builds
   * yield between slices; watch `signal`.
   */
  produce: (emit: (items: readonly T[]) => Promise<void>, signal: AbortSignal) => Promise<void> | void;
  /** Delivers one batch. Throw PushError.permanent() for answers that cannot succeed; anything else is retried. */
  send: (batch: T[], signal: AbortSignal) => Promise<void>;
  /** Most items per send. */
  batchSize: () => number;
  /**
   * Items that carry several of what is counted (a chunk of encoded lines: its
   * points): batch sizes, the queue bound and every counter count units, not
   * items. With `split`, a full queue drops exactly the oldest units. Default:
   * one unit an item.
   */
  units?: QueueUnits<T>;
  /** A batch was delivered and counted sent: the loop holds it no more (a module may reuse its buffers). */
  onSent?: (batch: readonly T[]) => void;
  /** Sends in flight at once (default 1). */
  concurrency?: () => number;
  /**
   * Full batches per sender the producer may have waiting before `emit` holds it back (default 2):
   * with a producer faster than its senders, what the loop holds at once beyond those in flight.
   */
  waitingPerSender?: () => number;
  /** Most items waiting; beyond it the oldest are dropped (and counted). */
  queueMax: () => number;
  /**
   * Most bytes waiting, as `units.bytes` counts them (without it there is no bound in bytes): beyond it
   * the oldest items are dropped whole (and every unit in them counted). What an operator sizes memory
   * by; batches in flight (at most concurrency × batchSize units) come on top.
   */
  queueMaxBytes?: () => number;
  /** One attempt's time limit: a server that hangs is a retryable failure (default 10 s). */
  sendTimeoutMs?: () => number;
  retry?: Partial<RetryPolicy>;
  /** Where the items go, for health summaries ("InfluxDB at http://db:8086"). */
  target?: () => string;
  /** What an item is called in messages (default "item"). */
  itemName?: string;
  /**
   * The loop's health checks changed. Default: setHealthChecks(checks). A module
   * with checks of its own merges them here (setHealthChecks replaces all).
   */
  onHealth?: (checks: HealthCheckMap) => void;
  /** For tests: dice for the jitter, and the wall clock (last-success stamps, Retry-After dates). */
  random?: () => number;
  nowMs?: () => number;
}

const DEFAULT_SEND_TIMEOUT_MS = 10_000;

export class PushLoop<T> {
  private readonly queue: PushQueue<T>;
  private readonly retry: RetryPolicy;
  private readonly abort = new AbortController();
  private readonly prefix: string;
  private readonly workers = new Map<number, Promise<void>>();
  private waiters: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private producing: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private started = false;
  private lastTickMs = 0;

  private sent = 0;
  private failed = 0;
  private dropped = 0;
  private inFlight = 0;
  private inFlightBytes = 0;
  private lastSuccessS = 0;
  private overruns = 0;
  /** Since the last successful send: what the health checks say. */
  private failuresInRow = 0;
  private nextAttemptAtMs = 0;
  private probing = false;
  private lastError = '';
  private rejectedSinceSuccess = 0;
  private overflowSinceSuccess = 0;
  private collectError = '';
  private publishedChecks = '{}';

  constructor(private readonly host: PushHost, private readonly o: PushLoopOptions<T>) {
    this.retry = { ...DEFAULT_RETRY, ...o.retry };
    this.queue = new PushQueue<T>(o.units);
    this.prefix = `MGR_${host.moduleName.toUpperCase()}`;
  }

  /** Starts the intervals (the first one now) and the workers. Idempotent; stops when the module's signal aborts. */
  start(): void {
    if (this.started || this.stopping) return;
    this.started = true;
    this.host.setPushStats(() => this.stats());
    if (this.host.signal.aborted) {
      void this.stop();
      return;
    }
    this.host.signal.addEventListener('abort', () => void this.stop(), { once: true });
    this.lastTickMs = performance.now();
    this.startProducing(this.lastTickMs + this.intervalMs());
    this.arm();
    this.spawnWorkers();
  }

  /** Options changed: re-arm the interval timer from the last interval and match the worker count. */
  reschedule(): void {
    if (!this.started || this.stopping) return;
    this.arm();
    this.spawnWorkers();
    this.wake();
  }

  /** Produces one interval now (a module's "send" command); resolves when its items are queued. */
  async runOnce(): Promise<void> {
    if (this.stopping) return;
    if (!this.producing) this.startProducing(performance.now() + this.intervalMs());
    await this.producing;
  }

  /** Waits until nothing is queued or in flight; false if that took longer than timeoutMs or the loop stopped. */
  async flush(timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (this.queue.length + this.inFlight > 0 || this.producing) {
      const left = deadline - performance.now();
      if (left <= 0 || this.abort.signal.aborted) return false;
      await this.waitChange(left);
    }
    return true;
  }

  /** Stops producing and sending; what is still queued is dropped and counted. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.abort.abort();
      clearTimeout(this.timer);
      this.wake();
      await Promise.allSettled([this.producing, ...this.workers.values()]);
      const left = this.queue.clear();
      this.dropped += left;
      if (left > 0) this.host.log.info({ dropped: left }, `push loop stopped with ${left} ${this.items(left)} unsent`);
    })();
    return this.stopping;
  }

  stats(): PushStats {
    return {
      sent: this.sent, failed: this.failed, dropped: this.dropped,
      queued: this.queue.length + this.inFlight, lastSuccessS: this.lastSuccessS, overruns: this.overruns,
      // Only for loops that count bytes: a gauge of 0 bytes would say nothing is held.
      ...(this.o.units?.bytes ? { queuedBytes: this.queue.bytes + this.inFlightBytes } : {}),
    };
  }

  /** The loop's checks as of now: set on failure, cleared by the next successful send. */
  healthChecks(): HealthCheckMap {
    const checks: HealthCheckMap = {};
    const target = this.o.target?.() ?? 'the server';
    if (this.lastError) {
      const detail = [this.lastError];
      if (this.failuresInRow > 0) detail.push(`${this.failuresInRow} attempt(s) in a row failed; retrying`);
      if (this.rejectedSinceSuccess > 0) {
        detail.push(`${this.rejectedSinceSuccess} ${this.items(this.rejectedSinceSuccess)} rejected and dropped since the last successful send`);
      }
      checks[`${this.prefix}_SEND_FAILED`] = healthCheck('HEALTH_WARN', `Failed to send data to ${target}`, 1, detail);
    }
    if (this.overflowSinceSuccess > 0) {
      const n = this.overflowSinceSuccess;
      const maxBytes = this.o.queueMaxBytes?.();
      const bound = `${this.o.queueMax()} ${this.items(2)}${maxBytes !== undefined ? ` or ${sizeText(maxBytes)}` : ''}`;
      checks[`${this.prefix}_QUEUE_FULL`] = healthCheck('HEALTH_WARN', `${n} ${this.items(n)} dropped: send queue full`, n, [
        `the queue holds at most ${bound}; the oldest were dropped since the last successful send to ${target}`,
      ]);
    }
    if (this.collectError) {
      checks[`${this.prefix}_COLLECT_FAILED`] = healthCheck('HEALTH_WARN', 'Failed to collect data to send', 1, [this.collectError]);
    }
    return checks;
  }

  private intervalMs(): number {
    return Math.max(1, this.o.intervalS() * 1000);
  }

  private items(n: number): string {
    const name = this.o.itemName ?? 'item';
    return n === 1 ? name : `${name}s`;
  }

  private arm(): void {
    clearTimeout(this.timer);
    const due = this.lastTickMs + this.intervalMs();
    this.timer = setTimeout(() => this.tick(), Math.max(0, due - performance.now()));
  }

  private tick(): void {
    if (this.abort.signal.aborted) return;
    const now = performance.now();
    // Fixed rate from the last interval; after a long pause, start again from now.
    this.lastTickMs = Math.max(this.lastTickMs + this.intervalMs(), now - this.intervalMs());
    if (this.producing) {
      this.overruns++;
      this.host.log.warn({ overruns: this.overruns }, 'the previous interval is still being produced: this one is skipped');
    } else {
      this.startProducing(this.lastTickMs + this.intervalMs());
    }
    this.arm();
  }

  private startProducing(deadlineMs: number): void {
    const emit = async (items: readonly T[]): Promise<void> => {
      this.enqueue(items);
      await this.waitRoom(deadlineMs);
    };
    const run = async (): Promise<void> => {
      try {
        await this.o.produce(emit, this.abort.signal);
        if (this.collectError) {
          this.collectError = '';
          this.publishHealth();
        }
      } catch (err) {
        if (this.abort.signal.aborted) return;
        const first = !this.collectError;
        this.collectError = message(err);
        if (first) this.host.log.error({ err: err instanceof Error ? err.stack : String(err) }, 'producing an interval failed');
        this.publishHealth();
      } finally {
        this.producing = undefined;
        this.wake();
      }
    };
    this.producing = run();
  }

  private enqueue(items: readonly T[]): void {
    if (this.abort.signal.aborted) {
      this.dropped += this.queue.weigh(items);
      return;
    }
    this.queue.push(items);
    this.enforceBound();
    this.wake();
  }

  private enforceBound(): void {
    let over = this.queue.dropOldest(this.queue.length - Math.max(0, this.o.queueMax()));
    const maxBytes = this.o.queueMaxBytes?.();
    if (maxBytes !== undefined) over += this.queue.dropOldestToBytes(Math.max(0, maxBytes));
    if (over === 0) return;
    this.dropped += over;
    if (this.overflowSinceSuccess === 0) {
      this.host.log.warn({ dropped: over, queueMax: this.o.queueMax(), queueMaxBytes: maxBytes }, 'send queue full: dropping the oldest');
    }
    this.overflowSinceSuccess += over;
    this.publishHealth();
  }

  /** Backpressure on the producer: only while sends succeed, and not past its deadline. */
  private async waitRoom(deadlineMs: number): Promise<void> {
    const highWater = (): number => Math.min(this.o.queueMax(), Math.max(1, this.o.waitingPerSender?.() ?? 2) * this.o.batchSize() * this.concurrency());
    // Half the bound in bytes: a healthy loop never drops for want of room.
    const full = (): boolean => this.queue.length > highWater() || this.queue.bytes > (this.o.queueMaxBytes?.() ?? Infinity) / 2;
    while (!this.abort.signal.aborted && this.failuresInRow === 0 && full()) {
      const left = deadlineMs - performance.now();
      if (left <= 0) return;
      await this.waitChange(left);
    }
  }

  private concurrency(): number {
    return Math.max(1, this.o.concurrency?.() ?? 1);
  }

  private spawnWorkers(): void {
    for (let i = 0; i < this.concurrency(); i++) {
      if (this.workers.has(i)) continue;
      const w = this.work(i).finally(() => this.workers.delete(i));
      this.workers.set(i, w);
    }
  }

  private async work(index: number): Promise<void> {
    while (!this.abort.signal.aborted && index < this.concurrency()) {
      if (this.queue.length === 0) {
        await this.waitChange();
        continue;
      }
      const probe = this.failuresInRow > 0;
      if (probe) {
        // After a failure one worker probes; the others wait for its answer.
        const wait = this.nextAttemptAtMs - performance.now();
        if (this.probing || wait > 0) {
          await this.waitChange(this.probing ? undefined : wait);
          continue;
        }
        this.probing = true;
      }
      const batch = this.queue.take(Math.max(1, this.o.batchSize()));
      const units = this.queue.weigh(batch);
      const bytes = this.queue.bytesOf(batch);
      this.inFlight += units;
      this.inFlightBytes += bytes;
      this.wake(); // room for the producer
      try {
        await this.attempt(batch, units, bytes);
      } finally {
        if (probe) this.probing = false;
        this.wake();
      }
    }
  }

  private async attempt(batch: T[], units: number, bytes: number): Promise<void> {
    const timeoutMs = this.o.sendTimeoutMs?.() ?? DEFAULT_SEND_TIMEOUT_MS;
    // The attempt's own signal, aborted by the loop's stop or the timeout, and unlinked from the loop's
    // once the attempt is over. Not AbortSignal.any([loop, timeout]): Node keeps such a signal alive for as
    // long as the loop's lives when it has listeners, and a library may add one it never removes
    // (@influxdata/influxdb-client's transport does, per request): each attempt's signal, the listener
    // and what it holds (the request and its body) stayed for the module's life.
    const attempt = new AbortController();
    const stopped = (): void => attempt.abort(this.abort.signal.reason);
    if (this.abort.signal.aborted) stopped();
    else this.abort.signal.addEventListener('abort', stopped, { once: true });
    let timedOut: PushError | undefined;
    const timer = setTimeout(() => attempt.abort((timedOut = new PushError(`no answer within ${timeoutMs} ms`))), timeoutMs);
    const signal = attempt.signal;
    try {
      await untilAborted(this.o.send(batch, signal), signal);
      this.inFlight -= units;
      this.inFlightBytes -= bytes;
      this.succeeded(units);
      this.o.onSent?.(batch);
    } catch (err) {
      this.inFlight -= units;
      this.inFlightBytes -= bytes;
      if (this.abort.signal.aborted) {
        this.queue.unshift(batch); // stop() counts it as dropped
        return;
      }
      this.failedAttempt(batch, units, timedOut ?? err);
    } finally {
      clearTimeout(timer);
      this.abort.signal.removeEventListener('abort', stopped);
    }
  }

  private succeeded(n: number): void {
    this.sent += n;
    this.lastSuccessS = (this.o.nowMs?.() ?? Date.now()) / 1000;
    if (this.lastError || this.overflowSinceSuccess > 0) {
      this.host.log.info({ failures: this.failuresInRow, dropped: this.overflowSinceSuccess + this.rejectedSinceSuccess }, 'sending works again');
    }
    this.failuresInRow = 0;
    this.lastError = '';
    this.rejectedSinceSuccess = 0;
    this.overflowSinceSuccess = 0;
    this.publishHealth();
  }

  private failedAttempt(batch: T[], units: number, err: unknown): void {
    this.failed++;
    const text = message(err);
    const changed = text !== this.lastError;
    this.lastError = text;
    if (err instanceof PushError && err.permanent) {
      this.dropped += units;
      this.rejectedSinceSuccess += units;
      if (changed) this.host.log.error({ dropped: units }, `send rejected, batch dropped: ${text}`);
    } else {
      this.failuresInRow++;
      const retryAfter = err instanceof PushError ? err.retryAfterMs : undefined;
      const delay = retryAfter !== undefined
        ? Math.min(retryAfter, this.retry.maxRetryAfterMs)
        : backoffDelayMs(this.failuresInRow, this.retry, this.o.random ?? Math.random);
      this.nextAttemptAtMs = performance.now() + delay;
      this.queue.unshift(batch);
      this.enforceBound();
      if (changed) this.host.log.warn({ failures: this.failuresInRow, retryInMs: delay }, `send failed, will retry: ${text}`);
    }
    this.publishHealth();
  }

  private publishHealth(): void {
    if (this.abort.signal.aborted) return;
    const checks = this.healthChecks();
    const key = JSON.stringify(checks);
    if (key === this.publishedChecks) return;
    this.publishedChecks = key;
    (this.o.onHealth ?? ((c: HealthCheckMap) => this.host.setHealthChecks(c)))(checks);
  }

  private waitChange(timeoutMs?: number): Promise<void> {
    if (this.abort.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        clearTimeout(timer);
        const i = this.waiters.indexOf(done);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve();
      };
      this.waiters.push(done);
      if (timeoutMs !== undefined) timer = setTimeout(done, Math.max(0, timeoutMs));
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

function sizeText(b: number): string {
  return b >= 1048576 ? `${Math.round((b / 1048576) * 10) / 10} MiB` : `${b} bytes`;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A send that ignores its signal must not hold a worker forever. */
function untilAborted<R>(p: Promise<R>, signal: AbortSignal): Promise<R> {
  if (signal.aborted) {
    p.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<R>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    void p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
