// How a push module tells the push loop that a send failed, and how long the
// loop waits before trying again. Pure: the loop owns the clock and the dice.

export interface PushErrorOptions {
  /** The same batch can never succeed (400 bad data, 401/403): drop it, don't retry. */
  permanent?: boolean;
  /** The server asked us to wait (HTTP 429/503 Retry-After), in milliseconds. */
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * Thrown by a push module's send(). Anything else a send throws (a reset
 * connection, a DNS failure) counts as retryable.
 */
export class PushError extends Error {
  readonly permanent: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, o: PushErrorOptions = {}) {
    super(message, o.cause === undefined ? undefined : { cause: o.cause });
    this.name = 'PushError';
    this.permanent = o.permanent ?? false;
    this.retryAfterMs = o.retryAfterMs;
  }

  /** An answer that cannot succeed on retry. */
  static permanent(message: string, cause?: unknown): PushError {
    return new PushError(message, { permanent: true, cause });
  }
}

export interface RetryPolicy {
  /** Delay after the first failure. */
  readonly initialMs: number;
  /** Longest delay between attempts. */
  readonly maxMs: number;
  readonly multiplier: number;
  /** Share of each delay that is random (0 = none, 1 = "full jitter"), so many managers don't retry in step. */
  readonly jitter: number;
  /** Longest Retry-After we honour: a server cannot park us for a day. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { initialMs: 500, maxMs: 30_000, multiplier: 2, jitter: 0.5, maxRetryAfterMs: 300_000 };

/**
 * Delay before the next attempt after `failures` failures in a row (>= 1):
 * initialMs · multiplier^(failures-1), capped at maxMs, of which a `jitter`
 * share is taken away at random (random() in [0, 1)).
 */
export function backoffDelayMs(failures: number, p: RetryPolicy, random: () => number): number {
  const base = Math.min(p.maxMs, p.initialMs * p.multiplier ** Math.max(0, failures - 1));
  return Math.round(base * (1 - p.jitter * random()));
}

/**
 * Milliseconds from now a Retry-After header asks for: delta-seconds or an
 * HTTP date (RFC 9110 §10.2.3). Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  if (!/[a-z]/i.test(v)) return undefined;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
