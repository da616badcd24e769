// The `local` map store: one process owns a data dir (a lock file says which);
// the MgrMap and the key-value store are JSON files written atomically. With a
// single candidate, joining makes it active; `mgr fail` re-elects it under a
// new epoch, which restarts the active side as Ceph's failover would.

import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { addrVec, emptyMgrMap, MGR_FEATURES, type MgrCandidate, type MgrMap } from './mgr-map.js';
import type { MapListener, MapStore } from './map-store.js';
import { cephTimestamp } from '../common/time.js';

export class DataDirLockedError extends Error {}

export class LocalMapStore implements MapStore {
  readonly kind = 'local';
  private map: MgrMap;
  private readonly kv: Map<string, string>;
  private readonly listeners: MapListener[] = [];
  private me: MgrCandidate | undefined;
  private writes: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly lockPath: string;

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.lockPath = join(dir, 'lock');
    this.lock();
    this.map = readJson<MgrMap>(join(dir, 'mgr_map.json')) ?? emptyMgrMap();
    this.kv = new Map(Object.entries(readJson<Record<string, string>>(join(dir, 'kv.json')) ?? {}));
  }

  private lock(): void {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.lockPath, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const pid = Number(readFileSync(this.lockPath, 'utf8').trim());
        if (pid > 0 && pid !== process.pid && processAlive(pid)) {
          throw new DataDirLockedError(`data dir ${this.dir} is in use by mgrd pid ${pid}; use another --data-dir or stop it`);
        }
        unlinkSync(this.lockPath); // stale lock of a dead process
      }
    }
    throw new DataDirLockedError(`cannot lock data dir ${this.dir}`);
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

  async kvSet(key: string, value: string | undefined): Promise<void> {
    if (value === undefined) this.kv.delete(key);
    else this.kv.set(key, value);
    await this.persist('kv.json', Object.fromEntries(this.kv));
  }

  kvList(prefix: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of this.kv) if (k.startsWith(prefix)) out[k] = v;
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writes;
    try {
      if (existsSync(this.lockPath) && readFileSync(this.lockPath, 'utf8').trim() === String(process.pid)) unlinkSync(this.lockPath);
    } catch {
      // the lock is best effort on the way out
    }
  }

  private async commit(mutate: (map: MgrMap) => void): Promise<void> {
    const next = structuredClone(this.map);
    mutate(next);
    next.epoch = this.map.epoch + 1;
    this.map = next;
    await this.persist('mgr_map.json', next);
    const copy = this.current();
    for (const l of [...this.listeners]) l(copy);
  }

  /** Serialised atomic writes: tmp file then rename. */
  private persist(file: string, body: unknown): Promise<void> {
    const text = JSON.stringify(body, null, 1);
    const path = join(this.dir, file);
    this.writes = this.writes.then(async () => {
      await writeFile(`${path}.tmp`, text);
      await rename(`${path}.tmp`, path);
    });
    return this.writes;
  }
}

function readJson<T>(path: string): T | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    // A torn file would only come from a crash between write and rename; keep a copy and start fresh.
    renameSync(path, `${path}.corrupt-${Date.now()}`);
    process.emitWarning(`mgrd: ${path} was unreadable (${(err as Error).message}); moved aside`);
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function writeFileAtomicSync(path: string, text: string, mode?: number): void {
  writeFileSync(`${path}.tmp`, text, mode === undefined ? undefined : { mode });
  renameSync(`${path}.tmp`, path);
}
