// API keys: Ceph's `restful create-key|delete-key|list-keys`. A key is a UUID
// kept in the module store under keys/<name> (as Ceph, so it survives restarts
// and failover); mgrd adds an optional read-only mark (key_caps/<name> = "r").
// Checking a password costs the same whatever the user name and whatever the
// password: both sides are hashed and compared in constant time, and an
// unknown user is compared against a dummy key.

import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

export interface KeyStoreBackend {
  getStore(key: string): string | undefined;
  getStorePrefix(prefix: string): Record<string, string>;
  setStore(key: string, value: string | undefined): Promise<void>;
}

export type KeyCaps = 'r' | 'rw';

export interface KeyUser {
  name: string;
  caps: KeyCaps;
}

const KEYS = 'keys/';
const CAPS = 'key_caps/';

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

export class KeyStore {
  private keys = new Map<string, { digest: Buffer; caps: KeyCaps }>();
  /** Compared against when the user is unknown, so that costs what a known user costs. */
  private readonly dummy = digest(randomBytes(32).toString('hex'));

  constructor(private readonly store: KeyStoreBackend) {
    this.reload();
  }

  /** Re-reads the keys from the store (at start, and on list-keys as Ceph does). */
  reload(): Record<string, string> {
    const raw = this.store.getStorePrefix(KEYS);
    const caps = this.store.getStorePrefix(CAPS);
    const keys = new Map<string, { digest: Buffer; caps: KeyCaps }>();
    const plain: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw)) {
      const name = k.slice(KEYS.length);
      plain[name] = v;
      keys.set(name, { digest: digest(v), caps: caps[CAPS + name] === 'r' ? 'r' : 'rw' });
    }
    this.keys = keys;
    return plain;
  }

  /** The key of `name`, made (a random UUID) when there is none; an existing key's caps are changed only when `caps` is given. */
  async create(name: string, caps: KeyCaps | undefined): Promise<string> {
    const existing = this.store.getStore(KEYS + name);
    const key = existing ?? randomUUID();
    if (existing === undefined) await this.store.setStore(KEYS + name, key);
    if (caps !== undefined) await this.store.setStore(CAPS + name, caps === 'r' ? 'r' : undefined);
    this.reload();
    return key;
  }

  async delete(name: string): Promise<void> {
    await this.store.setStore(KEYS + name, undefined);
    await this.store.setStore(CAPS + name, undefined);
    this.reload();
  }

  /** The user when `password` is its key; undefined otherwise (unknown user or wrong key alike). */
  verify(user: string, password: string): KeyUser | undefined {
    const entry = this.keys.get(user);
    const ok = timingSafeEqual(digest(password), entry?.digest ?? this.dummy);
    return ok && entry !== undefined ? { name: user, caps: entry.caps } : undefined;
  }
}

/**
 * The user and password of an `Authorization: Basic` header, or undefined when
 * there is none or it is not Basic. A password may contain ':' (the first one
 * splits, RFC 7617).
 */
export function parseBasicAuth(header: string | undefined): { user: string; password: string } | undefined {
  if (header === undefined) return undefined;
  const m = /^Basic[ \t]+([A-Za-z0-9+/=._~-]+)[ \t]*$/i.exec(header);
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}
