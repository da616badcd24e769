// `help` and `get_command_descriptions`: every native and module command.

import { describeAll, helpText } from '../grammar.js';
import type { NativeCommand } from '../native-command.js';
import { render } from '../native-command.js';

export const HELP_COMMANDS: NativeCommand[] = [
  {
    cmd: 'help',
    desc: 'list available commands',
    perm: 'r',
    run: (ctx, cmd) => {
      const descs = ctx.describe();
      return render(cmd, describeAll(descs), () => helpText(descs));
    },
  },
  {
    cmd: 'get_command_descriptions',
    desc: 'list available commands',
    perm: 'r',
    run: (ctx, cmd) => render({ ...cmd, format: cmd.format ?? 'json' }, describeAll(ctx.describe())),
  },
];
