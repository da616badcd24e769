// The baseline of bench:influx, in its own process: the same lines written by
// a plain program, no mgrd. 2.x: @influxdata/influxdb-client as its README
// shows (getWriteApi, writeRecords, close) with batchSize as given; 1.x (which
// the client does not speak before 1.8): fetch POSTs of `batch` lines to
// /write, `concurrency` at a time.
// argv: <v1|v2> <url> <lines file> <batch> <concurrency> <db or bucket>.
// Prints one JSON line: {"ms", "points", "cpuMs", "rssMiB"}.

import { readFileSync } from 'node:fs';
import { InfluxDB } from '@influxdata/influxdb-client';

async function main(): Promise<void> {
  const [mode = 'v2', url = '', file = '', batchArg = '5000', concArg = '5', target = 'ceph'] = process.argv.slice(2);
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
  const batch = Number(batchArg);
  const concurrency = Number(concArg);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  if (mode === 'v2') {
    // The client's defaults retry 5xx/429 itself (maxRetries 5).
    const api = new InfluxDB({ url, token: 'bench' }).getWriteApi('ceph', target, 'ms', { batchSize: batch });
    api.writeRecords(lines);
    await api.close();
  } else {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < lines.length) {
        const body = lines.slice(next, next + batch).join('\n');
        next += batch;
        // A plain program still retries what a busy server refuses for now (5xx), a few times.
        for (let attempt = 1; ; attempt++) {
          const res = await fetch(`${url}/write?db=${encodeURIComponent(target)}&precision=ms`, { method: 'POST', body });
          if (res.status === 204) break;
          const text = await res.text();
          if (res.status < 500 || attempt === 5) throw new Error(`HTTP ${res.status}: ${text}`);
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, () => worker()));
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(`${JSON.stringify({ ms, points: lines.length, cpuMs: (cpu.user + cpu.system) / 1000, rssMiB: process.memoryUsage().rss / 1048576 })}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
