// Keyrings: per-entity secrets and capabilities, in Ceph's keyring file format:
//
//   [client.admin]
//       key = <base64 secret>
//       caps mgr = "allow *"
//
// An entity name may end in ".*" ("osd.*") to give all daemons of a type one
// shared key, a bootstrap convenience for simulated clusters of 10,000 OSDs.

import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

export interface Caps {
  /** The grant as written ("allow profile osd"). */
  text: string;
  /** May OPEN, REPORT and PG_STATS as a daemon. */
  daemon: boolean;
  /** May send cluster maps (MAP): the cluster source. */
  mapSource: boolean;
  /** May run commands whose perm is r. */
  read: boolean;
  /** May run commands whose perm includes w. */
  write: boolean;
  /** Commands it may run although their perm includes w and it lacks `write` (Ceph's `profile crash`: `crash post`). */
  writePrefixes?: readonly string[];
}

export interface KeyringEntry {
  entity: string;
  key: Buffer;
  caps: Caps;
}

export class KeyringError extends Error {}

const NO_CAPS: Omit<Caps, 'text'> = { daemon: false, mapSource: false, read: false, write: false };

/** Parses "allow *", "allow rw", "allow r", "allow profile osd|mds|rgw|mgr|mon|crash", comma-separated. */
export function parseCaps(text: string): Caps {
  const caps: Caps = { text, ...NO_CAPS };
  for (const raw of text.split(',')) {
    const grant = raw.trim().replace(/\s+/g, ' ');
    if (grant === '') continue;
    const m = /^allow (\*|rwx?|r|w|profile (osd|mds|rgw|mgr|mon|crash))$/.exec(grant);
    if (!m) throw new KeyringError(`bad capability '${grant}': expected allow *, allow r, allow rw or allow profile osd|mds|rgw|mgr|mon|crash`);
    const what = m[1]!;
    if (what === '*') Object.assign(caps, { daemon: true, mapSource: true, read: true, write: true });
    else if (m[2] === 'crash') {
      // What ceph-crash agents get (MgrCap's profile crash): posting crash reports, nothing else.
      caps.read = true;
      caps.writePrefixes = ['crash post'];
    } else if (what.startsWith('profile')) {
      caps.daemon = true;
      caps.read = true;
      if (m[2] === 'mon') caps.mapSource = true;
    } else {
      if (what.includes('r')) caps.read = true;
      if (what.includes('w')) caps.write = true;
    }
  }
  return caps;
}

export class Keyring {
  private readonly exact = new Map<string, KeyringEntry>();
  private readonly byType = new Map<string, KeyringEntry>();

  add(entity: string, key: Buffer, capsText: string): void {
    if (!/^[a-z][a-z0-9_-]*\.([A-Za-z0-9_.:-]+|\*)$/.test(entity)) {
      throw new KeyringError(`bad entity name '${entity}': expected TYPE.ID such as osd.3 or client.admin`);
    }
    if (key.length < 16) throw new KeyringError(`key of ${entity} is ${key.length} bytes; at least 16 are required`);
    const entry = { entity, key, caps: parseCaps(capsText) };
    if (entity.endsWith('.*')) this.byType.set(entity.slice(0, -2), entry);
    else this.exact.set(entity, entry);
  }

  /** The entry that authenticates `entity`: its own, else its type's wildcard. */
  lookup(entity: string): KeyringEntry | undefined {
    const own = this.exact.get(entity);
    if (own) return own;
    const dot = entity.indexOf('.');
    return dot > 0 ? this.byType.get(entity.slice(0, dot)) : undefined;
  }

  entries(): KeyringEntry[] {
    return [...this.exact.values(), ...this.byType.values()];
  }

  serialize(): string {
    return this.entries()
      .map((e) => `[${e.entity}]\n\tkey = ${e.key.toString('base64')}\n\tcaps mgr = "${e.caps.text}"\n`)
      .join('');
  }

  static parse(text: string, source = 'keyring'): Keyring {
    const ring = new Keyring();
    let entity: string | undefined;
    let key: Buffer | undefined;
    let caps = '';
    const flush = (): void => {
      if (entity === undefined) return;
      if (!key) throw new KeyringError(`${source}: [${entity}] has no key`);
      ring.add(entity, key, caps);
    };
    text.split(/\r?\n/).forEach((line, i) => {
      const t = line.trim();
      if (t === '' || t.startsWith('#') || t.startsWith(';')) return;
      const section = /^\[(.+)\]$/.exec(t);
      if (section) {
        flush();
        entity = section[1]!.trim();
        key = undefined;
        caps = '';
        return;
      }
      const kv = /^([a-z ]+?)\s*=\s*(.*)$/.exec(t);
      if (!kv || entity === undefined) throw new KeyringError(`${source}:${i + 1}: cannot parse '${t}'`);
      const name = kv[1]!;
      const value = kv[2]!.replace(/^"(.*)"$/, '$1');
      if (name === 'key') {
        key = Buffer.from(value, 'base64');
        if (key.length === 0) throw new KeyringError(`${source}:${i + 1}: key of ${entity} is not base64`);
      } else if (name === 'caps mgr') caps = value;
      else if (!name.startsWith('caps ')) throw new KeyringError(`${source}:${i + 1}: unknown setting '${name}'`);
    });
    flush();
    return ring;
  }

  static load(path: string): Keyring {
    return Keyring.parse(readFileSync(path, 'utf8'), path);
  }

  save(path: string): void {
    writeFileSync(path, this.serialize(), { mode: 0o600 });
  }
}

export function newSecret(): Buffer {
  return randomBytes(32);
}

/** The keyring `mgrd keyring` and a new data dir start with: an admin and one shared key per daemon type. */
export function defaultKeyring(): Keyring {
  const ring = new Keyring();
  ring.add('client.admin', newSecret(), 'allow *');
  ring.add('mon.*', newSecret(), 'allow profile mon');
  // The hosts' crash agents (ceph-crash posts as client.crash.<host>); the simulator's post as client.crash.
  ring.add('client.crash', newSecret(), 'allow profile crash');
  for (const t of ['osd', 'mds', 'rgw', 'mgr']) ring.add(`${t}.*`, newSecret(), `allow profile ${t}`);
  return ring;
}

/** Reads one entity's secret from a keyring file (what a client needs). */
export function secretFor(ring: Keyring, entity: string): Buffer {
  const e = ring.lookup(entity);
  if (!e) throw new KeyringError(`no key for ${entity} in the keyring`);
  return e.key;
}
