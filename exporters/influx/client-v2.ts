// The 2.x write API (/api/v2/write: InfluxDB 2.x, 1.8+, VictoriaMetrics)
// through @influxdata/influxdb-client, unmodified. The push loop does the
// batching and retrying, so each send is one WriteApi flush with the client's
// own retries off; its HttpError becomes a PushError the same way 1.x answers do.

import { HttpError, InfluxDB, RequestTimedOutError, setLogger } from '@influxdata/influxdb-client';
import type { Logger } from '../../src/mgr-module/index.js';
import { writeError } from './http-answer.js';
import { chunkText, type LineChunk } from './line-chunks.js';
import type { InfluxConfig } from './options.js';

/**
 * The client logs write failures itself (to the console by default); the push
 * loop reports them already, so they go to our log at debug. The library keeps
 * one logger for the process: the last module instance to start sets it.
 */
export function routeClientLog(log: Logger): void {
  setLogger({
    error: (message: string, err?: unknown) => log.debug({ err: err instanceof Error ? err.message : undefined }, `influxdb-client: ${message}`),
    warn: (message: string, err?: unknown) => log.debug({ err: err instanceof Error ? err.message : undefined }, `influxdb-client: ${message}`),
  });
}

export class InfluxV2Client {
  private readonly influx: InfluxDB;

  constructor(private readonly c: InfluxConfig) {
    this.influx = new InfluxDB({
      url: c.baseUrl,
      token: c.token === '' ? undefined : c.token,
      timeout: c.sendTimeoutMs,
      transportOptions: { rejectUnauthorized: c.verifySsl },
    });
  }

  /** Writes chunks of lines: each chunk's text is one record (the client joins records with newlines). */
  async write(chunks: readonly LineChunk[]): Promise<void> {
    const api = this.influx.getWriteApi(this.c.org, this.c.bucket, 'ms', {
      batchSize: chunks.length + 1, flushInterval: 0, maxRetries: 0, maxBufferLines: chunks.length + 1,
    });
    api.writeRecords(chunks.map(chunkText));
    try {
      await api.close();
    } catch (err) {
      if (err instanceof HttpError) {
        const retryAfter = err.headers?.['retry-after'];
        throw writeError(err.statusCode, err.statusMessage ?? '', err.body ?? '', Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, {
          notFoundRetryable: false, nowMs: Date.now(),
        });
      }
      if (err instanceof RequestTimedOutError) throw new Error(`no answer within ${this.c.sendTimeoutMs} ms`);
      throw err;
    }
  }
}
