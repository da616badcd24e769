// The dashboard in a real Chromium (Debian "chromium", driven by playwright-core)
// against a real `mgrd run --sim` (the built CLI) serving HTTPS with its
// self-signed certificate: log in, the overview's health and OSD count, an OSD
// killed by the simulator's scenario shown live (no reload), a module disabled
// and enabled from the page (seen by `mgr module ls`), the console, and a
// read-only user who sees no write controls and whose forged writes get 403.
// Screenshots of each view go to test-results/dashboard/; axe-core finds no
// serious accessibility violation on any view.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, axeSerious, launchChromium, login, startDashboardMgrd, type DashboardMgrd } from '../helpers/browser.js';
import { poll } from '../helpers/procs.js';
import { AXIS_FONT, AXIS_GAP_PX, AXIS_TICK_PX } from '../../modules/dashboard/frontend/axis.js';

const ADMIN = ['admin', 'admin-secret-1'] as const;
const VIEWER = ['viewer', 'viewer-secret-1'] as const;
const OSDS = 6;
const KILLED = 1;
// Late enough that the page is up and showing HEALTH_OK first, on a loaded machine too.
const KILL_AT_S = 50;

interface YAxis { title: string; labels: string[]; left: number; width: number; widest: number }

/** Each chart's y labels as drawn, its y axis box (uPlot's second .u-axis) and its widest label measured in the axis font. */
const yAxes = (page: Page): Promise<YAxis[]> => page.evaluate<YAxis[]>(`(() => {
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = ${JSON.stringify(AXIS_FONT)};
  return [...document.querySelectorAll('figure.chart')].map((f) => {
    const labels = JSON.parse(f.querySelector('[data-y-labels]')?.dataset.yLabels ?? '[]');
    const axis = f.querySelectorAll('.u-axis')[1];
    return {
      title: f.querySelector('figcaption')?.textContent ?? '',
      labels,
      left: axis ? parseFloat(axis.style.left) : NaN,
      width: axis ? parseFloat(axis.style.width) : NaN,
      widest: Math.max(0, ...labels.map((l) => ctx.measureText(l).width)),
    };
  });
})()`);

const UNIT = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 } as Record<string, number>;
/** "19 MiB/s" -> bytes/s; "1.5 k/s", "100/s" -> per second; "0.25 ms" -> ms. */
function labelValue(label: string): number {
  const m = /^([\d.]+) ?(B|KiB|MiB|GiB|TiB|k|M|G|ms)?(\/s)?$/.exec(label);
  if (!m) throw new Error(`unexpected axis label ${label}`);
  const mult = m[2] === undefined || m[2] === 'ms' ? 1 : (UNIT[m[2]] ?? { k: 1e3, M: 1e6, G: 1e9 }[m[2]]!);
  return Number(m[1]) * mult;
}

/** Every chart's y labels increase up the axis and fit whole in it (a label wider than the axis loses its first digits). */
function expectReadableYAxes(axes: YAxis[]): void {
  expect(axes.length).toBeGreaterThan(0);
  // A flat series (an idle OSD's write ops) gets one tick; the order is checked where there are several, and some chart must have several.
  expect(Math.max(...axes.map((a) => a.labels.length)), axes.map((a) => `${a.title}: ${a.labels.join(' < ')}`).join('; ')).toBeGreaterThan(1);
  for (const a of axes) {
    expect(a.labels.length, a.title).toBeGreaterThan(0);
    const values = a.labels.map(labelValue);
    for (let i = 1; i < values.length; i++) expect(values[i], `${a.title}: ${a.labels.join(' < ')}`).toBeGreaterThan(values[i - 1]!);
    expect(a.left, a.title).toBeGreaterThanOrEqual(0);
    expect(a.width, `${a.title}: widest label ${a.widest} px`).toBeGreaterThanOrEqual(a.widest + AXIS_TICK_PX + AXIS_GAP_PX);
  }
}

