// `mgrd agent ...` without loading the manager: bin/mgrd.js comes here for the
// agent, so the agent's process holds only what it runs (MgrClient, the
// agent, pino, commander) — about 25 MiB less RSS than the whole CLI.

import { Command } from 'commander';
import { MGRD_VERSION } from '../mgr/mgr-metadata.js';
import { agentCommand } from './agent.js';

export async function main(argv: string[]): Promise<void> {
  const program = new Command('mgrd').version(MGRD_VERSION).showHelpAfterError();
  program.addCommand(agentCommand());
  await program.parseAsync(argv);
}
