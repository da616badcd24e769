// The OSD table at 10,000 OSDs in a real Chromium against `mgrd run --sim --sim-osds 10000`,
// with live updates every second. Scrolling it from top to bottom while the
// updates arrive makes no long task over 200 ms: every long task the browser's
// Long Tasks API reports is looked up in a Chromium trace of the page's main
// thread, and the CPU time that thread spent in it must stay under 200 ms. The
// Long Tasks API counts wall time, and on a loaded machine (load 10 on 2 cores)
// a 40 ms task that waits for a core is reported at 250 ms: its thread time is
// what the page cost. Because a time bound alone cannot tell a cheap page from a
// lucky one, the test also watches what the page's own thread handles during
// the scroll: it must never parse, receive or sort anything near the size of the
// table — the table lives in a worker and the page gets only the rows in view. A
// page that re-sorts or re-parses the 10,000 rows on each update fails here
// whatever the load.

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ARTIFACTS, launchChromium, login, startDashboardMgrd, type DashboardMgrd } from '../helpers/browser.js';
import { startMainThreadTrace, taskAt } from '../helpers/chrome-trace.js';
import { poll } from '../helpers/procs.js';

const OSDS = 10_000;
const UPDATES_WHILE_SCROLLING = 3;
/** The bound on a task of the page's main thread (its CPU time; see above). */
const LONG_TASK_MS = 200;

/** Installed before the page's scripts: what the page's main thread parses, receives from event streams and sorts. */
const PROBE = `(() => {
  const p = window.__probe = { on: false, maxParse: 0, maxEvent: 0, maxSort: 0, events: 0, longTasks: [] };
  const parse = JSON.parse;
  JSON.parse = function (text, reviver) {
    if (p.on && typeof text === 'string') p.maxParse = Math.max(p.maxParse, text.length);
    return parse.call(this, text, reviver);
  };
  for (const proto of [Array.prototype, Object.getPrototypeOf(Int32Array.prototype)]) {
    const sort = proto.sort;
    proto.sort = function (cmp) {
      if (p.on) p.maxSort = Math.max(p.maxSort, this.length);
      return sort.call(this, cmp);
    };
  }
  const add = EventSource.prototype.addEventListener;
  EventSource.prototype.addEventListener = function (type, fn, opts) {
    const wrapped = function (ev) {
      if (p.on && typeof ev.data === 'string') { p.events++; p.maxEvent = Math.max(p.maxEvent, ev.data.length); }
      return typeof fn === 'function' ? fn.call(this, ev) : fn.handleEvent(ev);
    };
    return add.call(this, type, wrapped, opts);
  };
  new PerformanceObserver((l) => { for (const e of l.getEntries()) if (p.on) p.longTasks.push({ start: e.startTime, duration: e.duration }); }).observe({ type: 'longtask' });
})()`;

interface Probe { on: boolean; maxParse: number; maxEvent: number; maxSort: number; events: number; longTasks: Array<{ start: number; duration: number }> }

const probe = (page: Page): Promise<Probe> => page.evaluate<Probe>('window.__probe');
const tableVersion = async (page: Page): Promise<number> => Number(await page.locator('[data-table-version]').getAttribute('data-table-version'));
const renderedRows = (page: Page): Promise<number> => page.locator('.vt tbody tr:not(.spacer)').count();

