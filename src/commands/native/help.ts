// `help` and `get_command_descriptions`: every native and module command.

import { describeAll, helpHeader, helpText } from '../grammar.js';
import type { NativeCommand } from '../native-command.js';
import { render } from '../native-command.js';

export const HELP_COMMANDS: NativeCommand[] = [
  {
    cmd: 'help',
    desc: 'list available commands',
    perm: 'r',
    // As Ceph's `tell mgr help`: plain text whatever --format says.
    run: (ctx) => ({ r: 0, outb: helpHeader('Tell mgr commands') + helpText(ctx.describe()), outs: '' }),
  },
  {
    cmd: 'get_command_descriptions',
    desc: 'list available commands',
    perm: 'r',
    run: (ctx, cmd) => render({ ...cmd, format: cmd.format ?? 'json' }, describeAll(ctx.describe())),
  },
];
