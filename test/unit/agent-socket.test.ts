// The admin socket client's failures, against a Unix socket server that
// behaves as Ceph's AdminSocket does (request up to a NUL byte, answer as a
// 4-byte big-endian length and the bytes, one command per connection) and
// then misbehaves as a stuck or dying daemon would. The exchange with real
// daemons is in test/integration/ceph.test.ts. Also the cluster source's
// PG_STATS path through a real manager.

import { mkdtempSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { adminSocketCommand, adminSocketJson, AdminSocketError } from '../../src/agent/admin-socket.js';
import { splitPgDump, type PgDumpJson } from '../../src/agent/pg-dump.js';
import { MgrClient } from '../../src/client/mgr-client.js';
import { refCli, refJson } from '../helpers/pg-cluster.js';
import { startTestMgr, waitFor } from '../helpers/harness.js';

const dir = mkdtempSync(join(tmpdir(), 'agent-asok-'));
const servers: Server[] = [];

/** A socket at `name` answering each request with `answer(request)`: a Buffer to frame, or a function of the raw socket. */
async function fakeDaemon(name: string, answer: (req: string, s: Socket) => Buffer | string | undefined): Promise<string> {
  const path = join(dir, name);
  const srv = createServer((s) => {
    let req = '';
    s.on('data', (c: Buffer) => {
      req += c.toString();
      const nul = req.indexOf('\0');
      if (nul < 0) return;
      const a = answer(req.slice(0, nul), s);
      if (a === undefined) return; // hang, or the handler wrote itself
      const body = Buffer.from(a);
      const head = Buffer.alloc(4);
      head.writeUInt32BE(body.length);
      s.end(Buffer.concat([head, body]));
    });
  });
  await new Promise<void>((r) => srv.listen(path, r));
  servers.push(srv);
  return path;
}

afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
});

describe('admin socket client', () => {
  it("sends the cmdmap as JSON + NUL and reads the length-prefixed answer", async () => {
    let seen = '';
    const p = await fakeDaemon('ok.asok', (req) => {
      seen = req;
      return JSON.stringify({ osd: { op_w: 7 } });
    });
    expect(await adminSocketJson(p, { prefix: 'perf dump', format: 'json' }, { timeoutMs: 2000 })).toEqual({ osd: { op_w: 7 } });
    expect(JSON.parse(seen)).toEqual({ prefix: 'perf dump', format: 'json' });
  });

  it('times out on a daemon that accepts but never answers, without waiting longer', async () => {
    const p = await fakeDaemon('hung.asok', () => undefined);
    const t0 = Date.now();
    const err = await adminSocketCommand(p, { prefix: 'perf dump' }, { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AdminSocketError);
    expect((err as AdminSocketError).code).toBe('ETIMEDOUT');
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('fails on a connection closed mid-answer, an oversized answer, a missing socket and a plain-text answer', async () => {
    const cut = await fakeDaemon('cut.asok', (_req, s) => {
      const head = Buffer.alloc(4);
      head.writeUInt32BE(1000);
      s.end(Buffer.concat([head, Buffer.from('{"partial":')]));
      return undefined;
    });
    await expect(adminSocketCommand(cut, { prefix: 'perf dump' }, { timeoutMs: 2000 })).rejects.toMatchObject({ code: 'EPROTO' });
    const big = await fakeDaemon('big.asok', () => 'x'.repeat(5000));
    await expect(adminSocketCommand(big, { prefix: 'perf dump' }, { timeoutMs: 2000, maxBytes: 4096 })).rejects.toMatchObject({ code: 'E2BIG' });
    await expect(adminSocketCommand(join(dir, 'nobody.asok'), { prefix: 'perf dump' }, { timeoutMs: 2000 })).rejects.toMatchObject({ code: 'ENOENT' });
    const text = await fakeDaemon('text.asok', () => 'ERROR: (22) Invalid argument\nunknown command prefix nonsense\n');
    await expect(adminSocketJson(text, { prefix: 'nonsense' }, { timeoutMs: 2000 })).rejects.toThrow(/not JSON.*unknown command prefix nonsense/s);
  });
});

describe("the cluster source's PG stats on the wire", () => {
  it('are taken for any OSD from a mon-profile session without OPEN, and refused from an OSD for another OSD', async () => {
    const t = await startTestMgr({ modules: [] });
    const mon = new MgrClient({ addrs: [t.daemonAddr], entity: 'mon.agent', secret: t.keyring.lookup('mon.agent')!.key });
    try {
      mon.start();
      await mon.waitReady(5000);
      const osdMap = refCli<Record<string, unknown>>('cli/osd_dump_json.txt');
      expect(mon.sendMap({ osd_map: osdMap })).toBe(true);
      const dump = refJson<PgDumpJson>('cli/pg_dump_full.json.gz');
      for (const m of splitPgDump(dump, 30, Date.now() / 1000)) expect(mon.sendPgStats(m)).toBe(true);
      await waitFor(() => t.mgr.cluster.pgMap.isPgReady() && t.mgr.cluster.pgMap.numPgs === dump.pg_map.pg_stats!.length, 10_000, 'the PG stats');
      expect(mon.ready).toBe(true);

      const osd1 = new MgrClient({ addrs: [t.daemonAddr], entity: 'osd.1', secret: t.keyring.lookup('osd.1')!.key, maxAttempts: 1, daemon: { name: 'osd.1', metadata: {}, schema: () => [], sample: () => new Float64Array(0) } });
      const refused = new Promise<{ code: string; message: string }>((r) => osd1.once('servererror', r));
      osd1.start();
      await osd1.waitReady(5000);
      osd1.sendPgStats({ ...splitPgDump(dump, 30, Date.now() / 1000)[0]!, osd: 2 });
      expect(await refused).toMatchObject({ code: 'EBADMSG', message: expect.stringMatching(/this session's OSD \(osd\.1\)/) as unknown });
      await osd1.stop();
    } finally {
      await mon.stop();
      await t.stop();
    }
  });
});
