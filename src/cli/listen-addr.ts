// Listen addresses given on the command line or in a config file, checked
// before anything binds: HOST:PORT (IPv6 in brackets), port 0-65535.

import { InvalidArgumentError } from 'commander';

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

/**
 * A commander parser for `--mgr HOST:PORT[,HOST:PORT...]`: every manager's daemon address (a
 * client tries them in turn and follows the active). Refuses an empty list or a malformed entry.
 */
export function mgrAddrList(flag: string): (value: string) => string[] {
  return (value: string): string[] => {
    const list = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (list.length === 0) throw new InvalidArgumentError(`${flag} '${value}': give at least one HOST:PORT`);
    for (const a of list) {
      let port: number;
      try {
        port = checkListenAddr(flag, a)[1];
      } catch (err) {
        throw new InvalidArgumentError((err as Error).message.replace(/\(e\.g\..*\)$/, '(e.g. 10.0.0.1:7450,10.0.0.2:7450)'));
      }
      if (port === 0) throw new InvalidArgumentError(`${flag} '${a}': port 0 is not an address to connect to`);
    }
    return list;
  };
}
