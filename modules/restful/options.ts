// The module's options: Ceph 16's (server_addr, server_port, key_file,
// enable_auth) and mgrd's bounds (max_body_bytes, max_requests).

import { listenerOptions, type ModuleOption } from '../../src/mgr-module/index.js';

export const DEFAULT_PORT = 8003;

export const MODULE_OPTIONS: readonly ModuleOption[] = [
  ...listenerOptions({ addr: '::', port: DEFAULT_PORT, serves: 'HTTPS requests (the REST API)' }),
  { name: 'key_file', type: 'str', default: '', desc: "a PEM private key file, used when the module store has no key (with the store's crt_file or crt)" },
  { name: 'enable_auth', type: 'bool', default: true, desc: 'require an API key (HTTP Basic auth); false lets anyone who reaches the port do anything' },
  { name: 'max_body_bytes', type: 'int', default: 1024 * 1024, min: 1024, max: 64 * 1024 * 1024, desc: 'largest request body read (bigger: 413, the connection closed)' },
  { name: 'max_requests', type: 'int', default: 1000, min: 1, max: 100_000, desc: 'requests kept for GET /request; when full the oldest finished one is forgotten (none finished: 503)' },
];

export interface RestfulConfig {
  readonly serverAddr: string;
  readonly serverPort: number;
  readonly keyFile: string;
  readonly enableAuth: boolean;
  readonly maxBodyBytes: number;
  readonly maxRequests: number;
}

type OptionReader = <T extends string | number | boolean>(name: string, fallback: T) => T;

export function readConfig(get: OptionReader): RestfulConfig {
  return Object.freeze({
    serverAddr: get('server_addr', '::').trim(),
    serverPort: get('server_port', DEFAULT_PORT),
    keyFile: get('key_file', '').trim(),
    enableAuth: get('enable_auth', true),
    maxBodyBytes: get('max_body_bytes', 1024 * 1024),
    maxRequests: get('max_requests', 1000),
  });
}

export function isWildcard(addr: string): boolean {
  return addr === '' || addr === '::' || addr === '0.0.0.0';
}

/** The host to listen on: undefined (Node's dual-stack any-address) for '' and '::'. */
export function listenHost(addr: string): string | undefined {
  return addr === '' || addr === '::' ? undefined : addr;
}

/** A literal IPv6 address goes in brackets in a URI. */
export function hostForUri(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
