// The simulated cluster in a child process, so that its 10,000 sessions and its
// model steps do not share the manager's event loop (as `mgrd sim` would run).
// argv: <mgr host:port> <keyring file> <osds> <seed>. Prints "ready <daemons>"
// once every session is started; stops on SIGTERM.

import { silentLogger } from '../../src/common/log.js';
import { Keyring } from '../../src/protocol/keyring.js';
import { SimRunner } from '../../src/sim/sim-runner.js';

async function main(): Promise<void> {
  const [mgrAddr = '', keyringFile = '', osds = '4', seed = '1'] = process.argv.slice(2);
  const runner = new SimRunner({ mgrAddr, keyring: Keyring.load(keyringFile), osds: Number(osds), seed: Number(seed), log: silentLogger(), connectBatch: 250 });
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
