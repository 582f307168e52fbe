/**
 * The node manager against a real API server, with a manual clock: registration, heartbeats
 * spread over the renew interval (one loop, no burst), status re-posted when the API shows the
 * node NotReady, and heartbeats ending when the node is deleted.
 */
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, waitFor } from '../../../test/support/in-process-server.js';
import type { KObject } from '../../api/object.js';
import type { Client, ResourceClient } from '../../client/types.js';
import { ManualClock } from '../testing.js';
import { NodeManager } from './node-manager.js';
import { virtualNodes } from './virtual-nodes.js';

let test: TestServer;
beforeAll(async () => {
  test = await startTestServer([]);
});
afterAll(async () => {
  await test?.close();
});

/** A real client that also notes every write: verb, resource, object name and the clock's time. */
function recording(client: Client, clock: ManualClock) {
  const writes: Array<{ verb: string; resource: string; name: string; at: number }> = [];
  const wrapped: Client = {
    resource<T extends KObject>(g: string, v: string, r: string): ResourceClient<T> {
      const inner = client.resource<T>(g, v, r);
      const note = (verb: string, name: string) =>
        writes.push({ verb, resource: r, name, at: clock.now().getTime() });
      return {
        ...inner,
        get: inner.get.bind(inner),
        list: inner.list.bind(inner),
        watch: inner.watch.bind(inner),
        create: (ns, obj) => {
          note('create', obj.metadata.name!);
          return inner.create(ns, obj);
        },
        update: (ns, obj) => {
          note('update', obj.metadata.name!);
          return inner.update(ns, obj);
        },
        updateStatus: inner.updateStatus.bind(inner),
        patch: (ns, name, type, p, sub) => {
          note('patch', name);
          return inner.patch(ns, name, type, p, sub);
        },
        delete: inner.delete.bind(inner),
        createSubresource: inner.createSubresource.bind(inner),
      };
    },
  };
  return { client: wrapped, writes };
}

/** A seeded generator, so jitter is the same on every run. */
function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

const settle = () => new Promise((r) => setTimeout(r, 15));

async function advance(clock: ManualClock, ms: number, step = 100) {
  for (let t = 0; t < ms; t += step) {
    clock.advance(step);
    await settle();
  }
}

describe('node manager', () => {
  it('renews every lease once per interval, spread so no tick carries a burst', async () => {
    const clock = new ManualClock(Date.now());
    const { client, writes } = recording(test.client, clock);
    const nodes = virtualNodes({ count: 100, prefix: 'spread-' });
    const manager = new NodeManager({
      client,
      clock,
      nodes,
      info: { runtimeName: 'virtual', runtimeVersion: '1.0', kubeletVersion: 'v1.32.0-skiff' },
      renewIntervalMs: 1000,
      statusIntervalMs: 60_000,
      tickMs: 100,
      random: seeded(7),
    });
    try {
      await manager.start();
      expect(manager.registered()).toHaveLength(100);
      const start = clock.now().getTime();
      await advance(clock, 3000);
      const renewals = writes.filter((w) => w.resource === 'leases' && w.verb === 'update' && w.at > start);
      const perNode = new Map<string, number>();
      for (const r of renewals) perNode.set(r.name, (perNode.get(r.name) ?? 0) + 1);
      // Three intervals: each node renews three times (the edge of the window may add or drop one).
      expect([...perNode.values()].every((n) => n >= 2 && n <= 4)).toBe(true);
      expect(perNode.size).toBe(100);
      const perTick = new Map<number, number>();
      for (const r of renewals) perTick.set(r.at, (perTick.get(r.at) ?? 0) + 1);
      expect(Math.max(...perTick.values())).toBeLessThanOrEqual(30);
    } finally {
      manager.stop();
    }
  });

  it('re-posts status at once when the API shows the node NotReady, and stops for a deleted node', async () => {
    const clock = new ManualClock(Date.now());
    const { client, writes } = recording(test.client, clock);
    const manager = new NodeManager({
      client,
      clock,
      nodes: virtualNodes({ count: 1, prefix: 'flip-' }),
      info: { runtimeName: 'virtual', runtimeVersion: '1.0', kubeletVersion: 'v1.32.0-skiff' },
      renewIntervalMs: 1000,
      statusIntervalMs: 60_000,
      tickMs: 100,
    });
    const nodesAPI = test.client.resource<Node & KObject>('', 'v1', 'nodes');
    try {
      await manager.start();
      await nodesAPI.patch(
        '',
        'flip-0',
        'strategic',
        { status: { conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown' }] } },
        'status',
      );
      await waitFor(
        async () => {
          await advance(clock, 100);
          const ready = (await nodesAPI.get('', 'flip-0')).status?.conditions?.find(
            (c) => c.type === 'Ready',
          );
          return ready?.status === 'True' && ready;
        },
        5000,
        'Ready again',
      );
      await nodesAPI.delete('', 'flip-0');
      await advance(clock, 300);
      const before = writes.length;
      await advance(clock, 3000);
      expect(writes.slice(before).filter((w) => w.name === 'flip-0')).toEqual([]);
      const leases = test.client.resource<Lease & KObject>('coordination.k8s.io', 'v1', 'leases');
      expect((await leases.get('kube-node-lease', 'flip-0')).spec?.holderIdentity).toBe('flip-0');
    } finally {
      manager.stop();
    }
  });
});
