// The local daemons' sessions: the admin sockets are listed every scan; a new
// socket gets a session, a vanished one has its session closed, a socket file
// replaced (a restarted daemon) re-reads schema and metadata on a new session.
// Daemons are independent: one that hangs or fails never delays another.

import type { Logger } from '../common/log.js';
import { discoverDaemons, type DaemonType, type LocalDaemon } from './asok-discovery.js';
import { DaemonSession } from './daemon-session.js';

export interface LocalDaemonsOptions {
  asokDirs: string[];
  cluster: string;
  types: ReadonlySet<DaemonType>;
  mgrAddrs: string[];
  /** The mgrd secret of an entity (its own key or its type's shared key); undefined: no key, daemon skipped. */
  secretFor: (entity: string) => Buffer | undefined;
  metadata: (d: LocalDaemon) => Promise<Record<string, string>>;
  scanIntervalMs: number;
  asokTimeoutMs: number;
  maxFailures: number;
  log: Logger;
}

export class LocalDaemons {
  private readonly sessions = new Map<string, DaemonSession>();
  /** Daemons whose session is being started (not yet in `sessions`). */
  private readonly starting = new Set<string>();
  /** Daemons that failed to start, with the error last logged (log once per streak). */
  private readonly failing = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly opts: LocalDaemonsOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.scan(), this.opts.scanIntervalMs);
    void this.scan();
  }

  /** Names of the daemons with a session. */
  names(): string[] {
    return [...this.sessions.keys()].sort();
  }

  session(name: string): DaemonSession | undefined {
    return this.sessions.get(name);
  }

  all(): DaemonSession[] {
    return [...this.sessions.values()];
  }

  /** One look at the sockets now (also what the timer does); resolves when its session changes are made. */
  scan(): Promise<void> {
    this.scanning ??= this.scanOnce().finally(() => (this.scanning = undefined));
    return this.scanning;
  }

  private async scanOnce(): Promise<void> {
    if (this.stopped) return;
    let found: LocalDaemon[];
    try {
      found = await discoverDaemons(this.opts.asokDirs, this.opts.cluster, this.opts.types);
    } catch (err) {
      this.opts.log.warn({ err: String(err) }, 'listing admin sockets failed');
      return;
    }
    const seen = new Set(found.map((d) => d.name));
    for (const [name, s] of this.sessions) {
      if (seen.has(name)) continue;
      this.opts.log.info({ daemon: name }, 'admin socket gone: closing the daemon session');
      this.sessions.delete(name);
      void s.stop();
    }
    await Promise.all(found.map((d) => this.follow(d)));
  }

  private async follow(d: LocalDaemon): Promise<void> {
    const s = this.sessions.get(d.name);
    if (s && s.identity === d.identity) return;
    if (s) {
      this.opts.log.info({ daemon: d.name }, 'daemon restarted (new admin socket): new schema and session');
      try {
        await s.restart(d.identity);
      } catch (err) {
        this.sessions.delete(d.name);
        await s.stop();
        this.noteFailure(d.name, err);
      }
      return;
    }
    if (this.starting.has(d.name)) return;
    const secret = this.opts.secretFor(d.name);
    if (!secret) return this.noteFailure(d.name, new Error(`no key for ${d.name} in the mgrd keyring`));
    const session = new DaemonSession({
      daemon: d,
      mgrAddrs: this.opts.mgrAddrs,
      secret,
      metadata: this.opts.metadata,
      asokTimeoutMs: this.opts.asokTimeoutMs,
      maxFailures: this.opts.maxFailures,
      log: this.opts.log,
      onGone: (gone) => {
        if (this.sessions.get(gone.name) === gone) this.sessions.delete(gone.name);
      },
    });
    this.starting.add(d.name);
    try {
      await session.start();
      if (this.stopped) return void (await session.stop());
      this.sessions.set(d.name, session);
      if (this.failing.delete(d.name)) this.opts.log.info({ daemon: d.name }, 'daemon answers again');
      this.opts.log.info({ daemon: d.name, socket: d.path }, 'daemon session opened');
    } catch (err) {
      await session.stop();
      this.noteFailure(d.name, err);
    } finally {
      this.starting.delete(d.name);
    }
  }

  private noteFailure(name: string, err: unknown): void {
    const msg = err instanceof Error ? err.message : String(err);
    if (this.failing.get(name) === msg) return;
    this.failing.set(name, msg);
    this.opts.log.warn({ daemon: name, err: msg }, 'cannot report this daemon (retrying every scan)');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.scanning;
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((s) => s.stop()));
  }
}
