// The `local` map store: the managers of one host share a data dir. The
// process holding the data dir's lock (data-dir-lock.ts) leads — it is the
// active manager — and is the only writer of the files (store-files.ts:
// mgr_map.json, kv.json), each change applied in memory only once it is on
// disk. The other processes wait as standbys, connected to the holder through
// the lock's socket (local-peers.ts): they register there (the MgrMap lists
// them), receive every map and store change, and the moment the connection
// drops — the holder died or resigned — they race for the lock. The winner
// reads the files and elects itself under the next epoch.

import { mkdirSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { clearActive, electInto, emptyMgrMap, failIn, kvWithPrefix, standbyEntry, type MgrCandidate } from './mgr-map.js';
import type { MgrMap, MgrStandbyInfo } from '../mgr-module/mgr-map-types.js';
import { MapListeners, NotLeaderError, type MapListener, type MapStore } from './map-store.js';
import { DataDirLock } from './data-dir-lock.js';
import { newNonce, PeerLink, peerProof, proofMatches, storeSecret, type PeerMessage } from './local-peers.js';
import { readKvFile, readMgrMapFile, writeStoreFile } from './store-files.js';

/** A peer that has not proven it can read the data dir within this is dropped. */
const AUTH_TIMEOUT_MS = 5000;
const MAX_PEERS = 64;
/** After resigning with standbys present, wait this long before trying for the lock again: one of them takes it. */
const RESIGN_BACKOFF_MS = 1000;

interface Peer {
  authed: boolean;
  standby?: MgrStandbyInfo;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class LocalMapStore implements MapStore {
  readonly kind = 'local';
  private map: MgrMap = emptyMgrMap();
  private kv = new Map<string, string>();
  private readonly listeners = new MapListeners();
  private readonly fatalListeners: Array<(err: Error) => void> = [];
  private me: MgrCandidate | undefined;
  /** Serialises changes: each is computed from the last one written. Never rejects. */
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly lock: DataDirLock;
  private readonly secret: Buffer;
  /** Standby side: the link to the holder. */
  private holder: PeerLink | undefined;
  /** Holder side: connected standbys. */
  private readonly peers = new Map<PeerLink, Peer>();
  private readonly metadataByName = new Map<string, Record<string, string>>();
  private notBefore = 0;
  private joinWaiters: Array<() => void> = [];
  private inMap = false;

  private constructor(private readonly dir: string) {
    this.lock = new DataDirLock(dir, (peer) => this.acceptPeer(peer));
    this.secret = storeSecret(dir);
  }

  /** Opens `dir` (created if missing): takes its lock if free, else connects to the holder as a standby. */
  static async open(dir: string): Promise<LocalMapStore> {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const store = new LocalMapStore(dir);
    await store.acquireOrFollow();
    return store;
  }

  private file(name: string): string {
    return join(this.dir, name);
  }

  isLeader(): boolean {
    return this.lock.held && !this.closed;
  }

  current(): MgrMap {
    return structuredClone(this.map);
  }

  onMap(listener: MapListener): () => void {
    return this.listeners.add(listener);
  }

  onFatal(listener: (err: Error) => void): void {
    this.fatalListeners.push(listener);
  }

  metadata(name: string): Record<string, string> | undefined {
    return this.metadataByName.get(name);
  }

  async join(me: MgrCandidate): Promise<void> {
    this.me = me;
    this.metadataByName.set(me.name, me.metadata);
    if (this.lock.held) {
      await this.elect(me);
      return;
    }
    await new Promise<void>((resolve) => {
      this.joinWaiters.push(resolve);
      this.sendJoin();
    });
  }

  async setServices(services: Record<string, string>): Promise<void> {
    if (!this.me) return;
    this.me = { ...this.me, services: { ...services } };
    this.sendJoin();
    return Promise.resolve();
  }

  async leave(): Promise<void> {
    const me = this.me;
    this.me = undefined;
    if (!me) return;
    if (this.lock.held) {
      await this.commit((m) => {
        if (m.active_gid === me.gid) clearActive(m);
        m.standbys = m.standbys.filter((s) => s.gid !== me.gid);
      }).catch(() => undefined); // leaving anyway: the next holder starts from the last map written
    } else {
      this.holder?.close(); // the holder drops us from the map when the link closes
    }
  }

  async resign(): Promise<void> {
    if (!this.lock.held) return;
    await this.queue;
    const standbys = [...this.peers.values()].some((p) => p.standby !== undefined);
    this.notBefore = standbys ? Date.now() + RESIGN_BACKOFF_MS : 0;
    await this.lock.release();
    this.takeOver();
  }

  async update(mutate: (map: MgrMap) => void): Promise<MgrMap> {
    this.mustLead('change the MgrMap');
    await this.commit(mutate);
    return this.current();
  }

  async fail(name: string): Promise<void> {
    this.mustLead('fail a manager');
    await this.commit((m) => failIn(m, name));
  }

  kvGet(key: string): string | undefined {
    return this.kv.get(key);
  }

  async kvSet(key: string, value: string | undefined): Promise<void> {
    this.mustLead(`write ${key}`);
    return this.serially(async () => {
      const next = new Map(this.kv);
      if (value === undefined) next.delete(key);
      else next.set(key, value);
      await writeStoreFile(this.file('kv.json'), JSON.stringify(Object.fromEntries(next), null, 1));
      this.kv = next;
      this.broadcast({ t: 'kv', key, value: value ?? null });
    });
  }

  kvList(prefix: string): Record<string, string> {
    return kvWithPrefix(this.kv, prefix);
  }

  /** Waits for pending writes (whatever their outcome), then releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.queue;
    } finally {
      await this.lock.release();
      this.holder?.close();
    }
  }

  private mustLead(what: string): void {
    if (!this.lock.held) throw new NotLeaderError(`cannot ${what}: this manager is a standby (the active, '${this.map.active_name || 'none'}', holds data dir ${this.dir})`);
  }

  /** Takes the lock if free, else follows its holder; loops until one works (a holder may be on its way out). */
  private async acquireOrFollow(): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      if (Date.now() >= this.notBefore && (await this.lock.tryAcquire())) {
        try {
          this.becomeHolder();
        } catch (err) {
          await this.lock.release();
          throw err;
        }
        return;
      }
      if (await this.follow()) return;
      await sleep(attempt < 50 ? 10 : 100);
    }
  }

  /** Reads the files this process now owns. The dead or resigned holder is no longer active; standbys register again. */
  private becomeHolder(): void {
    const map = readMgrMapFile(this.file('mgr_map.json')) ?? emptyMgrMap();
    this.kv = readKvFile(this.file('kv.json')) ?? new Map();
    // A map the old holder sent but did not get to write still counts: epochs only grow.
    map.epoch = Math.max(map.epoch, this.map.epoch);
    clearActive(map);
    map.standbys = [];
    this.map = map;
    this.holder = undefined;
  }

  /** After losing the holder (or resigning): race for the lock; the winner elects itself. */
  private takeOver(): void {
    if (this.closed) return;
    this.acquireOrFollow()
      .then(() => (this.lock.held && this.me && !this.closed ? this.elect(this.me) : undefined))
      .catch((err: unknown) => {
        for (const l of this.fatalListeners) l(err instanceof Error ? err : new Error(String(err)));
      });
  }

  private elect(me: MgrCandidate): Promise<void> {
    return this.commit((m) => {
      electInto(m, me, Date.now());
      m.standbys = [...this.peers.values()].flatMap((p) => (p.standby && p.standby.gid !== me.gid ? [p.standby] : []));
    });
  }

  // --- standby side ---------------------------------------------------------

  /** Connects to the holder and waits for its first map. False when there is none, or it went away first. */
  private async follow(): Promise<boolean> {
    let sock: Socket;
    try {
      sock = await this.lock.connectToHolder();
    } catch {
      return false;
    }
    return new Promise((resolve) => {
      let synced = false;
      const timer = setTimeout(() => link.close(), AUTH_TIMEOUT_MS);
      const link = new PeerLink(sock, (m) => {
        if (m.t === 'challenge') {
          link.trusted();
          link.send({ t: 'auth', proof: peerProof(this.secret, m.nonce) });
        } else if (m.t === 'sync') {
          clearTimeout(timer);
          synced = true;
          this.holder = link;
          this.kv = new Map(Object.entries(m.kv));
          this.inMap = false;
          this.publish(m.map);
          this.sendJoin();
          resolve(true);
        } else if (m.t === 'map' && synced) {
          this.publish(m.map);
        } else if (m.t === 'kv' && synced) {
          if (m.value === null) this.kv.delete(m.key);
          else this.kv.set(m.key, m.value);
        }
      });
      sock.once('close', () => {
        clearTimeout(timer);
        if (!synced) {
          resolve(false);
          return;
        }
        if (this.holder === link) this.holder = undefined;
        this.takeOver();
      });
    });
  }

  private sendJoin(): void {
    if (this.me && this.holder) this.holder.send({ t: 'join', standby: standbyEntry(this.me), metadata: this.me.metadata });
  }

  // --- holder side ----------------------------------------------------------

  private acceptPeer(sock: Socket): void {
    if (this.peers.size >= MAX_PEERS || this.closed) {
      sock.destroy();
      return;
    }
    const nonce = newNonce();
    const peer: Peer = { authed: false };
    const link = new PeerLink(sock, (m) => this.onPeerMessage(link, peer, nonce, m));
    this.peers.set(link, peer);
    const timer = setTimeout(() => {
      if (!peer.authed) link.close();
    }, AUTH_TIMEOUT_MS);
    sock.once('close', () => {
      clearTimeout(timer);
      this.peers.delete(link);
      const gone = peer.standby;
      if (gone && this.lock.held) {
        this.commit((m) => {
          m.standbys = m.standbys.filter((s) => s.gid !== gone.gid);
        }).catch(() => undefined); // a failed write leaves it listed until the next change
      }
    });
    link.send({ t: 'challenge', nonce });
  }

  private onPeerMessage(link: PeerLink, peer: Peer, nonce: string, m: PeerMessage): void {
    if (!peer.authed) {
      if (m.t !== 'auth' || !proofMatches(this.secret, nonce, m.proof)) {
        link.close();
        return;
      }
      peer.authed = true;
      link.trusted();
      link.send({ t: 'sync', map: this.map, kv: Object.fromEntries(this.kv) });
      return;
    }
    if (m.t !== 'join' || typeof m.standby?.name !== 'string' || typeof m.standby.gid !== 'number') {
      link.close();
      return;
    }
    const standby = m.standby;
    peer.standby = standby;
    this.metadataByName.set(standby.name, m.metadata ?? {});
    this.commit((map) => {
      map.standbys = [...map.standbys.filter((s) => s.gid !== standby.gid && s.name !== standby.name), standby];
    }).catch(() => undefined); // listed at the next change that is written
  }

  private broadcast(m: PeerMessage): void {
    for (const [link, p] of this.peers) if (p.authed) link.send(m);
  }

  private commit(mutate: (map: MgrMap) => void): Promise<void> {
    return this.serially(async () => {
      if (!this.lock.held) throw new NotLeaderError(`data dir ${this.dir}: this process no longer holds the lock`);
      const next = structuredClone(this.map);
      mutate(next);
      next.epoch = this.map.epoch + 1;
      await writeStoreFile(this.file('mgr_map.json'), JSON.stringify(next, null, 1));
      this.broadcast({ t: 'map', map: next });
      this.publish(next);
    });
  }

  /** A new map (written here, or received from the holder): listeners, and a joining candidate that is now listed. */
  private publish(map: MgrMap): void {
    this.map = map;
    const me = this.me;
    const listed = me !== undefined && (map.active_gid === me.gid || map.standbys.some((s) => s.gid === me.gid));
    if (listed) {
      for (const w of this.joinWaiters.splice(0)) w();
    } else if (me && this.inMap && this.holder) {
      this.sendJoin(); // dropped by `mgr fail`: join again
    }
    this.inMap = listed;
    this.listeners.emit(this.current());
  }

  /** Runs `step` after every earlier change; its failure is the caller's alone. */
  private serially(step: () => Promise<void>): Promise<void> {
    const run = this.queue.then(step);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
