// Session tokens (a signed JWT, HS256, as Ceph's dashboard issues), the CSRF
// token bound to each session, and the login rate limiter. The signing secret
// lives in the module store, so a session survives a manager failover.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface SessionClaims {
  username: string;
  /** Unix seconds. */
  iat: number;
  exp: number;
  jti: string;
}

const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64url');
const HEADER = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

function sign(secret: string, data: string): string {
  return createHmac('sha256', secret).update(data).digest('base64url');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export const newSecret = (): string => randomBytes(32).toString('base64url');

export class SessionTokens {
  /** Logged-out token ids until they expire (bounded: the oldest go first). */
  private readonly revoked = new Map<string, number>();

  constructor(private readonly secret: () => string, private readonly maxRevoked = 10_000) {}

  issue(username: string, nowS: number, ttlS: number): { token: string; claims: SessionClaims } {
    const claims: SessionClaims = { username, iat: nowS, exp: nowS + ttlS, jti: randomBytes(12).toString('base64url') };
    const body = `${HEADER}.${b64(JSON.stringify(claims))}`;
    return { token: `${body}.${sign(this.secret(), body)}`, claims };
  }

  /** The claims of a well-signed, unexpired, not-revoked token; undefined otherwise. */
  verify(token: string | undefined, nowS: number): SessionClaims | undefined {
    if (typeof token !== 'string' || token.length > 2048) return undefined;
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== HEADER) return undefined;
    if (!sameText(sign(this.secret(), `${parts[0]}.${parts[1]}`), parts[2]!)) return undefined;
    let claims: SessionClaims;
    try {
      claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as SessionClaims;
    } catch {
      return undefined;
    }
    if (typeof claims.username !== 'string' || typeof claims.exp !== 'number' || claims.exp <= nowS) return undefined;
    if (this.revoked.has(claims.jti)) return undefined;
    return claims;
  }

  revoke(claims: SessionClaims): void {
    this.revoked.set(claims.jti, claims.exp);
    if (this.revoked.size > this.maxRevoked) this.revoked.delete(this.revoked.keys().next().value!);
  }

  /** Forgets revocations of tokens that have expired anyway. */
  prune(nowS: number): void {
    for (const [jti, exp] of this.revoked) if (exp <= nowS) this.revoked.delete(jti);
  }

  /** The CSRF token of a session: writes must echo it in X-CSRF-Token (a cross-site form cannot set headers). */
  csrfFor(claims: SessionClaims): string {
    return sign(this.secret(), `csrf:${claims.jti}`);
  }

  checkCsrf(claims: SessionClaims, header: string | undefined): boolean {
    return typeof header === 'string' && sameText(this.csrfFor(claims), header);
  }
}

/**
 * Failed logins per key (client address, and username) in a sliding window:
 * past `max` failures the key is refused until the window has passed. Bounded
 * in keys: an attacker rotating addresses cannot grow it without limit.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly max: () => number, private readonly windowMs: number, private readonly maxKeys = 10_000) {}

  /** Milliseconds until `key` may try again; 0 when it may now. */
  retryAfterMs(key: string, nowMs: number): number {
    const list = this.recent(key, nowMs);
    if (list.length < this.max()) return 0;
    return list[0]! + this.windowMs - nowMs;
  }

  fail(key: string, nowMs: number): void {
    const list = this.recent(key, nowMs);
    list.push(nowMs);
    this.failures.delete(key);
    this.failures.set(key, list);
    while (this.failures.size > this.maxKeys) this.failures.delete(this.failures.keys().next().value!);
  }

  succeed(key: string): void {
    this.failures.delete(key);
  }

  private recent(key: string, nowMs: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => t > nowMs - this.windowMs);
    if (list.length === 0) this.failures.delete(key);
    else this.failures.set(key, list);
    return list;
  }
}
