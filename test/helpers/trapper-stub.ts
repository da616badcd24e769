// A Zabbix trapper on a free loopback port for in-process tests: reads each
// request frame, records its item keys, and answers as a Zabbix server does
// ("processed: N; failed: F; ...") — or drops the connection when told to.
// The real server is in test/integration/zabbix.test.ts; this one can be made
// to fail a chosen request, which the real one cannot.

import { createServer, type Server } from 'node:net';
import { encodeFrame, FrameReader } from '../../exporters/zabbix/zbx-frame.js';

export interface TrapperStub {
  readonly port: number;
  /** Keys of every request it answered, in order. */
  readonly took: string[][];
  /** Decides each request: drop the connection, or how many of its items failed (default: none). */
  answer: (keys: string[]) => 'drop' | number;
  /** Items answered in all. */
  items(): number;
  close(): Promise<void>;
}

export async function trapperStub(): Promise<TrapperStub> {
  const srv: Server = createServer((s) => {
    const reader = new FrameReader(1 << 26);
    s.on('error', () => undefined);
    s.on('data', (chunk: Buffer) => {
      const data = reader.push(chunk);
      if (data === undefined) return;
      const keys = (JSON.parse(data.toString('utf8')) as { data: Array<{ key: string }> }).data.map((d) => d.key);
      const failed = t.answer(keys);
      if (failed === 'drop') {
        s.destroy();
        return;
      }
      t.took.push(keys);
      s.end(encodeFrame(`{"response":"success","info":"processed: ${keys.length - failed}; failed: ${failed}; total: ${keys.length}; seconds spent: 0.000100"}`));
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const t: TrapperStub = {
    port: (srv.address() as { port: number }).port,
    took: [],
    answer: () => 0,
    items: () => t.took.reduce((n, keys) => n + keys.length, 0),
    close: () => new Promise<void>((resolve) => srv.close(() => resolve())),
  };
  return t;
}
