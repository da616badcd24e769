// The native command table, in dispatch order.

import type { NativeCommand } from '../native-command.js';
import { CLUSTER_COMMANDS } from './cluster.js';
import { CONFIG_COMMANDS } from './config.js';
import { CONFIG_KEY_COMMANDS } from './config-key.js';
import { DEVICE_COMMANDS } from './device.js';
import { HELP_COMMANDS } from './help.js';
import { MGR_COMMANDS } from './mgr.js';
import { PG_COMMANDS } from './pg.js';

export const NATIVE_COMMANDS: readonly NativeCommand[] = [
  ...HELP_COMMANDS,
  ...MGR_COMMANDS,
  ...CONFIG_COMMANDS,
  ...CONFIG_KEY_COMMANDS,
  ...CLUSTER_COMMANDS,
  ...PG_COMMANDS,
  ...DEVICE_COMMANDS,
];
