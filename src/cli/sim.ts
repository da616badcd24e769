// `mgrd sim`: the simulated cluster in its own process.

import { descriptorShortfall } from '../common/fd-budget.js';
import { createLogger } from '../common/log.js';
import { Keyring } from '../protocol/keyring.js';
import { SimRunner } from '../sim/sim-runner.js';

export interface SimFlags {
  mgr: string[];
  keyring: string;
  osds: number;
  seed: number;
  scenario?: string;
  pgStatsInterval?: number;
  objectstore: 'memstore' | 'bluestore' | 'mixed';
  monAllowPoolDelete?: boolean;
  logLevel: string;
}

export async function runSimCommand(flags: SimFlags): Promise<void> {
  const log = createLogger({ level: flags.logLevel as 'info', name: 'mgrd-sim' });
  const model = { objectstore: flags.objectstore, monAllowPoolDelete: flags.monAllowPoolDelete === true };
  const runner = new SimRunner({ mgrAddr: flags.mgr.join(','), keyring: Keyring.load(flags.keyring), osds: flags.osds, seed: flags.seed, scenario: flags.scenario, pgStatsIntervalS: flags.pgStatsInterval, model, log });
  // One socket per daemon: past the open-file limit the last daemons could never connect.
  const daemons = runner.cluster.daemons().length;
  const short = descriptorShortfall(daemons, `${daemons} simulated daemons (${flags.osds} OSDs)`,
    `run the simulator inside the manager, which links its daemons in process without descriptors: mgrd run --sim --sim-osds ${flags.osds}. ` +
    'The manager they report to needs one descriptor per daemon as well.');
  if (short !== undefined) throw new Error(`sim: ${short}`);
  await runner.start();
  const stop = (): void => {
    runner.stop().then(
      () => log.flush(() => process.exit(0)),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
