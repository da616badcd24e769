// The bookkeeping of wire limits: counts, the MGR_WIRE_LIMIT window, and
// log lines at most once per key and interval (a clock the test moves).

import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { LimitHits, LIMIT_HEALTH_WINDOW_MS } from '../../src/server/limit-hits.js';
import { RateLimitedLog } from '../../src/server/rate-log.js';

describe('LimitHits', () => {
  it('counts by limit, raises MGR_WIRE_LIMIT for the window after the last hit, logs once per limit every 10 s', () => {
    let now = 1_000_000;
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, new Writable({ write(c: Buffer, _e, cb) { lines.push((JSON.parse(c.toString()) as { msg: string }).msg); cb(); } }));
    const hits = new LimitHits(log, () => now);
    expect(hits.healthChecks()).toEqual({});
    for (let i = 0; i < 5; i++) hits.hit('ms_preauth_max_sessions', `refused ${i}`);
    hits.hit('pg_stats_osd_not_in_osd_map', 'osd.9', false);
    expect(hits.totals()).toEqual({ ms_preauth_max_sessions: 5, pg_stats_osd_not_in_osd_map: 1 });
    const check = hits.healthChecks().MGR_WIRE_LIMIT!;
    expect(check.summary).toEqual({ message: '1 wire protocol limit hit in the last 10 minutes', count: 1 });
    expect(check.detail).toEqual([{ message: `ms_preauth_max_sessions: hit 5 times since mgrd started, last at ${new Date(now).toISOString()}: refused 4` }]);
    // pino writes to a Writable stream synchronously.
    expect(lines).toEqual(['ms_preauth_max_sessions: refused 0', 'pg_stats_osd_not_in_osd_map: osd.9']);
    now += 10_000;
    hits.hit('ms_preauth_max_sessions', 'refused 5');
    expect(lines[2]).toBe('ms_preauth_max_sessions: refused 5 (and 4 more since the last line)');
    now += LIMIT_HEALTH_WINDOW_MS;
    expect(hits.healthChecks().MGR_WIRE_LIMIT).toBeDefined();
    now += 1;
    expect(hits.healthChecks()).toEqual({});
    expect(hits.totals().ms_preauth_max_sessions).toBe(6);
  });
});

describe('RateLimitedLog', () => {
  it('writes the first line of a key, then one per interval with what it left out', () => {
    let now = 0;
    const out: Array<[string, number]> = [];
    const r = new RateLimitedLog(1000, () => now);
    for (const key of ['a', 'a', 'b', 'a']) r.maybe(key, (n) => out.push([key, n]));
    now = 1000;
    r.maybe('a', (n) => out.push(['a', n]));
    expect(out).toEqual([['a', 0], ['b', 0], ['a', 2]]);
  });
});
