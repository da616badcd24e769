// A daemon's health metrics as it sends them with each MMgrReport: SLOW_OPS,
// the number of operations in flight for longer than the complaint time
// (osd_op_complaint_time / mon_op_complaint_time, 30 s by default), read
// from the admin socket's list of ops in flight. Ceph's OSDs also send
// PENDING_CREATING_PGS, which no admin socket command shows: left out.

import type { DaemonHealthMetric } from '../protocol/messages.js';
import { adminSocketJson } from './admin-socket.js';
import type { LocalDaemon } from './asok-discovery.js';

/** The ops-in-flight command and complaint-time option of each daemon type that reports SLOW_OPS. */
const OPS: Partial<Record<LocalDaemon['type'], { prefix: string; option: string }>> = {
  osd: { prefix: 'dump_ops_in_flight', option: 'osd_op_complaint_time' },
  mon: { prefix: 'ops', option: 'mon_op_complaint_time' },
};

/** An ops dump can be large on a busy OSD; beyond this it is not read (the metric is not sent that period). */
const MAX_OPS_BYTES = 8 * 1024 * 1024;

/** Ops older than `complaintS` in an ops dump ({"ops": [{"age": s, ...}], "num_ops": n}). */
export function countSlowOps(dump: { ops?: Array<{ age?: unknown }> }, complaintS: number): number {
  let n = 0;
  for (const op of dump.ops ?? []) if (typeof op.age === 'number' && op.age > complaintS) n++;
  return n;
}

export class SlowOpsReader {
  private complaintS: number | undefined;
  private readonly ops: { prefix: string; option: string } | undefined;

  constructor(private readonly daemon: LocalDaemon, private readonly timeoutMs: number) {
    this.ops = OPS[daemon.type];
  }

  /**
   * The metrics to send now. `inFlight` (the OSD's op_wip counter) of 0
   * means no op can be slow: no socket read. Undefined: not known this time.
   */
  async read(inFlight: number | undefined): Promise<DaemonHealthMetric[] | undefined> {
    if (!this.ops) return undefined;
    const opts = { timeoutMs: this.timeoutMs, maxBytes: MAX_OPS_BYTES };
    if (this.complaintS === undefined) {
      const cfg = await adminSocketJson<Record<string, string>>(this.daemon.path, { prefix: 'config get', var: this.ops.option, format: 'json' }, opts).catch((): Record<string, string> => ({}));
      const v = Number(cfg[this.ops.option]);
      this.complaintS = Number.isFinite(v) && v > 0 ? v : 30;
    }
    if (inFlight === 0) return [{ type: 'SLOW_OPS', value: 0 }];
    try {
      const dump = await adminSocketJson<{ ops?: Array<{ age?: unknown }> }>(this.daemon.path, { prefix: this.ops.prefix, format: 'json' }, opts);
      return [{ type: 'SLOW_OPS', value: countSlowOps(dump, this.complaintS) }];
    } catch {
      return undefined;
    }
  }
}