describe('dashboard in Chromium', () => {
  let dir: string;
  let d: DashboardMgrd;
  let browser: Browser;
  let adminCtx: BrowserContext;
  let page: Page;

  const enabledModules = async (): Promise<string[]> => {
    const r = await d.mgrd.command({ prefix: 'mgr module ls', format: 'json' });
    return (JSON.parse(r.outb) as { enabled_modules: string[] }).enabled_modules;
  };

  beforeAll(async () => {
    browser = await launchChromium();
    dir = mkdtempSync(join(tmpdir(), 'mgrd-dash-'));
    const scenario = join(dir, 'osd-down.json');
    writeFileSync(scenario, JSON.stringify([{ atS: KILL_AT_S, action: 'kill', osd: KILLED }]));
    d = await startDashboardMgrd({
      args: ['--sim', '--sim-osds', String(OSDS), '--scenario', scenario],
      users: [[...ADMIN, 'administrator'], [...VIEWER, 'read-only']],
    });
    adminCtx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
    page = await adminCtx.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await d?.mgrd.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves HTTPS with a self-signed certificate; login shows the overview with HEALTH_OK and the OSD count', async () => {
    expect(d.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
    await login(page, d.url, ...ADMIN);
    await expect.poll(() => page.getByTestId('health-status').textContent(), { timeout: 40_000 }).toBe('HEALTH_OK');
    expect(await page.getByTestId('osd-count').textContent()).toBe(`${OSDS} total`);
    expect(await page.getByTestId('osd-up').textContent()).toBe(`${OSDS} up`);
    // The session cookie: HttpOnly (no script reads it), Secure on HTTPS, SameSite=Strict.
    const cookie = (await adminCtx.cookies()).find((c) => c.name === 'token');
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict' });
    expect(await page.evaluate<string>('document.cookie')).not.toContain('token=');
    // Client IO in MiB/s on the throughput chart, then every chart's y axis reads in order, whole.
    await expect.poll(async () => (await yAxes(page)).find((a) => a.title === 'Client throughput')?.labels.some((l) => l.includes('MiB')), { timeout: 60_000 }).toBe(true);
    expectReadableYAxes(await yAxes(page));
    await page.screenshot({ path: join(ARTIFACTS, 'overview.png'), fullPage: true });
    expect(await axeSerious(page)).toEqual([]);
  });

  it('shows the OSD table, then the killed OSD down and HEALTH_WARN/OSD_DOWN within 10 s of the manager, without a reload', async () => {
    await page.evaluate('window.marker = "no-reload"');
    await page.getByRole('link', { name: 'OSDs', exact: true }).click();
    const status = page.locator(`tr:has(a[href="#/osds/${KILLED}"]) [data-osd-status]`);
    await expect.poll(() => status.getAttribute('data-osd-status'), { timeout: 30_000 }).toBe('up');
    await page.screenshot({ path: join(ARTIFACTS, 'osds.png'), fullPage: true });
    expect(await axeSerious(page)).toEqual([]);

    // The manager's own view first, then the page must follow within 10 s.
    await poll('OSD_DOWN in the manager\'s health', 120_000, async () => {
      const r = await d.mgrd.command({ prefix: 'health', format: 'json' });
      return (JSON.parse(r.outb) as { checks: Record<string, unknown> }).checks.OSD_DOWN !== undefined;
    }, 200);
    const seen = Date.now();
    await expect.poll(() => status.getAttribute('data-osd-status'), { timeout: 10_000, interval: 100 }).toBe('down');
    await expect.poll(() => page.getByRole('link', { name: /^Cluster health/ }).textContent(), { timeout: 10_000, interval: 100 }).toBe('HEALTH_WARN');
    expect(Date.now() - seen).toBeLessThan(10_000);
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.locator('[data-check="OSD_DOWN"]').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('osd-up').textContent()).toBe(`${OSDS - 1} up`);
    expect(await page.evaluate<string>('window.marker')).toBe('no-reload');
    expect(await page.evaluate<number>('performance.getEntriesByType("navigation").length')).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'overview-osd-down.png'), fullPage: true });
  });

  it('disables and re-enables a module from the page, as `mgr module ls` then says', async () => {
    await page.getByRole('link', { name: 'Manager modules' }).click();
    await page.getByRole('button', { name: 'Disable module hello' }).click();
    await poll('hello disabled in mgr module ls', 20_000, async () => !(await enabledModules()).includes('hello'));
    await expect.poll(() => page.locator('[data-module="hello"] [data-module-state]').getAttribute('data-module-state'), { timeout: 10_000 }).toBe('off');
    await page.getByRole('button', { name: 'Enable module hello' }).click();
    await poll('hello enabled in mgr module ls', 20_000, async () => (await enabledModules()).includes('hello'));
    await expect.poll(() => page.locator('[data-module="hello"] [data-module-state]').getAttribute('data-module-state'), { timeout: 10_000 }).toBe('on');
    await page.screenshot({ path: join(ARTIFACTS, 'modules.png'), fullPage: true });
    expect(await axeSerious(page)).toEqual([]);
  });

  it('runs `osd pool stats` in the console through the dispatcher', async () => {
    await page.getByRole('link', { name: 'Console' }).click();
    const input = page.getByLabel('Command', { exact: true });
    await input.fill('osd pool stats');
    await input.press('Enter');
    const entry = page.locator('.console-entry').last();
    await entry.waitFor({ timeout: 20_000 });
    expect(await entry.getAttribute('data-retval')).toBe('0');
    const expected = await d.mgrd.command({ prefix: 'osd pool stats' });
    const firstPool = /^pool (\S+) id \d+/m.exec(expected.outb)?.[1];
    expect(firstPool).toBeDefined();
    expect(await entry.locator('.console-outb').textContent()).toContain(`pool ${firstPool} id`);
    await page.screenshot({ path: join(ARTIFACTS, 'console.png'), fullPage: true });
    expect(await axeSerious(page)).toEqual([]);
  });

  it('shows pools, hosts, PGs, configuration and an OSD\'s detail', async () => {
    for (const [link, file, ready] of [
      ['Pools', 'pools.png', 'table.data tbody tr'],
      ['Hosts', 'hosts.png', 'table.data tbody tr'],
      ['PGs', 'pgs.png', '#h-unclean'],
      ['Configuration', 'config.png', '[data-option="mgr/dashboard/ssl"]'],
    ] as const) {
      await page.getByRole('link', { name: link, exact: true }).click();
      await page.locator(ready).first().waitFor({ timeout: 20_000 });
      await page.screenshot({ path: join(ARTIFACTS, file), fullPage: true });
      expect(await axeSerious(page), link).toEqual([]);
    }
    await page.goto(`${d.url}#/osds/0`);
    await page.locator('#h-osd-perf').waitFor({ timeout: 20_000 });
    await expect.poll(() => page.locator('.chart').count(), { timeout: 20_000 }).toBeGreaterThan(0);
    expectReadableYAxes(await yAxes(page));
    await page.screenshot({ path: join(ARTIFACTS, 'osd-detail.png'), fullPage: true });
    expect(await axeSerious(page)).toEqual([]);
  });

  it('a read-only user gets no write controls, and its forged writes get 403', async () => {
    const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
    try {
      const p = await ctx.newPage();
      await login(p, d.url, ...VIEWER);
      await p.getByRole('link', { name: 'Manager modules' }).click();
      await p.locator('[data-module="hello"]').waitFor({ timeout: 20_000 });
      expect(await p.getByRole('button', { name: /^(Enable|Disable) module/ }).count()).toBe(0);
      await p.getByRole('link', { name: 'Configuration' }).click();
      await p.locator('[data-option]').first().waitFor({ timeout: 20_000 });
      expect(await p.getByRole('button', { name: /^Edit / }).count()).toBe(0);
      await p.screenshot({ path: join(ARTIFACTS, 'read-only-config.png'), fullPage: true });

      // Forged requests with a valid session and CSRF token: the server refuses each.
      const forged = await p.evaluate<{ codes: number[]; console: { retval: number; outs: string } }>(`(async () => {
        const auth = await (await fetch('/api/auth')).json();
        const h = { 'content-type': 'application/json', 'x-csrf-token': auth.csrf };
        const codes = [];
        codes.push((await fetch('/api/modules/hello/disable', { method: 'POST', headers: h })).status);
        codes.push((await fetch('/api/config/mgr/hello/place', { method: 'PUT', headers: h, body: JSON.stringify({ value: 'Faro' }) })).status);
        const cons = await fetch('/api/command', { method: 'POST', headers: h, body: JSON.stringify({ line: 'mgr module disable hello' }) });
        codes.push(cons.status);
        return { codes, console: await cons.json() };
      })()`);
      expect(forged.codes).toEqual([403, 403, 403]);
      expect(forged.console.retval).toBe(-13);
      expect(forged.console.outs).toContain('dashboard.viewer');
      expect(await enabledModules()).toContain('hello');
      const place = await d.mgrd.command({ prefix: 'config get', who: 'mgr', key: 'mgr/hello/place' });
      expect(place.outb.trim()).not.toBe('Faro');
    } finally {
      await ctx.close();
    }
  });

  it('refuses a write without the CSRF token, and API calls without a session', async () => {
    const noCsrf = await page.evaluate<number>(`fetch('/api/modules/hello/disable', { method: 'POST' }).then((r) => r.status)`);
    expect(noCsrf).toBe(403);
    const anon = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      expect((await anon.request.get(`${d.url}api/summary/overview`)).status()).toBe(401);
      expect((await anon.request.post(`${d.url}api/modules/hello/disable`)).status()).toBe(401);
    } finally {
      await anon.close();
    }
    expect(await enabledModules()).toContain('hello');
  });
});
