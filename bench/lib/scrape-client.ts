// A scraper (or API client) in its own process: N sequential GETs of a URL,
// each timed from request to last byte (the body is read, not parsed), as
// Prometheus or a script would see it. argv: <url> <n> <gzip|plain>
// [text|openmetrics] [user:key ca-file] (https: Basic auth, the server's
// certificate as CA). Prints one JSON line: { ms: number[], bytes: number }.

import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';

const OPENMETRICS_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

function get(url: string, headers: Record<string, string>, agent: Agent): Promise<{ ms: number; bytes: number; status: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const send = url.startsWith('https:') ? httpsRequest : request;
    const req = send(url, { headers, agent }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ ms: performance.now() - t0, bytes, status: res.statusCode ?? 0 }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function main(): Promise<void> {
  const [url = '', n = '20', enc = 'plain', fmt = 'text', auth, caFile] = process.argv.slice(2);
  const headers: Record<string, string> = { 'accept-encoding': enc === 'gzip' ? 'gzip' : 'identity' };
  if (fmt === 'openmetrics') headers.accept = OPENMETRICS_ACCEPT;
  if (auth !== undefined) headers.authorization = `Basic ${Buffer.from(auth).toString('base64')}`;
  const agent = url.startsWith('https:')
    ? new HttpsAgent({ keepAlive: true, maxSockets: 1, ...(caFile !== undefined ? { ca: readFileSync(caFile, 'utf8') } : {}) })
    : new Agent({ keepAlive: true, maxSockets: 1 });
  const ms: number[] = [];
  let bytes = 0;
  for (let i = 0; i < Number(n); i++) {
    const r = await get(url, headers, agent);
    if (r.status !== 200) throw new Error(`GET ${url}: HTTP ${r.status}`);
    ms.push(r.ms);
    bytes = r.bytes;
  }
  agent.destroy();
  process.stdout.write(`${JSON.stringify({ ms, bytes })}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
