// Pure pieces of the crash module: parsing a posted report, its stack
// signature, and the outputs as Ceph's module prints them (Python's
// json.dumps, PrettyTable without a border, `crash stat`'s bins). No imports
// from the core.

import { createHash } from 'node:crypto';

export type CrashReport = Record<string, unknown> & { crash_id: string; timestamp: string; archived?: string };

export class CrashFormatError extends Error {}

/**
 * A crash timestamp as Python's strptime reads it: '%Y-%m-%dT%H:%M:%S.%f' or
 * the older '%Y-%m-%d %H:%M:%S.%f', always UTC, a trailing Z ignored. Unix seconds.
 */
export function crashTime(text: string): number {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{1,2}):(\d{1,2})\.(\d{1,6})$/.exec(text.replace(/Z+$/, ''));
  if (!m) throw new CrashFormatError(`time data '${text}' does not match format '%Y-%m-%dT%H:%M:%S.%f'`);
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    throw new CrashFormatError(`time data '${text}' is not a valid date`);
  }
  return ms / 1000 + Number(`0.${m[7]!}`);
}

/** Python's str(datetime.utcnow()): "2026-12-06 23:59:59.123456". */
export function pyUtcNow(nowMs: number): string {
  const iso = new Date(nowMs).toISOString(); // 2026-12-06T23:59:59.123Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`;
}

/** Ceph's sanitize_backtrace: "(func+0x1a) [0x55...]" -> "func". */
function sanitizeBacktrace(bt: readonly string[]): string[] {
  return bt.map((rec) => {
    const cut = rec.lastIndexOf(' ');
    const funcPlusOffset = (cut < 0 ? rec : rec.slice(0, cut)).slice(1, -1);
    return funcPlusOffset.split('+')[0]!;
  });
}

/** Ceph's sanitize_assert_msg: drops the thread id, time and file:line of an assert message. */
function sanitizeAssertMsg(msg: string): string {
  const m = /^([\s\S]*) thread [\s\S]* time [\s\S]*(: [\s\S]*)\n/.exec(msg);
  if (!m) throw new CrashFormatError('assert_msg is not "<what> thread <id> time <stamp>\\n<file>: <why>\\n"');
  return m[1]! + m[2]!;
}

/** stack_sig: SHA-256 over the backtrace's function names and the sanitized assert message, hex. */
export function stackSig(bt: readonly string[], assertMsg: string | undefined): string {
  const h = createHash('sha256');
  for (const f of sanitizeBacktrace(bt)) h.update(f);
  if (assertMsg) h.update(sanitizeAssertMsg(assertMsg));
  return h.digest('hex');
}

/** Largest `crash post` input taken (a report with a long backtrace is a few KiB). */
export const MAX_REPORT_BYTES = 64 * 1024;

/** Validates a posted report as Ceph's validate_crash_metadata, and adds its stack_sig. */
export function parseReport(inbuf: string): CrashReport {
  if (Buffer.byteLength(inbuf) > MAX_REPORT_BYTES) throw new CrashFormatError(`report larger than ${MAX_REPORT_BYTES} bytes`);
  let doc: unknown;
  try {
    doc = JSON.parse(inbuf);
  } catch (e) {
    throw new CrashFormatError((e as Error).message);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new CrashFormatError('expected a JSON object');
  const r = doc as Record<string, unknown>;
  for (const f of ['crash_id', 'timestamp']) if (!(f in r)) throw new CrashFormatError(`missing '${f}' field`);
  if (typeof r.crash_id !== 'string' || !/^[\w.:+-]{1,200}$/.test(r.crash_id)) throw new CrashFormatError("'crash_id' must be a string of letters, digits and ._:+-");
  if (typeof r.timestamp !== 'string') throw new CrashFormatError("'timestamp' must be a string");
  crashTime(r.timestamp);
  if ('backtrace' in r) {
    if (!Array.isArray(r.backtrace) || !r.backtrace.every((x) => typeof x === 'string')) throw new CrashFormatError("'backtrace' must be a list of strings");
    if (r.assert_msg !== undefined && typeof r.assert_msg !== 'string') throw new CrashFormatError("'assert_msg' must be a string");
    r.stack_sig = stackSig(r.backtrace, r.assert_msg);
  }
  return r as CrashReport;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/** Python's json.dumps(v, indent=4, sort_keys=True) (ASCII only: others as \uXXXX). */
export function pyJsonPretty(v: unknown): string {
  return JSON.stringify(sortKeys(v), null, 4).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Python's json.dumps(flat dict of numbers, sort_keys=True): {"a": 1, "b": 2}. */
export function pyJsonFlat(v: Record<string, number>): string {
  return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}: ${v[k]!}`).join(', ')}}`;
}

/** PrettyTable's centring: an odd excess goes right of odd-length text, left of even-length text. */
function centre(text: string, width: number): string {
  const excess = width - text.length;
  const half = Math.floor(excess / 2);
  if (excess % 2 === 0) return ' '.repeat(half) + text + ' '.repeat(half);
  return text.length % 2 ? ' '.repeat(half) + text + ' '.repeat(half + 1) : ' '.repeat(half + 1) + text + ' '.repeat(half);
}

/** `crash ls` plain: PrettyTable(['ID', 'ENTITY', 'NEW'], border=False), padding 0 left / 2 right, ID and ENTITY left-aligned; nothing when empty. */
export function crashTable(rows: ReadonlyArray<readonly [string, string, string]>): string {
  if (rows.length === 0) return '';
  const head = ['ID', 'ENTITY', 'NEW'] as const;
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]): string => `${r[0]!.padEnd(w[0]!)}  ${r[1]!.padEnd(w[1]!)}  ${centre(r[2]!, w[2]!)}  `;
  return [line(head), ...rows.map(line)].join('\n');
}

/** `crash stat`: the total, then per age bin (1, 3, 7 days) the crashes older than it, as Ceph prints them (empty bins print empty lines). */
export function crashStat(reports: readonly CrashReport[], nowS: number): string {
  const lines = [`${reports.length} crashes recorded`];
  for (const age of [1, 3, 7]) {
    const ids = reports.filter((r) => crashTime(r.timestamp) <= nowS - age * 86400).map((r) => r.crash_id);
    lines.push(ids.length ? [`${ids.length} older than ${age} days old:`, ...ids].join('\n') : '');
  }
  return lines.join('\n');
}
