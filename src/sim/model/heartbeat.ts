// OSD heartbeats: the ping times each OSD reports for its heartbeat peers
// (osd_stat's network_ping_times, on the back and front networks), averaged
// over Ceph's 1, 5 and 15 minute windows. A healthy LAN pings in well under a
// millisecond; a `slow-ping` scenario action adds latency to an OSD's links
// from a moment on, and the window averages follow the way Ceph's do (the
// 1-minute one first, the 15-minute one last). Pure: a function of time.
// Reported packed (protocol/ping-times.ts: µs, as Ceph keeps them), sent in
// PG_STATS_BIN's ping section: no object per peer on either side.

import { PING, PING_FIELDS, PING_IFACE, msToUs } from '../../protocol/ping-times.js';
import { hashUnit } from './rng.js';

/** Extra latency of an OSD's links from `atS` on (ms), until the next step. */
interface Step {
  atS: number;
  backMs: number;
  frontMs: number;
}

const WINDOW_S = [60, 300, 900] as const;
/** Heartbeats are sent every osd_heartbeat_interval (6 s); "last" changes with each. */
const HEARTBEAT_S = 6;

export class Heartbeats {
  private readonly steps = new Map<number, Step[]>();
  /** windowStats' answer: mean, least, largest. */
  private readonly ws = new Float64Array(3);

  constructor(private readonly seed: number) {}

  /** From `nowS` on, osd's links are slower by these ms (0, 0: back to normal). */
  setSlow(osd: number, backMs: number, frontMs: number, nowS: number): void {
    let l = this.steps.get(osd);
    if (l === undefined) this.steps.set(osd, (l = [{ atS: -Infinity, backMs: 0, frontMs: 0 }]));
    l.push({ atS: nowS, backMs, frontMs });
    // Steps older than the longest window no longer matter but the last one before it.
    while (l.length > 2 && l[1]!.atS <= nowS - WINDOW_S[2]) l.shift();
  }

  /** Whether any OSD has had slow links within the longest window. */
  get active(): boolean {
    return this.steps.size > 0;
  }

  /**
   * The ping times of `osd` towards its up peers at `nowS`, packed
   * (network_ping_times once shown): into `into` when it is large enough (a
   * view of it is returned: the caller's scratch), else a new array.
   */
  pingTimes(osd: number, peers: readonly number[], isUp: (osd: number) => boolean, nowS: number, into?: Uint32Array): Uint32Array {
    let n = 0;
    for (const peer of peers) if (peer !== osd && isUp(peer)) n++;
    const out = into !== undefined && into.length >= n * PING_FIELDS ? into.subarray(0, n * PING_FIELDS) : new Uint32Array(n * PING_FIELDS);
    let row = 0;
    for (const peer of peers) {
      if (peer === osd || !isUp(peer)) continue;
      out[row + PING.osd] = peer;
      out[row + PING.lastUpdate] = Math.floor(nowS);
      this.iface(out, row + PING.back, osd, peer, 'back', nowS);
      this.iface(out, row + PING.front, osd, peer, 'front', nowS);
      row += PING_FIELDS;
    }
    return out;
  }

  /** One interface's block at `o`: the same values, to the µs, as the JSON form had to three decimals of a ms. */
  private iface(out: Uint32Array, o: number, osd: number, peer: number, which: 'back' | 'front', nowS: number): void {
    const lo = Math.min(osd, peer);
    const hi = Math.max(osd, peer);
    const side = which === 'back' ? 1 : 2;
    // A link's base round trip: 0.15 .. 0.65 ms, the same both ways.
    const base = 0.15 + 0.5 * hashUnit(this.seed, lo, hi, side);
    const tick = Math.floor(nowS / HEARTBEAT_S);
    const last = base * (0.6 + 0.9 * hashUnit(this.seed ^ 0x51e7, osd * 65_537 + peer, tick, side)) + this.extraAt(osd, peer, which, nowS);
    // No allocation per peer (this runs for ~30 peers of every OSD, every report): the window stats land in `ws`.
    const ws = this.ws;
    for (let j = 0; j < WINDOW_S.length; j++) {
      this.windowStats(osd, peer, which, nowS, WINDOW_S[j]!);
      out[o + PING_IFACE.average + j] = msToUs(base + ws[0]!);
      out[o + PING_IFACE.min + j] = msToUs(base * 0.55 + ws[1]!);
      out[o + PING_IFACE.max + j] = msToUs(base * 2.8 + ws[2]!);
    }
    out[o + PING_IFACE.last] = msToUs(last);
  }

  /** Extra ms on the link (the slower end counts) at time t. */
  private extraAt(a: number, b: number, which: 'back' | 'front', t: number): number {
    return Math.max(stepAt(this.steps.get(a), which, t), stepAt(this.steps.get(b), which, t));
  }

  /** Mean, least and largest extra ms over [t - w, t], into `ws`. */
  private windowStats(a: number, b: number, which: 'back' | 'front', t: number, w: number): void {
    const ws = this.ws;
    const sa = this.steps.get(a);
    const sb = this.steps.get(b);
    if (sa === undefined && sb === undefined) {
      ws.fill(0);
      return;
    }
    const from = t - w;
    const cuts = new Set<number>([from, t]);
    for (const s of [...(sa ?? []), ...(sb ?? [])]) if (s.atS > from && s.atS < t) cuts.add(s.atS);
    const xs = [...cuts].sort((x, y) => x - y);
    let integral = 0;
    let lo = Infinity;
    let hi = 0;
    for (let i = 0; i + 1 < xs.length; i++) {
      const v = this.extraAt(a, b, which, xs[i]!);
      integral += v * (xs[i + 1]! - xs[i]!);
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    ws[0] = integral / w;
    ws[1] = Number.isFinite(lo) ? lo : 0;
    ws[2] = hi;
  }
}

function stepAt(steps: readonly Step[] | undefined, which: 'back' | 'front', t: number): number {
  if (steps === undefined) return 0;
  let v = 0;
  for (const s of steps) {
    if (s.atS > t) break;
    v = which === 'back' ? s.backMs : s.frontMs;
  }
  return v;
}
