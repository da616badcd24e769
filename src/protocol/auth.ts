// Challenge-response authentication: the secret never crosses the wire. The
// client proves it holds the entity's key over both nonces; the server answers
// with its own proof so a client can tell it talks to a manager holding the key.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export function newNonce(): string {
  return randomBytes(32).toString('hex');
}

export function clientProof(secret: Buffer, entity: string, serverNonce: string, clientNonce: string): string {
  return createHmac('sha256', secret).update(`mgrd-auth-v1\0${entity}\0${serverNonce}\0${clientNonce}`).digest('hex');
}

export function serverProof(secret: Buffer, entity: string, clientNonce: string, serverNonce: string): string {
  return createHmac('sha256', secret).update(`mgrd-server-v1\0${entity}\0${clientNonce}\0${serverNonce}`).digest('hex');
}

/** Constant-time comparison of two hex proofs. */
export function proofsEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a, 'hex');
  const bb = Buffer.from(b, 'hex');
  return ba.length === 32 && bb.length === 32 && timingSafeEqual(ba, bb);
}
