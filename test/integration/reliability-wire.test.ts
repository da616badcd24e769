// Issue 8 "Proof", wire protocol: each attack on the wire protocol against a
// real `mgrd run --sim` process, over loopback, bounded in count and time.
// Throughout, a prober in its own process asks /api/v1/health and /metrics
// every 200 ms: every answer must come within 1 s, and mgrd's RSS must stay
// within a bound of what it was before the attacks.

import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientProof, newNonce } from '../../src/protocol/auth.js';
import { encodeFrame, encodeJsonFrame, FrameDecoder, FrameType } from '../../src/protocol/frames.js';
import { Keyring } from '../../src/protocol/keyring.js';
import { poll, rssBytes, startMgrd, type MgrdProcess } from '../helpers/procs.js';
import { startProber, type Prober } from '../helpers/prober.js';

const MiB = 1024 * 1024;
/** Growth of mgrd's RSS the attacks may cause, over its RSS before them. */
const RSS_GROWTH_BOUND = 150 * MiB;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A raw connection that collects the frames mgrd sends. */
interface Peer {
  socket: Socket;
  frames: Array<{ type: number; body: string }>;
  closed: Promise<void>;
}

async function dial(addr: string, localAddress?: string): Promise<Peer> {
  const [host, port] = addr.split(':');
  const socket = connect({ host, port: Number(port), localAddress });
  const frames: Peer['frames'] = [];
  const dec = new FrameDecoder(1 << 20, (type, p) => frames.push({ type, body: p.toString() }));
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

const errorCode = (p: Peer): string | undefined => {
  const f = p.frames.find((x) => x.type === FrameType.ERROR);
  return f ? (JSON.parse(f.body) as { code: string }).code : undefined;
};

/** Runs `n` tasks with at most `width` at once. */
async function pool<T>(n: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
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

describe('wire protocol attacks against a real mgrd run', () => {
  let m: MgrdProcess;
  let prober: Prober;
  let rssBefore = 0;
  let keyring: Keyring;

  const ingest = async (): Promise<{ sessionsAuthenticating: number; sessions: number; reports: number; wireLimitHits: Record<string, number> }> => {
    const r = await m.command({ prefix: 'mgr ingest stat', format: 'json' });
    return JSON.parse(r.outb) as never;
  };

  beforeAll(async () => {
    m = await startMgrd({
      args: ['--sim', '--sim-osds', '4', '--log-level', 'warn'],
      set: {
        mgr_stats_period: 1,
        ms_handshake_timeout_ms: 3000,
        ms_preauth_max_sessions: 600,
        ms_preauth_max_sessions_per_peer: 200,
      },
    });
    keyring = Keyring.parse(readFileSync(join(m.dataDir, 'keyring'), 'utf8'));
    // The simulated cluster is up and reporting before the attacks start.
    await poll('the simulated daemons to report', 30_000, async () => (await ingest()).reports > 20);
    rssBefore = rssBytes(m.child.pid!);
    prober = startProber([`${m.adminUrl}/api/v1/health`, `${m.prometheusUrl!}metrics`], m.child.pid!);
    await poll('the first probe', 10_000, () => prober.rounds.length > 0);
  });

  afterAll(async () => {
    prober?.stop();
    await m?.stop();
  });

  /** After each attack: mgrd answered every probe in time, its RSS stayed bounded, the cluster kept reporting. */
  async function stillHealthy(what: string): Promise<void> {
    const reports = (await ingest()).reports;
    await poll(`the simulated daemons to keep reporting after ${what}`, 15_000, async () => (await ingest()).reports > reports);
    const bad = prober.bad();
    expect(bad, `${what}: probes that failed or took over 1 s: ${JSON.stringify(bad.slice(0, 5))}`).toEqual([]);
    expect(prober.maxRss() - rssBefore, `${what}: RSS growth`).toBeLessThan(RSS_GROWTH_BOUND);
    expect(m.child.exitCode).toBeNull();
  }

  it('oversized frames before authentication: 20 peers each stream 64 MiB of a nested-array HELLO', async () => {
    const codes = await pool(20, 20, async () => {
      const p = await dial(m.daemonAddr);
      const head = Buffer.alloc(5);
      head.writeUInt32BE(60 * MiB, 0);
      head[4] = FrameType.HELLO;
      p.socket.write(head);
      const chunk = Buffer.alloc(64 * 1024, 0x5b); // '['
      const end = Date.now() + 5000;
      let sent = 0;
      while (sent < 64 * MiB && !p.socket.destroyed && Date.now() < end) {
        if (!p.socket.write(chunk)) await Promise.race([new Promise((r) => p.socket.once('drain', r)), p.closed, sleep(200)]);
        sent += chunk.length;
      }
      await Promise.race([p.closed, sleep(3000)]);
      p.socket.destroy();
      return errorCode(p);
    });
    expect(codes).toEqual(Array(20).fill('E2BIG'));
    await stillHealthy('oversized pre-auth frames');
  });

  it('deep nesting within the pre-auth bound: 500 HELLOs of 8,000 nested arrays', async () => {
    const hello = encodeFrame(FrameType.HELLO, Buffer.from('['.repeat(4000) + ']'.repeat(4000)));
    const codes = await pool(500, 50, async () => {
      const p = await dial(m.daemonAddr);
      p.socket.write(hello);
      await Promise.race([p.closed, sleep(5000)]);
      p.socket.destroy();
      return errorCode(p);
    });
    expect(new Set(codes)).toEqual(new Set(['EBADMSG']));
    await stillHealthy('nested HELLOs');
  });

  it('a connection flood from 4 peer addresses that trickle bytes (slowloris): refused beyond the pre-auth bounds, timed out', async () => {
    const peers: Peer[] = [];
    // Half from 127.0.0.1 (beyond its 200 per peer), the rest from three others (beyond 600 in all).
    const addrOf = (i: number): string => ['127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'][i % 6]!;
    await pool(1200, 100, async (i) => {
      peers.push(await dial(m.daemonAddr, addrOf(i)));
    });
    // One byte of a frame header every 500 ms from each (3 bytes: never a whole header).
    const end = Date.now() + 5000;
    for (let k = 0; Date.now() < end; k++) {
      for (const p of peers) if (!p.socket.destroyed && k < 3) p.socket.write(Buffer.from([0]));
      await sleep(500);
    }
    await Promise.race([Promise.all(peers.map((p) => p.closed)), sleep(5000)]);
    const codes = peers.map(errorCode);
    const refused = codes.filter((c) => c === 'ELIMIT').length;
    const timedOut = codes.filter((c) => c === 'ETIMEDOUT').length;
    expect(refused + timedOut, `codes: ${JSON.stringify([...new Set(codes)])}`).toBe(1200);
    expect(refused).toBeGreaterThanOrEqual(300);
    for (const p of peers) p.socket.destroy();
    const stats = await ingest();
    expect(stats.wireLimitHits.ms_preauth_max_sessions).toBeGreaterThan(0);
    expect(stats.wireLimitHits.ms_preauth_max_sessions_per_peer).toBeGreaterThan(0);
    await poll('the pre-auth count to drop to 0', 10_000, async () => (await ingest()).sessionsAuthenticating === 0);
    const health = await m.command({ prefix: 'health', detail: 'detail', format: 'json' });
    expect(JSON.parse(health.outb).checks.MGR_WIRE_LIMIT.summary.message).toBe('2 wire protocol limits hit in the last 10 minutes');
    await stillHealthy('the connection flood');
  });

  it('handshake churn: 3,000 connections that say HELLO and leave leak no pre-auth slot', async () => {
    const hello = encodeJsonFrame(FrameType.HELLO, { protocol: 'mgrd', version: 1, min_version: 1, entity: 'osd.0' });
    await pool(3000, 40, async () => {
      const p = await dial(m.daemonAddr);
      p.socket.write(hello);
      await Promise.race([poll('CHALLENGE', 5000, () => p.frames.length > 0, 5), p.closed]).catch(() => undefined);
      p.socket.destroy();
    });
    await poll('the pre-auth count to drop to 0', 10_000, async () => (await ingest()).sessionsAuthenticating === 0);
    await stillHealthy('handshake churn');
  });

  it('an authenticated cluster source: a 5 MB MAP (3,000 OSDs) is parsed without stalling the probes', async () => {
    const { SimCluster } = await import('../../src/sim/model/sim-cluster.js');
    const maps = new SimCluster({ osds: 3000, seed: 9 }).maps();
    // The OSDs and their CRUSH tree, without pools: 300,000 PGs would be legitimate growth, not what is measured here.
    (maps.osd_map as { pools: unknown[] }).pools = [];
    const body = Buffer.from(JSON.stringify(maps));
    const p = await dial(m.daemonAddr);
    p.socket.write(encodeJsonFrame(FrameType.HELLO, { protocol: 'mgrd', version: 1, min_version: 1, entity: 'mon.a' }));
    await poll('CHALLENGE', 5000, () => p.frames.find((f) => f.type === FrameType.CHALLENGE));
    const nonce = (JSON.parse(p.frames[0]!.body) as { server_nonce: string }).server_nonce;
    const cn = newNonce();
    p.socket.write(encodeJsonFrame(FrameType.AUTH, { client_nonce: cn, proof: clientProof(keyring.lookup('mon.a')!.key, 'mon.a', nonce, cn) }));
    await poll('AUTH_OK', 5000, () => p.frames.find((f) => f.type === FrameType.AUTH_OK));
    // The large map, then a command behind it: its answer says the map was applied.
    p.socket.write(Buffer.concat([encodeFrame(FrameType.MAP, body), encodeJsonFrame(FrameType.COMMAND, { tid: 1, argv: ['osd', 'stat', '--format', 'json'] })]));
    const reply = await poll('the command after the MAP', 60_000, () => p.frames.find((f) => f.type === FrameType.COMMAND_REPLY));
    expect((JSON.parse((JSON.parse(reply.body) as { outb: string }).outb) as { num_osds: number }).num_osds).toBe(3000);
    p.socket.destroy();
    await stillHealthy('a 3,000-OSD MAP');
  });
});
