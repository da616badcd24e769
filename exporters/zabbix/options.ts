// The module's options: Ceph's (zabbix_host, zabbix_port, identifier, interval,
// discovery_interval; same names, meanings and defaults) with ranges, plus
// ours for the in-process sender (timeouts, request size). Ceph's
// zabbix_sender (a path to the binary) has no use here and is not an option.
// readConfig() turns them into one frozen, unit-named object.

import type { ModuleOption } from '../../src/mgr-module/index.js';
import type { ZabbixServer } from './trapper-client.js';

export const DEFAULT_ZABBIX_PORT = 10051;

export const MODULE_OPTIONS: readonly ModuleOption[] = [
  { name: 'zabbix_host', type: 'str', default: '', desc: "Zabbix server(s) or proxies to send to: 'host[:port]', several separated by commas (IPv6 in brackets: '[::1]:10051')" },
  { name: 'zabbix_port', type: 'int', default: DEFAULT_ZABBIX_PORT, min: 1, max: 65535, desc: 'trapper port of the servers in zabbix_host that name none' },
  { name: 'identifier', type: 'str', default: '', desc: "the Zabbix host the items belong to (its 'Host name'); empty: ceph-<fsid>" },
  { name: 'interval', type: 'secs', default: 60, min: 10, max: 86_400, desc: 'seconds between two sends of the items' },
  { name: 'discovery_interval', type: 'uint', default: 100, min: 10, max: 100_000, desc: 'send the low-level discovery (pools, OSDs) every this many intervals (and once at start)' },
  { name: 'send_timeout_ms', type: 'uint', default: 60_000, min: 100, max: 600_000, desc: "longest wait for a server's answer to one request, as zabbix_sender's -t (connecting: at most 10 s of it) (mgrd)" },
  { name: 'items_per_request', type: 'uint', default: 2000, min: 1, max: 1_000_000, desc: 'most items in one sender request; a larger interval goes in several (mgrd)' },
];

/** The options `zabbix config-set` and `config-show` know (Ceph's command manages these). */
export const CONFIG_KEYS: readonly string[] = MODULE_OPTIONS.map((o) => o.name);

export interface ZabbixConfig {
  /** As set; parsed into `servers`. */
  readonly zabbixHost: string;
  readonly servers: readonly ZabbixServer[];
  /** Entries of zabbix_host that are not host[:port], with why. */
  readonly badServers: readonly string[];
  readonly zabbixPort: number;
  readonly identifier: string;
  readonly intervalS: number;
  readonly discoveryInterval: number;
  readonly sendTimeoutMs: number;
  readonly itemsPerRequest: number;
}

type OptionReader = <T extends string | number | boolean>(name: string, fallback: T) => T;

export function readConfig(get: OptionReader): ZabbixConfig {
  const zabbixPort = get('zabbix_port', DEFAULT_ZABBIX_PORT);
  const zabbixHost = get('zabbix_host', '').trim();
  const { servers, bad } = parseZabbixHosts(zabbixHost, zabbixPort);
  return Object.freeze({
    zabbixHost,
    servers,
    badServers: bad,
    zabbixPort,
    identifier: get('identifier', '').trim(),
    intervalS: get('interval', 60),
    discoveryInterval: get('discovery_interval', 100),
    sendTimeoutMs: get('send_timeout_ms', 60_000),
    itemsPerRequest: get('items_per_request', 2000),
  });
}

// A host name (RFC 1123 labels), an IPv4 address, or an IPv6 address in brackets; then an optional :port.
const HOST_RE = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*))(?::(\d{1,5}))?$/;

/** Parses Ceph's `host[:port],host[:port]`; entries that are not are returned with the reason. */
export function parseZabbixHosts(value: string, defaultPort: number): { servers: ZabbixServer[]; bad: string[] } {
  const servers: ZabbixServer[] = [];
  const bad: string[] = [];
  for (const raw of value.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const m = HOST_RE.exec(entry);
    if (m === null) {
      bad.push(`'${entry}' is not host[:port] (IPv6 addresses go in brackets: [::1]:10051)`);
      continue;
    }
    const port = m[3] === undefined ? defaultPort : Number(m[3]);
    if (port < 1 || port > 65535) {
      bad.push(`'${entry}': port ${port} is out of range 1..65535`);
      continue;
    }
    servers.push({ host: m[1] ?? m[2]!, port });
  }
  return { servers, bad };
}

/** The Zabbix host name the items are sent as: `identifier`, or ceph-<fsid> as Ceph's module does. */
export function zabbixHostName(identifier: string, fsid: string): string {
  return identifier !== '' ? identifier : `ceph-${fsid}`;
}
