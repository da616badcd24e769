// Dashboard users and roles, kept in the module store (survives failover) as
// Ceph's dashboard keeps its access-control DB ("accessdb_v2"). Passwords are
// hashed with scrypt (Node's crypto, salted, constant-time compare); the hash
// never leaves the manager except in `ac-user-show`, as Ceph shows its bcrypt hash.

import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export const ROLES = ['administrator', 'read-only'] as const;
export type Role = (typeof ROLES)[number];

export interface DashboardUser {
  username: string;
  /** scrypt$N$r$p$salt$hash (base64url). */
  password: string;
  roles: Role[];
  name: string | null;
  email: string | null;
  /** Unix seconds of the last change: sessions issued before it are void. */
  lastUpdate: number;
  enabled: boolean;
  pwdExpirationDate: number | null;
  pwdUpdateRequired: boolean;
}

interface AccessDb {
  version: 2;
  users: Record<string, DashboardUser>;
}

/** What the module store offers (the module's getStore/setStore). */
export interface KvStore {
  get(key: string): string | undefined;
  set(key: string, value: string | undefined): Promise<void>;
}

export const DB_KEY = 'accessdb_v2';
export const MIN_PASSWORD_LENGTH = 8;
const USERNAME_RE = /^[A-Za-z0-9_.@-]{1,64}$/;
// 2^15 costs ~50-100 ms on one core: slow for a guesser, bearable for a login (async, off the event loop).
const SCRYPT = { N: 1 << 15, r: 8, p: 1, keylen: 32 };

export class UserError extends Error {}

function scryptAsync(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, maxmem: 64 * 1024 * 1024 });
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const want = Buffer.from(hash, 'base64url');
  const got = await scryptAsync(password, Buffer.from(salt, 'base64url'), want.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: 64 * 1024 * 1024 });
  return got.length === want.length && timingSafeEqual(got, want);
}

// A hash to compare against when the user does not exist, so that a missing
// user costs the same time as a wrong password (no user enumeration by timing).
let dummyHash: Promise<string> | undefined;

export class AccessControl {
  constructor(private readonly kv: KvStore) {}

  private db(): AccessDb {
    const raw = this.kv.get(DB_KEY);
    if (raw === undefined) return { version: 2, users: {} };
    const db = JSON.parse(raw) as AccessDb;
    return { version: 2, users: db.users ?? {} };
  }

  private async save(db: AccessDb): Promise<void> {
    await this.kv.set(DB_KEY, JSON.stringify(db));
  }

  list(): string[] {
    return Object.keys(this.db().users).sort();
  }

  get(username: string): DashboardUser | undefined {
    return this.db().users[username];
  }

  async create(username: string, password: string, role: Role, nowS: number): Promise<DashboardUser> {
    if (!USERNAME_RE.test(username)) throw new UserError(`invalid username '${username}': 1-64 of letters, digits, _ . @ -`);
    if (password.length < MIN_PASSWORD_LENGTH) throw new UserError(`password too short: at least ${MIN_PASSWORD_LENGTH} characters`);
    if (password.length > 1024) throw new UserError('password too long: at most 1024 characters');
    if (!ROLES.includes(role)) throw new UserError(`invalid role '${String(role)}': one of ${ROLES.join(', ')}`);
    const db = this.db();
    if (db.users[username]) throw new UserError(`User '${username}' already exists`);
    const user: DashboardUser = {
      username, password: await hashPassword(password), roles: [role], name: null, email: null,
      lastUpdate: nowS, enabled: true, pwdExpirationDate: null, pwdUpdateRequired: false,
    };
    db.users[username] = user;
    await this.save(db);
    return user;
  }

  async delete(username: string): Promise<boolean> {
    const db = this.db();
    if (!db.users[username]) return false;
    delete db.users[username];
    await this.save(db);
    return true;
  }

  /** The user when the password matches an enabled account, else undefined (same cost either way). */
  async authenticate(username: string, password: string): Promise<DashboardUser | undefined> {
    const user = typeof username === 'string' ? this.db().users[username] : undefined;
    if (!user) {
      dummyHash ??= hashPassword(randomBytes(12).toString('hex'));
      await verifyPassword(password, await dummyHash);
      return undefined;
    }
    const ok = await verifyPassword(password, user.password);
    return ok && user.enabled ? user : undefined;
  }
}

export const canWrite = (u: Pick<DashboardUser, 'roles'>): boolean => u.roles.includes('administrator');
