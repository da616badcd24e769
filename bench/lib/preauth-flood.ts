// The pre-authentication flood of bench:preauth, in its own process: every
// way an unauthenticated peer can try to make the manager buffer or parse,
// at once, for a given time (issue 8 item 7):
//   - oversized: peers that announce a 60 MiB HELLO and stream '[' at it;
//   - nested: HELLOs within the byte bound made of nested arrays;
//   - slowloris: 3,000 connections from 3 loopback addresses that trickle a byte
//     of a header now and then, re-opened when closed;
//   - churn: HELLO and leave, as fast as the loop turns.
// argv: <mgr host:port> <seconds>. Prints one JSON line at the end: what was
// sent and how the manager answered.

import { connect, type Socket } from 'node:net';
import { encodeFrame, encodeJsonFrame, FrameType } from '../../src/protocol/frames.js';

const [addr = '', secondsText = '30'] = process.argv.slice(2);
const [host, port] = addr.split(':');
const endAt = Date.now() + Number(secondsText) * 1000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const counts = { connections: 0, bytes: 0, answers: {} as Record<string, number>, socketErrors: 0 };

/** One connection: resolves when it is closed; notes the first ERROR code the manager sent. */
function dial(localAddress: string | undefined, onOpen: (s: Socket) => void): Promise<void> {
  return new Promise((resolve) => {
    const s = connect({ host, port: Number(port), localAddress });
    counts.connections++;
    let seen = Buffer.alloc(0);
    let noted = false;
    s.on('data', (c: Buffer) => {
      if (noted) return;
      seen = Buffer.concat([seen, c]);
      if (seen.length >= 5 && seen.length >= 4 + seen.readUInt32BE(0)) {
        noted = true;
        const type = seen[4]!;
        const code = type === FrameType.ERROR ? (JSON.parse(seen.toString('utf8', 5, 4 + seen.readUInt32BE(0))) as { code: string }).code : `type ${type}`;
        counts.answers[code] = (counts.answers[code] ?? 0) + 1;
      }
    });
    s.on('error', () => void counts.socketErrors++);
    s.on('close', () => resolve());
    s.on('connect', () => onOpen(s));
    // Nothing lives past the end of the run.
    setTimeout(() => s.destroy(), Math.max(0, endAt - Date.now())).unref();
  });
}

function write(s: Socket, b: Buffer): boolean {
  counts.bytes += b.length;
  return s.write(b);
}

async function loop(width: number, one: () => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: width }, async () => {
    while (Date.now() < endAt) await one();
  }));
}

const oversizedHead = Buffer.alloc(5);
oversizedHead.writeUInt32BE(60 * 1024 * 1024, 0);
oversizedHead[4] = FrameType.HELLO;
const brackets = Buffer.alloc(64 * 1024, 0x5b);

const oversized = (): Promise<void> => dial(undefined, (s) => {
  write(s, oversizedHead);
  const pump = (): void => {
    while (!s.destroyed && Date.now() < endAt && write(s, brackets));
  };
  s.on('drain', pump);
  pump();
});

const nestedHello = encodeFrame(FrameType.HELLO, Buffer.from('['.repeat(4000) + ']'.repeat(4000)));
const nested = (): Promise<void> => dial(undefined, (s) => write(s, nestedHello));

const hello = encodeJsonFrame(FrameType.HELLO, { protocol: 'mgrd', version: 1, min_version: 1, entity: 'osd.0' });
const churn = (): Promise<void> => dial(undefined, (s) => {
  write(s, hello);
  s.once('data', () => s.destroy());
});

// Two in three from one address: beyond its per-peer bound (1024 by default).
const PEERS = ['127.0.0.1', '127.0.0.1', '127.0.0.2', '127.0.0.1', '127.0.0.1', '127.0.0.3'];
let slow = 0;
const slowloris = (): Promise<void> => dial(PEERS[slow++ % PEERS.length], (s) => {
  let sent = 0;
  const t = setInterval(() => {
    if (s.destroyed || sent >= 3) return clearInterval(t);
    write(s, Buffer.from([0]));
    sent++;
  }, 1000);
  s.on('close', () => clearInterval(t));
});

async function main(): Promise<void> {
  await Promise.all([loop(20, oversized), loop(50, nested), loop(50, churn), loop(3000, slowloris)]);
  await sleep(100);
  process.stdout.write(JSON.stringify(counts) + '\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
