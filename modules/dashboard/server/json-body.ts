// The API's request bodies: small JSON, read here rather than by express.json
// because body-parser drains a too-large body to its end before it answers 413
// (a peer streaming a chunked body without end would be read for ever). Here
// a declared length over the limit is refused before a byte is read, a body
// that grows past it is refused the moment it does, and the connection is then
// closed after a short linger (so the 413 reaches the client before any reset).

import type { NextFunction, Request, Response } from 'express';

export interface BodyRefusal {
  status: 400 | 413 | 415;
  detail: string;
  code: string;
}

/** Milliseconds the socket keeps discarding what the peer still sends after a 413, before it is destroyed. */
const LINGER_MS = 2000;

/** Middleware: `req.body` is the parsed JSON (undefined without a body); refusals go to `refuse`. */
export function jsonBody(limitBytes: number, refuse: (res: Response, r: BodyRefusal) => void) {
  return (req: Request, res: Response, next: NextFunction): void => {
    req.body = undefined;
    const declared = req.headers['content-length'];
    const hasBody = Number(declared ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody) {
      next();
      return;
    }
    if (!req.is('application/json')) {
      refuse(res, { status: 415, detail: 'Request body must be JSON (Content-Type: application/json)', code: 'bad_content_type' });
      return;
    }
    const tooLarge = (): void => {
      // Not `Connection: close`: Node would destroy the socket the moment the answer is flushed, and a peer
      // still sending would get a reset that can drop the 413. Half-close instead, discard, destroy later.
      res.once('finish', () => {
        const sock = req.socket;
        req.resume();
        sock.end();
        setTimeout(() => sock.destroy(), LINGER_MS).unref();
      });
      refuse(res, { status: 413, detail: 'Request body too large', code: 'body_too_large' });
    };
    if (Number(declared ?? 0) > limitBytes) {
      tooLarge();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > limitBytes) {
        done = true;
        chunks.length = 0;
        tooLarge();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      try {
        req.body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
      } catch {
        refuse(res, { status: 400, detail: 'Request body is not JSON', code: 'bad_json' });
        return;
      }
      next();
    });
    req.on('error', () => {
      done = true;
    });
  };
}
