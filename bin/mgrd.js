#!/usr/bin/env node
// The `mgrd` command: runs the compiled CLI (built by `npm ci` through the prepare script).
import('../dist/src/cli/main.js').then((m) => m.main(process.argv)).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  console.error('mgrd: is the project built? Run `npm run build`.');
  process.exit(1);
});
