// Asynchronous requests (POST /request and the write endpoints): Ceph's
// CommandsRequest. A request is waves of commands: the commands of a wave run
// at once, the next wave starts when all of the current one have answered.
// Every command goes through the manager's one dispatcher (runCommand) with
// the caller's rights; nothing here answers a command itself.

import { Errno, type CmdMap, type CommandReturn } from '../../src/mgr-module/index.js';
import { humanifyCommand } from './py-json.js';

export type RunCommand = (cmd: CmdMap) => Promise<CommandReturn>;

interface CommandResult {
  command: string;
  outs: string;
  outb: string;
}

/** One request: its waves of commands and what each command answered. */
export class CommandsRequest {
  readonly running: CommandResult[] = [];
  readonly finished: CommandResult[] = [];
  readonly failed: CommandResult[] = [];
  private waiting: CmdMap[][];
  /** Settles when every wave has run. */
  readonly done: Promise<void>;

  constructor(readonly id: string, waves: readonly (readonly CmdMap[])[], private readonly run: RunCommand) {
    const nonEmpty = waves.filter((w) => w.length > 0).map((w) => [...w]);
    this.waiting = nonEmpty;
    this.done = this.runWaves();
  }

  private async runWaves(): Promise<void> {
    while (this.waiting.length > 0) {
      const wave = this.waiting.shift()!;
      await Promise.all(wave.map((cmd) => this.runOne(cmd)));
    }
  }

  private async runOne(cmd: CmdMap): Promise<void> {
    const entry: CommandResult = { command: humanifyCommand(cmd), outs: '', outb: '' };
    this.running.push(entry);
    let r: number;
    try {
      [r, entry.outb, entry.outs] = await this.run(cmd);
    } catch (err) {
      // runCommand answers errors as errno; a throw is a fault of ours, shown as Ceph would show EIO.
      [r, entry.outb, entry.outs] = [-Errno.EIO, '', `internal error: ${err instanceof Error ? err.message : String(err)}`];
    }
    this.running.splice(this.running.indexOf(entry), 1);
    (r === 0 ? this.finished : this.failed).push(entry);
  }

  isFinished(): boolean {
    return this.running.length === 0 && this.waiting.length === 0;
  }

  /** Ceph's states: pending until every command answered, then failed or success. */
  state(): 'pending' | 'failed' | 'success' {
    if (!this.isFinished()) return 'pending';
    return this.failed.length > 0 ? 'failed' : 'success';
  }

  toJSON(): Record<string, unknown> {
    return {
      id: this.id,
      running: this.running.map((x) => ({ ...x })),
      finished: this.finished.map((x) => ({ ...x })),
      waiting: this.waiting.map((w) => w.map(humanifyCommand)),
      failed: this.failed.map((x) => ({ ...x })),
      is_waiting: this.waiting.length > 0,
      is_finished: this.isFinished(),
      has_failed: this.failed.length > 0,
      state: this.state(),
    };
  }
}

/** Thrown by submit() when `max` requests are kept and none of them has finished. */
export class TooManyRequests extends Error {}

/** The requests a module keeps (GET /request lists them) until DELETE; at most `max()`. */
export class RequestList {
  private readonly list: CommandsRequest[] = [];
  private seq = 0;

  constructor(private readonly max: () => number, private readonly idBase = Date.now()) {}

  all(): readonly CommandsRequest[] {
    return this.list;
  }

  find(id: string): CommandsRequest | undefined {
    return this.list.find((r) => r.id === id);
  }

  /**
   * Starts a request. When `max` are kept, the oldest finished one is forgotten
   * to make room (Ceph keeps them all, without bound); when none has finished,
   * TooManyRequests.
   */
  submit(waves: readonly (readonly CmdMap[])[], run: RunCommand): CommandsRequest {
    while (this.list.length >= this.max()) {
      const i = this.list.findIndex((r) => r.isFinished());
      if (i < 0) throw new TooManyRequests(`${this.list.length} requests are kept and none has finished: DELETE finished ones or wait`);
      this.list.splice(i, 1);
    }
    // Ceph's ids are decimal numbers (Python's id() of the request object); ours are unique per module run.
    const req = new CommandsRequest(String(this.idBase * 1000 + ++this.seq), waves, run);
    this.list.push(req);
    return req;
  }

  /** DELETE /request/<id>: forgets it (whatever its state, as Ceph) and returns it. */
  remove(id: string): CommandsRequest | undefined {
    const i = this.list.findIndex((r) => r.id === id);
    return i < 0 ? undefined : this.list.splice(i, 1)[0];
  }

  /** DELETE /request: forgets the finished ones. */
  removeFinished(): { cleaned: number; remaining: number } {
    const before = this.list.length;
    for (let i = this.list.length - 1; i >= 0; i--) if (this.list[i]!.isFinished()) this.list.splice(i, 1);
    return { cleaned: before - this.list.length, remaining: this.list.length };
  }
}
