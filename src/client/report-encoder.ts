// Builds REPORT frames: the declared subset of a daemon's counters (priority >=
// threshold) as a compact little-endian f64 vector, with the declare/undeclare
// head only when the subset changes, mirroring the server's schema order.

import { FRAME_HEADER_BYTES, FrameType } from '../protocol/frames.js';
import type { CounterDecl, DaemonHealthMetric, ReportHead } from '../protocol/messages.js';
import { valueWidth } from '../mgr-module/perf-types.js';

export class ReportEncoder {
  /** Declared counters in server order. */
  private declared: CounterDecl[] = [];
  /** For each declared value column, its column in the full sample vector. */
  private cols = new Int32Array(0);
  private pendingHead: ReportHead | undefined;
  /** Status and health metrics as last sent: a report carries them only when they change. */
  private sentStatus = '';
  private sentHealth = '';
  private readonly values: { f64: Float64Array; bytes: Uint8Array } = { f64: new Float64Array(0), bytes: new Uint8Array(0) };

  get width(): number {
    return this.cols.length;
  }

  /**
   * Chooses the counters to send. `fresh` (a new session) declares everything
   * anew; otherwise the difference is declared/undeclared.
   */
  select(schema: readonly CounterDecl[], threshold: number, fresh: boolean): void {
    const fullCol = new Map<string, number>();
    let col = 0;
    for (const c of schema) {
      fullCol.set(c.path, col);
      col += valueWidth(c.type);
    }
    const wanted = schema.filter((c) => c.priority >= threshold && valueWidth(c.type) > 0);
    const wantedPaths = new Set(wanted.map((c) => c.path));
    let next: CounterDecl[];
    const head: ReportHead = {};
    if (fresh) {
      next = wanted;
      if (wanted.length) head.declare = wanted;
    } else {
      const kept = this.declared.filter((c) => wantedPaths.has(c.path));
      const keptPaths = new Set(kept.map((c) => c.path));
      const added = wanted.filter((c) => !keptPaths.has(c.path));
      const removed = this.declared.filter((c) => !wantedPaths.has(c.path)).map((c) => c.path);
      next = [...kept, ...added];
      if (added.length) head.declare = added;
      if (removed.length) head.undeclare = removed;
    }
    this.declared = next;
    const cols: number[] = [];
    for (const c of next) {
      const base = fullCol.get(c.path)!;
      for (let k = 0; k < valueWidth(c.type); k++) cols.push(base + k);
    }
    this.cols = Int32Array.from(cols);
    this.values.f64 = new Float64Array(cols.length);
    this.values.bytes = new Uint8Array(this.values.f64.buffer);
    this.pendingHead = head.declare || head.undeclare ? { ...this.pendingHead, ...head } : this.pendingHead;
    if (fresh) {
      this.pendingHead = head.declare ? head : undefined;
      // A new session starts with nothing: send status and health again.
      this.sentStatus = '';
      this.sentHealth = '';
    }
  }

  /** One REPORT frame from a full sample vector. */
  encode(sample: Float64Array, status?: Record<string, string>, health?: DaemonHealthMetric[]): Buffer {
    const cols = this.cols;
    const f64 = this.values.f64;
    for (let i = 0; i < cols.length; i++) f64[i] = sample[cols[i]!]!;
    let head = this.pendingHead;
    this.pendingHead = undefined;
    const statusText = status ? JSON.stringify(status) : '';
    const healthText = health ? JSON.stringify(health) : '';
    if (status && statusText !== this.sentStatus) {
      head = { ...head, daemon_status: status };
      this.sentStatus = statusText;
    }
    if (health && healthText !== this.sentHealth) {
      head = { ...head, health_metrics: health };
      this.sentHealth = healthText;
    }
    const headBuf = head ? Buffer.from(JSON.stringify(head)) : undefined;
    const headLen = headBuf?.length ?? 0;
    const payloadLen = 4 + headLen + f64.byteLength;
    const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payloadLen);
    out.writeUInt32BE(payloadLen + 1, 0);
    out[4] = FrameType.REPORT;
    out.writeUInt32LE(headLen, 5);
    if (headBuf) headBuf.copy(out, 9);
    out.set(this.values.bytes, 9 + headLen);
    return out;
  }
}
