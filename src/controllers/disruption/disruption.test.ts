/**
 * The disruption controller against a real API server, with the eviction subresource reading the
 * status it writes. The test plays the kubelet (pod readiness) and stands in for the ReplicaSet
 * controller (the ReplicaSet exists only to give the pods a scale).
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../../../test/support/api-client.js';
import { startTestServer, type TestServer, waitFor } from '../../../test/support/in-process-server.js';
import type { KObject } from '../../api/object.js';
import type { ResourceClient } from '../../client/types.js';
import { disruptionController } from './index.js';

type P = Pod & KObject;
type B = PodDisruptionBudget & KObject;
let t: TestServer;
let pods: ResourceClient<P>;
let pdbs: ResourceClient<B>;

beforeAll(async () => {
  t = await startTestServer([disruptionController]);
  pods = t.client.resource<P>('', 'v1', 'pods');
  pdbs = t.client.resource<B>('policy', 'v1', 'poddisruptionbudgets');
});
afterAll(async () => {
  await t?.close();
});

async function pod(name: string, app: string, ready: boolean, owner?: KObject): Promise<void> {
  const ownerReferences = owner
    ? [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: owner.metadata.name!,
          uid: owner.metadata.uid!,
          controller: true,
        },
      ]
    : undefined;
  await pods.create('default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app }, ownerReferences },
    spec: { containers: [{ name: 'c', image: 'nginx' }] },
  } as P);
  await setReady(name, ready);
}

async function setReady(name: string, ready: boolean): Promise<void> {
  const p = await pods.get('default', name);
  (p as KObject).status = {
    ...p.status,
    phase: 'Running',
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
  };
  await pods.updateStatus('default', p);
}

async function budget(name: string, app: string, spec: Record<string, unknown>): Promise<void> {
  await pdbs.create('default', {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name },
    spec: { selector: { matchLabels: { app } }, ...spec },
  } as B);
}

const statusOf = async (name: string) => (await pdbs.get('default', name)).status;

describe('disruption controller', () => {
  it('tracks healthy pods against minAvailable, and eviction honours it', async () => {
    await pod('db-0', 'db', true);
    await pod('db-1', 'db', true);
    await budget('db', 'db', { minAvailable: 1 });
    const s = await waitFor(
      async () => ((await statusOf('db'))?.currentHealthy === 2 ? statusOf('db') : undefined),
      10_000,
      'status',
    );
    expect(s).toMatchObject({
      expectedPods: 2,
      desiredHealthy: 1,
      disruptionsAllowed: 1,
      observedGeneration: 1,
    });
    expect(s!.conditions?.find((c) => c.type === 'DisruptionAllowed')).toMatchObject({
      status: 'True',
      reason: 'SufficientPods',
    });

    await setReady('db-1', false);
    await waitFor(
      async () => (await statusOf('db'))?.disruptionsAllowed === 0,
      10_000,
      'no disruptions allowed',
    );
    const http = apiClient(t.server.url, t.dataDir);
    try {
      const evict = () =>
        http.request('POST', '/api/v1/namespaces/default/pods/db-0/eviction', {
          apiVersion: 'policy/v1',
          kind: 'Eviction',
          metadata: { name: 'db-0', namespace: 'default' },
        });
      expect((await evict()).status).toBe(429);
      await setReady('db-1', true);
      await waitFor(
        async () => (await statusOf('db'))?.disruptionsAllowed === 1,
        10_000,
        'disruption allowed again',
      );
      expect((await evict()).status).toBe(201);
    } finally {
      http.close();
    }
    await waitFor(
      async () => (await statusOf('db'))?.expectedPods === 1,
      10_000,
      'evicted pod no longer expected',
    );
  });

  it('takes maxUnavailable from the scale of the pods’ controller', async () => {
    const rs = await t.client.resource('apps', 'v1', 'replicasets').create('default', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'c', image: 'nginx' }] },
        },
      },
    });
    await pod('web-a', 'web', true, rs);
    await pod('web-b', 'web', true, rs);
    await budget('web', 'web', { maxUnavailable: 1 });
    // Three replicas are wanted, one is missing: the budget is already spent.
    const s = await waitFor(
      async () => ((await statusOf('web'))?.expectedPods === 3 ? statusOf('web') : undefined),
      10_000,
      'scale',
    );
    expect(s).toMatchObject({ expectedPods: 3, desiredHealthy: 2, currentHealthy: 2, disruptionsAllowed: 0 });
  });

  it('fails safe when percentages meet pods without a controller', async () => {
    await pod('lone', 'lone', true);
    await budget('lone', 'lone', { maxUnavailable: '50%' });
    const cond = await waitFor(
      async () => (await statusOf('lone'))?.conditions?.find((c) => c.reason === 'SyncFailed'),
      10_000,
      'SyncFailed',
    );
    expect(cond!.message).toBe('found no controllers for pod "lone"');
    expect((await statusOf('lone'))?.disruptionsAllowed).toBe(0);
  });
});
