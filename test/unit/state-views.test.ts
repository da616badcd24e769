// get('mon_status') wraps the mon's status once, as ceph-mgr does, whichever form the MAP carried.

import { describe, expect, it } from 'vitest';
import { startTestMgr } from '../helpers/harness.js';

describe('get(mon_status)', () => {
  it('wraps a plain status once and unwraps a {json} one', async () => {
    const t = await startTestMgr({ modules: [] });
    try {
      t.mgr.cluster.applyMap({ mon_status: { name: 'a', quorum: [0], quorum_age: 5 } });
      expect(JSON.parse(t.mgr.views.get('mon_status').json)).toEqual({ name: 'a', quorum: [0], quorum_age: 5 });
      t.mgr.cluster.applyMap({ mon_status: { json: JSON.stringify({ name: 'b', quorum: [1] }) } });
      expect(JSON.parse(t.mgr.views.get('mon_status').json)).toEqual({ name: 'b', quorum: [1] });
    } finally {
      await t.stop();
    }
  });
});
