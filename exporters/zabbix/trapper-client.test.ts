// The sender request and the client's behaviour against peers that misbehave in
// ways a real Zabbix server cannot be made to (the real server: test/integration/zabbix.test.ts).

import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSenderResponse, senderRequest, zabbixClock } from './sender-protocol.js';
import { exchange, sendItems, serverName, TrapperError } from './trapper-client.js';
import { encodeFrame, FrameReader } from './zbx-frame.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A TCP peer on a free loopback port that does `onConn` with each connection. */
async function peer(onConn: (s: Socket, request: Promise<Buffer>) => void): Promise<{ host: string; port: number }> {
  const srv = createServer((s) => {
    const reader = new FrameReader(1 << 24);
    const request = new Promise<Buffer>((resolve) => s.on('data', (c: Buffer) => {
      const d = reader.push(c);
      if (d) resolve(d);
    }));
    s.on('error', () => undefined);
    onConn(s, request);
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { host: '127.0.0.1', port: (srv.address() as { port: number }).port };
}

const T = { connectMs: 2000, answerMs: 500 };
const OK = '{"response":"success","info":"processed: 1; failed: 0; total: 1; seconds spent: 0.000042"}';

describe('sender protocol', () => {
  it('builds the request zabbix_sender builds, with the collection and send times', () => {
    const at = { clock: 100, ns: 5 };
    const text = senderRequest([
      { host: 'ceph-x', key: 'ceph.num_mon', value: '1', clock: at },
      { host: 'ceph-x', key: 'ceph.[a "pool",rd_ops]', value: 'x\ny', clock: at },
      { host: 'other', key: 'k', value: '', clock: { clock: 99, ns: 0 } },
    ], { clock: 101, ns: 0 });
    expect(JSON.parse(text)).toEqual({
      request: 'sender data',
      data: [
        { host: 'ceph-x', key: 'ceph.num_mon', value: '1', clock: 100, ns: 5 },
        { host: 'ceph-x', key: 'ceph.[a "pool",rd_ops]', value: 'x\ny', clock: 100, ns: 5 },
        { host: 'other', key: 'k', value: '', clock: 99, ns: 0 },
      ],
      clock: 101,
      ns: 0,
    });
    expect(zabbixClock(1_700_000_000_123.5)).toEqual({ clock: 1_700_000_000, ns: 123_500_000 });
  });

  it('reads the counts of the answer, and refuses what is not an answer', () => {
    expect(parseSenderResponse(Buffer.from('{"response": "success", "info": "processed: 2; failed: 1; total: 3; seconds spent: 0.000100"}')))
      .toMatchObject({ processed: 2, failed: 1, total: 3, secondsSpent: 0.0001 });
    expect(() => parseSenderResponse(Buffer.from('{"response":"failed","info":"cannot process request"}'))).toThrow(/refused the request: failed \(cannot process request\)/);
    expect(() => parseSenderResponse(Buffer.from('not json'))).toThrow(/bad JSON/);
    expect(() => parseSenderResponse(Buffer.from('{"response":"success","info":"whatever"}'))).toThrow(/no counts/);
    expect(() => parseSenderResponse(Buffer.from('[1]'))).toThrow(/other than an object/);
  });
});

describe('trapper client', () => {
  it('sends one frame and reads the answer', async () => {
    let got: Buffer | undefined;
    const p = await peer((s, req) => void req.then((b) => {
      got = b;
      s.end(encodeFrame(OK));
    }));
    const r = await sendItems(p, [{ host: 'h', key: 'k', value: '1', clock: { clock: 1, ns: 2 } }], { timeouts: T });
    expect(r).toMatchObject({ processed: 1, failed: 0, total: 1 });
    expect(JSON.parse(got!.toString()).data).toEqual([{ host: 'h', key: 'k', value: '1', clock: 1, ns: 2 }]);
  });

  it('times out a server that never answers, naming it', async () => {
    const p = await peer(() => undefined);
    await expect(exchange(p, encodeFrame('{}'), T)).rejects.toThrow(new RegExp(`Zabbix server 127.0.0.1:${p.port}: answer timed out after 500 ms`));
  });

  it('fails fast on a refused connection', async () => {
    const p = await peer(() => undefined);
    await new Promise((r) => servers.pop()!.close(r));
    await expect(exchange(p, encodeFrame('{}'), T)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('stops reading a peer that announces a huge answer, and one that closes midway', async () => {
    const huge = await peer((s) => {
      const h = Buffer.from(encodeFrame('x').subarray(0, 13));
      h.writeUInt32LE(500 << 20, 5);
      s.write(h);
    });
    await expect(exchange(huge, encodeFrame('{}'), T)).rejects.toThrow(/524288000 bytes exceeds the 65536-byte limit/);
    const half = await peer((s) => s.end(encodeFrame(OK).subarray(0, 20)));
    await expect(exchange(half, encodeFrame('{}'), T)).rejects.toThrow(/closed the connection after 20 bytes/);
    const http = await peer((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await expect(sendItems(http, [], { timeouts: T })).rejects.toThrow(/not a Zabbix frame/);
    const junk = await peer((s) => s.end(encodeFrame('<html>')));
    await expect(sendItems(junk, [], { timeouts: T })).rejects.toThrow(TrapperError);
  });

  it('aborts when the module stops', async () => {
    const p = await peer(() => undefined);
    const ac = new AbortController();
    const pending = exchange(p, encodeFrame('{}'), { connectMs: 5000, answerMs: 5000 }, ac.signal);
    setTimeout(() => ac.abort(), 20);
    await expect(pending).rejects.toThrow(/aborted/);
  });

  it('names IPv6 servers with brackets', () => {
    expect(serverName({ host: '::1', port: 10051 })).toBe('[::1]:10051');
    expect(serverName({ host: 'zbx.example', port: 1 })).toBe('zbx.example:1');
  });
});
