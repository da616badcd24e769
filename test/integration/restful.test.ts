// The restful module in a real `mgrd run --sim` (the built CLI, 4 simulated
// OSDs as the reference cluster has), over real HTTPS on a free port: set up as
// an operator does (enable, create-self-signed-cert, create-key, the
// certificate from config-key), then every endpoint read with Node's client
// and with curl --cacert, answers compared key for key with what Ceph 16's
// restful module served (test/fixtures/ceph-reference/restful/), and requests
// run through the manager's one dispatcher.

import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freePort, poll, startMgrd, which, type MgrdProcess } from '../helpers/procs.js';
import { refJson } from '../helpers/restful-reference.js';
import { expectSameShape } from '../helpers/shape.js';

const run = promisify(execFile);
const CURL = (): string => which('curl', 'scripts/install-test-deps.sh (Debian package "curl")');

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: <T = unknown>() => T;
}

let m: MgrdProcess;
let port: number;
let crt: string;
let caFile: string;
let admin: string;

interface Req {
  state: string;
  has_failed: boolean;
  finished: Array<{ command: string; outs: string; outb: string }>;
  failed: Array<{ command: string; outs: string; outb: string }>;
}
interface PoolView { pool: number; pool_name: string; size: number; min_size: number; pg_num: number; pgp_num: number; quota_max_objects: number; flags_names: string }

async function tell(cmd: Record<string, unknown>): Promise<{ retval: number; outb: string; outs: string }> {
  return m.command(cmd);
}

function call(method: string, path: string, o: { auth?: string; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (o.auth !== undefined) headers.authorization = `Basic ${Buffer.from(o.auth).toString('base64')}`;
    const req = httpsRequest({ host: '127.0.0.1', port, method, path, headers, ca: crt, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode!, headers: res.headers, body, json: <T>() => JSON.parse(body) as T });
      });
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

/** curl as an operator runs it: --cacert of the self-signed certificate, -u user:key; the status on the last line. */
async function curl(path: string, o: { auth?: string; method?: string; body?: string } = {}): Promise<{ status: number; body: string }> {
  const args = ['-sS', '--cacert', caFile, '-w', '\n%{http_code}', '-X', o.method ?? 'GET'];
  if (o.auth !== undefined) args.push('-u', o.auth);
  if (o.body !== undefined) args.push('-H', 'Content-Type: application/json', '--data-binary', o.body);
  const { stdout } = await run(CURL(), [...args, `https://127.0.0.1:${port}${path}`]);
  const nl = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(nl + 1)), body: stdout.slice(0, nl) };
}

async function health(): Promise<Record<string, { summary: { message: string } }>> {
  const h = await tell({ prefix: 'health', detail: 'detail', format: 'json' });
  return (JSON.parse(h.outb) as { checks: Record<string, { summary: { message: string } }> }).checks;
}

beforeAll(async () => {
  CURL();
  port = await freePort();
  m = await startMgrd({ args: ['--sim', '--sim-osds', '4', '--sim-mon-allow-pool-delete'], set: { 'mgr/restful/server_addr': '127.0.0.1', 'mgr/restful/server_port': port } });
  expect((await tell({ prefix: 'mgr module enable', module: 'restful' })).retval).toBe(0);
  // Enabled without a certificate: not serving, and health says why.
  await poll('MGR_RESTFUL_NOT_SERVING', 30_000, async () => (await health()).MGR_RESTFUL_NOT_SERVING);
  expect((await tell({ prefix: 'restful create-self-signed-cert' })).outb).toBe('Restarting RESTful API server...');
  const services = await poll('mgr services to show restful', 30_000, async () => {
    const s = JSON.parse((await tell({ prefix: 'mgr services', format: 'json' })).outb) as Record<string, string>;
    return s.restful !== undefined ? s : undefined;
  });
  expect(services.restful).toBe(`https://127.0.0.1:${port}/`);
  crt = (await tell({ prefix: 'config-key get', key: 'mgr/restful/crt' })).outb;
  expect(crt).toContain('BEGIN CERTIFICATE');
  caFile = join(mkdtempSync(join(tmpdir(), 'mgrd-restful-')), 'restful.crt');
  writeFileSync(caFile, crt);
  const key = await tell({ prefix: 'restful create-key', key_name: 'admin' });
  expect(key.retval).toBe(0);
  admin = `admin:${key.outb}`;
  await poll('the sim cluster to have its pools and 4 OSDs up', 60_000, async () => {
    const osds = (await call('GET', '/osd', { auth: admin })).json<Array<{ up: number }>>();
    return osds.length === 4 && osds.every((o) => o.up === 1) && (await call('GET', '/pool', { auth: admin })).json<unknown[]>().length > 0;
  });
  expect((await health()).MGR_RESTFUL_NOT_SERVING).toBeUndefined();
});

