// The fair baseline of bench:restful, in its own process: a bare Node HTTPS
// server (same certificate, same Basic auth check) that answers each path
// with JSON.stringify of the same objects mgrd answered, parsed once at start:
// the cost of serialising and sending those bodies, without building them
// from the cluster state. argv: <crt> <key> <user:key> <path=file>... Prints
// "ready <port>" once listening; stops on SIGTERM.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';

function main(): void {
  const [crt = '', key = '', auth = '', ...paths] = process.argv.slice(2);
  const bodies = new Map(paths.map((p) => {
    const eq = p.indexOf('=');
    return [p.slice(0, eq), JSON.parse(readFileSync(p.slice(eq + 1), 'utf8')) as unknown] as const;
  }));
  const expected = `Basic ${Buffer.from(auth).toString('base64')}`;
  const server = createServer({ cert: readFileSync(crt, 'utf8'), key: readFileSync(key, 'utf8') }, (req, res) => {
    if (req.headers.authorization !== expected) {
      res.writeHead(401).end();
      return;
    }
    const obj = bodies.get(req.url ?? '');
    if (obj === undefined) {
      res.writeHead(404).end();
      return;
    }
    const body = JSON.stringify(obj, null, 4);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  });
  server.listen(0, '127.0.0.1', () => {
    const a = server.address();
    process.stdout.write(`ready ${typeof a === 'object' && a !== null ? a.port : 0}\n`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

main();
