// One bounded async queue per module. Notifications coalesce by (type, id);
// commands and config changes queue in order. Strictly one item runs at a time,
// with a turn of the event loop between items. An item that throws, rejects or
// overruns its timeout is a fault of this module only.
//
// A timed-out handler cannot be stopped (it is the module's own code): its
// caller is answered with ETIMEDOUT, but the next item waits until the handler
// settles, so hooks never run concurrently. While it is overdue, commands are
// refused at once with EAGAIN (notifications still coalesce); if it is still
// running after a second timeout, the queue reports it stuck (the registry marks
// the module failed).

import { Errno, ErrnoError } from '../common/errno.js';
import { runAsCore } from './module-scope.js';

export type FaultKind = 'notify' | 'command' | 'config' | 'serve' | 'shutdown' | 'async';

export interface QueueHooks {
  /** Runs one handler (the registry attributes what it starts to the module). */
  run?<T>(fn: () => T): T;
  onFault(kind: FaultKind, err: unknown): void;
  onSuccess(kind: FaultKind): void;
  /** Work that will never run: a notification or config change over the bound. */
  onDrop?(kind: FaultKind): void;
  /** A handler still running a second timeout after its first. */
  onStuck?(kind: FaultKind, err: TimeoutError): void;
}

interface Item {
  kind: 'notify' | 'command' | 'config';
  key?: string;
  run: () => unknown;
  resolve?: (v: unknown) => void;
  reject?: (e: unknown) => void;
}

export class TimeoutError extends Error {}

type Outcome = { ok: true; value: unknown } | { ok: false; err: Error };

export class ModuleQueue {
  private readonly items: Item[] = [];
  /** Keys of notifications waiting (coalescing). */
  private readonly pendingKeys = new Set<string>();
  private running = false;
  private closed = false;
  /** The handler that overran its timeout and has not returned yet. */
  private overdue: { kind: FaultKind; ms: number } | undefined;
  processed = 0;
  coalesced = 0;
  /** Notifications and config changes that never ran because the queue was full. */
  dropped = 0;
  /** Commands refused with EAGAIN (the caller was told). */
  refused = 0;
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
      this.drop('notify');
      return false;
    }
    this.pendingKeys.add(key);
    this.items.push({ kind: 'notify', key, run });
    this.pump();
    return true;
  }

  /** Queues a command or config change; resolves with its result. -EAGAIN when the queue is full or a handler is overdue. */
  call<T>(kind: 'command' | 'config', run: () => T | Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new ErrnoError(Errno.EAGAIN, `module ${this.name} is shutting down`));
    const busy = this.items.length >= this.max()
      ? `its queue holds ${this.items.length} items`
      : kind === 'command' && this.overdue ? this.overdueText() : undefined;
    if (busy !== undefined) {
      if (kind === 'command') this.refused++;
      else this.drop(kind);
      return Promise.reject(new ErrnoError(Errno.EAGAIN, `module ${this.name} is busy: ${busy}`));
    }
    return new Promise<T>((resolve, reject) => {
      this.items.push({ kind, run, resolve: resolve as (v: unknown) => void, reject });
      this.pump();
    });
  }

  /** Stops taking work; waiting commands are refused. */
  close(reason = `module ${this.name} was stopped`): void {
    this.closed = true;
    for (const item of this.items.splice(0)) item.reject?.(new ErrnoError(Errno.EAGAIN, reason));
    this.pendingKeys.clear();
  }

  private drop(kind: FaultKind): void {
    this.dropped++;
    this.hooks.onDrop?.(kind);
  }

  private overdueText(): string {
    return `its ${this.overdue!.kind} handler overran ${this.overdue!.ms} ms and has not returned`;
  }

  private pump(): void {
    if (this.running || this.items.length === 0) return;
    this.running = true;
    // Start on a fresh tick (the caller, ingest or another module, never runs module code),
    // outside whichever module's context the caller is in.
    runAsCore(() => setImmediate(() => void this.drain()));
  }

  private async drain(): Promise<void> {
    while (!this.closed && this.items.length > 0) {
      const item = this.items.shift()!;
      if (item.key) this.pendingKeys.delete(item.key);
      await this.runOne(item);
      // Module code may be synchronous and its faults may queue more work: give
      // the event loop (ingest, admin, /metrics, other modules) a turn between items.
      await yieldToLoop();
    }
    this.running = false;
  }

  private async runOne(item: Item): Promise<void> {
    const ms = this.timeoutMs();
    let answered = false;
    let stuckTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      answered = true;
      this.timeouts++;
      this.overdue = { kind: item.kind, ms };
      const err = new TimeoutError(`${item.kind} did not finish within ${ms} ms`);
      this.hooks.onFault(item.kind, err);
      item.reject?.(err);
      // Commands already waiting would wait on a handler that may never return.
      for (let i = this.items.length - 1; i >= 0; i--) {
        const waiting = this.items[i]!;
        if (waiting.kind !== 'command') continue;
        this.items.splice(i, 1);
        this.refused++;
        waiting.reject?.(new ErrnoError(Errno.EAGAIN, `module ${this.name} is busy: ${this.overdueText()}`));
      }
      stuckTimer = setTimeout(() => {
        this.hooks.onStuck?.(item.kind, new TimeoutError(`${item.kind} did not return within ${2 * ms} ms`));
      }, ms);
    }, ms);
    const outcome = await this.invoke(item);
    clearTimeout(timer);
    clearTimeout(stuckTimer);
    this.overdue = undefined;
    if (answered) return; // late: its caller was told it timed out, the fault counted
    if (outcome.ok) {
      this.processed++;
      this.hooks.onSuccess(item.kind);
      item.resolve?.(outcome.value);
    } else {
      this.hooks.onFault(item.kind, outcome.err);
      item.reject?.(outcome.err);
    }
  }

  /** Runs the handler; a sync throw, a rejection and a value all become an outcome. */
  private async invoke(item: Item): Promise<Outcome> {
    try {
      const value: unknown = await (this.hooks.run ? this.hooks.run(item.run) : item.run());
      return { ok: true, value };
    } catch (err) {
      return { ok: false, err: asError(err) };
    }
  }
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
