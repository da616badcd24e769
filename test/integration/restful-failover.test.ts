// The restful API survives failover: two `mgrd run` on one data dir (the same
// command line, the same wanted ports); the certificate and keys made on the
// first are in the shared module store, so when the first is killed -9 the
// second serves the API on the same port, verified against the same
// certificate, accepting the same key, and publishes it in `mgr services`.

import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertBuilt, exited, freePort, MGRD_BIN, poll, spawnLogged, stopChild } from '../helpers/procs.js';

const children: ChildProcess[] = [];
const dir = mkdtempSync(join(tmpdir(), 'mgrd-restful-ha-'));

afterAll(async () => {
  for (const c of children) await stopChild(c);
  rmSync(dir, { recursive: true, force: true });
});

describe('restful across a failover', () => {
  it('the standby that takes over serves the API with the same certificate and keys', async () => {
    assertBuilt();
    const [daemon, admin, prom, restful] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const data = join(dir, 'data');
    const start = (id: string): ChildProcess => {
      const c = spawnLogged(process.execPath, [MGRD_BIN, 'run', '--sim', '--sim-osds', '3', '--id', id, '--data-dir', data,
        '--daemon-addr', `127.0.0.1:${daemon}`, '--admin-addr', `127.0.0.1:${admin}`,
        '--set', `mgr/prometheus/server_port=${prom}`, '--set', 'mgr/prometheus/server_addr=127.0.0.1',
        '--set', `mgr/restful/server_port=${restful}`, '--set', 'mgr/restful/server_addr=127.0.0.1'], join(dir, `${id}.log`));
      children.push(c);
      return c;
    };
    const x = start('x');
    const tell = async (cmd: Record<string, unknown>): Promise<{ retval: number; outb: string; outs: string }> => {
      const token = readFileSync(join(data, 'admin_token'), 'utf8').trim();
      const res = await fetch(`http://127.0.0.1:${admin}/api/v1/command`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(cmd), signal: AbortSignal.timeout(10_000) });
      return (await res.json()) as { retval: number; outb: string; outs: string };
    };
    await poll('x active', 60_000, async () => (await tell({ prefix: 'mgr stat', format: 'json' })).retval === 0);
    expect((await tell({ prefix: 'mgr module enable', module: 'restful' })).retval).toBe(0);
    // Enabling starts the module on the queue of the registry: its commands answer once it runs.
    await poll('restful to take commands', 30_000, async () => (await tell({ prefix: 'restful create-self-signed-cert' })).retval === 0);
    const key = (await tell({ prefix: 'restful create-key', key_name: 'ops' })).outb;
    const crt = (await tell({ prefix: 'config-key get', key: 'mgr/restful/crt' })).outb;

    const get = (path: string): Promise<{ status: number; body: string }> => new Promise((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port: restful, path, ca: crt, agent: false, timeout: 5000, headers: { authorization: `Basic ${Buffer.from(`ops:${key}`).toString('base64')}` } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.end();
    });
    const serverOf = async (): Promise<string | undefined> => {
      const r = await get('/mon').catch(() => undefined);
      return r?.status === 200 ? r.body : undefined;
    };
    await poll('x to serve the API', 30_000, serverOf);

    start('y');
    await poll('y standing by', 60_000, async () => (JSON.parse((await tell({ prefix: 'mgr dump', format: 'json' })).outb) as { standbys: Array<{ name: string }> }).standbys.some((s) => s.name === 'y'));
    x.kill('SIGKILL');
    await exited(x);
    await poll('y to serve the API on the same port, same certificate, same key', 60_000, serverOf);
    const services = await poll('y active', 30_000, async () => {
      const r = await tell({ prefix: 'mgr services', format: 'json' }).catch(() => undefined);
      return r?.retval === 0 ? (JSON.parse(r.outb) as Record<string, string>) : undefined;
    });
    expect(services.restful).toBe(`https://127.0.0.1:${restful}/`);
    expect((await tell({ prefix: 'mgr stat', format: 'json' })).outb).toContain('"active_name":"y"');
    expect((await get('/osd')).status).toBe(200);
  });
});
