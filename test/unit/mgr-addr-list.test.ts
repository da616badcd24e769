// `--mgr HOST:PORT[,HOST:PORT...]` of mgrd sim, tell and agent ceph: every manager's address, checked
// before anything connects.

import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { mgrAddrList } from '../../src/cli/listen-addr.js';

describe('--mgr address lists', () => {
  const parse = mgrAddrList('--mgr');

  it('takes one or several HOST:PORT, IPv6 in brackets, spaces and empty entries ignored', () => {
    expect(parse('127.0.0.1:7450')).toEqual(['127.0.0.1:7450']);
    expect(parse('host1:7450, host2:7450,,[::1]:7451')).toEqual(['host1:7450', 'host2:7450', '[::1]:7451']);
  });

  it('refuses an empty list, a missing port, a port out of range or 0, naming the flag and the entry', () => {
    for (const [bad, entry] of [[',', ','], ['host1', 'host1'], ['a:7450,b:70000', 'b:70000'], ['a:0', 'a:0'], ['a:7450,b c:1', 'b c:1']] as const) {
      let err: unknown;
      try {
        parse(bad);
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(InvalidArgumentError);
      expect((err as Error).message).toContain(`--mgr '${entry}'`);
    }
  });
});
