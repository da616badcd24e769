// Prometheus's own tools on the alert rules: `promtool check rules` (syntax,
// templates, no duplicates) and `promtool test rules` (the unit tests of
// dashboards/alerts.test.yaml: every alert firing and not firing).

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, which } from '../helpers/procs.js';

const INSTALL = 'scripts/install-test-deps.sh (Debian package "prometheus": promtool)';

describe('alert rules with promtool', () => {
  const promtool = which('promtool', INSTALL);

  it('`promtool check rules dashboards/alerts.yaml` is clean', () => {
    const r = spawnSync(promtool, ['check', 'rules', join(ROOT, 'dashboards/alerts.yaml')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/SUCCESS: \d+ rules found/);
    expect(r.status).toBe(0);
  });

  it('`promtool test rules dashboards/alerts.test.yaml` passes', () => {
    const r = spawnSync(promtool, ['test', 'rules', 'alerts.test.yaml'], { cwd: join(ROOT, 'dashboards'), encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('`promtool test rules` fails when an alert does not behave as its test says (the tests can fail)', () => {
    // The same tests against rules whose CephOSDDown never fires.
    const tmp = mkdtempSync(join(tmpdir(), 'mgrd-rules-'));
    try {
      const rules = readFileSync(join(ROOT, 'dashboards/alerts.yaml'), 'utf8').replace('name="OSD_DOWN"} == 1\n', 'name="OSD_DOWN"} == 2\n');
      expect(rules).toContain('name="OSD_DOWN"} == 2');
      writeFileSync(join(tmp, 'alerts.yaml'), rules);
      copyFileSync(join(ROOT, 'dashboards/alerts.test.yaml'), join(tmp, 'alerts.test.yaml'));
      const r = spawnSync(promtool, ['test', 'rules', 'alerts.test.yaml'], { cwd: tmp, encoding: 'utf8' });
      expect(r.status).not.toBe(0);
      expect(`${r.stdout}${r.stderr}`).toContain('alertname: CephOSDDown');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
