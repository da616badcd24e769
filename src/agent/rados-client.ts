// The agent's connection to a Ceph cluster: one long-lived python3 process
// (rados-helper.py, the librados bindings the `ceph` CLI uses) that answers
// mon and mgr commands. Requests and answers are matched by id, so a slow
// `pg dump` never holds up `osd dump`; every request has its own timeout. A
// helper that exits, or keeps timing out, is replaced at the next request.

import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { Logger } from '../common/log.js';
import { packageRoot } from '../common/paths.js';

export interface RadosClientOptions {
  /** ceph.conf path. */
  conf: string;
  /** Ceph entity: client.admin, client.mgrd... */
  name: string;
  keyring?: string;
  /** Python with the rados bindings; default: the `ceph` CLI's own interpreter (its #! line), else /usr/bin/python3. */
  python?: string;
  connectTimeoutS: number;
  /** Stop the helper after this long without a command (started again by the next); default: keep it. */
  idleStopMs?: number;
  log: Logger;
}

export interface CommandAnswer {
  r: number;
  outs: string;
  outb: Buffer;
}

export class CephCommandError extends Error {
  constructor(
    readonly errno: number,
    readonly prefix: string,
    message: string,
  ) {
    super(message);
    this.name = 'CephCommandError';
  }
}

/** Timed-out commands still waiting in one helper before it is replaced. */
const MAX_UNANSWERED = 8;

type Helper = ChildProcessByStdio<Writable, Readable, Readable>;

interface Pending {
  resolve: (a: CommandAnswer) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** Where rados-helper.py is: beside this file in src/, or in src/ from dist/. */
export function radosHelperPath(): string {
  const inSrc = join(packageRoot(), 'src/agent/rados-helper.py');
  if (existsSync(inSrc)) return inSrc;
  throw new Error(`rados-helper.py not found at ${inSrc}`);
}

/** The interpreter the `ceph` CLI runs under (it has the rados bindings; a python3 first on PATH may not). */
export function cephPython(): string {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/bin'])) {
    const p = join(dir || '.', 'ceph');
    try {
      const first = readFileSync(p, 'utf8').slice(0, 200).split('\n')[0]!;
      const m = /^#!\s*(\S+)/.exec(first);
      if (m && m[1]!.includes('python')) return m[1]!;
    } catch {
      // not there
    }
  }
  return '/usr/bin/python3';
}

export class RadosClient {
  private helper: Helper | undefined;
  private connecting: Promise<Helper> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Commands of the current helper that timed out and have not been answered since. */
  private unanswered = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Helpers ended on purpose (idle): their exit is no news. */
  private readonly retired = new WeakSet<Helper>();
  private stopped = false;
  /** The cluster's fsid, once connected. */
  fsid = '';
  /** Helper processes started (1 while all goes well). */
  spawns = 0;

  constructor(private readonly opts: RadosClientOptions) {}

  /** PID of the helper process (benchmarks measure it with the agent). */
  get pid(): number | undefined {
    return this.helper?.pid;
  }

  /** Runs one command; rejects with CephCommandError on a negative r, on timeout, or when the helper is lost. */
  async command(target: 'mon' | 'mgr', cmd: Record<string, unknown>, timeoutMs: number): Promise<CommandAnswer> {
    clearTimeout(this.idleTimer);
    try {
      return await this.send(target, cmd, timeoutMs);
    } finally {
      this.armIdleStop();
    }
  }

