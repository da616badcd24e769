// A real Chromium (Debian package "chromium") driven by playwright-core, for
// the dashboard's UI tests; and a `mgrd run --sim` with the dashboard enabled
// on a free port and users made through the manager's own commands. A missing
// Chromium fails the test with the command that installs it.

import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { poll, ROOT, startMgrd, which, type MgrdProcess, type MgrdOptions } from './procs.js';

export const CHROMIUM_INSTALL = 'scripts/install-test-deps.sh (Debian package "chromium": sudo apt-get install chromium)';
/** Where the UI tests leave their screenshots (CI keeps it as an artifact). */
export const ARTIFACTS = join(ROOT, 'test-results/dashboard');

export async function launchChromium(): Promise<Browser> {
  const executablePath = which(process.env.MGRD_CHROMIUM ?? '/usr/bin/chromium', CHROMIUM_INSTALL);
  mkdirSync(ARTIFACTS, { recursive: true });
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'], timeout: 120_000 });
}

export interface DashboardMgrd {
  mgrd: MgrdProcess;
  /** The dashboard's URI as published in `mgr services` (https://127.0.0.1:PORT/). */
  url: string;
}

/** `mgrd run --sim` (extra args), `mgr module enable dashboard` on a free port, and the given users created. */
export async function startDashboardMgrd(o: MgrdOptions & { users: Array<[string, string, 'administrator' | 'read-only']> }): Promise<DashboardMgrd> {
  const mgrd = await startMgrd({
    ...o,
    set: { 'mgr/dashboard/server_addr': '127.0.0.1', 'mgr/dashboard/ssl_server_port': 0, 'mgr/dashboard/server_port': 0, ...o.set },
  });
  try {
    const en = await mgrd.command({ prefix: 'mgr module enable', module: 'dashboard' });
    if (en.retval !== 0) throw new Error(`mgr module enable dashboard: ${en.outs}`);
    const url = await poll('the dashboard URI in mgr services', 60_000, async () => {
      const r = await mgrd.command({ prefix: 'mgr services', format: 'json' });
      return (JSON.parse(r.outb || '{}') as Record<string, string>).dashboard;
    });
    for (const [user, password, role] of o.users) {
      const r = await mgrd.command({ prefix: 'dashboard ac-user-create', username: user, password, rolename: role });
      if (r.retval !== 0) throw new Error(`dashboard ac-user-create ${user}: ${r.outs}`);
    }
    return { mgrd, url: url.replace(/\/\/[^/:]+:/, '//127.0.0.1:') };
  } catch (err) {
    await mgrd.stop();
    throw err;
  }
}

/** Logs in through the form and waits for the navigation bar. */
export async function login(page: Page, url: string, user: string, password: string): Promise<void> {
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor({ timeout: 30_000 });
}

/** Serious or critical axe-core findings on the current page (WCAG 2 A/AA rules). */
export async function axeSerious(page: Page): Promise<Array<{ id: string; impact: string; help: string; nodes: string[] }>> {
  // Evaluated through the DevTools protocol: the page's CSP (script-src 'self') stays on.
  await page.evaluate(readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8'));
  type Found = Array<{ id: string; impact: string; help: string; nodes: string[] }>;
  return page.evaluate<Found>(`(async () => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => JSON.stringify(n.target)) }));
  })()`);
}
