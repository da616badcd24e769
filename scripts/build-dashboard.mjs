// Bundles the dashboard frontend (modules/dashboard/frontend, Preact + uPlot)
// with esbuild into dist/modules/dashboard/static: app.js, app.css, index.html,
// osd-worker.js (the OSD table's worker, a classic script), each with a gzip twin the server sends as is. Fails when the gzipped
// bundle passes the budget (300 KB). Run by `npm run build` (and npm ci).

import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'modules/dashboard/frontend');
const out = join(root, 'dist/modules/dashboard/static');
const BUDGET_GZ = 300 * 1024;

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const common = {
  bundle: true,
  minify: true,
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: out,
  legalComments: 'none',
  logLevel: 'warning',
  absWorkingDir: root,
};
await build({ ...common, entryPoints: { app: join(src, 'main.tsx') }, format: 'esm' });
// A classic script: module workers came late to some browsers (Firefox 114).
await build({ ...common, entryPoints: { 'osd-worker': join(src, 'osd-worker.ts') }, format: 'iife' });
copyFileSync(join(src, 'index.html'), join(out, 'index.html'));
copyFileSync(join(src, 'favicon.svg'), join(out, 'favicon.svg'));
let total = 0;
const sizes = [];
for (const f of ['app.js', 'app.css', 'osd-worker.js', 'index.html', 'favicon.svg']) {
  const raw = readFileSync(join(out, f));
  const gz = gzipSync(raw, { level: 9 });
  writeFileSync(join(out, `${f}.gz`), gz);
  total += gz.length;
  sizes.push(`${f} ${(raw.length / 1024).toFixed(1)} KB (gzip ${(gz.length / 1024).toFixed(1)} KB)`);
}
writeFileSync(join(out, 'sizes.json'), JSON.stringify({ gzipBytes: total }));
if (process.env.DASHBOARD_BUILD_VERBOSE) console.log(`dashboard bundle: ${sizes.join(', ')}; total gzip ${(total / 1024).toFixed(1)} KB`);
if (total > BUDGET_GZ) {
  console.error(`dashboard bundle is ${(total / 1024).toFixed(1)} KB gzipped, over the ${BUDGET_GZ / 1024} KB budget`);
  process.exit(1);
}
