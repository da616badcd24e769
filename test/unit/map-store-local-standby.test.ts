// Managers sharing one data dir (the local store): the lock holder leads and
// writes, the others follow it over the lock's socket — registered as standbys,
// fed every map and store change — and take over the moment it goes.

import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockName } from '../../src/mgr/data-dir-lock.js';
import { LocalMapStore } from '../../src/mgr/map-store-local.js';
import { NotLeaderError } from '../../src/mgr/map-store.js';
import type { MgrCandidate } from '../../src/mgr/mgr-map.js';
import type { MgrMap } from '../../src/mgr-module/mgr-map-types.js';
import { waitFor } from '../helpers/harness.js';

let dir: string;
const open: LocalMapStore[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mgrd-standby-'));
});
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

async function store(): Promise<LocalMapStore> {
  const s = await LocalMapStore.open(dir);
  open.push(s);
  return s;
}

function candidate(name: string, gid: number): MgrCandidate {
  return { name, gid, daemonAddr: `127.0.0.1:${6800 + gid}`, adminAddr: '127.0.0.1:0', availableModules: [], metadata: { hostname: `host-${name}` }, services: {} };
}

const roles = (m: MgrMap): { active: string; standbys: string[] } => ({ active: m.active_name, standbys: m.standbys.map((s) => s.name).sort() });

describe('local store: standbys on one data dir', () => {
  it('the holder is active; a second process joins as a standby, listed in both copies of the map', async () => {
    const a = await store();
    await a.join(candidate('x', 1));
    const b = await store();
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    await b.join(candidate('y', 2));
    expect(roles(a.current())).toEqual({ active: 'x', standbys: ['y'] });
    await waitFor(() => b.current().epoch === a.current().epoch, 5000, 'the standby to see the last map');
    expect(b.current()).toEqual(a.current());
    expect(a.metadata('y')).toEqual({ hostname: 'host-y' });
    expect(a.current().standbys[0]).toMatchObject({ gid: 2, addrs: { addrvec: [{ type: 'v2', addr: '127.0.0.1:6802', nonce: 2 }] } });
  });

  it('a standby cannot write; the holder\'s store changes reach it', async () => {
    const a = await store();
    await a.join(candidate('x', 1));
    const b = await store();
    await b.join(candidate('y', 2));
    await expect(b.kvSet('k', 'v')).rejects.toBeInstanceOf(NotLeaderError);
    await expect(b.update(() => undefined)).rejects.toBeInstanceOf(NotLeaderError);
    await a.kvSet('config/mgr/mgr_stats_period', '"7"');
    await waitFor(() => b.kvGet('config/mgr/mgr_stats_period') === '"7"', 5000, 'the key to reach the standby');
  });

  it('when the holder goes, the standby takes the lock and elects itself under a later epoch', async () => {
    const a = await store();
    await a.join(candidate('x', 1));
    const b = await store();
    await b.join(candidate('y', 2));
    const c = await store();
    await c.join(candidate('z', 3));
    await waitFor(() => a.current().standbys.length === 2, 5000, 'both standbys listed');
    const epoch = a.current().epoch;
    await a.leave();
    await a.close();
    const next = await waitFor(() => [b, c].find((s) => s.isLeader() && s.current().active_name !== ''), 5000, 'a standby to lead');
    const other = next === b ? c : b;
    const map = next.current();
    expect(map.epoch).toBeGreaterThan(epoch);
    expect(map.active_name).toBe(next === b ? 'y' : 'z');
    expect(map.available).toBe(false); // until its modules have started
    await waitFor(() => other.current().standbys.length === 1 && next.current().standbys.length === 1, 5000, 'the other standby to register with the new holder');
    expect(roles(next.current())).toEqual({ active: map.active_name, standbys: [other === b ? 'y' : 'z'] });
    expect(other.isLeader()).toBe(false);
  });

  it('a standby that dies leaves the map', async () => {
    const a = await store();
    await a.join(candidate('x', 1));
    const b = await LocalMapStore.open(dir);
    await b.join(candidate('y', 2));
    expect(roles(a.current()).standbys).toEqual(['y']);
    await b.close();
    await waitFor(() => a.current().standbys.length === 0, 5000, 'y to leave the map');
  });

  it('mgr fail of a standby drops it, and it joins again', async () => {
    const a = await store();
    await a.join(candidate('x', 1));
    const b = await store();
    await b.join(candidate('y', 2));
    const epoch = a.current().epoch;
    await a.fail('y');
    await waitFor(() => a.current().epoch >= epoch + 2 && a.current().standbys.length === 1, 5000, 'y back in the map');
  });

  it('resign hands the lock to a standby (the resigning process waits a moment before trying again)', async () => {
    const a = await store();
    await a.join(candidate('x', 1));
    const b = await store();
    await b.join(candidate('y', 2));
    await a.fail('x');
    expect(a.current().active_name).toBe('');
    await a.resign();
    await waitFor(() => b.isLeader() && b.current().active_name === 'y', 5000, 'y to lead');
    await waitFor(() => b.current().standbys.some((s) => s.name === 'x'), 5000, 'x to stand by');
    expect(a.isLeader()).toBe(false);
  });

  it('alone, a resigning process takes the lock back', async () => {
    const a = await store();
    await a.join(candidate('x', 1));
    await a.fail('x');
    await a.resign();
    await waitFor(() => a.isLeader() && a.current().active_name === 'x', 5000, 'x to lead again');
  });

  it('a peer that cannot prove it reads the data dir gets nothing and is cut off', async () => {
    const a = await store();
    await a.join(candidate('x', 1));
    const got: string[] = [];
    const sock = connect({ path: lockName(dir) });
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => got.push(d));
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    sock.on('error', () => undefined);
    await new Promise<void>((r) => sock.once('connect', () => r()));
    sock.write(JSON.stringify({ t: 'auth', proof: '00'.repeat(32) }) + '\n');
    await closed;
    expect(got.join('')).toMatch(/^\{"t":"challenge","nonce":"[0-9a-f]{32}"\}\n$/);
    // A peer that sends a long line before authenticating is cut off as well.
    const big = connect({ path: lockName(dir) });
    big.on('error', () => undefined);
    big.resume(); // read, or the close is never seen
    const bigClosed = new Promise<void>((r) => big.once('close', () => r()));
    big.write('x'.repeat(64 * 1024));
    await bigClosed;
    expect(roles(a.current()).standbys).toEqual([]);
  });
});
