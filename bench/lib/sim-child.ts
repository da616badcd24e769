// The simulated cluster in a child process, so that its 10,000 sessions and its
// model steps do not share the manager's event loop (as `mgrd sim` would run).
// argv: <mgr host:port> <keyring file> <osds> <seed> [mux host:port]. Prints
// "ready <daemons>" once every session is started; stops on SIGTERM. With a
// mux address, every session goes over that one socket (lib/link-mux.ts):
// past ~9,000 OSDs a socket each would pass the open-file limit.

import { connect } from 'node:net';
import { once } from 'node:events';
import { silentLogger } from '../../src/common/log.js';
import { Keyring } from '../../src/protocol/keyring.js';
import { SimRunner } from '../../src/sim/sim-runner.js';
import { splitHostPort } from '../../src/client/mgr-client.js';
import { LinkMux } from './link-mux.js';
import { BENCH_OBJECTSTORE } from './bench-objectstore.js';

async function main(): Promise<void> {
  const [mgrAddr = '', keyringFile = '', osds = '4', seed = '1', muxAddr] = process.argv.slice(2);
  let dial: (() => ReturnType<LinkMux['dial']>) | undefined;
  if (muxAddr !== undefined) {
    const [host, port] = splitHostPort(muxAddr);
    const socket = connect({ host, port: Number(port), noDelay: true });
    await once(socket, 'connect');
    const mux = new LinkMux(socket);
    dial = () => mux.dial();
  }
  const runner = new SimRunner({ mgrAddr, keyring: Keyring.load(keyringFile), osds: Number(osds), seed: Number(seed), model: { objectstore: BENCH_OBJECTSTORE }, log: silentLogger(), connectBatch: 250, dial });
  await runner.start();
  process.stdout.write(`ready ${runner.sessions}\n`);
  process.on('SIGTERM', () => {
    runner.stop().then(() => process.exit(0), () => process.exit(1));
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
