// What a write answer means for the push loop: 204 delivered; 429 and 5xx
// retried (after Retry-After when the server gives one); 400 (bad line,
// partial write), 401/403 (credentials) and the other 4xx cannot succeed by
// retrying and drop their batch. The server's own words are quoted, bounded.

import { PushError, parseRetryAfter } from '../../src/mgr-module/index.js';

/** Longest piece of a server's answer quoted in a check or log line. */
const QUOTE_MAX = 300;

/** The `error` of an InfluxDB JSON answer, or the text itself, on one line, bounded. */
export function serverWords(body: string): string {
  let text = body.trim();
  try {
    const j = JSON.parse(text) as { error?: unknown; message?: unknown };
    if (typeof j.error === 'string') text = j.error;
    else if (typeof j.message === 'string') text = j.message;
  } catch {
    // not JSON: quote as is
  }
  text = text.replace(/\s+/g, ' ');
  return text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX)}…` : text;
}

export interface AnswerOptions {
  /** 1.x: 404 is "database not found", which the next interval's CREATE DATABASE cures: retry. */
  readonly notFoundRetryable: boolean;
  readonly nowMs: number;
}

export function writeError(status: number, statusText: string, body: string, retryAfter: string | null | undefined, o: AnswerOptions): PushError {
  const words = serverWords(body);
  const message = `HTTP ${status}${statusText ? ` ${statusText}` : ''}${words ? `: ${words}` : ''}`;
  if (status === 429 || status >= 500 || (status === 404 && o.notFoundRetryable) || status === 408) {
    return new PushError(message, { retryAfterMs: parseRetryAfter(retryAfter, o.nowMs) });
  }
  if (status === 413) return PushError.permanent(`${message} (lower batch_size)`);
  return PushError.permanent(message);
}
