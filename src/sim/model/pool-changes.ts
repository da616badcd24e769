// Pools created, deleted and changed by the simulated mon (`osd pool create|
// delete|set`): the pool list, the PG table and everything laid out per pool
// (IO ledger columns, load curves, placement offsets) follow, and the PGs of
// untouched pools keep their state. A new pool's PGs peer and go
// active+clean holding nothing; a pg_num change lays the pool's PGs out anew
// at once (Ceph splits or merges them over a while).

import { LoadShape } from './load.js';
import { MAX_SIZE } from './pg-table.js';
import { EC_K, EC_M, EC_PROFILE, POOL_FLAG_BITS, type PoolSpec } from './pools.js';
import { hash32, Rng } from './rng.js';
import type { SimCluster } from './sim-cluster.js';

export interface NewPool {
  name: string;
  pgNum: number;
  pgpNum: number;
  erasure: boolean;
  /** Replicated: copies; erasure: from the profile. */
  size: number;
  crushRule: number;
}

export class PoolChanges {
  constructor(private readonly c: SimCluster) {}

  byName(name: string): PoolSpec | undefined {
    return this.c.pools.find((p) => p.name === name);
  }

  create(o: NewPool): PoolSpec {
    const c = this.c;
    // Slots are never reused: every per-pool array (loads, ledger, placement) keeps a deleted pool's column.
    const slot = c.loads.length;
    const id = ++c.poolMax;
    const size = o.erasure ? EC_K + EC_M : o.size;
    const spec: PoolSpec = {
      index: slot, id, name: o.name, erasure: o.erasure, size,
      // Ceph: replicated size - size/2; erasure k + min(1, m - 1).
      minSize: o.erasure ? EC_K + Math.min(1, EC_M - 1) : size - Math.floor(size / 2),
      k: o.erasure ? EC_K : 1, pgNum: o.pgNum, pgpNum: o.pgpNum, crushRule: o.crushRule, ecProfile: o.erasure ? EC_PROFILE : '',
      application: {}, options: {},
      flags: POOL_FLAG_BITS.hashpspool | (o.erasure ? POOL_FLAG_BITS.ec_overwrites : 0),
      stripeWidth: o.erasure ? EC_K * 4096 : 0, quotaMaxBytes: 0, quotaMaxObjects: 0,
      storedBytes: 0, objects: 0, omapKeysPerObject: 0, omapBytesPerKey: 0,
      // Nobody writes to a new pool yet.
      io: { share: 0, readFrac: 0, rwFrac: 0, readBytes: 0, writeBytes: 0 },
      createdS: c.nowS,
    };
    this.relayout([], () => {
      c.pools.push(spec);
      c.loads.push(new LoadShape(new Rng(hash32(c.seed, id, 0x9001)), c.createdS, c.dayPhase));
      c.ledger.addPool(spec);
      c.placement.addPool(slot, id);
    }, new Set([slot]));
    this.changed(spec, `pool '${o.name}' created (id ${id}, ${o.pgNum} PGs)`);
    return spec;
  }

  remove(p: PoolSpec): void {
    const c = this.c;
    this.relayout([p], () => {
      c.pools.splice(c.pools.indexOf(p), 1);
      c.ledger.updatePool(p, true);
    }, new Set());
    c.log(`pool '${p.name}' removed`);
    c.control.commit();
  }

  /** pg_num (and pgp_num with it, as Nautilus and later do): the pool's PGs are laid out anew, keeping its objects. */
  setPgNum(p: PoolSpec, n: number): void {
    this.relayout([p], () => {
      p.pgNum = n;
      p.pgpNum = n;
    }, new Set([p.index]));
    this.changed(p, `pool '${p.name}' pg_num ${n}`);
  }

  /** size: min_size goes back to its default for it (as Ceph does); CRUSH maps the new number of copies and the PGs peer again. */
  setSize(p: PoolSpec, size: number): void {
    const c = this.c;
    p.size = size;
    p.minSize = size - Math.floor(size / 2);
    c.ledger.updatePool(p);
    const changed = new Set(c.table.remap(c.placement, c.osd.reweight));
    const t = c.table;
    for (let pg = t.poolStart[p.index] as number; pg < (t.poolStart[p.index + 1] as number); pg++) {
      // Fewer copies: the ones CRUSH still maps are kept first.
      const at = pg * MAX_SIZE;
      const held = Array.from(t.holder.subarray(at, at + MAX_SIZE)).filter((o) => o >= 0);
      if (held.length > size) {
        const keep = [...held.filter((o) => t.inRaw(pg, o)), ...held.filter((o) => !t.inRaw(pg, o))].slice(0, size);
        for (let r = 0; r < MAX_SIZE; r++) t.holder[at + r] = keep[r] ?? -1;
      }
      changed.add(pg);
    }
    c.engine.remapped([...changed], c.nowS);
    this.changed(p, `pool '${p.name}' size ${size}`);
  }

  /** min_size and the like: the pool's PGs start a new interval (peer again). */
  repeer(p: PoolSpec, what: string): void {
    const t = this.c.table;
    const pgs: number[] = [];
    for (let pg = t.poolStart[p.index] as number; pg < (t.poolStart[p.index + 1] as number); pg++) pgs.push(pg);
    this.c.engine.remapped(pgs, this.c.nowS);
    this.changed(p, what);
  }

  /** A change of the pool's entry in the OSD map only (flags, quota, pgp_num, crush_rule). */
  changed(p: PoolSpec, what: string): void {
    const c = this.c;
    p.lastChangeEpoch = c.epoch + 1;
    c.log(what);
    c.control.commit();
  }

  /**
   * Drops the PGs of `gone` pools (deleted, or laid out anew), applies
   * `change` to the pool list, lays the table out again and peers its new PGs.
   */
  private relayout(gone: readonly PoolSpec[], change: () => void, fresh: ReadonlySet<number>): void {
    const c = this.c;
    const t = c.table;
    const now = c.nowS;
    const dropped: number[] = [];
    for (const p of gone) for (let pg = t.poolStart[p.index] as number; pg < (t.poolStart[p.index + 1] as number); pg++) dropped.push(pg);
    c.engine.dropPgs(dropped, now);
    change();
    const map = t.reshape(fresh, now);
    t.remap(c.placement, c.osd.reweight);
    const kept = new Uint8Array(t.n);
    for (const to of map) if (to >= 0) kept[to] = 1;
    const created: number[] = [];
    for (let pg = 0; pg < t.n; pg++) if (kept[pg] === 0) created.push(pg);
    c.engine.reshaped(map, created, now);
  }
}
