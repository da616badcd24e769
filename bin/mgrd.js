#!/usr/bin/env node
// The `mgrd` command: runs the compiled CLI (built by `npm ci` through the prepare script).
import('../dist/src/cli/main.js').then(
  (m) => m.main(process.argv).catch((err) => {
    console.error(`mgrd: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }),
  (err) => {
    console.error(`mgrd: cannot load the compiled CLI (${err instanceof Error ? err.message : String(err)}); run \`npm run build\``);
    process.exit(1);
  },
);
