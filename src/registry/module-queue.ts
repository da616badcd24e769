// One bounded async queue per module. Notifications coalesce by (type, id);
// commands and config changes queue in order. One item runs at a time; an item
// that throws, rejects or overruns its timeout is a fault of this module only.

import { Errno, ErrnoError } from '../common/errno.js';

export type FaultKind = 'notify' | 'command' | 'config' | 'serve' | 'shutdown';

export interface QueueHooks {
  onFault(kind: FaultKind, err: unknown): void;
  onSuccess(kind: FaultKind): void;
}

interface Item {
  kind: FaultKind;
  key?: string;
  run: () => unknown;
  resolve?: (v: unknown) => void;
  reject?: (e: unknown) => void;
}

export class TimeoutError extends Error {}

export class ModuleQueue {
  private readonly items: Item[] = [];
  /** Keys of notifications waiting (coalescing). */
  private readonly pendingKeys = new Set<string>();
  private running = false;
  private closed = false;
  processed = 0;
  coalesced = 0;
  dropped = 0;
  timeouts = 0;

  constructor(
    readonly name: string,
    private readonly max: () => number,
    private readonly timeoutMs: () => number,
    private readonly hooks: QueueHooks,
  ) {}

  get depth(): number {
    return this.items.length;
  }

  /** Queues notify(type, id) unless the same pair already waits. Returns false when dropped. */
  notify(type: string, id: string, run: () => unknown): boolean {
    if (this.closed) return false;
    const key = `${type}\u0000${id}`;
    if (this.pendingKeys.has(key)) {
      this.coalesced++;
      return true;
    }
    if (this.items.length >= this.max()) {
      this.dropped++;
      return false;
    }
    this.pendingKeys.add(key);
    this.items.push({ kind: 'notify', key, run });
    this.pump();
    return true;
  }

  /** Queues a command or config change; resolves with its result. -EAGAIN when the queue is full. */
  call<T>(kind: 'command' | 'config', run: () => T | Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new ErrnoError(Errno.EAGAIN, `module ${this.name} is shutting down`));
    if (this.items.length >= this.max()) {
      this.dropped++;
      return Promise.reject(new ErrnoError(Errno.EAGAIN, `module ${this.name} is busy: its queue holds ${this.items.length} items`));
    }
    return new Promise<T>((resolve, reject) => {
      this.items.push({ kind, run, resolve: resolve as (v: unknown) => void, reject });
      this.pump();
    });
  }

  /** Stops taking work; waiting commands are refused. */
  close(): void {
    this.closed = true;
    for (const item of this.items.splice(0)) item.reject?.(new ErrnoError(Errno.EAGAIN, `module ${this.name} was stopped`));
    this.pendingKeys.clear();
  }

  private pump(): void {
    if (this.running || this.items.length === 0) return;
    this.running = true;
    // Start on a fresh tick: the caller (ingest, another module) never runs module code.
    setImmediate(() => void this.drain());
  }

  private async drain(): Promise<void> {
    while (!this.closed && this.items.length > 0) {
      const item = this.items.shift()!;
      if (item.key) this.pendingKeys.delete(item.key);
      try {
        const value = await this.runBounded(item);
        this.processed++;
        this.hooks.onSuccess(item.kind);
        item.resolve?.(value);
      } catch (err) {
        if (err instanceof TimeoutError) this.timeouts++;
        this.hooks.onFault(item.kind, err);
        item.reject?.(err);
      }
      // Module code may be synchronous and its faults may queue more work: give
      // the event loop (ingest, admin, /metrics, other modules) a turn between items.
      await yieldToLoop();
    }
    this.running = false;
  }

  private runBounded(item: Item): Promise<unknown> {
    const ms = this.timeoutMs();
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => reject(new TimeoutError(`${item.kind} did not finish within ${ms} ms`)), ms);
      let result: unknown;
      try {
        result = item.run();
      } catch (err) {
        clearTimeout(timer);
        reject(asError(err));
        return;
      }
      Promise.resolve(result).then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (e: unknown) => {
          clearTimeout(timer);
          reject(asError(e));
        },
      );
    });
  }
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
