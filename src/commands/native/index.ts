// The native command table, in dispatch order.

import type { NativeCommand } from '../native-command.js';
import { CONFIG_COMMANDS } from './config.js';
import { HELP_COMMANDS } from './help.js';
import { MGR_COMMANDS } from './mgr.js';

export const NATIVE_COMMANDS: readonly NativeCommand[] = [
  ...HELP_COMMANDS,
  ...MGR_COMMANDS,
  ...CONFIG_COMMANDS,
];
