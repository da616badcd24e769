// Live updates for every open page: server-sent events. Once per interval the
// hub computes each topic that has at least one subscriber — once, whatever
// the number of pages — serialises and encodes it once, and writes the same
// buffer to each subscriber (only when the payload changed). A slow reader is
// dropped rather than buffered without bound.

import type { ServerResponse } from 'node:http';

export type Topic = 'overview' | 'osds' | 'pools' | 'hosts' | 'pgs';
export const TOPICS: readonly Topic[] = ['overview', 'osds', 'pools', 'hosts', 'pgs'];

interface Subscriber {
  res: ServerResponse;
  topics: Set<Topic>;
}

export interface LiveHubOptions {
  /** Computes a topic's payload (called at most once per topic per interval). */
  compute: (topic: Topic) => unknown;
  maxSubscribers: () => number;
  /** A subscriber with more than this many bytes unsent is dropped. */
  maxBufferedBytes: number;
  onError: (topic: Topic, err: unknown) => void;
}

export class LiveHub {
  private readonly subs = new Set<Subscriber>();
  /** The latest serialised event per topic and when it was computed. */
  private readonly latest = new Map<Topic, { frame: Buffer; computedAt: number }>();
  /** Computations per topic since start (what the benchmark and tests read). */
  readonly computations = new Map<Topic, number>();
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(private readonly o: LiveHubOptions) {}

  get size(): number {
    return this.subs.size;
  }

  /** Adds an SSE subscriber; false when the hub is full (the caller answers 503). */
  subscribe(res: ServerResponse, topics: Set<Topic>, nowMs: number, freshMs: number): boolean {
    if (this.subs.size >= this.o.maxSubscribers()) return false;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    res.write('retry: 3000\n\n');
    const sub: Subscriber = { res, topics };
    this.subs.add(sub);
    res.on('close', () => this.subs.delete(sub));
    // A new page gets the current state at once: the cached frame when recent, else one computed now (and shared).
    for (const t of topics) {
      const cached = this.latest.get(t);
      const frame = cached && nowMs - cached.computedAt < freshMs ? cached.frame : this.computeFrame(t, nowMs);
      if (frame) this.send(sub, frame);
    }
    this.heartbeat ??= setInterval(() => this.ping(), 15_000).unref();
    return true;
  }

  /** One interval: each topic someone watches is computed once and sent to those whose copy is stale. */
  tick(nowMs: number): void {
    const wanted = new Set<Topic>();
    for (const s of this.subs) for (const t of s.topics) wanted.add(t);
    for (const t of TOPICS) {
      if (!wanted.has(t)) {
        this.latest.delete(t);
        continue;
      }
      const before = this.latest.get(t)?.frame;
      const frame = this.computeFrame(t, nowMs);
      if (frame === undefined || (before !== undefined && frame.equals(before))) continue;
      for (const s of this.subs) if (s.topics.has(t)) this.send(s, frame);
    }
  }

  /** The latest payload of a topic as JSON text (computed now if nobody watches it). */
  snapshot(topic: Topic, nowMs: number, freshMs: number): string | undefined {
    const cached = this.latest.get(topic);
    if (cached && nowMs - cached.computedAt < freshMs) return frameData(cached.frame);
    const frame = this.computeFrame(topic, nowMs);
    return frame === undefined ? undefined : frameData(frame);
  }

  close(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    for (const s of this.subs) s.res.end();
    this.subs.clear();
    this.latest.clear();
  }

  private computeFrame(t: Topic, nowMs: number): Buffer | undefined {
    let data: string;
    try {
      data = JSON.stringify(this.o.compute(t));
    } catch (err) {
      this.o.onError(t, err);
      return undefined;
    }
    this.computations.set(t, (this.computations.get(t) ?? 0) + 1);
    // Encoded once here: writing a string would encode it again for every subscriber.
    const frame = Buffer.from(`event: ${t}\ndata: ${data}\n\n`);
    this.latest.set(t, { frame, computedAt: nowMs });
    return frame;
  }

  private send(s: Subscriber, frame: Buffer): void {
    const sock = s.res.socket;
    if (s.res.destroyed || !sock) {
      this.subs.delete(s);
      return;
    }
    if (sock.writableLength > this.o.maxBufferedBytes) {
      // Too far behind: drop it; EventSource reconnects and starts from the current state.
      this.subs.delete(s);
      s.res.destroy();
      return;
    }
    s.res.write(frame);
  }

  private ping(): void {
    for (const s of this.subs) if (!s.res.destroyed) s.res.write(': ping\n\n');
  }
}

const frameData = (frame: Buffer): string => {
  const text = frame.toString('utf8');
  return text.slice(text.indexOf('data: ') + 6, -2);
};
