import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export interface LogOptions {
  level?: LevelWithSilent;
  /** Write to this file descriptor (default 1, stdout). */
  fd?: number;
  name?: string;
}

/** The one logger factory: JSON lines by pino; each part takes a child logger. */
export function createLogger(opts: LogOptions = {}): Logger {
  return pino(
    { name: opts.name ?? 'mgrd', level: opts.level ?? 'info', base: { pid: process.pid } },
    pino.destination({ fd: opts.fd ?? 1, sync: false }),
  );
}

/** A logger that drops everything (tests, embedded helpers). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
