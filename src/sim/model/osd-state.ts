// Per-OSD state the OSD map shows and the model needs: up/in, epochs of the
// last transitions, fullness flags, fill (near-full scenarios), daemon start
// times and report sequence numbers. Plain typed arrays, one slot per OSD.

import type { OsdFlags } from './pg-engine.js';
import type { OsdMapState } from './maps-osd.js';
import type { Topology } from './topology.js';

export interface FillRamp {
  fromRatio: number;
  toRatio: number;
  startS: number;
  overS: number;
}

export class OsdStates implements OsdFlags, OsdMapState {
  readonly isUp: Uint8Array;
  readonly isIn: Uint8Array;
  /** The OSD map's weight (`osd reweight`; 1 in, 0 out), as Ceph's 16.16 fixed point: CRUSH rejects the OSD for that share of PGs. */
  readonly reweight: Float64Array;
  readonly fullness: Uint8Array;
  readonly isSsd: Uint8Array;
  readonly autoout: Uint8Array;
  readonly upFrom: Int32Array;
  readonly upThru: Int32Array;
  readonly downAt: Int32Array;
  readonly lastCleanBegin: Int32Array;
  readonly lastCleanEnd: Int32Array;
  readonly nonce: Int32Array;
  readonly downStampS: Float64Array;
  /** Unix seconds the daemon (re)started: its perf counters count from here. */
  readonly startedS: Float64Array;
  /** PG_STATS reports sent since the daemon started (osd_stat seq). */
  readonly reportSeq: Uint32Array;
  /** Bytes added on top of PG data to push an OSD towards full. */
  readonly extraBytes: Float64Array;
  readonly ramps = new Map<number, FillRamp>();
  /** OSDs that are down and in, with no decision yet (auto-out candidates). */
  readonly downIn = new Set<number>();

  constructor(topo: Topology, epoch: number, startS: number, uptimeS: (osd: number) => number) {
    const n = topo.osds.length;
    this.isUp = new Uint8Array(n).fill(1);
    this.isIn = new Uint8Array(n).fill(1);
    this.reweight = new Float64Array(n).fill(1);
    this.fullness = new Uint8Array(n);
    this.isSsd = Uint8Array.from(topo.osds, (o) => (o.deviceClass === 'ssd' ? 1 : 0));
    this.autoout = new Uint8Array(n);
    this.upFrom = new Int32Array(n);
    this.upThru = new Int32Array(n);
    this.downAt = new Int32Array(n);
    this.lastCleanBegin = new Int32Array(n);
    this.lastCleanEnd = new Int32Array(n);
    this.nonce = Int32Array.from(topo.osds, (o) => o.nonce);
    this.downStampS = new Float64Array(n);
    this.startedS = new Float64Array(n);
    this.reportSeq = new Uint32Array(n);
    this.extraBytes = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const up = uptimeS(i);
      this.startedS[i] = startS - up;
      // Restarts happened in the past: up_from is some epochs back.
      this.upFrom[i] = Math.max(1, epoch - 1 - Math.floor(up / 3600));
      this.upThru[i] = epoch - 1;
      this.downAt[i] = Math.max(0, (this.upFrom[i] as number) - 1);
      this.lastCleanBegin[i] = Math.max(0, (this.upFrom[i] as number) - 40);
      this.lastCleanEnd[i] = this.downAt[i] as number;
    }
  }

  get count(): number {
    return this.isUp.length;
  }

  upCount(): number {
    let c = 0;
    for (let i = 0; i < this.isUp.length; i++) c += this.isUp[i] as number;
    return c;
  }

  inCount(): number {
    let c = 0;
    for (let i = 0; i < this.isIn.length; i++) c += this.isIn[i] as number;
    return c;
  }
}
