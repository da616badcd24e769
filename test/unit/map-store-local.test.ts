// The local map store on a real data dir: a failed write changes nothing and
// does not poison later ones; an unreadable or misshapen file stops start-up
// with an error naming it; the lock is atomic; config files are 0600.

import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalMapStore } from '../../src/mgr/map-store-local.js';
import { StoreFileError } from '../../src/mgr/store-files.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mgrd-store-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Makes the next write of `file` fail (its temporary name is taken by a directory), as a full or read-only disk would. */
function breakWrites(file: string): () => void {
  mkdirSync(join(dir, `${file}.tmp`));
  return () => rmSync(join(dir, `${file}.tmp`), { recursive: true });
}

describe('LocalMapStore writes', () => {
  it('a failed map write is not applied, and the next write works once the disk does', async () => {
    const store = await LocalMapStore.open(dir);
    await store.update((m) => {
      m.modules = ['prometheus'];
    });
    const before = store.current();
    const heal = breakWrites('mgr_map.json');
    await expect(store.update((m) => {
      m.modules = ['prometheus', 'hello'];
    })).rejects.toThrow();
    expect(store.current()).toEqual(before);
    heal();
    const after = await store.update((m) => {
      m.modules = ['influx'];
    });
    expect(after.epoch).toBe(before.epoch + 1);
    expect(after.modules).toEqual(['influx']);
    expect(JSON.parse(readFileSync(join(dir, 'mgr_map.json'), 'utf8'))).toMatchObject({ epoch: after.epoch, modules: ['influx'] });
    await store.close();
  });

  it('a failed key-value write is not applied, and the next one works', async () => {
    const store = await LocalMapStore.open(dir);
    await store.kvSet('config/mgr/a', '1');
    const heal = breakWrites('kv.json');
    await expect(store.kvSet('config/mgr/a', '2')).rejects.toThrow();
    expect(store.kvGet('config/mgr/a')).toBe('1');
    heal();
    await store.kvSet('config/mgr/b', '3');
    expect(JSON.parse(readFileSync(join(dir, 'kv.json'), 'utf8'))).toEqual({ 'config/mgr/a': '1', 'config/mgr/b': '3' });
    await store.close();
  });

  it('close releases the lock even when writes are failing', async () => {
    const store = await LocalMapStore.open(dir);
    breakWrites('mgr_map.json');
    const failing = store.update((m) => {
      m.modules = [];
    });
    await expect(failing).rejects.toThrow();
    await store.close();
    const again = await LocalMapStore.open(dir);
    await again.close();
  });
});

describe('LocalMapStore files that cannot be read', () => {
  it('invalid JSON in mgr_map.json stops start-up naming the file and the way out, and leaves it in place', async () => {
    writeFileSync(join(dir, 'mgr_map.json'), '{"epoch": 7, "modules": [');
    const err = await LocalMapStore.open(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreFileError);
    expect((err as Error).message).toContain(`${join(dir, 'mgr_map.json')} is not valid JSON`);
    expect((err as Error).message).toContain('restore');
    expect(readFileSync(join(dir, 'mgr_map.json'), 'utf8')).toBe('{"epoch": 7, "modules": [');
    // The lock was not kept: the operator can fix the file and start again.
    rmSync(join(dir, 'mgr_map.json'));
    await (await LocalMapStore.open(dir)).close();
  });

  it('a valid JSON of the wrong shape gets the same clear error, naming the field', async () => {
    writeFileSync(join(dir, 'mgr_map.json'), '{"epoch": 3}');
    await expect(LocalMapStore.open(dir)).rejects.toThrow(/mgr_map.json is not a valid MgrMap: active_gid is undefined, expected number/);
    writeFileSync(join(dir, 'mgr_map.json'), '[]');
    await expect(LocalMapStore.open(dir)).rejects.toThrow(/the map is array, expected object/);
  });

  it('kv.json: invalid JSON and non-string values are refused', async () => {
    writeFileSync(join(dir, 'kv.json'), 'not json');
    await expect(LocalMapStore.open(dir)).rejects.toThrow(/kv.json is not valid JSON/);
    writeFileSync(join(dir, 'kv.json'), '{"config/mgr/x": 5}');
    await expect(LocalMapStore.open(dir)).rejects.toThrow(/kv.json is not a valid key-value store: "config\/mgr\/x" is number, expected string/);
  });
});

describe('LocalMapStore lock and file modes', () => {
  it('of openers racing for one data dir exactly one leads; the others follow it', async () => {
    const stores = await Promise.all([LocalMapStore.open(dir), LocalMapStore.open(dir), LocalMapStore.open(dir)]);
    expect(stores.filter((s) => s.isLeader())).toHaveLength(1);
    for (const s of stores) await s.close();
  });

  it('the same directory through another path is the same lock', async () => {
    const store = await LocalMapStore.open(dir);
    const other = await LocalMapStore.open(`${dir}/./`);
    expect([store.isLeader(), other.isLeader()]).toEqual([true, false]);
    await other.close();
    await store.close();
  });

  it('mgr_map.json and kv.json are 0600, and an older 0644 file is tightened on open', async () => {
    const store = await LocalMapStore.open(dir);
    await store.update((m) => {
      m.modules = [];
    });
    await store.kvSet('k', 'v');
    expect(statSync(join(dir, 'mgr_map.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'kv.json')).mode & 0o777).toBe(0o600);
    await store.close();
    chmodSync(join(dir, 'kv.json'), 0o644);
    await (await LocalMapStore.open(dir)).close();
    expect(statSync(join(dir, 'kv.json')).mode & 0o777).toBe(0o600);
  });
});
