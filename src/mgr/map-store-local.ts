// The `local` map store: one process owns a data dir, holding its lock
// (data-dir-lock.ts); the MgrMap and the key-value store are JSON files written
// atomically (store-files.ts). A change is applied in memory only once it is on
// disk, so a failed write changes nothing and the caller gets the error; the
// next write starts afresh. With a single candidate, joining makes it active;
// `mgr fail` re-elects it under a new epoch, which restarts the active side as
// Ceph's failover would.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { addrVec, emptyMgrMap, MGR_FEATURES, type MgrCandidate, type MgrMap } from './mgr-map.js';
import type { MapListener, MapStore } from './map-store.js';
import { DataDirLock } from './data-dir-lock.js';
import { readKvFile, readMgrMapFile, writeStoreFile } from './store-files.js';
import { readRuntimeInfo } from '../cli/runtime-info.js';
import { cephTimestamp } from '../common/time.js';

export class DataDirLockedError extends Error {}

export class LocalMapStore implements MapStore {
  readonly kind = 'local';
  private map: MgrMap;
  private kv: Map<string, string>;
  private readonly listeners: MapListener[] = [];
  private me: MgrCandidate | undefined;
  /** Serialises changes: each is computed from the last one written. Never rejects. */
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(private readonly dir: string, private readonly lock: DataDirLock) {
    this.map = readMgrMapFile(this.file('mgr_map.json')) ?? emptyMgrMap();
    this.kv = readKvFile(this.file('kv.json')) ?? new Map();
  }

  /** Locks `dir` (created if missing) and reads its map and key-value store. */
  static async open(dir: string): Promise<LocalMapStore> {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const lock = new DataDirLock(dir);
    if (!(await lock.tryAcquire())) {
      const pid = readRuntimeInfo(dir)?.pid;
      throw new DataDirLockedError(`data dir ${dir} is in use by ${pid ? `mgrd pid ${pid}` : 'another mgrd'}; use another --data-dir or stop it`);
    }
    try {
      return new LocalMapStore(dir, lock);
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  private file(name: string): string {
    return join(this.dir, name);
  }

  current(): MgrMap {
    return structuredClone(this.map);
  }

  onMap(listener: MapListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  async join(me: MgrCandidate): Promise<void> {
    this.me = me;
    await this.elect(me);
  }

  private async elect(me: MgrCandidate): Promise<void> {
    await this.commit((m) => {
      m.active_name = me.name;
      m.active_gid = me.gid;
      m.active_addr = `${me.daemonAddr}/${me.gid}`;
      m.active_addrs = addrVec(me.daemonAddr, me.gid);
      m.active_change = cephTimestamp(Date.now());
      m.active_mgr_features = MGR_FEATURES;
      m.available = true;
      m.available_modules = me.availableModules;
      m.standbys = m.standbys.filter((s) => s.name !== me.name);
    });
  }

  async leave(): Promise<void> {
    if (!this.me) return;
    const name = this.me.name;
    this.me = undefined;
    await this.commit((m) => {
      if (m.active_name === name) {
        m.active_name = '';
        m.active_gid = 0;
        m.available = false;
      }
      m.standbys = m.standbys.filter((s) => s.name !== name);
    });
  }

  async update(mutate: (map: MgrMap) => void): Promise<MgrMap> {
    await this.commit(mutate);
    return this.current();
  }

  async fail(name: string): Promise<void> {
    if (this.map.active_name !== name) return;
    await this.commit((m) => {
      m.active_name = '';
      m.active_gid = 0;
      m.available = false;
    });
    // Alone in a local store: the same process is the only standby and takes over.
    if (this.me && !this.closed) await this.elect(this.me);
  }

  kvGet(key: string): string | undefined {
    return this.kv.get(key);
  }

  kvSet(key: string, value: string | undefined): Promise<void> {
    return this.serially(async () => {
      const next = new Map(this.kv);
      if (value === undefined) next.delete(key);
      else next.set(key, value);
      await writeStoreFile(this.file('kv.json'), JSON.stringify(Object.fromEntries(next), null, 1));
      this.kv = next;
    });
  }

  kvList(prefix: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of this.kv) if (k.startsWith(prefix)) out[k] = v;
    return out;
  }

  /** Waits for pending writes (whatever their outcome), then releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.queue;
    } finally {
      await this.lock.release();
    }
  }

  private commit(mutate: (map: MgrMap) => void): Promise<void> {
    return this.serially(async () => {
      const next = structuredClone(this.map);
      mutate(next);
      next.epoch = this.map.epoch + 1;
      await writeStoreFile(this.file('mgr_map.json'), JSON.stringify(next, null, 1));
      this.map = next;
      const copy = this.current();
      for (const l of [...this.listeners]) l(copy);
    });
  }

  /** Runs `step` after every earlier change; its failure is the caller's alone. */
  private serially(step: () => Promise<void>): Promise<void> {
    const run = this.queue.then(() => {
      if (this.closed && !this.lock.held) throw new Error(`map store ${this.dir} is closed`);
      return step();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}
