// Delivery of the push loop's batches (chunks of items as bytes,
// item-chunk.ts) to every configured Zabbix server (as Ceph's module does:
// each server gets all items). A batch that reached one server but not
// another is retried for the missing one only (each chunk remembers where it
// went, item by item when it went in parts), so no server stores a value
// twice. Each server's "failed: N" is tallied per interval and narrowed down
// to keys (refused-keys.ts) for MGR_ZABBIX_SEND_FAILED. While a server refuses
// nothing, a batch is one request of its chunks' bytes as they are: nothing
// per item; only the refused-key search reads items back one by one.

import {
  chunkItems, itemCount, itemsData, markItemSent, markSent, partlySent, pendingFor, type ChunkItem, type Interval, type ItemChunk,
} from './item-chunk.js';
import { NORMAL, RefusedKeyFinder } from './refused-keys.js';
import type { SenderResult } from './sender-protocol.js';
import { sendRequest, serverName, type TrapperTimeouts, type ZabbixServer } from './trapper-client.js';

export type { Interval, ItemChunk } from './item-chunk.js';

/** What one server answered for the items of one interval. */
export interface ServerTally {
  readonly server: string;
  seq: number;
  total: number;
  answered: number;
  processed: number;
  failed: number;
  /** The server's own "seconds spent", summed over the requests. */
  secondsSpent: number;
}

/** What one server answered to one deliver() call. */
export interface CallResult {
  readonly server: string;
  processed: number;
  failed: number;
  total: number;
  secondsSpent: number;
  error: string;
}

/** A server's answers for one interval, and the last error sending it. */
export interface ServerReport extends ServerTally {
  readonly error: string;
}

interface ServerState {
  readonly finder: RefusedKeyFinder;
  tally: ServerTally;
  lastError: { seq: number; message: string };
  /** What the health check shows: refused items of the current or the last complete interval. */
  showFailed: number;
  showTotal: number;
}

export interface DeliveryConfig {
  readonly servers: readonly ZabbixServer[];
  readonly timeouts: TrapperTimeouts;
}

export class Delivery {
  private readonly state = new Map<string, ServerState>();

  /** `room`: resolves when there is room to read that many more items back from their bytes (the module's shared Slicer). */
  constructor(private readonly config: () => DeliveryConfig, private readonly room: (items: number) => Promise<void> = () => Promise.resolve()) {}

  /** The push loop's send: every server that has not taken an item gets it; throws if any server failed (the loop retries). */
  async send(batch: readonly ItemChunk[], signal: AbortSignal): Promise<void> {
    const errors = (await this.deliver(batch, signal)).filter((r) => r.error !== '');
    if (errors.length > 0) throw new Error(errors.map((r) => r.error).join('; '));
  }

  /** Sends to every server that has not taken the items; what each answered to this call. */
  async deliver(batch: readonly ItemChunk[], signal: AbortSignal): Promise<CallResult[]> {
    const { servers } = this.config();
    return Promise.all(servers.map(async (server): Promise<CallResult> => {
      const name = serverName(server);
      const out = { server: name, processed: 0, failed: 0, total: 0, secondsSpent: 0, error: '' };
      const pending = batch.filter((c) => pendingFor(c, name));
      if (pending.length === 0) return out;
      try {
        await this.sendTo(server, pending, signal, servers.length > 1, out);
      } catch (err) {
        out.error = err instanceof Error ? err.message : String(err);
        this.stateOf(name).lastError = { seq: pending[pending.length - 1]!.interval.seq, message: out.error };
      }
      return out;
    }));
  }