describe('dashboard at 10,000 OSDs', () => {
  let d: DashboardMgrd;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
    // The manager with its embedded simulated cluster (`mgrd run --sim`), as issue 15 asks: the simulator's
    // 10,000 daemons on in-process links, one event loop for both sides.
    const t0 = Date.now();
    d = await startDashboardMgrd({
      args: ['--sim', '--sim-osds', String(OSDS)],
      set: { 'mgr/dashboard/live_update_interval': 1 },
      users: [['admin', 'admin-secret-1', 'administrator']],
      timeoutMs: 300_000,
    });
    const tActive = Date.now();
    // The pages open once every OSD is in the map, up, and reporting (its stats in `osd perf`): the manager
    // then carries the whole cluster's ingest while the page loads and scrolls, as in production.
    await poll(`the simulated ${OSDS}-OSD map (mgrd log: ${d.mgrd.logFile})`, 600_000, async () => {
      const r = await d.mgrd.command({ prefix: 'osd stat', format: 'json' });
      const st = JSON.parse(r.outb || '{}') as { num_osds?: number; num_up_osds?: number };
      return st.num_osds === OSDS && st.num_up_osds === OSDS;
    }, 2000);
    const tUp = Date.now();
    await poll(`all ${OSDS} OSDs reporting (mgrd log: ${d.mgrd.logFile})`, 900_000, async () => {
      const r = await d.mgrd.command({ prefix: 'osd perf', format: 'json' });
      return (JSON.parse(r.outb || '{}') as { osdstats?: { osd_perf_infos?: unknown[] } }).osdstats?.osd_perf_infos?.length === OSDS;
    }, 5000);
    console.log(`mgrd run --sim --sim-osds ${OSDS}: dashboard up after ${((tActive - t0) / 1000).toFixed(0)} s, every OSD up after ${((tUp - t0) / 1000).toFixed(0)} s, every OSD reporting after ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }, 1_700_000);

  afterAll(async () => {
    await browser?.close();
    await d?.mgrd.stop();
  });

  it('scrolls the whole OSD table while live updates arrive: no long task over 200 ms, the page never handles the whole table', async () => {
    const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
    await ctx.addInitScript(PROBE);
    const page = await ctx.newPage();
    await login(page, d.url, 'admin', 'admin-secret-1');
    await page.getByRole('link', { name: 'OSDs', exact: true }).click();
    await page.getByText(`${OSDS} of ${OSDS} OSDs shown`).waitFor({ timeout: 120_000 });
    // The size of what the page would handle if it held the table itself.
    const tableChars = (await (await ctx.request.get(`${d.url}api/summary/osds`, { timeout: 60_000 })).text()).length;
    // At least ~20 characters a row (columnar JSON: ten numbers per OSD, fewer digits on a fresh cluster).
    expect(tableChars).toBeGreaterThan(OSDS * 20);

    const v0 = await tableVersion(page);
    const stopTrace = await startMainThreadTrace(browser, 'scroll-start');
    const t0 = await page.evaluate<number>('performance.mark("scroll-start"), window.__probe.on = true, performance.now()');
    const box = page.locator('.vt');
    await box.hover();
    // Wheel through the table (about 320,000 px) as a user flicking through it, one step a frame,
    // down to the bottom and back up again until enough live updates have arrived meanwhile.
    let step = 4000;
    let maxRows = 0;
    let reachedBottom = false;
    const deadline = Date.now() + 240_000;
    for (;;) {
      await page.mouse.wheel(0, step);
      await page.evaluate('new Promise((r) => requestAnimationFrame(() => r(0)))');
      maxRows = Math.max(maxRows, await renderedRows(page));
      const scroll = await box.evaluate((el) => ({ top: el.scrollTop, max: el.scrollHeight - el.clientHeight }));
      if (scroll.top >= scroll.max - 1) {
        reachedBottom = true;
        step = -4000;
      } else if (scroll.top <= 0) {
        step = 4000;
      }
      if (reachedBottom && (await tableVersion(page)) >= v0 + UPDATES_WHILE_SCROLLING) break;
      if (Date.now() > deadline) throw new Error(`scrolled for 240 s: bottom reached ${reachedBottom}, table updates ${(await tableVersion(page)) - v0}`);
    }
    // Then to the very end again, where the last OSD's row is shown.
    await box.evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await expect.poll(() => page.locator(`a[href="#/osds/${OSDS - 1}"]`).count(), { timeout: 30_000 }).toBe(1);
    // The last OSD has reported: its row has a host and PGs.
    const lastRow = page.locator(`tr:has(a[href="#/osds/${OSDS - 1}"]) td`);
    expect(await lastRow.nth(1).textContent()).toMatch(/^node-\d+$/);
    expect(Number(await lastRow.nth(4).textContent())).toBeGreaterThan(0);
    const t1 = await page.evaluate<number>('window.__probe.on = false, performance.now()');
    const p = await probe(page);
    const trace = await stopTrace();
    await page.screenshot({ path: join(ARTIFACTS, 'osds-10000-bottom.png') });
    // Each long task with the CPU time its thread spent in it; and every task of the scroll's main thread.
    const longTasks = p.longTasks.map((lt) => ({ wallMs: Math.round(lt.duration), cpuMs: ((taskAt(trace, lt.start, lt.duration)?.tdur ?? NaN) / 1000) }));
    const during = trace.tasks.filter((t) => t.ts >= trace.offsetUs + t0 * 1000 && t.ts <= trace.offsetUs + t1 * 1000);
    const maxCpuMs = Math.max(0, ...during.map((t) => t.tdur / 1000));
    console.log(`10,000 OSDs: long tasks (wall/CPU ms) ${longTasks.map((t) => `${t.wallMs}/${t.cpuMs.toFixed(1)}`).join(' ')}; ${during.length} main-thread tasks, at most ${maxCpuMs.toFixed(1)} ms CPU; table ${tableChars} chars; main thread at most parsed ${p.maxParse}, received ${p.maxEvent} (${p.events} events), sorted ${p.maxSort}; rows rendered at most ${maxRows}`);

    expect((await tableVersion(page)) - v0).toBeGreaterThanOrEqual(UPDATES_WHILE_SCROLLING);
    expect(maxRows).toBeLessThan(60);
    expect(p.maxParse).toBeLessThan(tableChars / 5);
    expect(p.maxEvent).toBeLessThan(tableChars / 5);
    expect(p.maxSort).toBeLessThan(OSDS / 10);
    expect(trace.dataLoss).toBe(false);
    expect(during.length).toBeGreaterThan(100);
    for (const lt of longTasks) expect(lt.cpuMs, `long task of ${lt.wallMs} ms found in the trace`).toBeLessThan(LONG_TASK_MS);
    expect(maxCpuMs).toBeLessThan(LONG_TASK_MS);
    await ctx.close();
  }, 400_000);

  it('sorts and filters the 10,000 rows (in the worker) and shows the result', async () => {
    const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    await login(page, d.url, 'admin', 'admin-secret-1');
    await page.getByRole('link', { name: 'OSDs', exact: true }).click();
    await page.getByText(`${OSDS} of ${OSDS} OSDs shown`).waitFor({ timeout: 120_000 });
    const firstId = (): Promise<string | null> => page.locator('.vt tbody tr:not(.spacer) a').first().textContent();
    expect(await firstId()).toBe('osd.0');
    // Sorted by id ascending at first: one click on the ID header turns it descending.
    await page.getByRole('button', { name: 'ID', exact: true }).click();
    await expect.poll(firstId, { timeout: 30_000 }).toBe(`osd.${OSDS - 1}`);
    expect(await page.getByRole('columnheader', { name: 'ID', exact: true }).getAttribute('aria-sort')).toBe('descending');
    await page.getByLabel('Filter').fill('osd.1234');
    await page.getByText(`1 of ${OSDS} OSDs shown`).waitFor({ timeout: 30_000 });
    expect(await renderedRows(page)).toBe(1);
    expect(await firstId()).toBe('osd.1234');
    await ctx.close();
  }, 300_000);
});
