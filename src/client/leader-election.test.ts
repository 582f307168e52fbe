import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, waitFor } from '../../test/support/in-process-server.js';
import { LeaderElector } from './leader-election.js';
import { realClock } from './types.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer([]);
});
afterAll(async () => {
  await t?.close();
});

function candidate(identity: string, name: string) {
  const events: string[] = [];
  const elector = new LeaderElector(
    t.client,
    {
      namespace: 'kube-system',
      name,
      identity,
      leaseDurationSeconds: 5,
      renewIntervalMs: 100,
      clock: realClock,
    },
    { onStartedLeading: () => events.push('started'), onStoppedLeading: () => events.push('stopped') },
  );
  return { elector, events };
}

describe('LeaderElector', () => {
  it('lets one candidate lead; a leader that stops releases the lease and another takes it at once', async () => {
    const a = candidate('a', 'election-test');
    const b = candidate('b', 'election-test');
    a.elector.start();
    await waitFor(() => a.elector.isLeader, 5000, 'a leads');
    b.elector.start();
    await new Promise((r) => setTimeout(r, 400));
    expect(b.elector.isLeader).toBe(false);

    const released = Date.now();
    await a.elector.stop();
    expect(a.events).toEqual(['started', 'stopped']);
    // Well inside the 5 s lease a crashed leader would leave behind.
    await waitFor(() => b.elector.isLeader, 2000, 'b leads after the release');
    expect(Date.now() - released).toBeLessThan(2000);
    const lease = await t.client
      .resource('coordination.k8s.io', 'v1', 'leases')
      .get('kube-system', 'election-test');
    expect((lease.spec as { holderIdentity?: string }).holderIdentity).toBe('b');
    await b.elector.stop();
  });
});
