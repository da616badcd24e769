// Real InfluxDB 1.x (Debian `influxdb`) and VictoriaMetrics (Debian
// `victoria-metrics`, for /api/v2/write) on free loopback ports with temp data
// dirs, stopped by PID, restartable on the same port and data (outage tests).
// Used by test/integration/influx*.test.ts and bench/influx.ts.

import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, poll, spawnLogged, stopChild, which } from './procs.js';

const INSTALL = 'scripts/install-test-deps.sh (Debian packages "influxdb" and "victoria-metrics", see scripts/test-deps/influx.list)';

export interface RealServer {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  readonly logFile: string;
  readonly pid: () => number | undefined;
  /** Stops it (SIGTERM, by PID); data stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and removes its data. */
  destroy(): Promise<void>;
}

async function serve(name: string, bin: string, argsFor: (dir: string, port: number) => string[], ready: (url: string) => Promise<boolean>, setup?: (dir: string, port: number, extra: number) => void): Promise<RealServer> {
  const path = which(bin, INSTALL);
  const dir = mkdtempSync(join(tmpdir(), `mgrd-${name}-`));
  const port = await freePort();
  const extra = await freePort();
  setup?.(dir, port, extra);
  const url = `http://127.0.0.1:${port}`;
  const logFile = join(dir, `${name}.log`);
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawnLogged(path, argsFor(dir, port), logFile);
    const c = child;
    await poll(`${name} on ${url} (log: ${logFile})`, 60_000, async () => {
      if (c.exitCode !== null) throw new Error(`${name} exited with ${c.exitCode}`);
      return ready(url).catch(() => false);
    }, 100);
  };
  const stop = async (): Promise<void> => {
    await stopChild(child, 10_000);
    child = undefined;
  };
  await start();
  return {
    url, port, dir, logFile, pid: () => child?.pid, start, stop,
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** influxd 1.x: HTTP on a free port, its RPC bind on another, no reporting, no internal monitor. */
export function startInfluxd(): Promise<RealServer> {
  return serve('influxd', 'influxd', (dir) => ['-config', join(dir, 'influxdb.conf')], async (url) => (await fetch(`${url}/ping`)).status === 204, (dir, port, rpc) => {
    writeFileSync(join(dir, 'influxdb.conf'), [
      'reporting-disabled = true',
      `bind-address = "127.0.0.1:${rpc}"`,
      '[meta]', `  dir = "${dir}/meta"`,
      '[data]', `  dir = "${dir}/data"`, `  wal-dir = "${dir}/wal"`, '  query-log-enabled = false',
      '[http]', `  bind-address = "127.0.0.1:${port}"`, '  log-enabled = false',
      '[monitor]', '  store-enabled = false',
      '[continuous_queries]', '  enabled = false',
      '[logging]', '  level = "warn"',
      '',
    ].join('\n'));
  });
}

/** VictoriaMetrics: /api/v2/write, queries answer at once (no latency offset), count queries over a million samples may take minutes on a loaded machine, data kept 100 years. */
export function startVictoriaMetrics(): Promise<RealServer> {
  return serve('victoria-metrics', 'victoria-metrics', (dir, port) => [
    `-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${dir}/data`, '-retentionPeriod=100y', '-loggerLevel=ERROR',
    '-search.latencyOffset=0s', '-search.disableCache', '-search.maxQueryDuration=300s', '-search.maxUniqueTimeseries=10000000', '-search.maxExportSeries=10000000',
  ], async (url) => (await fetch(`${url}/health`)).ok);
}

/** An InfluxQL query against influxd; the first statement's series. */
export async function influxQuery(url: string, db: string, q: string): Promise<Array<{ name: string; columns: string[]; values: unknown[][]; tags?: Record<string, string> }>> {
  const res = await fetch(`${url}/query?${new URLSearchParams({ db, q, epoch: 'ms' }).toString()}`);
  const body = (await res.json()) as { results: Array<{ series?: Array<{ name: string; columns: string[]; values: unknown[][] }>; error?: string }>; error?: string };
  const err = body.error ?? body.results[0]?.error;
  if (err) throw new Error(`${q}: ${err}`);
  return body.results[0]?.series ?? [];
}

/** Points stored in a database, all measurements (count of `value`). */
export async function influxCount(url: string, db: string): Promise<number> {
  const series = await influxQuery(url, db, 'SELECT count("value") FROM /.*/');
  return series.reduce((n, s) => n + Number(s.values[0]?.[1] ?? 0), 0);
}

export interface VmSeries {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

/** Every sample VictoriaMetrics holds for metrics matching `match` (its /api/v1/export, JSON lines). */
export async function vmExport(url: string, match = '{__name__=~"ceph_.*"}', startMs?: number): Promise<VmSeries[]> {
  const params = new URLSearchParams({ 'match[]': match });
  if (startMs !== undefined) params.set('start', String(startMs / 1000));
  const res = await fetch(`${url}/api/v1/export`, { method: 'POST', body: params });
  const text = await res.text();
  if (!res.ok) throw new Error(`export: HTTP ${res.status}: ${text}`);
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as VmSeries);
}

export const vmCount = async (url: string, match?: string, startMs?: number): Promise<number> =>
  (await vmExport(url, match, startMs)).reduce((n, s) => n + s.values.length, 0);

/** Samples VictoriaMetrics holds for metrics matching `match` since `fromMs` (a count query: cheap at millions). */
export async function vmCountSince(url: string, match: string, fromMs: number): Promise<number> {
  const windowS = Math.ceil((Date.now() - fromMs) / 1000) + 1;
  const q = `sum(count_over_time(${match}[${windowS}s]))`;
  const res = await fetch(`${url}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query: q, time: String(Date.now() / 1000) }) });
  const body = (await res.json()) as { status: string; error?: string; data?: { result?: Array<{ value: [number, string] }> } };
  if (body.status !== 'success') throw new Error(`${q}: ${body.error ?? res.status}`);
  return Number(body.data?.result?.[0]?.value[1] ?? 0);
}
