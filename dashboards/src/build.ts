// Writes dashboards/grafana/*.json from the TypeScript sources
// (`npm run dashboards:build`). test/unit/dashboards-build.test.ts fails when
// the committed files differ from what this writes.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARDS, render } from './index.js';

const out = join(process.cwd(), 'dashboards', 'grafana');
mkdirSync(out, { recursive: true });
for (const [file, d] of Object.entries(DASHBOARDS)) {
  writeFileSync(join(out, file), render(d));
  console.log(`dashboards/grafana/${file}: ${d.panels?.length ?? 0} panels`);
}
