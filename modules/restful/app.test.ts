// The HTTPS API in-process: the express app behind the real HTTPS listener on a
// free port, the reference cluster as its data, and a recording command
// runner in place of the manager's dispatcher (the real one is exercised by
// test/integration/restful.test.ts). Auth, rights, bounds and errors.

import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { silentLogger } from '../../src/common/log.js';
import type { CmdMap, CommandCaller, CommandReturn, PemPair } from '../../src/mgr-module/index.js';
import { referenceReader } from '../../test/helpers/restful-reference.js';
import { restfulApp } from './app.js';
import { createSelfSignedCert } from './cert.js';
import { KeyStore } from './keys.js';
import { HttpsListener, LISTENER_LIMITS } from './listener.js';
import { RequestList } from './requests.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: () => unknown;
}

const store = new Map<string, string>();
const keys = new KeyStore({
  getStore: (k) => store.get(k),
  getStorePrefix: (p) => Object.fromEntries([...store].filter(([k]) => k.startsWith(p))),
  setStore: (k, v) => {
    if (v === undefined) store.delete(k);
    else store.set(k, v);
    return Promise.resolve();
  },
});
const ran: Array<{ cmd: CmdMap; caller: CommandCaller }> = [];
/** Answers as the manager's dispatcher would for the two commands these tests send. */
const runCommand = (cmd: CmdMap, caller: CommandCaller): Promise<CommandReturn> => {
  ran.push({ cmd, caller });
  if (cmd.prefix === 'osd pool stats') return Promise.resolve([0, '[]', '']);
  return Promise.resolve([-22, '', `No handler found for '${cmd.prefix}'`]);
};
const MAX_BODY = 4096;
let cert: PemPair;
let port: number;
let admin: string;
let reader: string;
const listener = new HttpsListener();

beforeAll(async () => {
  cert = await createSelfSignedCert(['localhost', '127.0.0.1']);
  admin = `admin:${await keys.create('admin', undefined)}`;
  reader = `reader:${await keys.create('reader', 'r')}`;
  const app = restfulApp({
    reader: referenceReader, requests: new RequestList(() => 3), keys, log: silentLogger(), authEnabled: true, maxBodyBytes: MAX_BODY,
    runCommand, warn: () => undefined,
  });
  port = (await listener.listen('127.0.0.1', 0, cert, app)).port;
});

afterAll(() => listener.close(0));

function call(method: string, path: string, o: { auth?: string; body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.auth !== undefined) headers.authorization = `Basic ${Buffer.from(o.auth).toString('base64')}`;
    const req = httpsRequest({ host: '127.0.0.1', port, method, path, headers, ca: cert.crt, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode!, headers: res.headers, body, json: () => JSON.parse(body) as unknown });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

describe('restful API: auth', () => {
  test('/ and /doc need no key; everything else answers 401 with WWW-Authenticate', async () => {
    expect((await call('GET', '/')).json()).toMatchObject({ api_version: 1 });
    expect(Object.keys((await call('GET', '/doc')).json() as object)).toContain('/request/<arg>');
    const r = await call('GET', '/server');
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe('Basic realm="Login Required"');
    expect(r.json()).toEqual({ message: 'auth: No HTTP username/password' });
  });

  test('a wrong key and an unknown user get the same 401', async () => {
    const wrong = await call('GET', '/server', { auth: 'admin:00000000-0000-0000-0000-000000000000' });
    const unknown = await call('GET', '/server', { auth: 'mallory:x' });
    const garbage = await call('GET', '/server', { headers: { authorization: 'Basic !!!' } });
    for (const r of [wrong, unknown]) {
      expect(r.status).toBe(401);
      expect(r.json()).toEqual({ message: 'auth: Incorrect username or password' });
    }
    expect(garbage.status).toBe(401);
  });

  test('the right key reads; a deleted key no longer does', async () => {
    const r = await call('GET', '/server', { auth: admin });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.json()).toEqual(referenceReader.listServers());
    const temp = `temp:${await keys.create('temp', undefined)}`;
    expect((await call('GET', '/mon', { auth: temp })).status).toBe(200);
    await keys.delete('temp');
    expect((await call('GET', '/mon', { auth: temp })).status).toBe(401);
  });

  test('a read-only key reads, and is refused every write endpoint before any command runs', async () => {
    expect((await call('GET', '/osd', { auth: reader })).status).toBe(200);
    const before = ran.length;
    for (const [m, p] of [['PATCH', '/config/osd'], ['PATCH', '/osd/0'], ['POST', '/osd/0/command'], ['POST', '/pool'], ['PATCH', '/pool/1'], ['DELETE', '/pool/1'], ['DELETE', '/request']] as const) {
      const r = await call(m, p, { auth: reader, body: '{"noout": true}' });
      expect(r.status, `${m} ${p}`).toBe(403);
    }
    expect(ran.length).toBe(before);
  });

  test('POST /request with a read-only key runs the command with read rights only (the dispatcher decides)', async () => {
    const r = await call('POST', '/request?wait=1', { auth: reader, body: '{"prefix": "osd pool stats"}' });
    expect(r.status).toBe(200);
    expect(ran.at(-1)!.caller).toEqual({ entity: 'restful.reader', read: true, write: false });
  });
});

