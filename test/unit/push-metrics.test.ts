// A push module inside a real manager (test/fixtures/modules/pusher, on the SDK
// PushLoop): its counters reach the prometheus module's /metrics under the
// names fixed for every push exporter, and its checks reach `health detail`.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/common/paths.js';
import { silentLogger } from '../../src/common/log.js';
import { SimRunner } from '../../src/sim/sim-runner.js';
import { parseExposition } from '../../exporters/prometheus/exposition-parse.js';
import { startTestMgr, waitFor, type TestMgr } from '../helpers/harness.js';
import { ITEM_BYTES } from '../fixtures/modules/pusher/module.js';

const ADMIN = { entity: 'client.admin', read: true, write: true };

describe('push loop counters on /metrics and health checks', () => {
  let t: TestMgr;
  let sim: SimRunner;
  let url = '';
  const run = (...argv: string[]) => t.mgr.runCommand(ADMIN, { argv });
  const samples = async (): Promise<Map<string, number>> => {
    const body = await (await fetch(`${url}metrics`)).text();
    const out = new Map<string, number>();
    for (const s of parseExposition(body).samples) {
      if (!s.name.startsWith('mgrd_module_push_')) continue;
      out.set(`${s.name}{${s.labels.map(([k, v]) => `${k}="${v}"`).join(',')}}`, s.value);
    }
    return out;
  };

  beforeAll(async () => {
    t = await startTestMgr({
      modulePaths: [join(packageRoot(), 'exporters'), 'test/fixtures/modules'],
      modules: ['prometheus', 'pusher'],
      set: { mgr_stats_period: 0.5, mgr_tick_period: 0.5 },
      moduleOverrides: [
        { module: 'prometheus', option: 'server_port', value: '0' },
        { module: 'prometheus', option: 'server_addr', value: '127.0.0.1' },
        { module: 'prometheus', option: 'scrape_interval', value: '0.5' },
        { module: 'prometheus', option: 'cache', value: 'false' },
      ],
    });
    sim = new SimRunner({ osds: 3, seed: 1, mgrAddr: t.daemonAddr, keyring: t.keyring, log: silentLogger(), stepS: 0.5 });
    await sim.start();
    url = await waitFor(() => t.store.current().services.prometheus, 10_000, 'the prometheus URI');
  });

  afterAll(async () => {
    await sim?.stop();
    await t?.stop();
  });

  it('exposes mgrd_module_push_{sent,failed,dropped}_total, _queued, _queued_bytes and _last_success_timestamp_seconds per module', async () => {
    const m = await waitFor(async () => {
      const s = await samples();
      return (s.get('mgrd_module_push_sent_total{module="pusher"}') ?? 0) >= 20 ? s : undefined;
    }, 20_000, 'points sent');
    expect([...m.keys()].sort()).toEqual([
      'mgrd_module_push_dropped_total{module="pusher"}',
      'mgrd_module_push_failed_total{module="pusher"}',
      'mgrd_module_push_last_success_timestamp_seconds{module="pusher"}',
      'mgrd_module_push_overruns_total{module="pusher"}',
      'mgrd_module_push_queued_bytes{module="pusher"}',
      'mgrd_module_push_queued{module="pusher"}',
      'mgrd_module_push_sent_total{module="pusher"}',
    ]);
    const stamp = m.get('mgrd_module_push_last_success_timestamp_seconds{module="pusher"}')!;
    expect(Math.abs(stamp - Date.now() / 1000)).toBeLessThan(60);
    expect(m.get('mgrd_module_push_failed_total{module="pusher"}')).toBe(0);
  });

  it('counts failed attempts and raises MGR_PUSHER_SEND_FAILED, then MGR_PUSHER_QUEUE_FULL with the drop count; both clear on success', async () => {
    expect((await run('config', 'set', 'mgr', 'mgr/pusher/mode', 'fail')).r).toBe(0);
    await waitFor(async () => (await samples()).get('mgrd_module_push_failed_total{module="pusher"}')! > 0, 20_000, 'failures counted');
    const detail = await waitFor(async () => {
      const r = await run('health', 'detail', '--format', 'json');
      const checks = JSON.parse(r.outb).checks;
      return checks.MGR_PUSHER_QUEUE_FULL && checks.MGR_PUSHER_SEND_FAILED ? checks : undefined;
    }, 20_000, 'both checks');
    expect(detail.MGR_PUSHER_SEND_FAILED.summary.message).toBe('Failed to send data to the test sink');
    expect(detail.MGR_PUSHER_SEND_FAILED.detail[0].message).toBe('connect ECONNREFUSED 127.0.0.1:9');
    expect(detail.MGR_PUSHER_QUEUE_FULL.summary.count).toBeGreaterThan(0);
    // /metrics reads mgrd's own metrics at most once a second.
    const failing = await waitFor(async () => {
      const s = await samples();
      return s.get('mgrd_module_push_dropped_total{module="pusher"}')! > 0 && s.get('mgrd_module_push_queued{module="pusher"}')! > 0 ? s : undefined;
    }, 20_000, 'drops counted, points queued');
    // The bytes held are the items held, ITEM_BYTES each (one snapshot of the loop's counters per scrape).
    expect(failing.get('mgrd_module_push_queued_bytes{module="pusher"}')).toBe(ITEM_BYTES * failing.get('mgrd_module_push_queued{module="pusher"}')!);

    expect((await run('config', 'set', 'mgr', 'mgr/pusher/mode', 'ok')).r).toBe(0);
    await waitFor(async () => {
      const checks = JSON.parse((await run('health', 'detail', '--format', 'json')).outb).checks;
      return !checks.MGR_PUSHER_QUEUE_FULL && !checks.MGR_PUSHER_SEND_FAILED;
    }, 20_000, 'checks cleared');
  });

  it('accounts for every item: sent + dropped + queued = produced, and the series go when the module is disabled', async () => {
    const pusher = t.mgr.registry.get('pusher')!.instance as unknown as { produced: number; loop: { stats(): { sent: number; dropped: number; queued: number } } };
    expect((await run('mgr', 'module', 'disable', 'pusher')).r).toBe(0);
    const s = t.mgr.mgrdStats().modules.find((m) => m.name === 'pusher')!;
    expect(s.push).toBeUndefined();
    const m = await waitFor(async () => {
      const x = await samples();
      return x.size === 0 ? x : undefined;
    }, 20_000, 'series gone');
    expect(m.size).toBe(0);
    const final = pusher.loop.stats();
    expect(final.queued).toBe(0);
    expect(final.sent + final.dropped).toBe(pusher.produced);
    expect(final.sent).toBeGreaterThan(0);
  });
});
