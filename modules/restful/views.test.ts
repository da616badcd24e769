// The read endpoints' answers, built from what real ceph-mgr 16.2.15 handed its
// modules (mgr_internals/), compared with what Ceph's restful module served
// from the same cluster (restful/): the mapping rules, checked on real data.

import { describe, expect, test } from 'vitest';
import type { GetName, Snapshot } from '../../src/mgr-module/index.js';
import { referenceReader as reference, refJson as json, refText } from '../../test/helpers/restful-reference.js';
import { expectSameShape } from '../../test/helpers/shape.js';
import { crushRuleOsds } from './crush.js';
import { pyJson } from './py-json.js';
import { ROUTES, docApi } from './routes.js';
import * as views from './views.js';

describe('restful read endpoints on the reference cluster', () => {
  test('/mon is what Ceph served, value for value', () => {
    expect(views.mons(reference)).toEqual(json('restful/get_mon.json'));
  });

  test('/osd has Ceph\'s keys, pools, servers, reweights and commands', () => {
    const ours = views.osds(reference);
    const theirs = json<Array<Record<string, unknown>>>('restful/get_osd.json');
    expectSameShape(ours, theirs, '/osd');
    expect(ours.map((o) => [o.osd, o.pools, o.server, o.reweight, o.valid_commands]))
      .toEqual(theirs.map((o) => [o.osd, o.pools, o.server, o.reweight, o.valid_commands]));
  });

  test('/pool has Ceph\'s keys and pools', () => {
    const ours = views.pools(reference);
    const theirs = json<Array<Record<string, unknown>>>('restful/get_pool.json');
    expectSameShape(ours, theirs, '/pool', { mapPaths: ['[].application_metadata'] });
    expect(ours.map((p) => [p.pool, p.pool_name, p.pgp_num])).toEqual(theirs.map((p) => [p.pool, p.pool_name, p.pgp_num]));
  });

  test('/server and /config/cluster are the manager\'s answers', () => {
    expect(reference.listServers()).toEqual(json('restful/get_server.json'));
    expect(Object.keys(reference.get('config')).sort()).toEqual(Object.keys(json('restful/get_config_cluster.json')).sort());
  });

  test('/config/osd shows the flags, pauserd+pausewr as pause', () => {
    expect(views.osdFlags(reference)).toEqual(['sortbitwise', 'recovery_deletes', 'purged_snapdirs', 'pglog_hardlimit']);
    const paused = { ...reference, get: <N extends GetName>(n: N) => (n === 'osd_map' ? { ...reference.get('osd_map'), flags: 'pauserd,pausewr,noout' } : reference.get(n)) as Snapshot<N> };
    expect(views.osdFlags(paused)).toEqual(['pause', 'noout']);
  });

  test('/crush/rule counts the OSDs each rule reaches', () => {
    const rules = views.crushRules(reference);
    expect(rules.map((r) => [r.rule_name, r.osd_count])).toEqual([['replicated_rule', 4]]);
  });

  test('/perf filters daemons by a regex matched at the start of the name', () => {
    expect(Object.keys(views.perf(reference, (n) => /^osd\.[01]/.test(n))).sort()).toEqual(['osd.0', 'osd.1']);
    expect(Object.keys(views.perf(reference, (n) => n.startsWith('sd')))).toEqual([]);
  });

  test('/ and the JSON style are Ceph\'s: sorted keys, four-space indent', () => {
    const root = ROUTES.find((r) => r.path === '/')!.methods.GET!.run({} as never, {} as never);
    expect(pyJson(root)).toBe(refText('restful/get_root.json').trimEnd());
    expect(pyJson(views.mons(reference))).toBe(refText('restful/get_mon.json').trimEnd());
  });

  test('/doc names every endpoint with its methods', () => {
    const doc = docApi();
    expect(Object.keys(doc)).toContain('/osd/<arg>/command');
    expect(Object.keys(doc['/pool/<arg>']!).sort()).toEqual(['DELETE', 'GET', 'PATCH']);
    expect(doc['/']!.GET).toEqual(['Show the basic information for the REST API', 'This includes values like api version or auth method']);
  });
});

describe('crushRuleOsds', () => {
  const buckets = [
    { id: -1, type_name: 'root', items: [{ id: -2 }, { id: -3 }] },
    { id: -2, type_name: 'host', items: [{ id: 0 }, { id: 1 }] },
    { id: -3, type_name: 'host', items: [{ id: 2 }] },
    { id: -4, type_name: 'root', items: [{ id: -5 }] },
    { id: -5, type_name: 'host', items: [{ id: 7 }] },
  ];
  test('chooseleaf over hosts reaches the OSDs under the taken root only', () => {
    const rule = { steps: [{ op: 'take', item: -1 }, { op: 'chooseleaf_firstn', type: 'host' }, { op: 'emit' }] };
    expect([...crushRuleOsds(buckets, rule)].sort()).toEqual([0, 1, 2]);
  });
  test('choose over hosts then OSDs', () => {
    const rule = { steps: [{ op: 'take', item: -4 }, { op: 'choose_firstn', type: 'host' }, { op: 'choose_firstn', type: 'osd' }, { op: 'emit' }] };
    expect([...crushRuleOsds(buckets, rule)]).toEqual([7]);
  });
});
