// InfluxDB 1.x HTTP API, the calls Ceph's module made: POST /write?db=&rp=&precision=ms,
// GET /query SHOW DATABASES, POST /query CREATE DATABASE / CREATE RETENTION POLICY.
// Thin, on node:http(s) with a keep-alive agent (one socket per sender);
// answers read up to 64 KiB, so a misbehaving server cannot make us buffer more.
// Credentials go in an Authorization header, never in a URL (URLs get logged).

import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { serverWords, writeError } from './http-answer.js';
import type { LineChunk } from './line-chunks.js';
import type { InfluxConfig } from './options.js';

const ANSWER_MAX_BYTES = 64 * 1024;

interface Answer {
  readonly status: number;
  readonly statusText: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** An InfluxQL identifier in double quotes. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export class InfluxV1Client {
  private readonly agent: HttpAgent;
  private readonly base: URL;
  private readonly auth: string | undefined;

  constructor(private readonly c: InfluxConfig) {
    this.base = new URL(c.baseUrl.endsWith('/') ? c.baseUrl : `${c.baseUrl}/`);
    const https = this.base.protocol === 'https:';
    this.agent = https
      ? new HttpsAgent({ keepAlive: true, maxSockets: c.threads + 1, rejectUnauthorized: c.verifySsl })
      : new HttpAgent({ keepAlive: true, maxSockets: c.threads + 1 });
    this.auth = c.username !== '' ? `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` : undefined;
  }

  /**
   * Writes chunks of lines (precision ms) as one body, their bytes as they are; throws a PushError saying
   * whether a retry can help. Resolves once the server answered and every byte left (the buffers may be reused).
   */
  async write(chunks: readonly LineChunk[], signal: AbortSignal): Promise<void> {
    const q = new URLSearchParams({ db: this.c.database, precision: 'ms' });
    if (this.c.retentionPolicy !== '') q.set('rp', this.c.retentionPolicy);
    const a = await this.request('POST', `write?${q.toString()}`, chunks.map((c) => c.bytes), signal);
    if (a.status === 204 || a.status === 200) return;
    throw writeError(a.status, a.statusText, a.body, firstHeader(a.headers['retry-after']), { notFoundRetryable: true, nowMs: Date.now() });
  }

  async showDatabases(signal: AbortSignal): Promise<string[]> {
    const r = await this.query('GET', 'SHOW DATABASES', signal);
    const series = r.results?.[0]?.series?.[0];
    return (series?.values ?? []).map((row) => String(row[0]));
  }

  /** Upstream's first-run step: the database, and an 8-week retention policy as its default. */
  async createDatabase(name: string, signal: AbortSignal): Promise<void> {
    await this.query('POST', `CREATE DATABASE ${quoteIdent(name)}`, signal);
    await this.query('POST', `CREATE RETENTION POLICY "8_weeks" ON ${quoteIdent(name)} DURATION 8w REPLICATION 1 SHARD DURATION 0s DEFAULT`, signal);
  }

  close(): void {
    this.agent.destroy();
  }

  private async query(method: 'GET' | 'POST', q: string, signal: AbortSignal): Promise<QueryAnswer> {
    const params = new URLSearchParams({ q, db: this.c.database });
    const a = await this.request(method, `query?${params.toString()}`, undefined, signal);
    if (a.status !== 200) throw new Error(`${q.split(' ', 2).join(' ')}: HTTP ${a.status}${a.body ? `: ${serverWords(a.body)}` : ''}`);
    const r = JSON.parse(a.body) as QueryAnswer;
    const err = r.error ?? r.results?.find((x) => x.error)?.error;
    if (err) throw new Error(`${q.split(' ', 2).join(' ')}: ${err}`);
    return r;
  }

  private request(method: string, path: string, body: readonly Buffer[] | undefined, signal: AbortSignal): Promise<Answer> {
    const url = new URL(path, this.base);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers: Record<string, string | number> = { 'user-agent': 'mgrd-influx' };
    if (this.auth) headers.authorization = this.auth;
    if (body) {
      headers['content-type'] = 'application/octet-stream';
      headers['content-length'] = body.reduce((n, b) => n + b.length, 0);
    }
    // Settles once the answer is read and the body's bytes are no longer ours to keep: all written
    // ('finish'), or the connection gone (a server may answer 401/413 before reading the body, and close).
    return new Promise<Answer>((resolve, reject) => {
      let released = false;
      let answer: Answer | undefined;
      const settle = (): void => {
        if (released && answer) resolve(answer);
      };
      const req = send(url, { method, headers, agent: this.agent, signal }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = (): void => {
          answer ??= {
            status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers,
            body: size === 0 ? '' : Buffer.concat(chunks).subarray(0, ANSWER_MAX_BYTES).toString('utf8'),
          };
          settle();
        };
        res.on('data', (c: Buffer) => {
          chunks.push(c);
          size += c.length;
          if (size >= ANSWER_MAX_BYTES) {
            res.destroy(); // enough read: the rest is not ours to buffer
            done();
          }
        });
        res.on('end', done);
        res.on('error', reject);
      });
      req.on('error', (err) => {
        if (answer) resolve(answer);
        else reject(err);
      });
      const release = (): void => {
        released = true;
        settle();
      };
      req.on('finish', release);
      req.on('close', release);
      for (const b of body ?? []) req.write(b);
      req.end();
    });
  }
}

interface QueryAnswer {
  error?: string;
  results?: Array<{ error?: string; series?: Array<{ values?: unknown[][] }> }>;
}

function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