afterAll(async () => {
  await m?.stop();
});

describe('restful on mgrd run --sim over HTTPS', () => {
  test('the read endpoints have the keys Ceph 16 serves', async () => {
    expect((await call('GET', '/')).json()).toEqual(refJson('restful/get_root.json'));
    expectSameShape((await call('GET', '/mon', { auth: admin })).json(), refJson('restful/get_mon.json'), '/mon');
    expectSameShape((await call('GET', '/osd', { auth: admin })).json(), refJson('restful/get_osd.json'), '/osd');
    // The simulator compresses one pool (string options, which the reference's pools did not have): checked apart.
    const pools = (await call('GET', '/pool', { auth: admin })).json<Array<{ pool_name: string; options: Record<string, unknown> }>>();
    const compressed = pools.filter((p) => 'compression_mode' in p.options);
    expect(compressed.map((p) => [p.pool_name, p.options])).toEqual([['default.rgw.buckets.data', { compression_algorithm: 'snappy', compression_mode: 'aggressive' }]]);
    expectSameShape(pools.filter((p) => !compressed.includes(p)), refJson('restful/get_pool.json'), '/pool', { mapPaths: ['[].application_metadata', '[].options'], ignore: ['[].application_metadata.*'] });
    expectSameShape((await call('GET', '/server', { auth: admin })).json(), refJson('restful/get_server.json'), '/server');
    expectSameShape((await call('GET', '/config/cluster', { auth: admin })).json(), refJson('restful/get_config_cluster.json'), '/config/cluster', { mapPaths: [''] });
    expect((await call('GET', '/request', { auth: admin })).json()).toEqual(refJson('restful/get_request.json'));
    const noauth = await call('GET', '/server');
    expect(noauth.status).toBe(401);
    expect(noauth.headers['www-authenticate']).toBe('Basic realm="Login Required"');
    expect(noauth.json()).toEqual(refJson('restful/get_server_noauth.json'));
  });

  test('every read endpoint answers curl --cacert with the certificate from config-key', async () => {
    const mon = (await call('GET', '/mon', { auth: admin })).json<Array<{ name: string }>>()[0]!.name;
    const host = (await call('GET', '/server', { auth: admin })).json<Array<{ hostname: string }>>()[0]!.hostname;
    const pool = (await call('GET', '/pool', { auth: admin })).json<Array<{ pool: number }>>()[0]!.pool;
    const option = Object.keys((await call('GET', '/config/cluster', { auth: admin })).json<object>())[0]!;
    for (const path of ['/', '/doc', '/config/cluster', `/config/cluster/${option}`, '/config/osd', '/crush/rule', '/mon', `/mon/${mon}`,
      '/osd', '/osd/0', '/osd/0/command', `/osd?pool=${pool}`, '/perf', '/perf?daemon=osd%5C.1', '/pool', `/pool/${pool}`, '/request', '/server', `/server/${host}`]) {
      const r = await curl(path, { auth: admin });
      expect(r.status, path).toBe(200);
      expect(() => JSON.parse(r.body) as unknown, path).not.toThrow();
    }
    expect(Object.keys(JSON.parse((await curl('/perf?daemon=osd%5C.1', { auth: admin })).body) as object)).toEqual(['osd.1']);
    expect(JSON.parse((await curl('/osd/0/command', { auth: admin })).body)).toEqual(['scrub', 'deep-scrub', 'repair']);
    const osd0 = JSON.parse((await curl('/osd/0', { auth: admin })).body) as { osd: number; server: string; pools: number[] };
    expect(osd0).toMatchObject({ osd: 0, server: expect.any(String) as string });
    expect(osd0.pools).toContain(pool);
  });

  test('401 without a key, with a wrong key, and with a deleted key', async () => {
    expect((await curl('/osd')).status).toBe(401);
    expect((await curl('/osd', { auth: 'admin:not-the-key' })).status).toBe(401);
    const temp = `temp:${(await tell({ prefix: 'restful create-key', key_name: 'temp' })).outb}`;
    expect((await curl('/osd', { auth: temp })).status).toBe(200);
    expect(JSON.parse((await tell({ prefix: 'restful list-keys' })).outb)).toHaveProperty('temp');
    await tell({ prefix: 'restful delete-key', key_name: 'temp' });
    expect((await curl('/osd', { auth: temp })).status).toBe(401);
  });

  test('POST /request runs commands through the dispatcher: outb of osd pool stats, outs of a bad command, has_failed', async () => {
    const body = JSON.stringify([{ prefix: 'osd pool stats', format: 'json' }, { prefix: 'osd pool stats', pool_name: 'no-such-pool' }]);
    const r = await curl('/request?wait=1', { auth: admin, method: 'POST', body });
    expect(r.status).toBe(200);
    const req = JSON.parse(r.body) as { id: string; state: string; has_failed: boolean; is_finished: boolean; finished: Array<{ command: string; outb: string }>; failed: Array<{ command: string; outs: string }> };
    expect(req).toMatchObject({ state: 'failed', has_failed: true, is_finished: true });
    expect(req.finished.map((f) => f.command)).toEqual(['osd pool stats format=json']);
    const direct = JSON.parse((await tell({ prefix: 'osd pool stats', format: 'json' })).outb) as Array<{ pool_name: string }>;
    expect((JSON.parse(req.finished[0]!.outb) as Array<{ pool_name: string }>).map((p) => p.pool_name)).toEqual(direct.map((p) => p.pool_name));
    const bad = await tell({ prefix: 'osd pool stats', pool_name: 'no-such-pool' });
    expect(bad.retval).toBeLessThan(0);
    expect(req.failed).toEqual([{ command: 'osd pool stats pool_name=no-such-pool', outs: bad.outs, outb: '' }]);
    const unknown = (await call('POST', '/request?wait=1', { auth: admin, body: '{"prefix": "no such command"}' })).json<{ failed: Array<{ outs: string }> }>();
    expect(unknown.failed[0]!.outs).toBe("No handler found for 'no such command'");
    // Asynchronous by default: the answer comes at once, the request is listed and finishes.
    const started = (await call('POST', '/request', { auth: admin, body: '{"prefix": "pg stat", "format": "json"}' })).json<{ id: string }>();
    const done = await poll('the request to finish', 30_000, async () => {
      const s = (await call('GET', `/request/${started.id}`, { auth: admin })).json<{ state: string; finished: Array<{ outb: string }> }>();
      return s.state === 'success' ? s : undefined;
    });
    expect(JSON.parse(done.finished[0]!.outb)).toHaveProperty('pg_summary');
    expect((await call('DELETE', '/request', { auth: admin })).json()).toMatchObject({ remaining: 0 });
  });

  test('a read-only key reads, may run read commands, and gets 403 / EACCES for writes', async () => {
    const ro = `ro:${(await tell({ prefix: 'restful create-key', key_name: 'ro', perm: 'r' })).outb}`;
    expect((await curl('/osd', { auth: ro })).status).toBe(200);
    expect((await curl('/config/osd', { auth: ro, method: 'PATCH', body: '{"noout": true}' })).status).toBe(403);
    const r = (await call('POST', '/request?wait=1', { auth: ro, body: JSON.stringify([{ prefix: 'pg stat' }, { prefix: 'mgr module disable', module: 'restful' }]) })).json<{ finished: unknown[]; failed: Array<{ outs: string }> }>();
    expect(r.finished).toHaveLength(1);
    expect(r.failed[0]!.outs).toMatch(/access denied/);
    const listed = (await call('POST', '/request?wait=1', { auth: ro, body: '{"prefix": "restful list-keys"}' })).json<{ failed: Array<{ outs: string }> }>();
    expect(listed.failed[0]!.outs).toMatch(/access denied/);
    expect((await call('GET', '/', {})).status).toBe(200);
  });

  test('/perf?daemon=<regex> runs on RE2: a pattern a backtracking engine takes minutes over answers at once, and the manager stays responsive', async () => {
    // Greedy pieces tried in every split of the name before '!' fails: C(n+24, 24) steps for a name of n characters.
    const pattern = '(?:.*){25}!';
    const names = Object.keys((await call('GET', '/perf', { auth: admin })).json<object>());
    const longest = names.reduce((a, b) => (b.length > a.length ? b : a));
    // JavaScript's own RegExp (what /perf used before) on one daemon name: still running when killed after 5 s.
    const js = spawnSync(process.execPath, ['-e', `new RegExp(${JSON.stringify(`^(?:${pattern})`)}).test(${JSON.stringify(longest)})`], { timeout: 5000 });
    expect(js.signal, `JavaScript's RegExp on ${longest}`).toBe('SIGTERM');
    let worst = 0;
    let probes = 0;
    let done = false;
    const prober = (async () => {
      while (!done || probes === 0) {
        const t0 = performance.now();
        expect((await call('GET', '/')).status).toBe(200);
        worst = Math.max(worst, performance.now() - t0);
        probes++;
      }
    })();
    const t0 = performance.now();
    const r = await call('GET', `/perf?daemon=${encodeURIComponent(pattern)}`, { auth: admin });
    const took = performance.now() - t0;
    done = true;
    await prober;
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({});
    expect(took).toBeLessThan(5000);
    expect(worst).toBeLessThan(3000);
    // Python syntax RE2 has not (backreferences): a 400 that says so; over 256 characters: a 400.
    const backref = await call('GET', `/perf?daemon=${encodeURIComponent('(osd)\\1')}`, { auth: admin });
    expect(backref.status).toBe(400);
    expect(backref.json<{ message: string }>().message).toMatch(/RE2/);
    expect((await call('GET', `/perf?daemon=${'a'.repeat(257)}`, { auth: admin })).status).toBe(400);
    expect(Object.keys((await call('GET', '/perf?daemon=osd%5C.%5B12%5D%24', { auth: admin })).json<object>()).sort()).toEqual(['osd.1', 'osd.2']);
  });

  test('a malformed JSON body: 400 and nothing changed', async () => {
    const flags = (await call('GET', '/config/osd', { auth: admin })).json<string[]>();
    const before = (await call('GET', '/request', { auth: admin })).json<unknown[]>().length;
    const r = await curl('/config/osd', { auth: admin, method: 'PATCH', body: '{"noout": tru' });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toEqual({ message: 'Bad request: malformed JSON or wrong Content-Type' });
    expect((await call('GET', '/config/osd', { auth: admin })).json()).toEqual(flags);
    expect((await call('GET', '/request', { auth: admin })).json<unknown[]>()).toHaveLength(before);
  });

  test('POST /pool, PATCH /pool/<id>, DELETE /pool/<id>: answered by the simulated mon, read back through the API and mgrd tell', async () => {
    // Create: `osd pool create`, then the settings (Ceph's waves).
    const created = (await call('POST', '/pool?wait=1', { auth: admin, body: '{"name": "restful-test", "pg_num": 8, "size": 2}' })).json<Req>();
    expect(created).toMatchObject({ state: 'success', has_failed: false, failed: [] });
    expect(created.finished.map((f) => f.command)).toEqual(['osd pool create pool=restful-test pg_num=8', 'osd pool set pool=restful-test var=size val=2']);
    const p = (await call('GET', '/pool', { auth: admin })).json<PoolView[]>().find((x) => x.pool_name === 'restful-test')!;
    expect(p).toMatchObject({ size: 2, min_size: 1, pg_num: 8, pgp_num: 8, quota_max_objects: 0 });
    expect(created.finished.map((f) => f.outs)).toEqual(["pool 'restful-test' created", `set pool ${p.pool} size to 2`]);
    const ls = await m.tell('osd', 'pool', 'ls', 'detail');
    expect(ls.code).toBe(0);
    expect(ls.stdout).toContain(`pool ${p.pool} 'restful-test' replicated size 2 min_size 1 crush_rule 0 object_hash rjenkins pg_num 8 pgp_num 8 `);

    // Change: pg_num (pgp_num follows in the second wave), a quota, a flag; read back through GET /pool/<id>, tell df and tell pg dump.
    const patched = JSON.parse((await curl(`/pool/${p.pool}?wait=1`, { auth: admin, method: 'PATCH', body: '{"pg_num": 16, "quota_max_objects": 1000, "hashpspool": false}' })).body) as Req;
    expect(patched).toMatchObject({ state: 'success', failed: [] });
    expect(patched.finished.map((f) => f.outs).sort()).toEqual([`set pool ${p.pool} hashpspool to false`, `set pool ${p.pool} pg_num to 16`, `set pool ${p.pool} pgp_num to 16`, 'set-quota max_objects = 1000 for pool restful-test']);
    expect((await call('GET', `/pool/${p.pool}`, { auth: admin })).json<PoolView>()).toMatchObject({ pg_num: 16, pgp_num: 16, quota_max_objects: 1000, flags_names: '' });
    const df = JSON.parse((await m.tell('df', 'detail', '--format', 'json')).stdout) as { pools: Array<{ id: number; stats: { quota_objects: number } }> };
    expect(df.pools.find((x) => x.id === p.pool)!.stats.quota_objects).toBe(1000);
    await poll("restful-test's 16 PGs active+clean", 60_000, async () => {
      const pgs = (JSON.parse((await m.tell('pg', 'dump', 'pgs', '--format', 'json')).stdout) as { pg_stats: Array<{ pgid: string; state: string }> }).pg_stats
        .filter((g) => g.pgid.startsWith(`${p.pool}.`));
      return pgs.length === 16 && pgs.every((g) => g.state === 'active+clean');
    });
    // A value the mon refuses: the request fails with its answer, nothing changes.
    const bad = (await call('PATCH', `/pool/${p.pool}?wait=1`, { auth: admin, body: '{"size": 11}' })).json<Req>();
    expect(bad).toMatchObject({ state: 'failed', has_failed: true, failed: [{ command: `osd pool set pool=restful-test var=size val=11`, outs: 'pool size must be between 1 and 10' }] });
    expect((await call('GET', `/pool/${p.pool}`, { auth: admin })).json<PoolView>().size).toBe(2);

    // Delete: the name twice and --yes-i-really-really-mean-it (mgrd run --sim-mon-allow-pool-delete, as mon_allow_pool_delete).
    const deleted = JSON.parse((await curl(`/pool/${p.pool}?wait=1`, { auth: admin, method: 'DELETE' })).body) as Req;
    expect(deleted).toMatchObject({ state: 'success', finished: [{ command: 'osd pool delete pool=restful-test pool2=restful-test yes_i_really_really_mean_it=True', outs: "pool 'restful-test' removed" }] });
    expect((await call('GET', `/pool/${p.pool}`, { auth: admin })).status).toBe(404);
    expect((await m.tell('osd', 'pool', 'ls')).stdout.split('\n')).not.toContain('restful-test');
    await call('DELETE', '/request', { auth: admin });
  });

  test('PATCH /osd/<id> reweight and POST /osd/<id>/command: answered by the simulated mon, read back through the API and mgrd tell', async () => {
    const rw = (await call('PATCH', '/osd/3?wait=1', { auth: admin, body: '{"reweight": 0.5}' })).json<Req>();
    expect(rw).toMatchObject({ state: 'success', finished: [{ command: 'osd reweight id=3 weight=0.5', outs: 'reweighted osd.3 to 0.5 (8000)' }] });
    expect((await call('GET', '/osd/3', { auth: admin })).json<{ reweight: number }>().reweight).toBe(0.5);
    const dump = JSON.parse((await m.tell('osd', 'dump', '--format', 'json')).stdout) as { osds: Array<{ osd: number; weight: number }> };
    expect(dump.osds.find((o) => o.osd === 3)!.weight).toBe(0.5);
    expect((await m.tell('osd', 'tree')).stdout).toMatch(/^ 3 +\w+ +\d+\.\d{5} +osd\.3 +up +0\.50000 +1\.00000$/m);
    const refused = (await call('PATCH', '/osd/3?wait=1', { auth: admin, body: '{"reweight": 1.5}' })).json<Req>();
    expect(refused).toMatchObject({ state: 'failed' });
    expect(refused.failed[0]!.outs).toMatch(/weight/);
    expect(JSON.parse((await curl('/osd/3?wait=1', { auth: admin, method: 'PATCH', body: '{"reweight": 1}' })).body)).toMatchObject({ state: 'success' });
    expect((await call('GET', '/osd/3', { auth: admin })).json<{ reweight: number }>().reweight).toBe(1);

    type Pgs = { pg_stats: Array<{ pgid: string; acting_primary: number; last_scrub_stamp: string }> };
    const ofOsd0 = async (): Promise<Pgs['pg_stats']> => (JSON.parse((await m.tell('pg', 'dump', 'pgs', '--format', 'json')).stdout) as Pgs).pg_stats.filter((g) => g.acting_primary === 0);
    const before = new Map((await ofOsd0()).map((g) => [g.pgid, g.last_scrub_stamp]));
    const scrub = JSON.parse((await curl('/osd/0/command?wait=1', { auth: admin, method: 'POST', body: '{"command": "scrub"}' })).body) as Req;
    expect(scrub).toMatchObject({ state: 'success', finished: [{ command: 'osd scrub who=0', outs: 'osd.0 instructed to scrub' }] });
    // Every PG osd.0 is primary for is scrubbed (background scrubs alone would touch one now and then).
    await poll('the PGs osd.0 is primary for scrubbed', 90_000, async () => {
      const now = await ofOsd0();
      return now.filter((g) => before.has(g.pgid) && g.last_scrub_stamp !== before.get(g.pgid)).length >= Math.min(3, before.size);
    });
    expect(JSON.parse((await curl('/osd/1/command?wait=1', { auth: admin, method: 'POST', body: '{"command": "repair"}' })).body)).toMatchObject({ finished: [{ outs: 'osd.1 instructed to repair' }] });
    expect((await call('POST', '/osd/0/command', { auth: admin, body: '{"command": "bogus"}' })).status).toBe(400);
    await call('DELETE', '/request', { auth: admin });
  });

  test('PATCH /config/osd {"noout": true} and PATCH /osd/<id> {"in": false}: answered by the cluster source, seen in status, health and the maps', async () => {
    const r = await curl('/config/osd?wait=1', { auth: admin, method: 'PATCH', body: '{"noout": true}' });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ state: 'success', finished: [{ command: 'osd set key=noout' }], failed: [] });
    await poll('noout in the OSD map', 30_000, async () => (await call('GET', '/config/osd', { auth: admin })).json<string[]>().includes('noout'));
    expect((await tell({ prefix: 'status' })).outb).toMatch(/noout flag\(s\) set/);
    expect((await poll('OSDMAP_FLAGS', 30_000, async () => (await health()).OSDMAP_FLAGS)).summary.message).toMatch(/noout/);
    expect(JSON.parse((await curl('/config/osd?wait=1', { auth: admin, method: 'PATCH', body: '{"noout": false}' })).body)).toMatchObject({ state: 'success' });
    await poll('noout cleared', 30_000, async () => !(await call('GET', '/config/osd', { auth: admin })).json<string[]>().includes('noout'));

    const out = (await call('PATCH', '/osd/3?wait=1', { auth: admin, body: '{"in": false}' })).json<{ state: string }>();
    expect(out.state).toBe('success');
    await poll('osd.3 out', 30_000, async () => (await call('GET', '/osd/3', { auth: admin })).json<{ in: number }>().in === 0);
    expect((await call('PATCH', '/osd/3?wait=1', { auth: admin, body: '{"in": true}' })).json<{ state: string }>().state).toBe('success');
    await poll('osd.3 in again', 30_000, async () => (await call('GET', '/osd/3', { auth: admin })).json<{ in: number }>().in === 1);
  });
});