describe('restful API: requests', () => {
  test('PATCH /config/osd runs osd set/unset with the key\'s rights, ignoring unknown flags', async () => {
    const r = await call('PATCH', '/config/osd?wait=1', { auth: admin, body: '{"noout": true, "pause": false, "bogus": true}' });
    expect(r.status).toBe(200);
    const cmds = ran.slice(-2).map((x) => x.cmd);
    expect(cmds).toEqual([{ prefix: 'osd set', key: 'noout' }, { prefix: 'osd unset', key: 'pause' }]);
    expect(ran.at(-1)!.caller).toEqual({ entity: 'restful.admin', read: true, write: true });
    const req = r.json() as Record<string, unknown>;
    expect(req).toMatchObject({ is_finished: true, is_waiting: false, state: 'failed', has_failed: true, running: [], waiting: [] });
    expect((req.failed as Array<{ command: string }>).map((f) => f.command)).toEqual(['osd set key=noout', 'osd unset key=pause']);
  });

  test('POST /request: finished and failed commands with their outb/outs; listed, fetched, deleted', async () => {
    const ok = (await call('POST', '/request?wait=1', { auth: admin, body: '{"prefix": "osd pool stats", "format": "json"}' })).json() as Record<string, unknown>;
    expect(ok).toMatchObject({ state: 'success', has_failed: false, finished: [{ command: 'osd pool stats format=json', outb: '[]', outs: '' }], failed: [] });
    const bad = (await call('POST', '/request?wait=1', { auth: admin, body: '[[{"prefix": "osd pool stats"}], [{"prefix": "no such thing"}]]' })).json() as Record<string, unknown>;
    expect(bad).toMatchObject({ state: 'failed', has_failed: true, finished: [{ command: 'osd pool stats' }], failed: [{ command: 'no such thing', outs: "No handler found for 'no such thing'" }] });
    const got = await call('GET', `/request/${String(bad.id)}`, { auth: admin });
    expect(got.json()).toEqual(bad);
    const list = (await call('GET', '/request', { auth: admin })).json() as Array<{ id: string }>;
    expect(list.map((x) => x.id)).toContain(String(bad.id));
    expect((await call('DELETE', `/request/${String(bad.id)}`, { auth: admin })).status).toBe(200);
    expect((await call('GET', `/request/${String(bad.id)}`, { auth: admin })).status).toBe(404);
    const cleaned = (await call('DELETE', '/request', { auth: admin })).json() as { cleaned: number; remaining: number };
    expect(cleaned.remaining).toBe(0);
  });

  test('the pool and OSD endpoints build Ceph\'s commands; bad input is refused before anything runs', async () => {
    const before = ran.length;
    await call('POST', '/pool?wait=1', { auth: admin, body: '{"name": "rbd", "pg_num": 16, "size": 2}' });
    expect(ran.slice(before).map((x) => x.cmd)).toEqual([
      { prefix: 'osd pool create', pool: 'rbd', pg_num: 16 },
      { prefix: 'osd pool set', pool: 'rbd', var: 'size', val: '2' },
    ]);
    const n = ran.length;
    expect((await call('POST', '/pool', { auth: admin, body: '{"name": "rbd"}' })).json()).toEqual({ message: 'You need to specify the "pg_num" argument' });
    expect((await call('PATCH', '/pool/1', { auth: admin, body: '{"colour": "red"}' })).status).toBe(400);
    expect((await call('PATCH', '/pool/99', { auth: admin, body: '{"size": 3}' })).status).toBe(404);
    expect((await call('PATCH', '/osd/0', { auth: admin, body: '{"up": true}' })).json()).toEqual({ message: 'It is not valid to set a down OSD to be up' });
    expect((await call('POST', '/osd/0/command', { auth: admin, body: '{"command": "rm -rf"}' })).status).toBe(400);
    expect((await call('GET', '/osd/x', { auth: admin })).status).toBe(400);
    expect(ran.length).toBe(n);
    await call('PATCH', '/osd/2?wait=1', { auth: admin, body: '{"in": false, "reweight": 0.5}' });
    expect(ran.slice(n).map((x) => x.cmd)).toEqual([{ prefix: 'osd out', ids: ['2'] }, { prefix: 'osd reweight', id: 2, weight: 0.5 }]);
    await call('DELETE', '/request', { auth: admin });
  });

  test('at most max_requests are kept: the oldest finished is forgotten', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(String(((await call('POST', '/request?wait=1', { auth: admin, body: '{"prefix": "osd pool stats"}' })).json() as { id: string }).id));
    const list = ((await call('GET', '/request', { auth: admin })).json() as Array<{ id: string }>).map((x) => x.id);
    expect(list).toEqual(ids.slice(1));
  });
});