  /**
   * Sends `chunks` to one server: in one request of their bytes while the
   * server refuses nothing, else item by item in as many requests as its
   * refused-key search needs; tallies the answers. When a retry could
   * otherwise repeat a request that got through (several requests or
   * servers), chunks (or their items) remember it.
   */
  private async sendTo(server: ZabbixServer, chunks: readonly ItemChunk[], signal: AbortSignal, severalServers: boolean, out: CallResult): Promise<void> {
    const name = serverName(server);
    const st = this.stateOf(name);
    const opts = { timeouts: this.config().timeouts, signal };
    if (st.finder.idle && !chunks.some((c) => partlySent(c, name))) {
      let n = 0;
      for (const c of chunks) n += itemCount(c);
      const r = await sendRequest(server, chunks.map((c) => c.data), opts);
      if (r.failed > 0) st.finder.record((await this.itemsOf(chunks, name)).map((i) => i.key), NORMAL, r.failed);
      this.count(st, out, chunks[0]!.interval, n, r);
      if (severalServers) for (const c of chunks) markSent(c, name);
      return;
    }
    const plan = st.finder.plan(await this.itemsOf(chunks, name));
    for (const req of plan) {
      const r = await sendRequest(server, itemsData(req.items), opts);
      st.finder.record(req.items.map((i) => i.key), req.group, r.failed);
      this.count(st, out, req.items[0]!.chunk.interval, req.items.length, r);
      if (severalServers || plan.length > 1) for (const i of req.items) markItemSent(i, name);
    }
  }

  /** The items of `chunks` that `server` has yet to take, read back from their bytes a chunk per room. */
  private async itemsOf(chunks: readonly ItemChunk[], server: string): Promise<ChunkItem[]> {
    const out: ChunkItem[] = [];
    for (const c of chunks) {
      await this.room(itemCount(c));
      for (const i of chunkItems(c, server)) out.push(i);
    }
    return out;
  }

  private count(st: ServerState, out: CallResult, iv: Interval, n: number, r: SenderResult): void {
    out.processed += r.processed;
    out.failed += r.failed;
    out.total += r.total;
    out.secondsSpent += r.secondsSpent;
    if (iv.tally) this.tally(st, iv, n, r);
  }

  private tally(st: ServerState, iv: Interval, n: number, r: SenderResult): void {
    let t = st.tally;
    if (iv.seq < t.seq) return; // a late retry of an older interval: the newer one speaks
    if (iv.seq > t.seq) st.tally = t = { server: t.server, seq: iv.seq, total: iv.total, answered: 0, processed: 0, failed: 0, secondsSpent: 0 };
    t.total = iv.total;
    t.answered += n;
    t.processed += r.processed;
    t.failed += r.failed;
    t.secondsSpent += r.secondsSpent;
    if (t.failed > 0) {
      st.showFailed = t.failed;
      st.showTotal = t.answered;
    } else if (iv.produced && t.answered >= iv.total) {
      st.showFailed = 0;
      st.showTotal = t.answered;
    }
  }

  private stateOf(name: string): ServerState {
    let st = this.state.get(name);
    if (st === undefined) {
      st = {
        finder: new RefusedKeyFinder(),
        tally: { server: name, seq: -1, total: 0, answered: 0, processed: 0, failed: 0, secondsSpent: 0 },
        lastError: { seq: -1, message: '' },
        showFailed: 0,
        showTotal: 0,
      };
      this.state.set(name, st);
    }
    return st;
  }

  /** Each configured server's answers for interval `seq` (what `zabbix send` reports). */
  reports(seq: number): ServerReport[] {
    return this.config().servers.map((s) => {
      const st = this.stateOf(serverName(s));
      const t = st.tally.seq === seq ? st.tally : { server: serverName(s), seq, total: 0, answered: 0, processed: 0, failed: 0, secondsSpent: 0 };
      return { ...t, error: st.lastError.seq === seq ? st.lastError.message : '' };
    });
  }

  /** Servers whose last interval had refused items: how many, of how many, and the keys found so far. */
  refusals(): Array<{ server: string; failed: number; of: number; keys: string[]; refusedKeys: number; suspects: number }> {
    const out = [];
    for (const s of this.config().servers) {
      const name = serverName(s);
      const st = this.stateOf(name);
      if (st.showFailed > 0) {
        out.push({ server: name, failed: st.showFailed, of: st.showTotal, keys: st.finder.refusedKeys(10), refusedKeys: st.finder.refusedCount, suspects: st.finder.suspectCount });
      }
    }
    return out;
  }

  /** Servers removed from zabbix_host: forget them. */
  prune(): void {
    const names = new Set(this.config().servers.map(serverName));
    for (const k of [...this.state.keys()]) if (!names.has(k)) this.state.delete(k);
  }
}
