// The prometheus module's listener in a real `mgrd run` (issue 8 items 16, 17):
// a busy port is said as such in the banner, raised as a health check and
// retried until it binds; the 301 redirect's Location is built from a checked
// Host header (or the address the request came in on), never copied as sent.

import { readFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, poll, startMgrd, type MgrdProcess } from '../helpers/procs.js';

/** One raw HTTP/1.1 request (bytes as given: headers a client library would refuse); the status line and headers of the answer. */
async function rawGet(port: number, path: string, host: string | undefined): Promise<{ status: number; headers: Record<string, string> }> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise((r) => socket.once('connect', r));
  socket.write(Buffer.from(`GET ${path} HTTP/1.1\r\n${host === undefined ? '' : `Host: ${host}\r\n`}Connection: close\r\n\r\n`, 'latin1'));
  let text = '';
  socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
  await new Promise((r) => socket.once('close', r));
  const [head = ''] = text.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers };
}

const healthChecks = async (m: MgrdProcess): Promise<Record<string, { summary: { message: string } }>> =>
  (JSON.parse((await m.command({ prefix: 'health', detail: 'detail', format: 'json' })).outb) as { checks: Record<string, { summary: { message: string } }> }).checks;

describe('prometheus port busy at start (item 16)', () => {
  let m: MgrdProcess | undefined;
  let holder: Server | undefined;
  afterAll(async () => {
    holder?.close();
    await m?.stop();
  });

  it('the banner says the bind failed, MGR_PROMETHEUS_BIND_FAILED is raised, and the module binds once the port is free', async () => {
    const port = await freePort();
    const h = createServer();
    holder = h;
    await new Promise<void>((r) => h.listen(port, '127.0.0.1', r));
    m = await startMgrd({ set: { 'mgr/prometheus/server_port': port }, waitPrometheus: false });
    const started = m;
    const banner = await poll('the banner', 30_000, () => /^ {2}metrics: .*$/m.exec(readFileSync(started.logFile, 'utf8'))?.[0]);
    expect(banner).not.toContain('not enabled');
    expect(banner).toContain(`cannot listen on 127.0.0.1:${port}`);
    expect(banner).toContain('EADDRINUSE');
    expect(banner).toMatch(/retr/);
    const checks = await poll('MGR_PROMETHEUS_BIND_FAILED', 30_000, async () => {
      const c = await healthChecks(started);
      return c.MGR_PROMETHEUS_BIND_FAILED ? c : undefined;
    });
    expect(checks.MGR_PROMETHEUS_BIND_FAILED!.summary.message).toContain('EADDRINUSE');

    // The port comes free: the module binds without a restart, the check clears, the URI is published.
    await new Promise<void>((r) => h.close(() => r()));
    holder = undefined;
    await poll(`/metrics on port ${port}`, 60_000, async () => {
      try {
        return (await fetch(`http://127.0.0.1:${port}/metrics`)).status === 200;
      } catch {
        return false;
      }
    });
    await poll('the check to clear', 30_000, async () => (await healthChecks(started)).MGR_PROMETHEUS_BIND_FAILED === undefined);
    const services = JSON.parse((await started.command({ prefix: 'mgr services', format: 'json' })).outb) as Record<string, string>;
    expect(services.prometheus).toBe(`http://127.0.0.1:${port}/`);
  });
});

describe('the 301 redirect (item 17)', () => {
  let m: MgrdProcess;
  let port: number;
  beforeAll(async () => {
    m = await startMgrd({});
    port = Number(new URL(m.prometheusUrl!).port);
  });
  afterAll(async () => {
    await m?.stop();
  });

  it('keeps a plain host[:port] Host, as CherryPy', async () => {
    const r = await rawGet(port, '/foo', `localhost:${port}`);
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe(`http://localhost:${port}/foo/`);
  });

  it('replaces a Host that is not a plain host[:port] by the address the request came in on', async () => {
    const own = `http://127.0.0.1:${port}/foo/`;
    for (const host of ['trusted.example@evil.example', 'evil.example/phish?x=', 'evil.example#', '"><script>x</script>', 'a b', 'évil.example', 'x'.repeat(300)]) {
      const r = await rawGet(port, '/foo', host);
      expect(r.status, host).toBe(301);
      expect(r.headers.location, host).toBe(own);
    }
    // No Host at all (HTTP/1.1 requires one; Node answers 400 itself), and HTTP/1.0 without one.
    expect((await rawGet(port, '/foo', undefined)).status).toBe(400);
  });

  it('percent-encodes the path and makes its leading slashes one', async () => {
    const host = `127.0.0.1:${port}`;
    expect((await rawGet(port, '//evil.example/x', host)).headers.location).toBe(`http://${host}/evil.example/x/`);
    expect((await rawGet(port, '/a"b<c>{d}|e\\f`g^h', host)).headers.location).toBe(`http://${host}/a%22b%3Cc%3E%7Bd%7D%7Ce%5Cf%60g%5Eh/`);
    // Bytes outside ASCII: Node's parser answers 400 itself, before any handler.
    expect((await rawGet(port, '/a\xffb', host)).status).toBe(400);
    expect((await rawGet(port, '/a%2Fb%zz', host)).headers.location).toBe(`http://${host}/a%2Fb%25zz/`);
  });
});
