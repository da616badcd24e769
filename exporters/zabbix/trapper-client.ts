// One request to a Zabbix server or proxy's trapper: connect, write one frame,
// read one frame back, close. Bounded in time (connect and answer timeouts,
// an abort signal) and in what the peer can make us buffer (the answer's size).

import { Socket } from 'node:net';
import { encodeFrameChunks, FrameReader, type EncodeOptions } from './zbx-frame.js';
import { parseSenderResponse, senderItemsJson, senderRequestPieces, zabbixClock, type SenderItem, type SenderResult, type ZabbixClock } from './sender-protocol.js';

/** A trapper's answer to "sender data" is one short sentence; anything near this is not one. */
export const MAX_ANSWER_BYTES = 64 * 1024;

export interface ZabbixServer {
  readonly host: string;
  readonly port: number;
}

export function serverName(s: ZabbixServer): string {
  return s.host.includes(':') ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`;
}

export interface TrapperTimeouts {
  readonly connectMs: number;
  /** From the request written to the whole answer read. */
  readonly answerMs: number;
}

export class TrapperError extends Error {
  override readonly name = 'TrapperError';
  constructor(readonly server: string, message: string, options?: ErrorOptions) {
    super(`Zabbix server ${server}: ${message}`, options);
  }
}

/** Writes `frame` (whole or in pieces) to the server and resolves with the data of its answer frame. */
export function exchange(server: ZabbixServer, frame: Buffer | readonly Buffer[], t: TrapperTimeouts, signal?: AbortSignal): Promise<Buffer> {
  const name = serverName(server);
  return new Promise<Buffer>((resolve, reject) => {
    const sock = new Socket();
    const reader = new FrameReader(MAX_ANSWER_BYTES);
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (err: Error | undefined, data?: Buffer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      sock.destroy();
      if (err) reject(err);
      else resolve(data!);
    };
    const arm = (ms: number, what: string): void => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(new TrapperError(name, `${what} timed out after ${ms} ms`)), ms);
    };
    const onAbort = (): void => finish(new TrapperError(name, 'send aborted (module stopping)'));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    sock.setNoDelay(true);
    sock.on('error', (err) => finish(new TrapperError(name, err.message, { cause: err })));
    sock.on('data', (chunk: Buffer) => {
      try {
        const data = reader.push(chunk);
        if (data !== undefined) finish(undefined, data);
      } catch (err) {
        finish(new TrapperError(name, (err as Error).message, { cause: err }));
      }
    });
    sock.on('close', () => {
      // Also emitted after every answer (finish destroys the socket): no error to build then (a stack trace each).
      if (settled) return;
      finish(new TrapperError(name, reader.received === 0 ? 'closed the connection without an answer' : `closed the connection after ${reader.received} bytes of an answer`));
    });
    arm(t.connectMs, 'connect');
    sock.connect(server.port, server.host, () => {
      arm(t.answerMs, 'answer');
      if (Buffer.isBuffer(frame)) {
        sock.write(frame);
        return;
      }
      sock.cork();
      for (const piece of frame) sock.write(piece);
      sock.uncork();
    });
  });
}

export interface SendOptions extends EncodeOptions {
  readonly timeouts: TrapperTimeouts;
  readonly signal?: AbortSignal;
  /** When the request is written (default: now). */
  readonly sent?: ZabbixClock;
}

/**
 * Sends one request whose items are `data` (comma-separated item objects in
 * pieces, as item-chunk.ts writes them; nothing is serialised here); resolves
 * with the server's counts.
 */
export async function sendRequest(server: ZabbixServer, data: readonly Buffer[], o: SendOptions): Promise<SenderResult> {
  if (o.signal?.aborted === true) throw new TrapperError(serverName(server), 'send aborted (module stopping)');
  const frame = encodeFrameChunks(senderRequestPieces(data, o.sent ?? zabbixClock(Date.now())), o);
  const answer = await exchange(server, frame, o.timeouts, o.signal);
  try {
    return parseSenderResponse(answer);
  } catch (err) {
    throw new TrapperError(serverName(server), (err as Error).message, { cause: err });
  }
}

/** Sends `items` in one request (serialised here: for tools and tests that hold items); resolves with the server's counts. */
export function sendItems(server: ZabbixServer, items: readonly SenderItem[], o: SendOptions): Promise<SenderResult> {
  return sendRequest(server, items.length === 0 ? [] : [Buffer.from(senderItemsJson(items), 'utf8')], o);
}