  /** An agent without the cluster role asks only for metadata when a daemon appears: no idle helper in between. */
  private armIdleStop(): void {
    const ms = this.opts.idleStopMs;
    if (ms === undefined || this.pending.size > 0) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      const child = this.helper;
      if (!child || this.pending.size > 0) return;
      this.helper = undefined;
      this.retired.add(child);
      child.stdin.end(); // EOF: the helper disconnects and exits
    }, ms);
    this.idleTimer.unref();
  }

  private async send(target: 'mon' | 'mgr', cmd: Record<string, unknown>, timeoutMs: number): Promise<CommandAnswer> {
    const helper = await this.ensure();
    const id = this.nextId++;
    const prefix = String(cmd.prefix);
    const answer = await new Promise<CommandAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        // Each unanswered command holds a helper thread (librados waits, e.g. for a mgr, without end):
        // past a few, start a fresh helper rather than let them pile up.
        if (++this.unanswered > MAX_UNANSWERED && this.helper === helper) {
          this.opts.log.warn({ unanswered: this.unanswered }, 'ceph commands keep going unanswered: restarting the rados helper');
          this.kill(helper);
        }
        reject(new CephCommandError(-110, prefix, `'${prefix}' got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      helper.stdin.write(JSON.stringify({ id, target, cmd }) + '\n');
    });
    if (answer.r < 0) throw new CephCommandError(answer.r, prefix, `'${prefix}' failed: ${errnoName(answer.r)}${answer.outs ? `: ${answer.outs}` : ''}`);
    return answer;
  }

  /** A command with format json, its answer parsed. */
  async json<T>(target: 'mon' | 'mgr', cmd: Record<string, unknown>, timeoutMs: number): Promise<T> {
    const a = await this.command(target, { ...cmd, format: 'json' }, timeoutMs);
    // librados answers 0 and nothing for a mgr command while no mgr is reachable.
    if (a.outb.length === 0) throw new CephCommandError(-61, String(cmd.prefix), `'${String(cmd.prefix)}' gave an empty answer${a.outs ? `: ${a.outs}` : ''}`);
    try {
      return JSON.parse(a.outb.toString('utf8')) as T;
    } catch (err) {
      throw new CephCommandError(-71, String(cmd.prefix), `'${String(cmd.prefix)}' answered with something that is not JSON: ${(err as Error).message}`);
    }
  }

  private ensure(): Promise<Helper> {
    if (this.stopped) return Promise.reject(new CephCommandError(-108, '', 'the cluster connection is stopped'));
    if (this.helper) return Promise.resolve(this.helper);
    this.connecting ??= this.spawnHelper().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private spawnHelper(): Promise<Helper> {
    const o = this.opts;
    const args = JSON.stringify({ conf: o.conf, name: o.name, keyring: o.keyring ?? null, connect_timeout_s: o.connectTimeoutS, mon_op_timeout_s: o.connectTimeoutS });
    const python = o.python ?? cephPython();
    const child = spawn(python, [radosHelperPath(), args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.spawns++;
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
    child.stdin.on('error', () => undefined); // EPIPE when it died: 'exit' reports it
    return new Promise<Helper>((resolve, reject) => {
      let connected = false;
      // librados bounds its own connect (client_mount_timeout); this bounds a helper that hangs anyway.
      const connectTimer = setTimeout(() => {
        reject(new CephCommandError(-110, 'connect', `cannot connect to the Ceph cluster (${o.conf}, ${o.name}): no answer within ${o.connectTimeoutS + 5} s`));
        this.kill(child);
      }, (o.connectTimeoutS + 5) * 1000);
      let buf: Buffer = Buffer.alloc(0);
      let head: { id: number; r: number; outs: string; len: number; fsid?: string } | undefined;
      child.stdout.on('data', (chunk: Buffer) => {
        buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
        for (;;) {
          if (!head) {
            const nl = buf.indexOf(10);
            if (nl < 0) return;
            try {
              head = JSON.parse(buf.toString('utf8', 0, nl)) as typeof head;
            } catch {
              o.log.error({ line: buf.toString('utf8', 0, Math.min(nl, 200)) }, 'the rados helper wrote something unexpected: restarting it');
              return this.kill(child);
            }
            buf = buf.subarray(nl + 1);
          }
          const h = head!;
          if (buf.length < h.len) return;
          const outb = Buffer.from(buf.subarray(0, h.len));
          buf = buf.subarray(h.len);
          head = undefined;
          if (h.id === 0) {
            clearTimeout(connectTimer);
            if (h.r < 0) return reject(new CephCommandError(h.r, 'connect', `cannot connect to the Ceph cluster (${o.conf}, ${o.name}): ${errnoName(h.r)}: ${h.outs}`));
            connected = true;
            this.unanswered = 0;
            this.fsid = h.fsid ?? '';
            this.helper = child;
            o.log.info({ helperPid: child.pid, fsid: this.fsid, name: o.name }, 'connected to the Ceph cluster');
            resolve(child);
            continue;
          }
          const p = this.pending.get(h.id);
          if (!p) {
            if (this.unanswered > 0) this.unanswered--; // a late answer: its thread is free again
            continue;
          }
          this.pending.delete(h.id);
          clearTimeout(p.timer);
          p.resolve({ r: h.r, outs: h.outs, outb });
        }
      });
      child.on('error', (err) => {
        clearTimeout(connectTimer);
        reject(new CephCommandError(-2, 'connect', `cannot start ${python} for the Ceph connection: ${err.message}`));
      });
      child.on('exit', (code, signal) => {
        clearTimeout(connectTimer);
        if (this.helper === child) this.helper = undefined;
        const why = `the rados helper exited (${signal ?? `code ${code}`})${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`;
        if (!connected) reject(new CephCommandError(-5, 'connect', `cannot connect to the Ceph cluster (${o.conf}, ${o.name}): ${why}`));
        else if (!this.stopped && !this.retired.has(child)) o.log.warn(why);
        for (const [id, p] of this.pending) {
          this.pending.delete(id);
          clearTimeout(p.timer);
          p.reject(new CephCommandError(-5, '', why));
        }
      });
    });
  }

  private kill(child: Helper): void {
    if (this.helper === child) this.helper = undefined;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  /** Disconnects: the helper gets EOF and exits; killed if it has not within 2 s. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.idleTimer);
    const child = this.helper ?? (await this.connecting?.catch(() => undefined));
    this.helper = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.stdin.end();
    const t = setTimeout(() => child.kill('SIGKILL'), 2000);
    await gone;
    clearTimeout(t);
  }
}

const ERRNO_NAMES: Record<number, string> = { 1: 'EPERM', 2: 'ENOENT', 5: 'EIO', 13: 'EACCES', 22: 'EINVAL', 71: 'EPROTO', 95: 'EOPNOTSUPP', 108: 'ESHUTDOWN', 110: 'ETIMEDOUT', 111: 'ECONNREFUSED', 61: 'ENODATA' };

export function errnoName(r: number): string {
  return ERRNO_NAMES[-r] ?? `error ${r}`;
}
