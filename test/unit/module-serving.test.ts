// A manager turns available once its modules are up. A module whose serve() is a
// Ceph-style loop never returns from it: its first waitS() counts as up, so the
// manager does not sit out its whole start bound (5 s) for it. A clean-clone CI
// run caught `mgrd run` waiting 5 s on the crash and devicehealth loops.

import { afterEach, describe, expect, it } from 'vitest';
import { startTestMgr, type TestMgr } from '../helpers/harness.js';

describe('module start', () => {
  let t: TestMgr | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('a serve() loop that waits is up at its first wait: the manager does not wait on it', async () => {
    t = await startTestMgr({ modulePaths: ['test/fixtures/modules'], modules: ['looper'] });
    expect(t.mgr.registry.get('looper')!.running).toBe(true);
    expect((t.mgr.registry.get('looper')!.instance as unknown as { rounds: number }).rounds).toBe(1);
    expect(t.store.current().available).toBe(true);
    // Bounded by ten minutes, the wait ends at once; were the loop not up, it would last the ten minutes.
    const r = await Promise.race([
      t.mgr.registry.whenServing(600_000).then(() => 'up'),
      new Promise((res) => setTimeout(() => res('still waiting'), 20_000)),
    ]);
    expect(r).toBe('up');
  }, 30_000);
});
