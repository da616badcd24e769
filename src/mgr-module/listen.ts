// Binding a module's server: resolves once it listens, or rejects (EADDRINUSE,
// EACCES...) with the server closed, never leaving a half-open listener behind.

import type { Server } from 'node:net';

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