describe('restful API: bad input and bounds', () => {
  test('malformed JSON: 400 and no command', async () => {
    const n = ran.length;
    const r = await call('PATCH', '/config/osd', { auth: admin, body: '{"noout": tru' });
    expect(r.status).toBe(400);
    expect(r.json()).toEqual({ message: 'Bad request: malformed JSON or wrong Content-Type' });
    expect(ran.length).toBe(n);
  });

  test('a body over max_body_bytes: 413 and the connection closed', async () => {
    const r = await call('POST', '/request', { auth: admin, body: JSON.stringify({ prefix: 'x', pad: 'a'.repeat(MAX_BODY) }) });
    expect(r.status).toBe(413);
    expect(r.headers.connection).toBe('close');
  });

  test('an unauthenticated peer streaming a huge body gets 401 and is cut off without the body being read', async () => {
    const total = 256 * 1024 * 1024;
    const { status, sent } = await new Promise<{ status: number; sent: number }>((resolve, reject) => {
      const sock = tlsConnect({ host: '127.0.0.1', port, ca: cert.crt, servername: 'localhost' }, () => {
        sock.off('error', reject); // from here on, being cut off (EPIPE, ECONNRESET) is the expected outcome
        sock.write(`POST /request HTTP/1.1\r\nHost: x\r\nContent-Length: ${total}\r\n\r\n`);
        let sent = 0;
        let head = '';
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        const pump = (): void => {
          while (sent < total && !sock.destroyed) {
            sent += chunk.length;
            if (!sock.write(chunk)) return;
          }
        };
        sock.on('drain', pump);
        sock.on('data', (d: Buffer) => (head += d.toString('latin1')));
        sock.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1]), sent }));
        sock.on('error', () => undefined);
        pump();
      });
      sock.on('error', reject);
    });
    expect(status).toBe(401);
    expect(sent).toBeLessThan(total / 4);
  });

  test('a request head over the header limit: 431', async () => {
    const r = await call('GET', '/server', { auth: admin, headers: { 'x-pad': 'a'.repeat(LISTENER_LIMITS.maxHeaderBytes + 1) } });
    expect(r.status).toBe(431);
  });

  test('unknown paths and methods: JSON 404 and 405', async () => {
    const r = await call('GET', '/nothing', { auth: admin });
    expect(r.status).toBe(404);
    expect(r.json()).toEqual({ message: 'No such endpoint: /nothing' });
    const m = await call('PUT', '/pool', { auth: admin });
    expect(m.status).toBe(405);
    expect(m.headers.allow).toBe('GET, POST');
  });

  test('/perf: a bad regex is 400; /config/cluster/<key> unknown is 404', async () => {
    expect((await call('GET', '/perf?daemon=(', { auth: admin })).status).toBe(400);
    expect(Object.keys((await call('GET', '/perf?daemon=mon', { auth: admin })).json() as object)).toEqual(['mon.a']);
    expect((await call('GET', '/config/cluster/no_such_option', { auth: admin })).status).toBe(404);
    expect((await call('GET', '/config/cluster/osd_pool_default_size', { auth: admin })).json()).toBe(referenceReader.get('config').osd_pool_default_size);
  });

  test('the certificate names the address it serves and verifies against itself', async () => {
    const r = await new Promise<{ authorized: boolean; protocol: string | null }>((resolve, reject) => {
      const s = tlsConnect({ host: '127.0.0.1', port, ca: cert.crt }, () => {
        resolve({ authorized: s.authorized, protocol: s.getProtocol() });
        s.end();
      });
      s.on('error', reject);
    });
    expect(r.authorized).toBe(true);
    expect(['TLSv1.2', 'TLSv1.3']).toContain(r.protocol);
  });
});
