// The `etcd` map store: managers on several hosts share one etcd cluster.
// Each candidate holds a lease (TTL --etcd-lease-ttl) and a member key under
// it (its standby entry and metadata); the leader is whoever created the
// `leader` key under its lease, in a transaction that succeeds only when no
// such key exists. The MgrMap and the key-value store are plain keys, written
// only by the leader in transactions that compare the leader key with its own,
// so a deposed leader's late write fails. The leader renews its lease every
// TTL/5 and steps down — isLeader() turns false, the map is cleared locally —
// once 60 % of the TTL has passed since the last renewal it sent, before etcd
// can expire the lease and let another take over. Hand-written on leases and
// transactions rather than etcd3's Election, to know exactly when the lease
// was last renewed (docs/decisions.md).

import { noop } from 'cockatiel';
import { Etcd3, type IKeyValue, type IOptions, type Lease, type Watcher } from 'etcd3';
import type { Logger } from '../common/log.js';
import { checkMgrMap } from './map-shape.js';
import { MapListeners, NotLeaderError, type MapListener, type MapStore } from './map-store.js';
import { clearActive, electInto, emptyMgrMap, failIn, kvWithPrefix, standbyEntry, type MgrCandidate } from './mgr-map.js';
import type { MgrMap, MgrStandbyInfo } from '../mgr-module/mgr-map-types.js';

export interface EtcdStoreOptions {
  endpoints: string[];
  /** Key prefix: /mgrd/<clusterName>/ */
  clusterName: string;
  leaseTtlS: number;
  tls?: { ca: Buffer; cert?: Buffer; key?: Buffer };
  auth?: { username: string; password: string };
  log: Logger;
}

interface Member {
  standby: MgrStandbyInfo;
  metadata: Record<string, string>;
}

