// `mgrd sim`: the simulated cluster in its own process.

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
