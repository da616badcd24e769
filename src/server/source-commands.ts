// Commands the cluster source answers (docs/protocol.md "MON_COMMAND"): the
// source declares them in a MAP, the dispatcher routes a matching command
// here, and it goes to the source's session as MON_COMMAND; the reply comes
// back as MON_COMMAND_REPLY. Changes to the cluster (osd set, osd out, pool
// create...) are made by the source, never faked in the manager.

import { Errno, type CommandResult } from '../common/errno.js';
import { FrameType } from '../protocol/frames.js';
import type { CommandReplyMsg, MonCommandMsg, SourceCommandDecl } from '../protocol/messages.js';
import type { Session } from './session.js';
import { ProtocolError } from './session.js';

/** Most commands a source may declare (Ceph's mon has ~400). */
export const MAX_SOURCE_COMMANDS = 1024;
/** Forwarded commands waiting for their answer, all sources together; more get -EAGAIN. */
export const MAX_PENDING_SOURCE_COMMANDS = 4096;

interface Pending {
  session: Session;
  resolve: (r: CommandResult) => void;
  timer: NodeJS.Timeout;
}

/** The narrow view the command dispatcher has of the cluster source's commands. */
export interface SourceCommandRoute {
  /** The declared commands; the array changes identity when they change. */
  commands(): readonly SourceCommandDecl[];
  /** Sends a validated cmdmap to the source; resolves with its answer, -EAGAIN without a source, -ETIMEDOUT. */
  forward(cmd: Record<string, unknown>, inbuf: string): Promise<CommandResult>;
}

export class SourceCommands implements SourceCommandRoute {
  private decls: readonly SourceCommandDecl[] = [];
  /** The session that declared them; undefined once it closed (the declarations stay until another source declares). */
  private session: Session | undefined;
  private nextTid = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly timeoutMs: () => number) {}

  commands(): readonly SourceCommandDecl[] {
    return this.decls;
  }

  /** Checks MAP `commands` whole (EBADMSG naming the bad entry); adopt() makes them current. */
  check(raw: unknown): SourceCommandDecl[] {
    if (!Array.isArray(raw)) throw new ProtocolError('EBADMSG', 'MAP commands must be an array');
    if (raw.length > MAX_SOURCE_COMMANDS) throw new ProtocolError('EBADMSG', `MAP declares ${raw.length} commands; at most ${MAX_SOURCE_COMMANDS}`);
    return raw.map((c: unknown, i): SourceCommandDecl => {
      const d = c as Partial<SourceCommandDecl> | null;
      if (typeof d !== 'object' || d === null || typeof d.cmd !== 'string' || d.cmd.trim() === '' || d.cmd.length > 4096) {
        throw new ProtocolError('EBADMSG', `MAP commands[${i}].cmd must be a descriptor string of at most 4096 characters`);
      }
      if (d.desc !== undefined && (typeof d.desc !== 'string' || d.desc.length > 4096)) throw new ProtocolError('EBADMSG', `MAP commands[${i}].desc must be a string`);
      if (d.perm !== 'r' && d.perm !== 'w' && d.perm !== 'rw') throw new ProtocolError('EBADMSG', `MAP commands[${i}].perm must be r, w or rw`);
      return { cmd: d.cmd, desc: d.desc ?? '', perm: d.perm };
    });
  }

  /** The commands `s` declared replace those declared before (by any session). */
  adopt(s: Session, decls: readonly SourceCommandDecl[]): void {
    this.decls = decls;
    this.session = s;
  }

  forward(cmd: Record<string, unknown>, inbuf: string): Promise<CommandResult> {
    const s = this.session;
    if (!s || s.closed) return Promise.resolve({ r: -Errno.EAGAIN, outb: '', outs: `no cluster source is connected to answer '${String(cmd.prefix)}'; retry when it is` });
    if (this.pending.size >= MAX_PENDING_SOURCE_COMMANDS) {
      return Promise.resolve({ r: -Errno.EAGAIN, outb: '', outs: `${this.pending.size} commands are waiting for the cluster source; retry later` });
    }
    const tid = this.nextTid++;
    const timeoutMs = this.timeoutMs();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(tid);
        resolve({ r: -Errno.ETIMEDOUT, outb: '', outs: `the cluster source did not answer '${String(cmd.prefix)}' within ${timeoutMs} ms` });
      }, timeoutMs);
      this.pending.set(tid, { session: s, resolve, timer });
      const msg: MonCommandMsg = inbuf === '' ? { tid, cmd } : { tid, cmd, inbuf };
      s.sendJson(FrameType.MON_COMMAND, msg);
    });
  }

  /** MON_COMMAND_REPLY: an answer to a tid this session was sent; others are ignored (timed out, or never ours). */
  reply(s: Session, msg: CommandReplyMsg): void {
    if (typeof msg !== 'object' || msg === null || !Number.isInteger(msg.tid) || !Number.isInteger(msg.r) || msg.r > 0) {
      throw new ProtocolError('EBADMSG', 'MON_COMMAND_REPLY needs an integer tid and r (0 or a negative errno)');
    }
    if (typeof msg.outs !== 'string' || typeof msg.outb !== 'string') throw new ProtocolError('EBADMSG', 'MON_COMMAND_REPLY outs and outb must be strings');
    const p = this.pending.get(msg.tid);
    if (!p || p.session !== s) return;
    this.pending.delete(msg.tid);
    clearTimeout(p.timer);
    p.resolve({ r: msg.r, outs: msg.outs, outb: msg.outb });
  }

  /** A session closed: its unanswered commands fail now (whether the source applied them is unknown). */
  closed(s: Session): void {
    if (this.session === s) this.session = undefined;
    for (const [tid, p] of this.pending) {
      if (p.session !== s) continue;
      this.pending.delete(tid);
      clearTimeout(p.timer);
      p.resolve({ r: -Errno.EAGAIN, outb: '', outs: 'the cluster source\'s session closed before it answered; the command may or may not have been applied' });
    }
  }
}
