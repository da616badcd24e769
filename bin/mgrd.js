#!/usr/bin/env -S node --max-semi-space-size=4
// --max-semi-space-size=4: V8's young generation at 3 x 4 MiB instead of 3 x 16 MiB. At 10,000
// OSDs it keeps short-lived frame buffers from piling up and mgrd's RSS under 512 MiB
// (bench/RESULTS.md); `npm start` passes the same flag. A runtime v8.setFlagsFromString cannot.
// The `mgrd` command: runs the compiled CLI (built by `npm ci` through the prepare script).
import { setFlagsFromString } from 'node:v8';

// Old generation grows to 1.2x what the last full GC kept (V8's default lets it reach ~2x): at
// 10,000 OSDs that is ~100 MiB less RSS, for more frequent (incremental) full GCs (bench/RESULTS.md).
// V8 reads this flag at every GC, so setting it here, before anything is loaded, is enough.
setFlagsFromString('--heap-growing-percent=20');
// `mgrd agent ...` loads only the agent (a smaller process on every Ceph host); the rest, the whole CLI.
const agent = process.argv[2] === 'agent';
// The agent's young generation stays at V8's initial 2 x 1 MiB instead of growing to 2 x 4 MiB (2 x 16
// without the #! flag): its garbage is a few perf dumps per period (docs/decisions.md, "agent memory").
// V8 reads this flag each time it would grow the new space, so setting it now is enough.
if (agent) setFlagsFromString('--semi-space-growth-factor=1');
const entry = agent ? '../dist/src/cli/agent-main.js' : '../dist/src/cli/main.js';
import(entry).then(
  (m) => m.main(process.argv).catch((err) => {
    console.error(`mgrd: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }),
  (err) => {
    console.error(`mgrd: cannot load the compiled CLI (${err instanceof Error ? err.message : String(err)}); run \`npm run build\``);
    process.exit(1);
  },
);