/** After resigning with standbys present, this long before campaigning again: one of them takes over. */
const RESIGN_BACKOFF_MS = 1000;
const now = (): number => performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class EtcdMapStore implements MapStore {
  readonly kind = 'etcd';
  private readonly client: Etcd3;
  private readonly prefix: string;
  private readonly log: Logger;
  private map: MgrMap = emptyMgrMap();
  private readonly kv = new Map<string, string>();
  private readonly members = new Map<string, Member>();
  private readonly listeners = new MapListeners();
  private me: MgrCandidate | undefined;
  private lease: Lease | undefined;
  private leaseId = '';
  /** performance.now() until which the lease is surely alive on etcd's side (last renewal sent + TTL). */
  private leaseAliveUntil = 0;
  private leading = false;
  private token = '';
  private watcher: Watcher | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private guardTimer: NodeJS.Timeout | undefined;
  private campaigning = false;
  private notBefore = 0;
  private closed = false;
  private queue: Promise<void> = Promise.resolve();
  private joinWaiters: Array<() => void> = [];
  private rejoining: Promise<void> | undefined;

  constructor(private readonly o: EtcdStoreOptions) {
    const options: IOptions = {
      hosts: o.endpoints,
      dialTimeout: 2000,
      // Our loops retry on their own schedule: no client-side retries or circuit breaker delaying a
      // renewal or hiding etcd's return.
      faultHandling: { host: () => noop, global: noop },
    };
    if (o.tls) options.credentials = { rootCertificate: o.tls.ca, privateKey: o.tls.key, certChain: o.tls.cert };
    if (o.auth) options.auth = o.auth;
    this.client = new Etcd3(options);
    this.prefix = `/mgrd/${o.clusterName}/`;
    this.log = o.log.child({ part: 'etcd' });
  }

  private get ttlMs(): number {
    return this.o.leaseTtlS * 1000;
  }

  private key(k: string): string {
    return this.prefix + k;
  }

  /** Reads what is there (map, store, members) and watches for changes from that revision on. */
  async open(): Promise<void> {
    const res = await this.timed(this.client.getAll().prefix(this.prefix).exec(), 'read the map store');
    for (const kv of res.kvs) this.take(kv);
    const rev = String(Number(res.header.revision) + 1);
    this.watcher = await this.client.watch().prefix(this.prefix).startRevision(rev).create();
    this.watcher.on('put', (kv) => this.onEvent(kv, false));
    this.watcher.on('delete', (kv) => this.onEvent(kv, true));
    this.watcher.on('disconnected', (err) => this.log.warn({ err: err.message }, 'etcd watch disconnected'));
    this.watcher.on('error', (err) => this.log.warn({ err: err.message }, 'etcd watch error'));
  }

  isLeader(): boolean {
    return this.leading && !this.closed && now() < this.leaseAliveUntil - this.stepDownMarginMs();
  }

  /** Time before the lease can expire at which the leader steps down: 40 % of the TTL. */
  private stepDownMarginMs(): number {
    return this.ttlMs * 0.4;
  }

  current(): MgrMap {
    return structuredClone(this.map);
  }

  onMap(listener: MapListener): () => void {
    return this.listeners.add(listener);
  }

  onFatal(): void {
    // Nothing here is fatal: etcd away is waited out (the active steps down meanwhile).
  }

  metadata(name: string): Record<string, string> | undefined {
    for (const m of this.members.values()) if (m.standby.name === name) return m.metadata;
    return undefined;
  }

  async join(me: MgrCandidate): Promise<void> {
    this.me = me;
    await this.enroll();
    const listed = new Promise<void>((r) => this.joinWaiters.push(r));
    this.campaignSoon();
    await listed;
  }

  async setServices(services: Record<string, string>): Promise<void> {
    if (!this.me) return;
    this.me = { ...this.me, services: { ...services } };
    if (this.leaseId) await this.putMember().catch((err: unknown) => this.log.warn({ err: String(err) }, 'cannot update this standby\'s entry'));
  }

  /** A new lease, its keepalive loop, and this candidate's member key under it. */
  private async enroll(): Promise<void> {
    const lease = this.client.lease(this.o.leaseTtlS, { autoKeepAlive: false });
    const sentAt = now();
    this.leaseId = await this.timed(lease.grant(), 'grant a lease');
    this.lease = lease;
    this.leaseAliveUntil = sentAt + this.ttlMs;
    await this.putMember();
    this.scheduleKeepalive();
  }

  private putMember(): Promise<unknown> {
    const me = this.me!;
    const body: Member = { standby: standbyEntry(me), metadata: me.metadata };
    return this.timed(this.client.put(this.key(`members/${me.gid}`)).value(JSON.stringify(body)).lease(this.leaseId).exec(), 'register');
  }

  private scheduleKeepalive(): void {
    clearTimeout(this.keepaliveTimer);
    this.keepaliveTimer = setTimeout(() => void this.keepalive(), this.ttlMs / 5);
  }

  private async keepalive(): Promise<void> {
    const lease = this.lease;
    if (!lease || this.closed) return;
    const sentAt = now();
    try {
      const res = await this.timed(lease.keepaliveOnce(), 'renew the lease', this.ttlMs / 5);
      if (lease !== this.lease) return;
      if (Number(res.TTL) <= 0) throw new Error('the lease expired');
      this.leaseAliveUntil = Math.max(this.leaseAliveUntil, sentAt + this.ttlMs);
      this.armGuard();
      // No active in the map and nobody campaigning (a missed deletion): try now.
      if (!this.leading && this.map.active_name === '') this.campaignSoon();
    } catch (err) {
      if (lease !== this.lease) return;
      this.log.warn({ err: String(err) }, 'lease not renewed');
      if (now() >= this.leaseAliveUntil || (err as Error).name === 'EtcdLeaseInvalidError' || /expired/.test(String(err))) {
        this.lostLease('the lease expired');
        return;
      }
    }
    this.scheduleKeepalive();
  }

  /** The leader steps down when its lease might expire before the next renewal gets through. */
  private armGuard(): void {
    clearTimeout(this.guardTimer);
    if (!this.leading) return;
    const at = this.leaseAliveUntil - this.stepDownMarginMs() - now();
    this.guardTimer = setTimeout(() => {
      if (this.leading && !this.isLeader()) this.stepDown(`lease not renewed for ${Math.round(now() - (this.leaseAliveUntil - this.ttlMs))} ms`);
    }, Math.max(0, at));
  }

  /** No longer leading: the map as this process now sees it has no active (MgrStandby tears down). */
  private stepDown(why: string): void {
    if (!this.leading) return;
    this.leading = false;
    clearTimeout(this.guardTimer);
    this.log.warn(`stepping down: ${why}`);
    const m = structuredClone(this.map);
    clearActive(m);
    this.publish(m);
    void this.rejoin();
  }

  private lostLease(why: string): void {
    this.lease = undefined;
    this.leaseId = '';
    clearTimeout(this.keepaliveTimer);
    if (this.leading) this.stepDown(why);
    else void this.rejoin();
  }

  /** A fresh lease and member key (the old one is revoked if etcd still has it), then campaign. */
  private rejoin(): Promise<void> {
    this.rejoining ??= (async () => {
      const old = this.lease;
      this.lease = undefined;
      this.leaseId = '';
      clearTimeout(this.keepaliveTimer);
      for (let attempt = 0; !this.closed && this.me; attempt++) {
        try {
          await old?.revoke().catch(() => undefined);
          await this.enroll();
          this.campaignSoon();
          return;
        } catch (err) {
          if (attempt % 10 === 0) this.log.warn({ err: String(err) }, 'cannot join the map store; retrying');
          await sleep(Math.min(this.ttlMs / 2, 500));
        }
      }
    })().finally(() => (this.rejoining = undefined));
    return this.rejoining;
  }

  private campaignSoon(): void {
    if (this.campaigning || this.leading || !this.me || !this.leaseId || this.closed) return;
    this.campaigning = true;
    void (async () => {
      try {
        const wait = this.notBefore - Date.now();
        if (wait > 0) await sleep(wait);
        await this.campaign();
      } catch (err) {
        this.log.warn({ err: String(err) }, 'campaign failed');
      } finally {
        this.campaigning = false;
      }
    })();
  }

  /** Creates the leader key if there is none; the winner elects itself in the map. */
  private async campaign(): Promise<void> {
    const me = this.me;
    if (!me || this.leading || !this.leaseId) return;
    const token = JSON.stringify({ name: me.name, gid: me.gid, lease: this.leaseId });
    // Renew first: leading starts with a lease known to live a full TTL (after an etcd outage the
    // last renewal we know of may be old, though etcd kept the lease).
    let sentAt = now();
    const renewed = await this.timed(this.lease!.keepaliveOnce(), 'renew the lease', this.ttlMs / 5);
    if (Number(renewed.TTL) <= 0) return;
    this.leaseAliveUntil = Math.max(this.leaseAliveUntil, sentAt + this.ttlMs);
    sentAt = now();
    const res = await this.timed(
      this.client.if(this.key('leader'), 'Create', '==', 0).then(this.client.put(this.key('leader')).value(token).lease(this.leaseId)).commit(),
      'campaign',
    );
    if (!res.succeeded) return; // someone leads: its key's deletion starts the next campaign
    if (now() - sentAt > this.ttlMs * 0.4) {
      await this.timed(this.client.delete().key(this.key('leader')).exec(), 'give up a late win');
      return;
    }
    this.token = token;
    this.leading = true;
    this.armGuard();
    const latest = await this.timed(this.client.get(this.key('mgr_map')).string(), 'read the map');
    if (latest) this.adoptMap(checkMgrMap(JSON.parse(latest)));
    await this.commit((m) => {
      electInto(m, me, Date.now());
      m.standbys = this.standbysFromMembers(me.gid);
    });
  }

  private standbysFromMembers(activeGid: number): MgrStandbyInfo[] {
    return [...this.members.values()].map((m) => m.standby).filter((s) => s.gid !== activeGid).sort((a, b) => a.name.localeCompare(b.name));
  }

  async leave(): Promise<void> {
    const me = this.me;
    if (!me) return;
    if (this.isLeader()) {
      await this.commit((m) => {
        clearActive(m);
        m.standbys = m.standbys.filter((s) => s.gid !== me.gid);
      }).catch(() => undefined);
    }
    this.me = undefined;
    this.leading = false;
    clearTimeout(this.keepaliveTimer);
    clearTimeout(this.guardTimer);
    // Revoking drops the leader and member keys at once: a standby campaigns right away.
    await this.timed(this.lease?.revoke() ?? Promise.resolve(), 'revoke the lease').catch((err: unknown) => this.log.warn({ err: String(err) }, 'lease not revoked; it expires'));
    this.lease = undefined;
  }

  async resign(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    clearTimeout(this.guardTimer);
    const others = [...this.members.values()].some((m) => m.standby.gid !== this.me?.gid);
    this.notBefore = others ? Date.now() + RESIGN_BACKOFF_MS : 0;
    await this.timed(
      this.client.if(this.key('leader'), 'Value', '==', this.token).then(this.client.delete().key(this.key('leader'))).commit(),
      'resign',
    ).catch((err: unknown) => this.log.warn({ err: String(err) }, 'leader key not deleted; it expires with the lease'));
    this.campaignSoon();
  }

  async update(mutate: (map: MgrMap) => void): Promise<MgrMap> {
    await this.commit(mutate);
    return this.current();
  }

  async fail(name: string): Promise<void> {
    await this.commit((m) => failIn(m, name));
  }

  kvGet(key: string): string | undefined {
    return this.kv.get(key);
  }

  async kvSet(key: string, value: string | undefined): Promise<void> {
    await this.serially(async () => {
      this.mustLead(`write ${key}`);
      const op = value === undefined ? this.client.delete().key(this.key(`kv/${key}`)) : this.client.put(this.key(`kv/${key}`)).value(value);
      await this.guarded(op, `write ${key}`);
      if (value === undefined) this.kv.delete(key);
      else this.kv.set(key, value);
    });
  }

  kvList(prefix: string): Record<string, string> {
    return kvWithPrefix(this.kv, prefix);
  }

  /**
   * A value every manager shares, created by the first that asks (the keyring, the admin token):
   * create-if-absent in one transaction, so two first managers agree.
   */
  async shared(name: string, make: () => string): Promise<string> {
    const k = this.key(`shared/${name}`);
    const candidate = make();
    await this.timed(this.client.if(k, 'Create', '==', 0).then(this.client.put(k).value(candidate)).commit(), `create ${name}`);
    const v = await this.timed(this.client.get(k).string(), `read ${name}`);
    if (v === null) throw new Error(`${name} vanished from etcd`);
    return v;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue;
    this.closed = true;
    clearTimeout(this.keepaliveTimer);
    clearTimeout(this.guardTimer);
    await this.watcher?.cancel().catch(() => undefined);
    this.client.close();
  }

  private mustLead(what: string): void {
    if (!this.isLeader()) throw new NotLeaderError(`cannot ${what}: this manager does not lead (the active is '${this.map.active_name || 'none'}')`);
  }

  private commit(mutate: (map: MgrMap) => void): Promise<void> {
    return this.serially(async () => {
      this.mustLead('change the MgrMap');
      const next = structuredClone(this.map);
      mutate(next);
      next.epoch = this.map.epoch + 1;
      await this.guarded(this.client.put(this.key('mgr_map')).value(JSON.stringify(next)), 'write the MgrMap');
      this.adoptMap(next);
    });
  }

  /** Runs `op` only while the leader key is still ours; a failed comparison means we lost it. */
  private async guarded(op: Parameters<ReturnType<Etcd3['if']>['then']>[0], what: string): Promise<void> {
    const res = await this.timed(this.client.if(this.key('leader'), 'Value', '==', this.token).then(op).commit(), what);
    if (!res.succeeded) {
      this.stepDown('the leader key is no longer ours');
      throw new NotLeaderError(`cannot ${what}: leadership lost`);
    }
  }

  private serially(step: () => Promise<void>): Promise<void> {
    const run = this.queue.then(step);
    this.queue = run.catch(() => undefined);
    return run;
  }

  // --- what etcd tells us ---------------------------------------------------

  private take(kv: IKeyValue, deleted = false): void {
    const k = kv.key.toString().slice(this.prefix.length);
    const v = kv.value.toString();
    if (k === 'mgr_map') {
      if (!deleted) this.adoptMap(checkMgrMap(JSON.parse(v)));
    } else if (k.startsWith('kv/')) {
      if (deleted) this.kv.delete(k.slice(3));
      else this.kv.set(k.slice(3), v);
    } else if (k.startsWith('members/')) {
      if (deleted) this.members.delete(k);
      else this.members.set(k, JSON.parse(v) as Member);
    }
  }

  private onEvent(kv: IKeyValue, deleted: boolean): void {
    try {
      this.take(kv, deleted);
    } catch (err) {
      this.log.error({ key: kv.key.toString(), err: String(err) }, 'ignoring a malformed value in etcd');
      return;
    }
    const k = kv.key.toString().slice(this.prefix.length);
    if (k === 'leader' && deleted) this.campaignSoon();
    if (k.startsWith('members/') && this.isLeader()) this.reconcileStandbys();
  }

  /** The leader keeps the map's standbys equal to the member keys. */
  private reconcileStandbys(): void {
    const want = this.standbysFromMembers(this.map.active_gid);
    if (JSON.stringify(want) === JSON.stringify(this.map.standbys)) return;
    this.commit((m) => {
      m.standbys = this.standbysFromMembers(m.active_gid);
    }).catch((err: unknown) => this.log.warn({ err: String(err) }, 'standbys not updated'));
  }

  /** A map from etcd or our own commit: epochs only move forward. */
  private adoptMap(m: MgrMap): void {
    if (m.epoch <= this.map.epoch && this.map.epoch !== 0) return;
    this.publish(m);
  }

  private publish(m: MgrMap): void {
    this.map = m;
    const me = this.me;
    if (me && (m.active_gid === me.gid || m.standbys.some((s) => s.gid === me.gid))) for (const w of this.joinWaiters.splice(0)) w();
    this.listeners.emit(this.current());
  }

  /** etcd calls get a deadline: a hung call must not hold a renewal or a campaign. */
  private timed<T>(p: Promise<T>, what: string, ms = Math.max(1000, this.ttlMs / 2)): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`etcd: ${what}: no answer within ${ms} ms`)), ms);
    });
    return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
  }
}
