// A module's listener: the options every listening module declares (Ceph's names:
// server_addr, server_port, and with switchable TLS ssl and ssl_server_port), and
// binding its server.

import type { Server } from 'node:net';
import type { ModuleOption } from './types.js';

export interface ListenerOptionsSpec {
  /** Default server_addr ('', '::' or '0.0.0.0': every address). */
  addr: string;
  /** Default server_port. */
  port: number;
  /** What the module serves, for the descriptions: 'HTTP requests', 'HTTPS requests'. */
  serves: string;
  /** A module that serves HTTP or HTTPS by its `ssl` option: HTTPS's port and whether `ssl` is on by default. */
  ssl?: { port: number; default: boolean };
}

const ANY_PORT = '(0: any free port; the bound one is published in `mgr services`)';

/** The listener's MODULE_OPTIONS entries, declared once for every listening module. */
export function listenerOptions(spec: ListenerOptionsSpec): ModuleOption[] {
  const out: ModuleOption[] = [
    { name: 'server_addr', type: 'str', default: spec.addr, desc: `the IPv4 or IPv6 address on which the module listens for ${spec.serves} ('', '::' or '0.0.0.0': all addresses)` },
    { name: 'server_port', type: 'int', default: spec.port, min: 0, max: 65535, desc: `the port on which the module listens for ${spec.serves}${spec.ssl ? ' when ssl is false' : ''} ${ANY_PORT}` },
  ];
  if (spec.ssl) {
    out.push(
      { name: 'ssl_server_port', type: 'int', default: spec.ssl.port, min: 0, max: 65535, desc: `the port on which the module listens for HTTPS requests when ssl is true ${ANY_PORT}` },
      { name: 'ssl', type: 'bool', default: spec.ssl.default, desc: 'serve HTTPS (a self-signed certificate unless one is set)' },
    );
  }
  return out;
}

/** Binds a module's server: resolves once it listens, or rejects (EADDRINUSE, EACCES...) with the server closed, never leaving a half-open listener behind. */
export function listenOn<S extends Server>(server: S, host: string | undefined, port: number): Promise<S> {
  return new Promise((resolve, reject) => {
    const fail = (err: Error): void => {
      server.close();
      reject(err);
    };
    server.once('error', fail);
    server.listen({ host, port }, () => {
      server.off('error', fail);
      server.on('error', () => undefined); // later socket-level errors are per connection
      resolve(server);
    });
  });
}
