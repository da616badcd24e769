// The target and the tools of the wire-protocol reliability suites
// (test/integration/reliability-wire*.test.ts): a real `mgrd run --sim`
// probed from its own process, raw connections, bounded concurrency.

import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { expect } from 'vitest';
import { clientProof, newNonce } from '../../src/protocol/auth.js';
import { encodeJsonFrame, FrameDecoder, FrameType } from '../../src/protocol/frames.js';
import { Keyring } from '../../src/protocol/keyring.js';
import { poll, rssBytes, startMgrd, type MgrdProcess } from './procs.js';
import { startProber, type Prober } from './prober.js';

export const MiB = 1024 * 1024;
/** Growth of mgrd's RSS the attacks may cause, over its RSS before them. */
export const RSS_GROWTH_BOUND = 150 * MiB;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A raw connection that collects the frames mgrd sends. */
export interface Peer {
  socket: Socket;
  frames: Array<{ type: number; body: string }>;
  closed: Promise<void>;
}

export async function dial(addr: string, localAddress?: string): Promise<Peer> {
  const [host, port] = addr.split(':');
  const socket = connect({ host, port: Number(port), localAddress });
  const frames: Peer['frames'] = [];
  const dec = new FrameDecoder(64 * MiB, (type, p) => frames.push({ type, body: p.toString() }));
  socket.on('data', (c: Buffer) => {
    try {
      dec.push(c);
    } catch {
      socket.destroy();
    }
  });
  socket.on('error', () => undefined);
  // events.once would reject on 'error': these wait for the event only.
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  await Promise.race([new Promise((r) => socket.once('connect', r)), closed]);
  return { socket, frames, closed };
}

/** The first frame of `type` the peer got (waits up to `ms`). */
export function frameOf(p: Peer, type: number, ms = 10_000): Promise<{ type: number; body: string }> {
  return poll(`a frame of type ${type}`, ms, () => p.frames.find((f) => f.type === type), 20);
}

export const errorCode = (p: Peer): string | undefined => {
  const f = p.frames.find((x) => x.type === FrameType.ERROR);
  return f ? (JSON.parse(f.body) as { code: string }).code : undefined;
};

/** Runs `n` tasks with at most `width` at once. */
export async function pool<T>(n: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) {
      const i = next++;
      out[i] = await task(i);
    }
  }));
  return out;
}

export interface IngestStat {
  sessionsAuthenticating: number;
  sessions: number;
  daemons: number;
  daemonsPruned: number;
  reports: number;
  commands: number;
  wireLimitHits: Record<string, number>;
}

export interface Target {
  m: MgrdProcess;
  prober: Prober;
  keyring: Keyring;
  ingest(): Promise<IngestStat>;
  /** A connection authenticated as `entity` (with its key from the data dir's keyring). */
  auth(entity: string): Promise<Peer>;
  /** After an attack: every probe answered in time, RSS within bound, the simulated cluster still reporting. */
  stillHealthy(what: string): Promise<void>;
  stop(): Promise<void>;
}

/** `mgrd run --sim` (4 OSDs reporting every second) with `set`, probed every 200 ms from its own process. */
export async function startTarget(set: Record<string, string | number>): Promise<Target> {
  const m = await startMgrd({ args: ['--sim', '--sim-osds', '4', '--log-level', 'warn'], set: { mgr_stats_period: 1, ...set } });
  const keyring = Keyring.parse(readFileSync(join(m.dataDir, 'keyring'), 'utf8'));
  const ingest = async (): Promise<IngestStat> => JSON.parse((await m.command({ prefix: 'mgr ingest stat', format: 'json' })).outb) as IngestStat;
  await poll('the simulated daemons to report', 30_000, async () => (await ingest()).reports > 20);
  const rssBefore = rssBytes(m.child.pid!);
  const prober = startProber([`${m.adminUrl}/api/v1/health`, `${m.prometheusUrl!}metrics`], m.child.pid!);
  await poll('the first probe', 10_000, () => prober.rounds.length > 0);
  // Each attack is judged on the probes since the previous check: one slow round fails one test, not every later one.
  let judged = 0;
  return {
    m, prober, keyring, ingest,
    auth: async (entity) => {
      const p = await dial(m.daemonAddr);
      p.socket.write(encodeJsonFrame(FrameType.HELLO, { protocol: 'mgrd', version: 1, min_version: 1, entity }));
      const nonce = (JSON.parse((await frameOf(p, FrameType.CHALLENGE)).body) as { server_nonce: string }).server_nonce;
      const cn = newNonce();
      p.socket.write(encodeJsonFrame(FrameType.AUTH, { client_nonce: cn, proof: clientProof(keyring.lookup(entity)!.key, entity, nonce, cn) }));
      await frameOf(p, FrameType.AUTH_OK);
      return p;
    },
    stillHealthy: async (what) => {
      const reports = (await ingest()).reports;
      await poll(`the simulated daemons to keep reporting after ${what}`, 15_000, async () => (await ingest()).reports > reports);
      const bad = prober.bad().filter((r) => prober.rounds.indexOf(r) >= judged);
      judged = prober.rounds.length;
      expect(bad, `${what}: probes that failed or took over 1 s: ${JSON.stringify(bad.slice(0, 5))}`).toEqual([]);
      expect(prober.maxRss() - rssBefore, `${what}: RSS growth`).toBeLessThan(RSS_GROWTH_BOUND);
      expect(m.child.exitCode).toBeNull();
    },
    stop: async () => {
      prober.stop();
      await m.stop();
    },
  };
}
