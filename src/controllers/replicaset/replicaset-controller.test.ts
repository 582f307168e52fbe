/**
 * The ReplicaSet controller against a real in-process API server, with a fake kubelet making
 * pods Running and Ready.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, waitFor } from '../../../test/support/in-process-server.js';
import type { ResourceClient } from '../../client/types.js';
import { controllerRef, type PodObj } from './pods.js';
import { replicaSetController } from './replicaset-controller.js';
import type { ReplicaSetObj } from './status.js';
import { type FakeKubelet, holdAnnotation, podTemplate, replicaSet, startFakeKubelet } from './testkit.js';

let t: TestServer;
let kubelet: FakeKubelet;
let pods: ResourceClient<PodObj>;
let sets: ResourceClient<ReplicaSetObj>;

beforeAll(async () => {
  t = await startTestServer([replicaSetController]);
  kubelet = startFakeKubelet(t.client);
  pods = t.client.resource<PodObj>('', 'v1', 'pods');
  sets = t.client.resource<ReplicaSetObj>('apps', 'v1', 'replicasets');
});

afterAll(async () => {
  kubelet?.stop();
  await t?.close();
});

async function podsOf(rs: ReplicaSetObj): Promise<PodObj[]> {
  const all = await pods.list('default');
  return all.items.filter((p) => controllerRef(p)?.uid === rs.metadata.uid && !p.metadata.deletionTimestamp);
}

async function settled(name: string, replicas: number): Promise<ReplicaSetObj> {
  return waitFor<ReplicaSetObj | undefined>(
    async () => {
      const rs = await sets.get('default', name);
      const s = rs.status;
      const ok =
        s?.observedGeneration === rs.metadata.generation &&
        s?.replicas === replicas &&
        s?.readyReplicas === replicas &&
        s?.availableReplicas === replicas &&
        (await podsOf(rs)).length === replicas;
      return ok ? rs : undefined;
    },
    10_000,
    `${name} to settle at ${replicas}`,
  ) as Promise<ReplicaSetObj>;
}

describe('replicaset controller', () => {
  it('creates pods from the template with an owner reference and reports status', async () => {
    const created = await sets.create('default', replicaSet('web', 3, { app: 'web' }));
    const rs = await settled('web', 3);
    expect(rs.status?.fullyLabeledReplicas).toBe(3);
    for (const pod of await podsOf(created)) {
      expect(pod.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
      expect(pod.metadata.labels).toEqual({ app: 'web' });
      expect(controllerRef(pod)).toMatchObject({
        kind: 'ReplicaSet',
        name: 'web',
        controller: true,
        blockOwnerDeletion: true,
      });
    }
    const events = await t.client.resource('', 'v1', 'events').list('default');
    expect(
      events.items.some(
        (e) => e.reason === 'SuccessfulCreate' && String(e.message).startsWith('Created pod: web-'),
      ),
    ).toBe(true);
  });

  it('scales up and down, deleting surplus pods', async () => {
    await sets.patch('default', 'web', 'merge', { spec: { replicas: 5 } });
    await settled('web', 5);
    await sets.patch('default', 'web', 'merge', { spec: { replicas: 2 } });
    await settled('web', 2);
    const events = await t.client.resource('', 'v1', 'events').list('default');
    expect(events.items.some((e) => e.reason === 'SuccessfulDelete')).toBe(true);
  });

  it('recreates pods that are deleted', async () => {
    const rs = await sets.get('default', 'web');
    const before = await podsOf(rs);
    await Promise.all(before.map((p) => pods.delete('default', p.metadata.name!, { gracePeriodSeconds: 0 })));
    await settled('web', 2);
    const after = await podsOf(rs);
    expect(after.map((p) => p.metadata.name)).not.toContain(before[0].metadata.name);
  });

  it('adopts a matching orphan instead of creating a pod, and releases a pod whose labels stop matching', async () => {
    const orphan = await pods.create('default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'stray', namespace: 'default', labels: { app: 'db' } },
      spec: podTemplate({ app: 'db' }).spec,
    } as PodObj);
    expect(controllerRef(orphan)).toBeUndefined();
    const rs = await sets.create('default', replicaSet('db', 2, { app: 'db' }));
    await settled('db', 2);
    const owned = await podsOf(rs);
    expect(owned.map((p) => p.metadata.name)).toContain('stray');

    await pods.patch('default', 'stray', 'merge', { metadata: { labels: { app: 'other' } } });
    await waitFor(
      async () => !controllerRef(await pods.get('default', 'stray')),
      10_000,
      'stray to be released',
    );
    await settled('db', 2);
    expect((await podsOf(rs)).map((p) => p.metadata.name)).not.toContain('stray');
  });

  it('deletes unscheduled pods before running ones when scaling down', async () => {
    const rs = await sets.create('default', replicaSet('mixed', 2, { app: 'mixed' }));
    await settled('mixed', 2);
    const running = (await podsOf(rs)).map((p) => p.metadata.name);
    // A pending, unscheduled pod the RS adopts: it is the cheapest to lose.
    await pods.create('default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'mixed-pending',
        namespace: 'default',
        labels: { app: 'mixed' },
        annotations: { [holdAnnotation]: 'true' },
      },
      spec: podTemplate({ app: 'mixed' }).spec,
    } as PodObj);
    await waitFor(
      async () =>
        (await podsOf(rs)).length === 2 &&
        !(await podsOf(rs)).some((p) => p.metadata.name === 'mixed-pending'),
      10_000,
      'surplus pod removed',
    );
    expect((await podsOf(rs)).map((p) => p.metadata.name).sort()).toEqual(running.sort());
  });
});
