// Listen addresses given on the command line or in a config file, checked
// before anything binds: HOST:PORT (IPv6 in brackets), port 0-65535.

export class ListenAddrError extends Error {}

/** Returns [host, port] of `value`, or throws naming the flag and what was expected. */
export function checkListenAddr(flag: string, value: string): [string, number] {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) {
    throw new ListenAddrError(`${flag} '${value}': expected HOST:PORT with a port in [0, 65535] (e.g. 0.0.0.0:7450, [::]:7450, 127.0.0.1:0)`);
  }
  return [m[1]!.replace(/^\[|\]$/g, ''), port];
}
