import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, waitFor } from '../../../test/support/in-process-server.js';
import type { KObject } from '../../api/object.js';
import { Informer } from '../../client/informer.js';
import { type FakeKubelet, retryConflict, setPodPhase, startFakeKubelet } from '../daemonset/testing.js';
import { statefulSetController } from './index.js';

type STS = StatefulSet & KObject;
type PodObj = Pod & KObject;

describe('StatefulSet controller against a real server', () => {
  let t: TestServer;
  let kubelet: FakeKubelet;
  let watcher: Informer<PodObj>;
  let autoReady = false;
  const created: string[] = [];
  const deleted: string[] = [];
  beforeAll(async () => {
    t = await startTestServer([statefulSetController()]);
    kubelet = startFakeKubelet(t.client, () => autoReady);
    watcher = new Informer<PodObj>(t.client.resource('', 'v1', 'pods'));
    watcher.addHandlers({
      onAdd: (p) => created.push(p.metadata.name ?? ''),
      onDelete: (p) => deleted.push(p.metadata.name ?? ''),
    });
    await watcher.start();
  });
  afterAll(async () => {
    watcher?.stop();
    kubelet?.stop();
    await t?.close();
  });

  const sets = () => t.client.resource<STS>('apps', 'v1', 'statefulsets');
  const pods = () => t.client.resource<PodObj>('', 'v1', 'pods');
  const exists = (name: string) =>
    pods()
      .get('default', name)
      .then(
        () => true,
        () => false,
      );
  const scale = (replicas: number) =>
    retryConflict(() => sets().patch('default', 'web', 'merge', { spec: { replicas } }));
  const settle = () => new Promise((r) => setTimeout(r, 300));

  it('scales 0 to 3 in order, each pod only after the previous is Running and Ready', async () => {
    await sets().create('default', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 0,
        serviceName: 'web',
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'nginx', image: 'nginx:1' }] },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
          },
        ],
      },
    } as STS);
    await scale(3);
    for (const ordinal of [0, 1, 2]) {
      await waitFor(() => exists(`web-${ordinal}`), 10_000, `web-${ordinal}`);
      await settle();
      if (ordinal < 2) expect(await exists(`web-${ordinal + 1}`)).toBe(false);
      await setPodPhase(t.client, 'default', `web-${ordinal}`, 'Running');
    }
    expect(created).toEqual(['web-0', 'web-1', 'web-2']);
    const web1 = await pods().get('default', 'web-1');
    expect(web1.spec).toMatchObject({ hostname: 'web-1', subdomain: 'web' });
    expect(web1.metadata.labels).toMatchObject({
      'statefulset.kubernetes.io/pod-name': 'web-1',
      'apps.kubernetes.io/pod-index': '1',
    });
    const claims = (await t.client.resource('', 'v1', 'persistentvolumeclaims').list('default')).items
      .map((c) => c.metadata.name)
      .sort();
    expect(claims).toEqual(['data-web-0', 'data-web-1', 'data-web-2']);
    await waitFor(
      async () => {
        const s = (await sets().get('default', 'web')).status;
        return (
          s?.replicas === 3 &&
          s.readyReplicas === 3 &&
          s.availableReplicas === 3 &&
          s.currentRevision === s.updateRevision &&
          s.observedGeneration === 2
        );
      },
      10_000,
      'status 3/3',
    );
  });

  it('scales 3 to 1 from the highest ordinal down', async () => {
    await scale(1);
    await waitFor(
      async () => !(await exists('web-1')) && !(await exists('web-2')),
      10_000,
      'web-1 and web-2 gone',
    );
    expect(deleted).toEqual(['web-2', 'web-1']);
    expect(await exists('web-0')).toBe(true);
  });

  it('rolls a template change from the highest ordinal down, honouring the partition', async () => {
    autoReady = true;
    await scale(3);
    await waitFor(
      async () => (await sets().get('default', 'web')).status?.readyReplicas === 3,
      10_000,
      '3 ready',
    );
    deleted.length = 0;
    await retryConflict(() =>
      sets().patch('default', 'web', 'merge', {
        spec: {
          template: { spec: { containers: [{ name: 'nginx', image: 'nginx:2' }] } },
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } },
        },
      }),
    );
    const image = async (i: number) => (await pods().get('default', `web-${i}`)).spec?.containers[0].image;
    await waitFor(
      async () => (await image(2)) === 'nginx:2' && (await image(1)) === 'nginx:2',
      10_000,
      'web-2 and web-1 updated',
    );
    await settle();
    expect(await image(0)).toBe('nginx:1');
    expect(deleted).toEqual(['web-2', 'web-1']);
    const status = (await sets().get('default', 'web')).status;
    expect(status?.updatedReplicas).toBe(2);
    expect(status?.currentRevision).not.toBe(status?.updateRevision);
    const revisions = (await t.client.resource('apps', 'v1', 'controllerrevisions').list('default')).items;
    expect(revisions.map((r) => r.metadata.name).sort()).toEqual(
      [status?.currentRevision, status?.updateRevision].sort(),
    );
  });
});
