import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, waitFor } from '../../../test/support/in-process-server.js';
import type { KObject } from '../../api/object.js';
import { daemonSetController } from './index.js';
import { type FakeKubelet, retryConflict, startFakeKubelet, testNode } from './testing.js';

type DS = DaemonSet & KObject;

describe('DaemonSet controller against a real server', () => {
  let t: TestServer;
  let kubelet: FakeKubelet;
  beforeAll(async () => {
    t = await startTestServer([daemonSetController()]);
    kubelet = startFakeKubelet(t.client, (pod) => !!pod.spec?.nodeName);
  });
  afterAll(async () => {
    kubelet?.stop();
    await t?.close();
  });

  const nodes = () => t.client.resource('', 'v1', 'nodes');
  const pods = () => t.client.resource<Pod & KObject>('', 'v1', 'pods');
  const sets = () => t.client.resource<DS>('apps', 'v1', 'daemonsets');
  const podsOf = async () =>
    (await pods().list('default', { labelSelector: 'app=agent' })).items.filter(
      (p) => !p.metadata.deletionTimestamp,
    );
  const nodesWithPods = async () => (await podsOf()).map((p) => p.spec?.nodeName).sort();

  it('covers every node, including one that joins later, and leaves a removed one', async () => {
    await nodes().create('', testNode('n1'));
    await nodes().create('', testNode('n2'));
    await nodes().create(
      '',
      testNode('tainted', {}, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]),
    );
    await sets().create('default', {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: 'default' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: {
          metadata: { labels: { app: 'agent' } },
          spec: { containers: [{ name: 'agent', image: 'agent:1' }] },
        },
      },
    } as DS);
    await waitFor(async () => (await nodesWithPods()).join() === 'n1,n2', 10_000, 'pods on n1 and n2');
    const [first] = await podsOf();
    expect(
      first.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0]
        .matchFields,
    ).toEqual([{ key: 'metadata.name', operator: 'In', values: [first.spec?.nodeName] }]);
    expect(first.spec?.tolerations?.map((x) => x.key)).toContain('node.kubernetes.io/unreachable');
    expect(first.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'DaemonSet',
      name: 'agent',
      controller: true,
    });

    await nodes().create('', testNode('n3'));
    await waitFor(async () => (await nodesWithPods()).join() === 'n1,n2,n3', 10_000, 'a pod on the new node');
    await waitFor(
      async () => {
        const s = (await sets().get('default', 'agent')).status;
        return (
          s?.desiredNumberScheduled === 3 &&
          s.numberReady === 3 &&
          s.numberAvailable === 3 &&
          s.updatedNumberScheduled === 3 &&
          s.observedGeneration === 1
        );
      },
      10_000,
      'status 3/3 ready',
    );

    await nodes().delete('', 'n3');
    await waitFor(
      async () => (await nodesWithPods()).join() === 'n1,n2',
      10_000,
      'the removed node to lose its pod',
    );
  });

  it('rolls a template change node by node and records ControllerRevisions', async () => {
    const oldHash = (await podsOf())[0].metadata.labels?.['controller-revision-hash'];
    const patch = { spec: { template: { spec: { containers: [{ name: 'agent', image: 'agent:2' }] } } } };
    await retryConflict(() => sets().patch('default', 'agent', 'merge', patch));
    // No more than maxUnavailable (1) of the two nodes may be without an available pod at once.
    let worst = 0;
    await waitFor(
      async () => {
        const live = await podsOf();
        const ready = new Set(
          live
            .filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
            .map((p) => p.spec?.nodeName),
        );
        worst = Math.max(worst, 2 - ready.size);
        return (
          live.length === 2 &&
          live.every((p) => p.spec?.containers[0].image === 'agent:2' && p.status?.phase === 'Running')
        );
      },
      15_000,
      'every pod on agent:2',
    );
    expect(worst).toBeLessThanOrEqual(1);
    const revisions = (
      await t.client
        .resource<ControllerRevision & KObject>('apps', 'v1', 'controllerrevisions')
        .list('default')
    ).items;
    expect(revisions.map((r) => r.revision).sort()).toEqual([1, 2]);
    const newHash = (await podsOf())[0].metadata.labels?.['controller-revision-hash'];
    expect(newHash).not.toBe(oldHash);
    expect(revisions.find((r) => r.revision === 2)?.metadata.name).toBe(`agent-${newHash}`);
    await waitFor(
      async () => {
        const s = (await sets().get('default', 'agent')).status;
        return s?.updatedNumberScheduled === 2 && s.numberAvailable === 2 && s.observedGeneration === 2;
      },
      10_000,
      'status updated 2/2',
    );
  });
});
