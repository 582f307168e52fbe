import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import type { KObject } from '../../api/object.js';
import { claimsFor, newStatefulPod, ordinalOf } from './identity.js';
import { planStatefulSet, type StatefulAction } from './planner.js';

const now = new Date('2025-01-01T00:10:00Z');
const revs = { current: 'web-aaa', update: 'web-aaa' };

type Spec = NonNullable<StatefulSet['spec']>;
function sts(spec: Partial<Spec> = {}): StatefulSet & KObject {
  return {
    metadata: { name: 'web', namespace: 'default', generation: 1, uid: 'u1' },
    spec: {
      replicas: 3,
      serviceName: 'web',
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
      ...spec,
    },
  };
}

function pod(
  ordinal: number,
  state: 'ready' | 'pending' | 'failed' | 'terminating' = 'ready',
  revision = 'web-aaa',
): Pod {
  return {
    metadata: {
      name: `web-${ordinal}`,
      labels: { app: 'web', 'controller-revision-hash': revision },
      ...(state === 'terminating' ? { deletionTimestamp: now.toISOString() } : {}),
    },
    status: {
      phase: state === 'failed' ? 'Failed' : state === 'pending' ? 'Pending' : 'Running',
      conditions: [
        { type: 'Ready', status: state === 'ready' || state === 'terminating' ? 'True' : 'False' },
      ],
    },
  };
}

const describeActions = (actions: StatefulAction[]) =>
  actions.map((a) =>
    a.type === 'create'
      ? `create ${a.ordinal}${a.revision === 'current' ? ' (current)' : ''}`
      : `delete ${a.pod.metadata?.name} (${a.reason})`,
  );

describe('StatefulSet planning', () => {
  const cases: Array<{
    name: string;
    set: StatefulSet & KObject;
    pods: Pod[];
    revs?: typeof revs;
    want: string[];
  }> = [
    { name: 'an empty OrderedReady set creates only ordinal 0', set: sts(), pods: [], want: ['create 0'] },
    {
      name: 'OrderedReady does not create web-1 before web-0 is Ready',
      set: sts(),
      pods: [pod(0, 'pending')],
      want: [],
    },
    {
      name: 'OrderedReady creates web-1 once web-0 is Running and Ready',
      set: sts(),
      pods: [pod(0)],
      want: ['create 1'],
    },
    {
      name: 'Parallel creates every missing ordinal at once',
      set: sts({ podManagementPolicy: 'Parallel' }),
      pods: [pod(0, 'pending')],
      want: ['create 1', 'create 2'],
    },
    {
      name: 'OrderedReady scales down from the highest ordinal, one at a time',
      set: sts({ replicas: 1 }),
      pods: [pod(0), pod(1), pod(2)],
      want: ['delete web-2 (condemned)'],
    },
    {
      name: 'OrderedReady waits for a terminating pod before deleting the next',
      set: sts({ replicas: 1 }),
      pods: [pod(0), pod(1), pod(2, 'terminating')],
      want: [],
    },
    {
      name: 'Parallel scales down every condemned pod at once',
      set: sts({ replicas: 1, podManagementPolicy: 'Parallel' }),
      pods: [pod(0), pod(1), pod(2)],
      want: ['delete web-2 (condemned)', 'delete web-1 (condemned)'],
    },
    {
      name: 'a failed pod is deleted so it can be recreated',
      set: sts(),
      pods: [pod(0, 'failed')],
      want: ['delete web-0 (failed)'],
    },
    {
      name: 'a rolling update replaces the highest ordinal first',
      set: sts(),
      pods: [pod(0), pod(1), pod(2)],
      revs: { current: 'web-aaa', update: 'web-bbb' },
      want: ['delete web-2 (update)'],
    },
    {
      name: 'a rolling update waits for the replaced pod to be Ready',
      set: sts(),
      pods: [pod(0), pod(1), pod(2, 'pending', 'web-bbb')],
      revs: { current: 'web-aaa', update: 'web-bbb' },
      want: [],
    },
    {
      name: 'a rolling update moves down once the replaced pod is Ready',
      set: sts(),
      pods: [pod(0), pod(1), pod(2, 'ready', 'web-bbb')],
      revs: { current: 'web-aaa', update: 'web-bbb' },
      want: ['delete web-1 (update)'],
    },
    {
      name: 'a partition stops the update at its ordinal',
      set: sts({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }),
      pods: [pod(0), pod(1), pod(2, 'ready', 'web-bbb')],
      revs: { current: 'web-aaa', update: 'web-bbb' },
      want: [],
    },
    {
      name: 'ordinals below the partition are recreated at the current revision',
      set: sts({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }),
      pods: [],
      revs: { current: 'web-aaa', update: 'web-bbb' },
      want: ['create 0 (current)'],
    },
    {
      name: 'OnDelete never replaces pods itself',
      set: sts({ updateStrategy: { type: 'OnDelete' } }),
      pods: [pod(0), pod(1), pod(2)],
      revs: { current: 'web-aaa', update: 'web-bbb' },
      want: [],
    },
    {
      name: 'a start ordinal shifts the names',
      set: sts({ ordinals: { start: 5 }, replicas: 1 }),
      pods: [],
      want: ['create 5'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(describeActions(planStatefulSet(c.set, c.pods, c.revs ?? revs, now).actions)).toEqual(c.want);
    });
  }

  it('counts replicas and revisions, and makes the update revision current when every pod has it', () => {
    const mid = planStatefulSet(
      sts(),
      [pod(0), pod(1, 'ready', 'web-bbb'), pod(2, 'pending', 'web-bbb')],
      { current: 'web-aaa', update: 'web-bbb' },
      now,
    );
    expect(mid.status).toMatchObject({
      replicas: 3,
      readyReplicas: 2,
      availableReplicas: 2,
      currentReplicas: 1,
      updatedReplicas: 2,
      currentRevision: 'web-aaa',
      updateRevision: 'web-bbb',
    });
    const done = planStatefulSet(
      sts(),
      [0, 1, 2].map((i) => pod(i, 'ready', 'web-bbb')),
      { current: 'web-aaa', update: 'web-bbb' },
      now,
    );
    expect(done.status).toMatchObject({ currentRevision: 'web-bbb', currentReplicas: 3, updatedReplicas: 3 });
  });
});

describe('StatefulSet identity', () => {
  it('parses ordinals only from the set own names', () => {
    expect(ordinalOf('web', 'web-12')).toBe(12);
    expect(ordinalOf('web', 'web-01')).toBeUndefined();
    expect(ordinalOf('web', 'webby-1')).toBeUndefined();
    expect(ordinalOf('web', 'web-x')).toBeUndefined();
  });

  it('gives each pod its name, labels, hostname, subdomain and claim volumes', () => {
    const set = sts({
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        },
      ],
    });
    const p = newStatefulPod(set, set.spec?.template, 2, 'web-aaa');
    expect(p.metadata.name).toBe('web-2');
    expect(p.metadata.labels).toMatchObject({
      app: 'web',
      'statefulset.kubernetes.io/pod-name': 'web-2',
      'apps.kubernetes.io/pod-index': '2',
      'controller-revision-hash': 'web-aaa',
    });
    expect(p.spec).toMatchObject({
      hostname: 'web-2',
      subdomain: 'web',
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-web-2' } }],
    });
    const [claim] = claimsFor(set, 2);
    expect(claim.metadata).toMatchObject({ name: 'data-web-2', labels: { app: 'web' } });
    expect(claim.metadata.ownerReferences).toBeUndefined();
  });
});
