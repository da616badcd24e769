// The influx module's options: upstream's (hostname, port, database, username,
// password, interval, ssl, verify_ssl, threads, batch_size) with its names,
// defaults and ranges, plus what the 2.x API needs (api_version, url, org,
// bucket, token) and what a bounded exporter needs (queue_max_points,
// queue_max_bytes, send_timeout, retention_policy). Resolved once per change into InfluxConfig.

import type { ModuleOption } from '../../src/mgr-module/index.js';

/** 64 MiB: one 10,000-OSD interval (~340,000 points, ~55 MB of line protocol) and some. */
export const QUEUE_MAX_BYTES_DEFAULT = 64 * 1024 * 1024;

export const INFLUX_OPTIONS: readonly ModuleOption[] = [
  { name: 'hostname', type: 'str', default: '', desc: 'InfluxDB server hostname' },
  { name: 'port', type: 'int', default: 8086, min: 1, max: 65535, desc: 'InfluxDB server port' },
  {
    name: 'database', type: 'str', default: 'ceph',
    desc: 'InfluxDB database name (1.x). You will need to create this database and grant write privileges to the configured username or the username must have admin privileges to create it.',
  },
  { name: 'username', type: 'str', default: '', desc: 'username of InfluxDB server user (1.x)' },
  { name: 'password', type: 'str', default: '', secret: true, desc: 'password of InfluxDB server user (1.x)' },
  { name: 'interval', type: 'secs', default: 30, min: 5, max: 86_400, desc: 'Time between reports to InfluxDB.  Default 30 seconds.' },
  { name: 'ssl', type: 'bool', default: false, desc: 'Use https connection for InfluxDB server. Use "true" or "false".' },
  { name: 'verify_ssl', type: 'bool', default: true, desc: 'Verify https cert for InfluxDB server. Use "true" or "false".' },
  { name: 'threads', type: 'int', default: 5, min: 1, max: 32, desc: 'How many worker threads should be spawned for sending data to InfluxDB.' },
  { name: 'batch_size', type: 'int', default: 5000, min: 1, max: 1_000_000, desc: 'How big batches of data points should be when sending to InfluxDB.' },
  { name: 'api_version', type: 'str', default: '1', enum_allowed: ['1', '2'], desc: 'Write API: 1 = /write?db= (InfluxDB 1.x), 2 = /api/v2/write (InfluxDB 2.x, 1.8+, VictoriaMetrics)' },
  { name: 'url', type: 'str', default: '', desc: 'Server base URL (http[s]://host:port[/prefix]); when set, hostname, port and ssl are not used' },
  { name: 'org', type: 'str', default: '', desc: 'Organization (api_version 2)' },
  { name: 'bucket', type: 'str', default: '', desc: 'Bucket (api_version 2); empty: database[/retention_policy], as InfluxDB 1.8 maps them' },
  { name: 'token', type: 'str', default: '', secret: true, desc: 'API token (api_version 2); empty: username:password when a username is set' },
  { name: 'retention_policy', type: 'str', default: '', desc: 'Retention policy to write to (1.x rp=); empty: the database default' },
  { name: 'queue_max_points', type: 'int', default: 500_000, min: 100, max: 50_000_000, desc: 'Most points waiting to be sent; beyond it the oldest are dropped (and counted)' },
  {
    name: 'queue_max_bytes', type: 'int', default: QUEUE_MAX_BYTES_DEFAULT, min: 1024 * 1024, max: 4 * 1024 * 1024 * 1024,
    desc: 'Most bytes of points waiting to be sent (their line protocol, ~150-200 bytes a point); beyond it the oldest are dropped (and counted). Batches in flight (threads x batch_size points) come on top.',
  },
  { name: 'send_timeout', type: 'secs', default: 10, min: 1, max: 600, desc: 'Time limit of one write request' },
];

export interface InfluxConfig {
  readonly apiVersion: 1 | 2;
  /** Base URL without a trailing slash; '' when no server is configured. */
  readonly baseUrl: string;
  readonly database: string;
  readonly retentionPolicy: string;
  readonly username: string;
  readonly password: string;
  readonly org: string;
  readonly bucket: string;
  readonly token: string;
  readonly verifySsl: boolean;
  readonly threads: number;
  readonly batchSize: number;
  readonly intervalS: number;
  readonly queueMaxPoints: number;
  readonly queueMaxBytes: number;
  readonly sendTimeoutMs: number;
}

type Read = <T extends string | number | boolean>(name: string) => T;

export function resolveConfig(get: Read): InfluxConfig {
  const hostname = get<string>('hostname');
  const url = get<string>('url');
  const host = hostname.includes(':') && !hostname.startsWith('[') ? `[${hostname}]` : hostname; // IPv6 literal
  const baseUrl = url !== '' ? url.replace(/\/+$/, '') : hostname !== '' ? `${get<boolean>('ssl') ? 'https' : 'http'}://${host}:${get<number>('port')}` : '';
  const database = get<string>('database');
  const retentionPolicy = get<string>('retention_policy');
  const username = get<string>('username');
  const password = get<string>('password');
  const token = get<string>('token');
  const bucket = get<string>('bucket');
  return {
    apiVersion: get<string>('api_version') === '2' ? 2 : 1,
    baseUrl, database, retentionPolicy, username, password,
    org: get<string>('org'),
    bucket: bucket !== '' ? bucket : retentionPolicy !== '' ? `${database}/${retentionPolicy}` : database,
    token: token !== '' ? token : username !== '' ? `${username}:${password}` : '',
    verifySsl: get<boolean>('verify_ssl'),
    threads: get<number>('threads'),
    batchSize: get<number>('batch_size'),
    intervalS: get<number>('interval'),
    queueMaxPoints: get<number>('queue_max_points'),
    queueMaxBytes: get<number>('queue_max_bytes'),
    sendTimeoutMs: get<number>('send_timeout') * 1000,
  };
}

/** Checks a url option value: an http(s) URL without credentials (they belong in username/password/token). */
export function checkUrl(url: string): string | undefined {
  if (url === '') return undefined;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `url '${url}' is not a URL (http://host:port)`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `url '${url}' must be http:// or https://`;
  if (u.username !== '' || u.password !== '') return 'url must not carry credentials: set username/password or token';
  if (u.search !== '' || u.hash !== '') return `url '${url}' must not have a query or fragment`;
  return undefined;
}

/** Where points go, for health checks and logs (never with credentials). */
export function describeTarget(c: InfluxConfig): string {
  return c.apiVersion === 2
    ? `InfluxDB at ${c.baseUrl} (api v2, bucket ${c.bucket})`
    : `InfluxDB at ${c.baseUrl} (database ${c.database})`;
}

/** `influx config-show`: upstream's keys as upstream printed them (unset strings "None"), secrets masked, then ours. */
export function configShow(get: Read): string {
  const out: Record<string, string | number | boolean> = {};
  for (const o of INFLUX_OPTIONS) {
    const v = get(o.name);
    out[o.name] = o.secret && v !== '' ? '********' : v === '' && ['hostname', 'username', 'password'].includes(o.name) ? 'None' : v;
  }
  // Python's json.dumps(sort_keys=True) layout, as upstream printed it.
  return `{${Object.keys(out).sort().map((k) => `${JSON.stringify(k)}: ${JSON.stringify(out[k])}`).join(', ')}}`;
}
